"""The dissemination index: kept up to date on every public change, derived from the public area
only, rebuilt by ``reindex`` (and on opening a home whose index is missing), after a restore,
and after a crash between the public write and the index write."""

from __future__ import annotations

import dataclasses
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib.compare import isomorphic

from app import main
from repository import Config, Repository, StoreError
from repository.config import read_toml
from repository.disseminations import (
    PREFIXES,
    SCHEMA_VERSION,
    Dissemination,
    Disseminations,
    Selection,
)
from repository.records import utc_text
from repository.renderings import render
from repository.void import describe
from tests.oai_support import dataset, tick


@pytest.fixture
def repo(tmp_path: Path, monkeypatch, make_repository) -> Repository:
    """On each backend (embedded, Oxigraph server); the index is a file in the home on both."""
    tick(monkeypatch)
    repository = make_repository(tmp_path / "home")
    repository.save_batch([dataset(repository, "00000001"),
                           dataset(repository, "00000002", languages=("hak", "nan")),
                           dataset(repository, "src.example.org:9", agency=None)], publish=True)
    repository.withdraw("00000002")
    repository.put(dataset(repository, "00000003", "草稿"))
    yield repository
    repository.close()


def snapshot(repo: Repository) -> dict:
    """Everything the provider can read from the index."""
    rows = {prefix: repo.disseminations.page(Selection(prefix), None, 1000)
            for prefix in PREFIXES}
    return {"rows": rows, "sets": repo.disseminations.sets(),
            "earliest": repo.disseminations.earliest_datestamp(),
            "latest": repo.disseminations.latest(None, 1000)}


def test_the_index_holds_public_records_and_tombstones_only(repo) -> None:
    rows = repo.disseminations.page(Selection("olac"), None, 10)
    assert [(r.local_id, r.deleted) for r in rows] == [
        ("00000001", False), ("src.example.org:9", False), ("00000002", True)]
    assert repo.disseminations.get("00000003") is None
    assert rows[2].set_specs == ("agency:A29000000G", "language:hak", "language:nan",
                                 "licence:OGDL-Taiwan-1.0", "text-type:language-resource")


def test_reindex_rebuilds_the_same_index(repo) -> None:
    before = snapshot(repo)
    assert repo.reindex() == 3
    assert snapshot(repo) == before


def test_reindex_restamps_a_record_whose_rendering_changed_and_no_other(repo) -> None:
    """A crosswalk that changed since a record was indexed (simulated by an indexed olac
    fragment that today's crosswalk does not write): the record gets a new datestamp in both
    areas, so that a harvest from its old datestamp fetches it again."""
    stale = repo.disseminations.get("00000001", "olac")
    others = {r.local_id: r.datestamp for r in repo.disseminations.page(Selection(), None, 10)
              if r.local_id != "00000001"}
    row = render(repo.get("00000001", public=True), repo.ids)
    old = row.metadata["olac"].replace(b"</olac:olac>", b"<!-- old --></olac:olac>")
    repo.disseminations.put([dataclasses.replace(row, metadata={**row.metadata, "olac": old})])
    repo.reindex()
    fresh = repo.disseminations.get("00000001", "olac")
    assert fresh.datestamp > stale.datestamp and b"<!-- old -->" not in fresh.metadata
    assert repo.get("00000001", public=True).datestamp == repo.get("00000001").datestamp
    assert utc_text(repo.get("00000001", public=True).datestamp) == fresh.datestamp
    assert {r.local_id: r.datestamp for r in repo.disseminations.page(Selection(), None, 10)
            if r.local_id != "00000001"} == others
    harvest = repo.disseminations.page(Selection("olac", since=fresh.datestamp), None, 10)
    assert [r.local_id for r in harvest] == ["00000001"]


def test_a_home_without_its_index_file_rebuilds_it_on_opening(repo) -> None:
    before, config = snapshot(repo), repo.config
    repo.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{config.oai_index_path}{suffix}").unlink(missing_ok=True)
    with Repository(config) as reopened:
        assert snapshot(reopened) == before


