"""How the web workers of ``yuliao serve`` read a home they do not hold: the newest snapshot
of its public area, switched to when the owner takes another, and the VoID description the
owner stored there (never computed by a worker)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal

import repository.reader
import repository.void
from endpoints.server import Owner
from repository import Config, NotFound, Repository, StoreError
from repository.reader import PublicReader
from repository.void import StoredVoid, VoidCache, stored_is_current
from tests.oai_support import dataset
from vocab.namespaces import DCT


@pytest.fixture
def owner(tmp_path: Path) -> Iterator[Repository]:
    with Repository(Config(home=tmp_path / "home")) as repository:
        repository.save_batch([dataset(repository, "00000001", "第一筆")], publish=True)
        yield repository


def test_a_home_without_a_snapshot_cannot_be_read(owner: Repository) -> None:
    with pytest.raises(StoreError, match="no snapshot of its public area yet"):
        PublicReader(owner.config)


def test_the_reader_sees_the_snapshot_and_never_the_work_area(owner: Repository) -> None:
    owner.save_batch([dataset(owner, "00000002", "草稿")], publish=False)
    owner.public_snapshot()
    with PublicReader(owner.config) as reader:
        assert reader.get("00000001").id == "00000001"
        with pytest.raises(NotFound):
            reader.get("00000002")
        with pytest.raises(StoreError, match="no work area"):
            reader.get("00000001", public=False)


def test_the_reader_switches_to_a_newer_snapshot(owner: Repository,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository.reader, "RECHECK_S", 0.0)
    first = owner.public_snapshot()
    with PublicReader(owner.config) as reader:
        with pytest.raises(NotFound):
            reader.get("00000003")
        owner.save_batch([dataset(owner, "00000003", "第三筆")], publish=True)
        assert owner.public_snapshot() != first
        time.sleep(0.01)
        assert reader.get("00000003").id == "00000003"
        assert reader.public_snapshot() != first


def test_a_snapshot_is_taken_again_only_after_a_write(owner: Repository) -> None:
    first = owner.public_snapshot()
    assert owner.public_snapshot() == first
    owner.save_batch([dataset(owner, "00000004", "第四筆")], publish=True)
    assert owner.public_snapshot() != first


def test_workers_read_the_void_description_the_owner_stored(
        owner: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = VoidCache(owner).graph()
    owner.public_snapshot()

    def never(*_):
        raise AssertionError("a web worker computed the VoID statistics")

    monkeypatch.setattr(repository.void, "describe", never)
    with PublicReader(owner.config) as reader:
        served = StoredVoid(reader).graph()
    modified = set(stored.objects(None, DCT.modified))
    assert modified and modified == set(served.objects(None, DCT.modified))
    assert len(served) == len(stored)
    assert any(isinstance(o, Literal) for o in served.objects(None, DCT.title))


def test_the_owner_recomputes_the_void_description_only_after_a_change(owner: Repository
                                                                       ) -> None:
    assert not stored_is_current(owner)
    time.sleep(1.1)  # datestamps have second granularity: computed strictly after the change
    VoidCache(owner).graph()
    assert stored_is_current(owner)
    time.sleep(1.1)  # datestamps have second granularity
    owner.save_batch([dataset(owner, "00000005", "第五筆")], publish=True)
    assert not stored_is_current(owner)


def test_the_owner_snapshots_what_it_writes_within_seconds(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setattr(repository.reader, "RECHECK_S", 0.0)
    with Repository(Config(home=tmp_path / "home")):
        pass  # made, then let go: the owner opens it
    owner = Owner(Config(home=tmp_path / "home"))
    try:
        owner.maintain()
        reader = PublicReader(owner.config)
        owner.repository.save_batch([dataset(owner.repository, "00000009", "新的")],
                                    publish=True)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                assert reader.get("00000009").id == "00000009"
                break
            except NotFound:
                time.sleep(0.1)
        else:
            raise AssertionError("the worker's view never showed the owner's write")
        reader.close()
    finally:
        owner.close()
