"""``check``: every disagreement between the work area, the public area, the dissemination
index, the text index and the review index is found, named by record, and repaired in the
right direction; on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from repository import Gone, Record, Repository
from repository.disseminations import Dissemination
from repository.integrity import Check, check_repository
from repository.textindex import TextDocument
from repository.workflow.index import Row
from tests.conftest import RepositoryFactory
from vocab.namespaces import DCT, DQV


def titled(repo: Repository, local_id: str, title: str = "標題") -> Record:
    g = Graph()
    g.add((repo.ids.resource(local_id), DCT.title, Literal(title, lang="zh-Hant-TW")))
    return Record(id=local_id, graph=g)


@pytest.fixture
def repo(make_repository: RepositoryFactory, tmp_path: Path) -> Repository:
    """Records in every situation the areas may legitimately be in: published (1, 2),
    withdrawn (3), a new revision in review over a published one (4), a takedown under
    review (5), deleted after publication (6), a draft (7)."""
    repo = make_repository(tmp_path / "home")
    repo.save_batch([titled(repo, f"0000000{n}") for n in range(1, 7)], publish=True)
    repo.withdraw("00000003")
    repo.put(titled(repo, "00000004", "第二版").with_(state="in-revision"))
    repo.set_state("00000005", "takedown-pending-agency")
    repo.delete("00000006")
    repo.put(titled(repo, "00000007"))
    return repo


def problems(repo: Repository) -> list[str]:
    return [str(problem) for problem in Check(repo).run()]


def later(repo: Repository, local_id: str, **changes) -> list[str]:
    """The statements of the public revision of ``local_id`` with ``changes`` and a datestamp
    a minute later."""
    record = repo.get(local_id, public=True)
    return repo._lines(record.with_(datestamp=record.datestamp + timedelta(minutes=1),
                                    **changes))


def test_a_repository_written_through_its_methods_has_no_problems(repo: Repository) -> None:
    check = Check(repo)
    assert list(check.run()) == []
    assert check.records == 7 and check.problems == 0
    assert (check.sizes["work"], check.sizes["public"], check.sizes["index"],
            check.sizes["text"]) == (6, 6, 6, 4)
    assert "checked 7 records" in check.summary()


Damage = Callable[[Repository], object]
#: (what is wrong, the damage, the line check must print, what is true once repaired)
CASES: list[tuple[str, Damage, str, Damage]] = [
    ("published-but-not-public",
     lambda r: r.public.replace({r.ids.graph("00000001"): None}),
     "00000001: the work area says published, revision 1 (",
     lambda r: r.get("00000001", public=True)),
    ("takedown-but-not-public",
     lambda r: r.public.replace({r.ids.graph("00000005"): None}),
     "00000005: the work area says takedown-pending-agency, revision 1",
     lambda r: r.get("00000005", public=True)),
    ("public-without-work",
     lambda r: r.work.replace({r.ids.graph("00000002"): None}),
     "but the work area lacks the record",
     lambda r: _equal(r, "00000002")),
    ("public-restamped-ahead",
     lambda r: r.public.replace_statements({r.ids.graph("00000001"): later(r, "00000001")}),
     "00000001: the work area says published",
     lambda r: _equal(r, "00000001")  # at the later datestamp: OAI datestamps never go back
     and r.get("00000001").datestamp > r.get("00000001").issued),
    ("withdrawn-but-still-public",
     lambda r: r.work.replace_statements({r.ids.graph("00000002"): r._lines(
         r.get("00000002").with_(state="withdrawn", datestamp=r.get("00000002").datestamp
                                 + timedelta(minutes=1)))}),
     "00000002: the work area says withdrawn (",
     lambda r: pytest.raises(Gone, r.get, "00000002", public=True)),
    ("tombstone-ahead-of-published-work",
     lambda r: _bury_ahead(r, "00000001"),
     "but the public area holds a tombstone (",
     lambda r: _state(r, "00000001", "withdrawn")),
    ("public-later-than-the-revision-in-review",
     lambda r: r.public.replace_statements({r.ids.graph("00000004"): r._lines(
         r.get("00000004").with_(state="published", datestamp=r.get(
             "00000004", public=True).datestamp + timedelta(minutes=1)))}),
     "later than the work area's revision 2",
     lambda r: _state(r, "00000004", "published")),
    ("public-without-its-quality-measurement",
     lambda r: r.public.replace_statements({r.ids.graph("00000001"): [
         line for line in r._lines(r.get("00000001", public=True)) if "#quality>" not in line]}),
     "without the measurement of its quality score",
     lambda r: (None, DQV.hasQualityMeasurement, None) in r.public.graph(r.ids.graph("00000001"))),
    ("index-row-missing",
     lambda r: r.disseminations.remove(["00000001"]),
     "00000001: the dissemination index lacks it",
     lambda r: r.disseminations.get("00000001")),
    ("index-row-stale",
     lambda r: r.disseminations.put([Dissemination("00000002", "2000-01-01T00:00:00Z")]),
     "00000002: the dissemination index row is stale (2000-01-01T00:00:00Z;",
     lambda r: r.disseminations.get("00000002", "olac").metadata),
    ("index-row-of-a-draft",
     lambda r: r.disseminations.put([Dissemination("00000007", "2000-01-01T00:00:00Z")]),
     "00000007: the dissemination index has a row for it, but the public area lacks it",
     lambda r: r.disseminations.get("00000007") is None),
    ("index-serves-a-tombstone-as-live",
     lambda r: r.disseminations.put([Dissemination(
         "00000003", r.disseminations.get("00000003").datestamp)]),
     "00000003: the dissemination index serves it as live, but the public area holds a "
     "tombstone",
     lambda r: r.disseminations.get("00000003").deleted),
    ("text-document-missing",
     lambda r: r.text_index.remove(["00000001"]),
     "00000001: the text index lacks it",
     lambda r: r.text_index.held(["00000001"])),
    ("text-document-of-a-record-nowhere-else",
     lambda r: r.text_index.put([TextDocument("00000099", str(r.ids.resource("00000099")),
                                              ("孤兒",))]),
     "00000099: the text index has a document for it, but it is not public",
     lambda r: not r.text_index.held(["00000099"])),
    ("review-row-missing",
     lambda r: r.reviews.remove(["00000007"]),
     "00000007: the review index lacks it (the work area says draft, revision 1)",
     lambda r: r.reviews.get("00000007").state == "draft"),
    ("review-row-stale",
     lambda r: r.reviews.put([Row("00000005", None, "published", 1, "標題", "")]),
     "00000005: the review index row is stale (published, revision 1; the work area says "
     "takedown-pending-agency, revision 1)",
     lambda r: r.reviews.get("00000005").state == "takedown-pending-agency"),
    ("review-row-of-a-record-nowhere-else",
     lambda r: r.reviews.put([Row("00000099", None, "draft", 1, "孤兒", "")]),
     "00000099: the review index has a row for it, but the work area lacks it",
     lambda r: r.reviews.get("00000099") is None),
]


def _equal(repo: Repository, local_id: str) -> bool:
    graph = repo.ids.graph(local_id)
    return set(repo.work.graph(graph)) == set(repo.public.graph(graph))


def _state(repo: Repository, local_id: str, state: str) -> bool:
    return repo.get(local_id).state == state


def _bury_ahead(repo: Repository, local_id: str) -> None:
    """What withdrawing did before the work area came first: a tombstone, and the crash."""
    record = repo.get(local_id)
    repo._bury(record.with_(datestamp=record.datestamp + timedelta(minutes=1)))


@pytest.mark.parametrize(("damage", "line", "repaired"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_check_names_each_disagreement_by_record_and_repair_settles_it(
        repo: Repository, damage: Damage, line: str, repaired: Damage) -> None:
    damage(repo)
    found = problems(repo)
    assert any(line in problem for problem in found), found
    said: list[str] = []
    assert check_repository(repo, repair=True, echo=said.append) == 0, said
    assert said[-1].endswith("0 problems remain")
    assert problems(repo) == []
    assert repaired(repo)


def test_repair_says_what_it_did_for_each_record(repo: Repository) -> None:
    repo.public.replace({repo.ids.graph("00000001"): None})
    repo.work.replace({repo.ids.graph("00000002"): None})
    repo.text_index.remove(["00000005"])
    said: list[str] = []
    check_repository(repo, repair=True, echo=said.append)
    assert "00000001: wrote revision 1 (" in "\n".join(said)
    assert any(s.startswith("00000002: wrote revision 1 (") and "to the work area from the "
               "public area" in s for s in said)
    assert "00000005: wrote its text document from the public area" in said


def test_check_without_repair_changes_nothing_and_reports_a_count(repo: Repository) -> None:
    repo.public.replace({repo.ids.graph("00000001"): None})
    said: list[str] = []
    assert check_repository(repo, repair=False, echo=said.append) == 3  # public, index, text
    assert said[-1].startswith("checked 7 records") and "3 problems in 1 records" in said[-1]
    assert not repo.public.has_graph(repo.ids.graph("00000001"))


def test_check_reads_records_in_batches_beyond_one_lookup(repo: Repository) -> None:
    """More records than one text lookup or one SQLite insert takes at a time."""
    from repository import integrity

    repo.save_batch([titled(repo, f"src.example:{n}") for n in range(40)], publish=True)
    repo.text_index.remove(["src.example:17"])
    original = integrity.IDS_PER_LOOKUP, integrity.ROWS_PER_INSERT
    integrity.IDS_PER_LOOKUP, integrity.ROWS_PER_INSERT = 7, 5
    try:
        found = problems(repo)
    finally:
        integrity.IDS_PER_LOOKUP, integrity.ROWS_PER_INSERT = original
    assert [problem.split(" (")[0] for problem in found] == [
        "src.example:17: the text index lacks it"]