def downgrade(path: Path, version: int) -> None:
    """Turns the index file at ``path`` (closed) into one of schema ``version`` (1 or 2), as
    that version wrote it: version 3 added the titles, the live-record indexes and the
    ``changes`` row; version 2 the index of deleted records."""
    statements = ["DROP INDEX records_live_by_datestamp", "DROP INDEX records_live",
                  "ALTER TABLE records DROP COLUMN titles", "DROP TABLE changes"]
    if version == 1:
        statements.append("DROP INDEX records_deleted")
    with sqlite3.connect(path) as db:
        db.executescript(";".join([*statements, f"PRAGMA user_version = {version}"]))


@pytest.mark.parametrize("version", [1, 2])
def test_an_index_of_an_older_schema_version_is_migrated_keeping_its_rows(repo, version) -> None:
    """Version 1 lacked the index of deleted records that live and set counts use; version 2
    the titles (filled in from the OLAC fragments) and the live records by datestamp."""
    before, config = snapshot(repo), repo.config
    assert len(before["latest"]) == 2 and all(listing.titles for listing in before["latest"])
    counts, live = repo.disseminations.set_counts(), repo.disseminations.live_count()
    repo.close()
    downgrade(config.oai_index_path, version)
    index = Disseminations(config.oai_index_path)
    try:
        assert index._writer.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert index._writer.execute("SELECT name FROM sqlite_master WHERE name = "
                                     "'records_deleted'").fetchone() is not None
        assert (index.set_counts(), index.live_count()) == (counts, live)
        assert index.latest(None, 1000) == before["latest"]
    finally:
        index.close()
    with Repository(config) as reopened:
        assert snapshot(reopened) == before


def test_a_migration_another_process_finished_is_not_run_again(repo) -> None:
    """Two processes open an index of version 2 at once and both see version 2; the one that
    gets the write lock second reads the version again under the lock and finds it done."""
    config = repo.config
    repo.close()
    downgrade(config.oai_index_path, 2)
    first = Disseminations(config.oai_index_path)
    try:
        listed = first.latest(None, 10)
        first._migrate()  # what the second process does after reading version 2
        assert first.latest(None, 10) == listed
        assert first._writer.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        first.close()


def test_set_counts_leave_out_deleted_records(repo) -> None:
    assert repo.disseminations.set_counts() == {  # 00000002 (hak, nan) is withdrawn
        "agency:A29000000G": 1, "language:nan": 2, "licence:OGDL-Taiwan-1.0": 2,
        "source:src.example.org": 1, "text-type:language-resource": 2}
    assert repo.disseminations.live_count() == 2


def test_the_stored_description_is_no_record_and_survives_reindex(repo) -> None:
    """The VoID copy in the public area (graph {base}.well-known/void) is read by SPARQL only:
    it adds no record, no index row, and reindexing leaves it alone."""
    before, ids = snapshot(repo), repo.local_ids(public=True)
    description = describe(repo)
    repo.store_description(description)
    assert isomorphic(repo.public.graph(repo.ids.description), description)
    assert repo.local_ids(public=True) == ids
    repo.reindex()
    assert snapshot(repo) == before
    assert isomorphic(repo.public.graph(repo.ids.description), description)
    counted = repo.public.select(
        'SELECT ?n WHERE { GRAPH ?g { ?s <https://w3id.org/yuliao/ns#setSpec> "language:nan" ;'
        ' <http://rdfs.org/ns/void#entities> ?n } }')
    assert [int(row["n"]) for row in counted] == [2]


def test_an_index_beside_an_empty_public_area_is_emptied(tmp_path) -> None:
    config = Config(home=tmp_path / "home")
    with Repository(config) as repository:
        repository.save_batch([dataset(repository, "00000001")], publish=True)
    import shutil

    shutil.rmtree(config.store_dir)
    with Repository(config) as reopened:
        assert len(reopened.disseminations) == 0


