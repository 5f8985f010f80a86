"""The ``[sparql]`` table of yuliao.toml: defaults, the commented template, and errors that
name the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from repository.config import CONFIG_FILE, Config, SparqlSettings, config_template
from repository.errors import InputError


def home_with(tmp_path: Path, table: str) -> Path:
    (tmp_path / CONFIG_FILE).write_text(f"[sparql]\n{table}\n", encoding="utf-8")
    return tmp_path


def test_the_defaults_are_ten_seconds_ten_thousand_rows_and_one_gib(tmp_path: Path) -> None:
    assert Config.from_env(tmp_path).sparql == SparqlSettings(
        time_limit=10.0, max_rows=10_000, workers=3, memory_limit=2**30, heavy=1,
        heavy_after=0.5)


def test_the_template_states_the_defaults(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(config_template(date(2026, 1, 1)), encoding="utf-8")
    assert Config.from_env(tmp_path).sparql == SparqlSettings()


def test_settings_are_read_from_the_file(tmp_path: Path) -> None:
    home = home_with(tmp_path, "time_limit = 2.5\nmax_rows = 500\nworkers = 2\n"
                     "memory_limit_mib = 256\nheavy = 2\nheavy_after = 0.5")
    assert Config.from_env(home).sparql == SparqlSettings(
        time_limit=2.5, max_rows=500, workers=2, memory_limit=256 * 2**20, heavy=2,
        heavy_after=0.5)


@pytest.mark.parametrize(("line", "key"), [
    ("time_limit = 0", "sparql.time_limit"), ("time_limit = \"10\"", "sparql.time_limit"),
    ("time_limit = true", "sparql.time_limit"), ("time_limit = 601", "sparql.time_limit"),
    ("max_rows = 0", "sparql.max_rows"), ("max_rows = 1.5", "sparql.max_rows"),
    ("workers = 0", "sparql.workers"), ("workers = 65", "sparql.workers"),
    ("memory_limit_mib = 10", "sparql.memory_limit_mib"),
    ("memory_limit_mib = 1.5", "sparql.memory_limit_mib"),
    ("heavy = 0", "sparql.heavy"), ("heavy_after = 0", "sparql.heavy_after"),
    ("heavy_after = \"1\"", "sparql.heavy_after"),
])
def test_a_bad_value_names_its_key(tmp_path: Path, line: str, key: str) -> None:
    with pytest.raises(InputError, match=f"field {key}"):
        Config.from_env(home_with(tmp_path, line))


def test_sparql_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text("sparql = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="field sparql"):
        Config.from_env(tmp_path)
