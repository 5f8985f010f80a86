"""The accounts database: its versioned schema migrated in place (once, however many processes
open it at the same moment), errors as StoreError naming the database without a password,
the SQLite file owner-only, and the ``[accounts]`` settings."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from repository import Config
from repository.accounts import open_database
from repository.accounts.database import Dialect, Migration, without_password
from repository.accounts.schema import MIGRATIONS
from repository.config import AccountSettings, config_template, read_toml
from repository.errors import InputError, NotFound, StoreError
from tests.conftest import ROOT


def notes(dialect: Dialect) -> list[str]:
    return ["CREATE TABLE notes (text TEXT NOT NULL)"]


def note_authors(dialect: Dialect) -> list[str]:
    return ["ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'unknown'"]


def test_a_new_database_gets_the_latest_schema(accounts_config: Config) -> None:
    with open_database(accounts_config) as database:
        assert database.version == max(m.version for m in MIGRATIONS)
        with database.transaction() as tx:
            assert tx.one("SELECT version FROM schema_version") == (database.version,)
            assert tx.one("SELECT COUNT(*) FROM accounts") == (0,)


def test_an_older_database_is_migrated_in_place_keeping_its_rows(
        accounts_config: Config) -> None:
    first = (Migration(1, notes),)
    with open_database(accounts_config, first) as database, database.transaction() as tx:
        tx.execute("INSERT INTO notes (text) VALUES (?)", ("kept",))
    with open_database(accounts_config, (*first, Migration(2, note_authors))) as database:
        assert database.version == 2
        with database.transaction() as tx:
            assert tx.all("SELECT text, author FROM notes") == [("kept", "unknown")]


def test_a_database_made_by_a_newer_yuliao_is_refused(accounts_config: Config) -> None:
    with open_database(accounts_config, (Migration(1, notes), Migration(2, note_authors))):
        pass
    with pytest.raises(StoreError, match="schema version 2, made by a newer Yuliao"):
        open_database(accounts_config, (Migration(1, notes),))


OPEN = """
import sys
from pathlib import Path
from repository import Config
from repository.accounts import open_database
from repository.config import AccountSettings

home, url = sys.argv[1:]
config = Config(home=Path(home), accounts=AccountSettings(database=url or None))
with open_database(config) as database:
    print(database.version)