def test_a_crash_after_the_public_write_is_repaired_by_reindex(repo, monkeypatch) -> None:
    repo.put(dataset(repo, "00000004", "新語料"))
    def crash(rows) -> None:
        raise StoreError("disk full")
    monkeypatch.setattr(repo.disseminations, "put", crash)
    with pytest.raises(StoreError):
        repo.publish("00000004")
    monkeypatch.undo()
    assert repo.get("00000004", public=True).state == "published"
    assert repo.disseminations.get("00000004") is None
    repo.reindex()
    assert repo.disseminations.get("00000004", "olac").metadata is not None


def test_a_restored_dump_serves_the_same_records(repo, tmp_path) -> None:
    before = snapshot(repo)
    repo.dump(tmp_path / "dump.nq.gz")
    with Repository(Config(home=tmp_path / "restored")) as restored:
        restored.restore(tmp_path / "dump.nq.gz")
        assert snapshot(restored) == before


def test_republishing_replaces_the_row_with_a_later_datestamp(repo) -> None:
    first = repo.disseminations.get("00000001", "olac")
    repo.put(dataset(repo, "00000001", "第二版"))
    repo.publish("00000001")
    second = repo.disseminations.get("00000001", "olac")
    assert second.datestamp > first.datestamp
    assert "第二版".encode() in second.metadata and "第二版".encode() not in first.metadata


def test_the_token_key_is_private_and_stable(repo) -> None:
    key, path = repo.token_key(), repo.config.secret_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(key) == 32
    repo.close()
    with Repository(repo.config) as again:
        assert again.token_key() == key
    with Repository(repo.config, in_memory=True) as elsewhere:
        assert elsewhere.token_key() != key


# -- the command line --------------------------------------------------------------------------


def run(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def test_init_writes_a_configuration_template_that_loads(tmp_path) -> None:
    home = tmp_path / "home"
    result = run(home, "init")
    assert result.exit_code == 0, result.output
    settings = read_toml(home / "yuliao.toml")
    assert settings["oai"]["page_size"] == 100
    config = Config.from_env(home)
    assert config.oai.admin_emails == ("admin@yuliao.example.org",)
    (home / "yuliao.toml").write_text('[oai]\npage_size = 7\n', encoding="utf-8")
    assert run(home, "init", "--force").exit_code == 0
    assert Config.from_env(home).oai.page_size == 7  # an existing file is kept


def test_reindex_and_init_force_on_the_command_line(tmp_path) -> None:
    home = tmp_path / "home"
    assert run(home, "init", "--demo").exit_code == 0
    result = run(home, "reindex")
    assert result.exit_code == 0 and "reindexed 33 public records" in result.output
    assert run(home, "init", "--force").exit_code == 0
    with Repository(Config.from_env(home)) as repository:
        assert len(repository.disseminations) == 0


def test_a_list_of_one_format_is_walked_and_counted_on_its_own_index(tmp_path) -> None:
    index = Disseminations(tmp_path / "oai.sqlite")
    for prefix in PREFIXES:
        where = f"({prefix} IS NOT NULL OR deleted)"
        with sqlite3.connect(tmp_path / "oai.sqlite") as db:
            plans = [" ".join(str(step) for step in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
                     for sql in (f"SELECT COUNT(*) FROM records WHERE {where}",
                                 f"SELECT local_id FROM records WHERE {where} "
                                 "ORDER BY datestamp, local_id LIMIT 101")]
        assert all(f"USING INDEX records_{prefix}" in plan for plan in plans), plans
    index.close()


def test_a_list_size_counted_once_follows_a_change_made_by_another_process(tmp_path) -> None:
    path = tmp_path / "oai.sqlite"
    server, importer = Disseminations(path), Disseminations(path)
    row = Dissemination("00000001", "2026-11-22T00:00:00Z", metadata={"olac": b"<a/>"})
    importer.put([row])
    everything = Selection(prefix="olac")
    assert server.count(everything) == 1 and server.count(everything) == 1
    importer.put([dataclasses.replace(row, local_id="00000002")])
    assert server.count(everything) == 2
    assert server.count(Selection(prefix="dcat")) == 0
    server.close()
    importer.close()
