"""The review index (workflow.sqlite): kept in step with every save and transition and with
imports, rebuilt from the work area when missing (the same rows), finished from the journal
when a change was cut short, paged by keyset with every filter, each list walking an index."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from repository import Config, Repository
from repository.actors import Role
from repository.errors import InputError, StoreError
from repository.workflow import index as review_index
from repository.workflow.index import Entry, listing_statement, queue_statement
from repository.workflow.service import Workflow
from tests.conftest import RepositoryFactory
from tests.test_workflow import ADMIN, AGENCY, PLATFORM, PROVIDER, REASON, SEED_001, problems
from tests.test_workflow import repo as seed_repository  # noqa: F401 (a fixture)
from vocab.namespaces import DCT


def everything(repo: Repository) -> list[Entry]:
    return Workflow(repo).records(PLATFORM, limit=500)


def busy_day(repo: Repository) -> None:
    """A return, an edit of a published record in review, a takedown passed on, a draft
    saved again."""
    flow = Workflow(repo)
    flow.return_(ADMIN, "00009127", reason=REASON, expected_revision=1)
    saved = flow.save_draft(PROVIDER, repo.get("00001174"), expected_revision=1)
    flow.submit(PROVIDER, "00001174", expected_revision=saved.record.revision)
    flow.approve(ADMIN, "00009205", expected_revision=1)
    flow.save_draft(PROVIDER, repo.get("00009203"), expected_revision=1)


def test_rows_follow_every_change(seed_repository: Repository) -> None:  # noqa: F811
    repo = seed_repository
    busy_day(repo)
    rows = {e.local_id: e for e in everything(repo)}
    assert set(rows) == set(SEED_001)
    assert (rows["00009127"].state, rows["00009127"].note.reason) == ("in-revision", REASON)
    assert (rows["00001174"].state, rows["00001174"].revision,
            rows["00001174"].public_revision) == ("pending-agency-review", 2, 1)
    assert (rows["00009205"].state, rows["00009205"].note.takedown_date) == (
        "takedown-pending-platform", "2026-01-01")
    assert rows["00000001"].agency == "A09000000E" and rows["00000001"].state == "published"


def test_the_index_is_rebuilt_from_the_work_area_when_missing(
        seed_repository: Repository, make_repository: RepositoryFactory) -> None:  # noqa: F811
    repo = seed_repository
    busy_day(repo)
    kept = everything(repo)
    home = repo.config.home
    repo.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{home}/workflow.sqlite{suffix}").unlink(missing_ok=True)
    reopened = Repository(repo.config)
    try:
        assert everything(reopened) == kept
        assert problems(reopened) == []
    finally:
        reopened.close()


def test_a_rebuild_by_scans_gives_the_rows_kept_in_step(seed_repository) -> None:  # noqa: F811
    repo = seed_repository
    busy_day(repo)
    kept = everything(repo)
    assert repo.rebuild_reviews() == len(SEED_001)
    assert everything(repo) == kept


def test_a_change_cut_short_before_its_row_is_finished_when_the_home_is_opened(
        seed_repository, monkeypatch) -> None:  # noqa: F811
    repo = seed_repository
    original = review_index.ReviewIndex.replace

    def failing(self, observed):
        raise StoreError("the review index failed: disk I/O error")

    monkeypatch.setattr(review_index.ReviewIndex, "replace", failing)
    with pytest.raises(StoreError):
        Workflow(repo).approve(ADMIN, "00009127", expected_revision=1)
    monkeypatch.setattr(review_index.ReviewIndex, "replace", original)
    assert repo.reviews.get("00009127").state == "pending-agency-review"  # stale
    assert repo.get("00009127").state == "pending-platform-review"
    repo.close()
    reopened = Repository(repo.config)
    try:
        assert any("00009127" in intent.local_ids for intent in reopened.recovered)
        assert reopened.reviews.get("00009127").state == "pending-platform-review"
        assert problems(reopened) == []
    finally:
        reopened.close()


def test_imported_records_are_listed_and_imports_keep_the_rows(seed_repository) -> None:  # noqa: F811
    from tests.test_repository import titled

    repo = seed_repository
    repo.save_batch([titled(repo, "src.example:1", "匯入的草稿")], publish=False)
    repo.save_batch([titled(repo, "src.example:2", "匯入並發布")], publish=True)
    rows = {e.local_id: e for e in everything(repo)}
    assert (rows["src.example:1"].state, rows["src.example:1"].public_revision) == ("draft",
                                                                                     None)
    assert (rows["src.example:2"].state, rows["src.example:2"].public_revision) == (
        "published", 1)
    assert rows["src.example:1"].agency is None and rows["src.example:1"].title == "匯入的草稿"


# -- lists and queues -------------------------------------------------------------------------


@pytest.fixture
def many(tmp_path: Path) -> Repository:
    """30 records of agency A, 12 of agency B, in several states."""
    from tests.test_repository import titled

    repository = Repository(Config(home=tmp_path / "home"))
    records = []
    for n in range(42):
        agency = AGENCY if n < 30 else "A09000000E"
        record = titled(repository, f"{n + 1:08d}", f"第{n}號語料 Corpus-{n}")
        record.graph.add((repository.ids.resource(record.id), DCT.publisher,
                          URIRef(f"{repository.config.base_uri}agency/{agency}")))
        state = ("pending-agency-review", "draft", "pending-platform-review")[n % 3]
        records.append(record.with_(state=state))
    repository.save_batch(records, publish=False)
    yield repository
    repository.close()


def pages(fetch, limit: int) -> list[Entry]:
    """Every entry, page by page through the cursors."""
    found: list[Entry] = []
    after = None
    while True:
        page = fetch(after=after, limit=limit)
        found += page
        if len(page) < limit:
            return found
        after = page[-1].cursor


def test_a_list_pages_through_every_record_once_in_order(many: Repository) -> None:
    flow = Workflow(many)
    listed = pages(lambda **k: flow.records(PROVIDER, **k), 7)
    assert len(listed) == 30 and len({e.local_id for e in listed}) == 30
    keys = [(e.updated, e.local_id) for e in listed]
    assert keys == sorted(keys, reverse=True)
    assert all(e.agency == AGENCY for e in listed)


def test_the_queues_hold_what_each_reviewer_must_review(many: Repository) -> None:
    flow = Workflow(many)
    agency_queue = pages(lambda **k: flow.queue(ADMIN, **k), 4)
    platform_queue = pages(lambda **k: flow.queue(PLATFORM, **k), 4)
    assert {e.state for e in agency_queue} == {"pending-agency-review"}
    assert len(agency_queue) == 10 and {e.agency for e in agency_queue} == {AGENCY}
    assert {e.state for e in platform_queue} == {"pending-platform-review"}
    assert len(platform_queue) == 14  # both agencies
    assert flow.queue(PROVIDER) == []


@pytest.mark.parametrize(("filters", "expected"), [
    ({"keyword": "第1"}, {f"{n + 1:08d}" for n in range(30) if str(n).startswith("1")}),
    ({"keyword": "corpus-2"}, {f"{n + 1:08d}" for n in (2, *range(20, 30))}),  # case-folded
    ({"keyword": "ＣＯＲＰＵＳ-1"}, {f"{n + 1:08d}" for n in (1, *range(10, 20))}),  # width
    ({"identifier": "0000002"}, {f"000000{n}" for n in range(20, 30)}),
    ({"state": "draft"}, {f"{n + 1:08d}" for n in range(30) if n % 3 == 1}),
    ({"state": "draft", "keyword": "語料", "identifier": "0000000"},
     {f"{n + 1:08d}" for n in range(9) if n % 3 == 1}),
])
def test_list_filters(many: Repository, filters: dict, expected: set[str]) -> None:
    listed = pages(lambda **k: Workflow(many).records(PROVIDER, **filters, **k), 5)
    assert {e.local_id for e in listed} == expected


def test_a_platform_admin_lists_every_agency_or_one(many: Repository) -> None:
    flow = Workflow(many)
    assert len(flow.records(PLATFORM, limit=100)) == 42
    assert {e.agency for e in flow.records(PLATFORM, agency="A09000000E", limit=100)} == {
        "A09000000E"}


@pytest.mark.parametrize(("arguments", "message"), [
    ({"after": "nonsense"}, "is not a list cursor"),
    ({"limit": 0}, "limit must be 1 to 500"),
    ({"state": "gone"}, "unknown state 'gone'"),
])
def test_bad_list_arguments_are_input_errors(many: Repository, arguments, message) -> None:
    with pytest.raises(InputError, match=message) as refused:
        Workflow(many).records(PROVIDER, **arguments)
    assert refused.value.status == 400


STATEMENTS = {
    "agency queue": queue_statement(Role.AGENCY_ADMIN, AGENCY, "2026-01-01T00:00:00Z|1", 20),
    "platform queue": queue_statement(Role.PLATFORM_ADMIN, None, None, 20),
    "agency list": listing_statement(agency=AGENCY, state=None, identifier=None, keyword=None,
                                     after="2026-01-01T00:00:00Z|1", limit=20),
    "agency list by state": listing_statement(agency=AGENCY, state="draft", identifier=None,
                                              keyword=None, after=None, limit=20),
    "agency list by a common keyword": listing_statement(
        agency=AGENCY, state=None, identifier=None, keyword='"語料"', common=True, after=None,
        limit=20),
    "every agency's list by a common keyword": listing_statement(
        agency=None, state="draft", identifier=None, keyword='"語料"', common=True,
        after=None, limit=20),
    "every agency's list": listing_statement(agency=None, state=None, identifier=None,
                                             keyword=None, after=None, limit=20),
    "every agency's list by state": listing_statement(agency=None, state="draft",
                                                      identifier=None, keyword=None,
                                                      after=None, limit=20),
}


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_each_list_walks_an_index_in_its_order(many: Repository, name: str) -> None:
    """No sort of the matching rows: a page reads about ``limit`` index entries (over 1/50th
    of the rows with a common keyword), whatever the size of the index."""
    plan = " | ".join(many.reviews.plan(*STATEMENTS[name]))
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("agency", [AGENCY, None])
def test_a_selective_keyword_is_looked_up_by_its_matches(many: Repository, agency) -> None:
    """At most FEW_MATCHES rows, found through the text table and sorted."""
    plan = many.reviews.plan(*listing_statement(
        agency=agency, state="draft", identifier=None, keyword='"語料"', after=None, limit=20))
    assert plan[0] == "SEARCH reviews USING INTEGER PRIMARY KEY (rowid=?)", plan
    assert "SCAN search VIRTUAL TABLE INDEX 0:M1" in plan


def test_a_keyword_is_looked_up_either_way_with_the_same_answer(many, monkeypatch) -> None:
    flow = Workflow(many)
    selective = pages(lambda **k: flow.records(PROVIDER, keyword="語料 corpus-2", **k), 3)
    monkeypatch.setattr(review_index, "FEW_MATCHES", 0)
    common = pages(lambda **k: flow.records(PROVIDER, keyword="語料 corpus-2", **k), 3)
    assert selective == common and len(common) == 11


def test_an_entry_shows_the_chinese_title_first(many: Repository) -> None:
    entry = Workflow(many).entry(PROVIDER, "00000001")
    assert entry.title == "第0號語料 Corpus-0" and entry.state == "pending-agency-review"