"""


def test_processes_opening_a_new_database_at_once_migrate_it_once(
        accounts_config: Config) -> None:
    command = [sys.executable, "-c", OPEN, str(accounts_config.home),
               accounts_config.accounts.database or ""]
    started = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    answers = [process.communicate(timeout=60) for process in started]
    latest = str(max(m.version for m in MIGRATIONS))
    assert [(out.strip(), err) for out, err in answers] == [(latest, "")] * 4
    with open_database(accounts_config) as database, database.transaction() as tx:
        assert tx.one("SELECT COUNT(*) FROM schema_version") == (1,)


def test_the_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    with open_database(Config(home=tmp_path)):
        pass
    mode = stat.S_IMODE(os.stat(tmp_path / "accounts.sqlite").st_mode)
    assert mode == 0o600


def test_a_home_that_does_not_exist_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="yuliao init"):
        open_database(Config(home=tmp_path / "mistyped"))
    assert not (tmp_path / "mistyped").exists()


def test_a_failing_statement_is_a_store_error_and_writes_nothing(
        accounts_config: Config) -> None:
    with open_database(accounts_config) as database:
        with pytest.raises(StoreError, match="the accounts database .* failed") as failure, \
                database.transaction() as tx:
            tx.execute("INSERT INTO audit_log (at, who, what) VALUES ('t', 'w', 'export')")
            tx.execute("SELECT no_such_column FROM accounts")
        assert failure.value.__cause__ is not None
        with database.transaction() as tx:
            assert tx.one("SELECT COUNT(*) FROM audit_log") == (0,)


def test_an_unreachable_postgresql_names_it_without_the_password(tmp_path: Path,
                                                                 postgres) -> None:
    url = f"postgresql://yuliao:s3cret-pw@/no_such_database?host={postgres.root}"
    config = Config(home=tmp_path, accounts=AccountSettings(database=url))
    with pytest.raises(StoreError, match="postgresql://yuliao@/no_such_database") as failure:
        open_database(config)
    assert "s3cret-pw" not in str(failure.value)


def test_a_url_is_shown_without_its_password_or_query() -> None:
    assert without_password("postgresql://u:pw@db.example.org:5433/yl?password=pw") == \
        "postgresql://u@db.example.org:5433/yl"


# -- [accounts] settings ---------------------------------------------------------------------


def settings(home: Path, text: str) -> Config:
    (home / "yuliao.toml").write_text(text, encoding="utf-8")
    return Config.from_env(home)


def test_accounts_settings_are_read_with_their_defaults(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("YULIAO_HASH_MEMORY_KIB", "YULIAO_HASH_PASSES"):
        monkeypatch.delenv(variable, raising=False)  # the suite's cheap hashes
    assert settings(tmp_path, "").accounts == AccountSettings()
    read = settings(tmp_path, "[accounts]\nlockout_minutes = 60\nunlock_by_admin = true\n"
                              "session_idle_minutes = 5\nhash_memory_kib = 19456\n"
                              "hash_passes = 2\n"
                              "database = \"postgresql://yuliao@db/yuliao\"\n").accounts
    assert read == AccountSettings("postgresql://yuliao@db/yuliao", 60, True, 5, 19456, 2)


def test_the_environment_sets_the_cost_of_password_hashes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YULIAO_HASH_MEMORY_KIB", "2048")
    monkeypatch.setenv("YULIAO_HASH_PASSES", "2")
    read = settings(tmp_path, "[accounts]\nhash_memory_kib = 19456\n").accounts
    assert (read.hash_memory_kib, read.hash_passes) == (2048, 2)
    monkeypatch.setenv("YULIAO_HASH_MEMORY_KIB", "16")
    with pytest.raises(InputError, match="field YULIAO_HASH_MEMORY_KIB"):
        settings(tmp_path, "")


def test_the_environment_names_the_database_over_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YULIAO_ACCOUNTS_DATABASE", "postgresql://other@db/yuliao")
    config = settings(tmp_path, "[accounts]\ndatabase = \"sqlite\"\n")
    assert config.accounts.database == "postgresql://other@db/yuliao"


@pytest.mark.parametrize(("text", "key"), [
    ("lockout_minutes = 0", "accounts.lockout_minutes"),
    ("lockout_minutes = \"15\"", "accounts.lockout_minutes"),
    ("unlock_by_admin = \"yes\"", "accounts.unlock_by_admin"),
    ("session_idle_minutes = 1441", "accounts.session_idle_minutes"),
    ("database = \"mysql://root:pw@db/yuliao\"", "accounts.database"),
])
def test_a_bad_accounts_setting_is_refused_naming_the_key(tmp_path: Path, text: str,
                                                          key: str) -> None:
    with pytest.raises(InputError) as refused:
        settings(tmp_path, f"[accounts]\n{text}\n")
    assert refused.value.field == key and "pw" not in str(refused.value)


def test_the_template_describes_the_accounts_settings_with_their_defaults(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("YULIAO_HASH_MEMORY_KIB", "YULIAO_HASH_PASSES"):
        monkeypatch.delenv(variable, raising=False)  # the suite's cheap hashes
    path = tmp_path / "yuliao.toml"
    path.write_text(config_template(date(2026, 1, 1)), encoding="utf-8")
    table = read_toml(path)["accounts"]
    assert table == {"lockout_minutes": 15, "unlock_by_admin": False,
                     "session_idle_minutes": 30, "hash_memory_kib": 65536, "hash_passes": 3}
    assert Config.from_env(tmp_path).accounts == AccountSettings()
