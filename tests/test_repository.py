"""The repository core: two areas, atomic record graphs, datestamps, tombstones, dump/restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from repository import Config, ConflictError, Gone, InputError, NotFound, Record, Repository
from repository.backends import TripleStore
from repository.records import local_id_for_source, next_datestamp
from repository.store import Store, bcp47_case
from tests.conftest import RepositoryFactory
from vocab.namespaces import DCT, YL


@pytest.fixture
def repo(make_repository: RepositoryFactory, tmp_path: Path) -> Repository:
    """A repository on each backend (embedded, Oxigraph server)."""
    return make_repository(tmp_path / "home")


def titled(repo: Repository, local_id: str, title: str = "標題") -> Record:
    g = Graph()
    subject = repo.ids.resource(local_id)
    g.add((subject, DCT.title, Literal(title, lang="zh-Hant-TW")))
    g.add((subject, DCT.title, Literal("Title", lang="en")))
    return Record(id=local_id, graph=g)


def test_a_draft_is_in_the_work_area_and_nowhere_public(repo: Repository) -> None:
    repo.put(titled(repo, "00000001"))
    assert repo.get("00000001").state == "draft"
    assert repo.local_ids(public=True) == []
    with pytest.raises(NotFound):
        repo.get("00000001", public=True)
    assert not repo.public.graph_names()


def test_publishing_copies_the_revision_to_the_public_area_isomorphically(repo) -> None:
    record = titled(repo, "00000001")
    repo.put(record)
    published = repo.publish("00000001")
    public = repo.get("00000001", public=True)
    assert public.state == "published"
    assert isomorphic(public.graph, record.graph)
    assert public.datestamp == published.datestamp
    assert public.datestamp.tzinfo is not None and public.datestamp.microsecond == 0


def test_every_publication_gets_a_later_datestamp(repo: Repository) -> None:
    repo.put(titled(repo, "00000001"))
    stamps = [repo.publish("00000001").datestamp for _ in range(3)]
    assert stamps == sorted(set(stamps))


def test_next_datestamp_moves_past_a_datestamp_in_the_same_second() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert next_datestamp(now, now) == now + timedelta(seconds=1)
    assert next_datestamp(now - timedelta(hours=1), now) == now


def test_a_new_revision_leaves_the_published_one_visible(repo: Repository) -> None:
    repo.put(titled(repo, "00000001", "第一版"))
    repo.publish("00000001")
    repo.put(titled(repo, "00000001", "第二版").with_(state="in-revision"))
    public = repo.get("00000001", public=True)
    subject = repo.ids.resource("00000001")
    assert Literal("第一版", lang="zh-Hant-TW") in set(public.graph.objects(subject, DCT.title))
    assert repo.get("00000001").revision == 2  # two saved revisions; publishing is not one


def test_withdrawal_leaves_a_tombstone_with_a_new_datestamp(repo: Repository) -> None:
    repo.put(titled(repo, "00000001"))
    published = repo.publish("00000001")
    withdrawn = repo.withdraw("00000001")
    with pytest.raises(Gone):
        repo.get("00000001", public=True)
    assert withdrawn.datestamp > published.datestamp
    tomb = repo.public.graph(repo.ids.graph("00000001"))
    assert (repo.ids.catalogue_record("00000001"), YL.localId, Literal("00000001")) in tomb
    assert not list(tomb.triples((repo.ids.resource("00000001"), DCT.title, None)))


def test_deleting_a_published_record_keeps_only_its_tombstone(repo: Repository) -> None:
    repo.put(titled(repo, "00000001"))
    repo.publish("00000001")
    repo.delete("00000001")
    assert not repo.exists("00000001")
    assert repo.local_ids(public=True) == ["00000001"]
    with pytest.raises(Gone):
        repo.get("00000001", public=True)


def test_batch_import_over_a_deleted_record_replaces_its_public_tombstone(repo) -> None:
    first = repo.save_batch([titled(repo, "src.example:1")], publish=True)
    repo.delete("src.example:1")
    again = repo.save_batch([titled(repo, "src.example:1", "重新匯入")], publish=True)
    assert first == again == {"src.example:1": "new"}
    public = repo.public.graph(repo.ids.graph("src.example:1"))
    assert (repo.ids.catalogue_record("src.example:1"), None, YL.Tombstone) not in public
    assert repo.get("src.example:1", public=True).graph.value(
        repo.ids.resource("src.example:1"), DCT.title, any=True) is not None
    assert len(public) == len(repo.work.graph(repo.ids.graph("src.example:1")))


def test_batch_import_over_a_withdrawn_record_republishes_it_whole(repo) -> None:
    repo.save_batch([titled(repo, "src.example:2")], publish=True)
    repo.withdraw("src.example:2")
    assert repo.save_batch([titled(repo, "src.example:2")], publish=True) == {
        "src.example:2": "updated"}
    public = repo.get("src.example:2", public=True)
    assert public.state == "published" and public.revision == 2
    assert isomorphic(public.graph, titled(repo, "src.example:2").graph)


def test_deleting_a_draft_leaves_nothing(repo: Repository) -> None:
    repo.put(titled(repo, "00000002"))
    repo.delete("00000002")
    assert repo.local_ids() == [] and repo.local_ids(public=True) == []


def test_state_changes_that_skip_the_workflow_are_refused(repo: Repository) -> None:
    repo.put(titled(repo, "00000001"))
    with pytest.raises(ConflictError):
        repo.set_state("00000001", "published")
    assert repo.set_state("00000001", "pending-agency-review").state == "pending-agency-review"


def test_new_local_ids_are_eight_digits_and_never_reused(repo: Repository) -> None:
    first = repo.new_local_id()
    repo.put(titled(repo, "00000002"))
    second = repo.new_local_id()
    assert first == "00000001" and second == "00000003"


@pytest.mark.parametrize("identifier, expected", [
    ("oai:paradisec.org.au:AC1-013", "paradisec.org.au:AC1-013"),
    ("oai:scholarspace.manoa.hawaii.edu:10125/4470", "scholarspace.manoa.hawaii.edu:10125%2F4470"),
    ("oai:sil.org:52216", "sil.org:52216"),
])
def test_harvested_records_keep_their_source_in_the_local_id(identifier, expected) -> None:
    assert local_id_for_source(identifier) == expected


def test_an_identifier_without_a_source_is_refused_with_a_reason() -> None:
    with pytest.raises(InputError, match="not an OAI identifier"):
        local_id_for_source("A41000000G-000001")
    expected = "data.gov.tw:A41000000G-000001"
    assert local_id_for_source("A41000000G-000001", "data.gov.tw") == expected


@pytest.mark.parametrize("bad", ["1174", "../etc", "a b", ""])
def test_malformed_local_ids_are_refused(repo: Repository, bad: str) -> None:
    with pytest.raises(InputError):
        repo.get(bad)


def test_iris_come_from_the_configured_base_uri(tmp_path: Path) -> None:
    repo = Repository(Config(home=tmp_path, base_uri="https://corpus.example.tw/"), in_memory=True)
    assert repo.ids.resource("00000001") == URIRef("https://corpus.example.tw/id/00000001")
    assert repo.ids.oai("00000001") == "oai:yuliao.example.org:00000001"


def test_a_malformed_base_uri_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="YULIAO_BASE_URI"):
        Config(home=tmp_path, base_uri="ftp://x")


@pytest.mark.parametrize("tag, expected", [
    ("zh-hant-tw", "zh-Hant-TW"), ("en", "en"), ("nan-latn-tw", "nan-Latn-TW"),
    ("x-sil-crb", "x-sil-crb"), ("cmn-hans-cn", "cmn-Hans-CN"),
])
def test_language_tags_read_back_in_bcp47_case(tag: str, expected: str) -> None:
    assert bcp47_case(tag) == expected


def test_a_record_write_is_atomic_a_failed_update_changes_nothing(repo: Repository) -> None:
    repo.put(titled(repo, "00000001", "原本"))
    before = repo.work.graph(repo.ids.graph("00000001"))
    bad = Graph()
    bad.add((repo.ids.resource("00000001"), DCT.title, Literal("半途")))
    with pytest.raises(Exception):  # noqa: B017 - any store error will do
        repo.work.update(f"DROP SILENT GRAPH {repo.ids.graph('00000001').n3()} ; INSERT DATA {{ ")
    assert isomorphic(repo.work.graph(repo.ids.graph("00000001")), before)


def test_dump_then_restore_into_an_empty_home_is_isomorphic(repo: Repository, tmp_path,
                                                           make_repository) -> None:
    for n in range(1, 4):
        repo.put(titled(repo, f"0000000{n}", f"資料集{n}").with_(raw=b"<olac/>"))
    repo.publish("00000001")
    repo.publish("00000002")
    repo.withdraw("00000002")
    for name in ("dump.nq", "dump.nq.gz"):
        repo.dump(tmp_path / name)
        other = make_repository(tmp_path / f"restored-{name}")
        other.restore(tmp_path / name)
        for area in ("work", "public"):
            assert _dataset(getattr(other, area)) == _dataset(getattr(repo, area))


def test_restore_refuses_a_home_that_is_not_empty(repo: Repository, tmp_path) -> None:
    repo.put(titled(repo, "00000001"))
    repo.dump(tmp_path / "d.nq")
    with pytest.raises(ConflictError):
        repo.restore(tmp_path / "d.nq")


def test_restore_refuses_a_file_that_is_not_n_quads(tmp_path: Path, make_repository) -> None:
    (tmp_path / "bad.nq").write_text("this is not rdf\n")
    with pytest.raises(InputError, match="bad.nq"):
        make_repository(tmp_path / "h").restore(tmp_path / "bad.nq")


def test_a_locked_store_gives_a_store_error(tmp_path: Path) -> None:
    from repository import StoreError

    first = Store(tmp_path / "s")
    with pytest.raises(StoreError, match="cannot open"):
        Store(tmp_path / "s")
    del first


def _dataset(store: TripleStore) -> set[str]:
    """Every quad as text (our graphs hold no blank nodes, so text equality is isomorphism)."""
    return {str(q) for q in store.quads()}
