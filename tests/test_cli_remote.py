"""The ``yuliao`` command line on a remote store (two Oxigraph servers), end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app import main
from repository import Config, Repository

from .conftest import OxigraphServers


@pytest.fixture
def remote_env(oxigraph: OxigraphServers, monkeypatch: pytest.MonkeyPatch) -> None:
    """YULIAO_STORE / YULIAO_PUBLIC_STORE naming a cleared pair of servers."""
    work, public = oxigraph.pair(0)
    work.clear()
    public.clear()
    monkeypatch.setenv("YULIAO_STORE", f"sparql+{work.url}")
    monkeypatch.setenv("YULIAO_PUBLIC_STORE", f"sparql+{public.url}")


def run(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def published(home: Path) -> list[str]:
    with Repository(Config.from_env(home)) as repository:
        return repository.local_ids(public=True)


def test_init_demo_loads_the_remote_store(remote_env: None, tmp_path: Path) -> None:
    result = run(tmp_path / "home", "init", "--demo")
    assert result.exit_code == 0, result.output
    assert len(published(tmp_path / "home")) > 10
    assert not (tmp_path / "home" / "store").exists()  # nothing embedded was made


def test_init_refuses_a_remote_store_that_holds_data(remote_env: None, tmp_path: Path) -> None:
    assert run(tmp_path / "a", "init", "--demo").exit_code == 0
    result = run(tmp_path / "b", "init")
    assert result.exit_code == 1
    assert "already holds data" in result.output and "--force" in result.output
    assert published(tmp_path / "b")  # still there


def test_init_force_empties_both_remote_areas_and_the_index(remote_env: None,
                                                            tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "init", "--demo").exit_code == 0
    result = run(home, "init", "--force")
    assert result.exit_code == 0, result.output
    with Repository(Config.from_env(home)) as repository:
        assert repository.work.is_empty() and repository.public.is_empty()
        assert len(repository.disseminations) == 0
