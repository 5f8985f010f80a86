"""The journal: intents of processes that are gone are finished (and only theirs), in the
direction their kind says; a change that failed part-way is finished before the next one."""

from __future__ import annotations

from pathlib import Path

import pytest

from repository import Gone, Repository, StoreError
from repository.integrity import Check
from repository.journal import Journal
from tests.conftest import RepositoryFactory
from tests.test_integrity import titled


@pytest.fixture
def repo(make_repository: RepositoryFactory, tmp_path: Path) -> Repository:
    """Two published records."""
    repo = make_repository(tmp_path / "home")
    repo.save_batch([titled(repo, "00000001"), titled(repo, "00000002")], publish=True)
    return repo


def reopened(repo: Repository) -> Repository:
    """The same home opened again, as the next process would (the first one closed)."""
    repo.close()
    return Repository(repo.config)


def half_published(repo: Repository, local_id: str, title: str) -> None:
    """What a kill between the work and the public write of a new revision leaves: the intent
    noted, the work area written, nothing else."""
    record = repo.get(local_id)
    newer = record.with_(graph=titled(repo, local_id, title).graph, revision=2,
                         datestamp=record.datestamp.replace(year=2099))
    repo.journal.begin("write", [local_id])
    repo.work.replace_statements({repo.ids.graph(local_id): repo._lines(newer)})


def test_a_change_cut_short_is_finished_when_the_home_is_opened(repo: Repository) -> None:
    half_published(repo, "00000001", "第二版")
    with reopened(repo) as again:
        assert [intent.local_ids for intent in again.recovered] == [("00000001",)]
        public = again.get("00000001", public=True)
        assert public.revision == 2 and public.datestamp.year == 2099
        assert again.disseminations.get("00000001").datestamp.startswith("2099-")
        assert again.text_index.search("第二版").total == 1
        assert list(Check(again).run()) == [] and again.journal.unfinished() == []


def test_a_deletion_cut_short_is_finished_as_a_deletion(repo: Repository) -> None:
    repo.journal.begin("delete", ["00000002"])
    repo.work.replace({repo.ids.graph("00000002"): None})  # killed before the tombstone
    with reopened(repo) as again:
        assert not again.exists("00000002")
        with pytest.raises(Gone):
            again.get("00000002", public=True)
        assert again.disseminations.get("00000002").deleted
        assert list(Check(again).run()) == []


def test_a_living_writers_intent_is_left_to_it(repo: Repository) -> None:
    writer = Journal(repo.config.journal_path)  # as another process holds it
    try:
        writer.begin("write", ["00000001"])
        repo.public.replace({repo.ids.graph("00000001"): None})  # its change, half made
        with reopened(repo) as again:
            assert again.recovered == []
            check = Check(again)
            assert list(check.run()) == [] and check.in_flight == {"00000001"}
            assert "1 records being written by a running process skipped" in check.summary()
    finally:
        writer.close()  # it dies with its intent unfinished
    with Repository(repo.config) as last:
        assert [intent.owner for intent in last.recovered] == [writer.owner]
        assert last.get("00000001", public=True).revision == 1


def test_a_change_that_failed_part_way_is_finished_before_the_next(
        repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.put(titled(repo, "00000001", "第二版"))

    def refuse(*args, **kwargs) -> None:
        raise StoreError("the public store is down")

    with monkeypatch.context() as down:
        down.setattr(repo.public, "replace_statements", refuse)
        with pytest.raises(StoreError):
            repo.publish("00000001")
    assert repo.get("00000001").state == "published"  # the work area was written first
    assert repo.get("00000001", public=True).revision == 1
    repo.publish("00000002")  # finishes the failed one first
    assert repo.get("00000001", public=True).revision == 2
    assert list(Check(repo).run()) == [] and repo.journal.unfinished() == []


def test_an_owner_leaves_no_lock_file_and_a_dead_ones_is_swept(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    first, second = Journal(directory), Journal(directory)
    assert len(list(directory.glob("*.lock"))) == 2
    second.close()
    assert [path.stem for path in directory.glob("*.lock")] == [first.owner]
    (directory / "0123456789abcdef.lock").touch()  # a killed owner's, that noted nothing
    with first.orphans() as intents:
        assert intents == []
    assert [path.stem for path in directory.glob("*.lock")] == [first.owner]
    first.close()
    assert not list(directory.glob("*.lock"))


def test_intents_are_listed_with_whether_their_owner_lives(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    living, gone = Journal(directory), Journal(directory)
    try:
        mine = living.begin("write", ["00000001", "00000001", "00000002"])
        theirs = gone.begin("adopt", ["00000003"])
        gone.close()
        assert mine.local_ids == ("00000001", "00000002")
        assert living.unfinished() == [(mine, True), (theirs, False)]
        with living.orphans() as intents:
            assert intents == [theirs]
            living.end(theirs)
        living.end(mine)
        assert living.unfinished() == []
        assert "an unfinished adopt of 1 record begun" in str(theirs)
    finally:
        living.close()
