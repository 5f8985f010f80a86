"""The review workflow on both backends: saving drafts (invalid ones too) and new records,
submission gated by SHACL, returns with a reason the provider sees, resubmission, editing a
published record (the published revision stays public until the final approval, then is kept
in the history), takedowns, stale revisions, the history and the audit callback, the queues
and lists, and that nothing of it is ever public."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

import demo
from demo.workflow import replay
from repository import Gone, Record, Repository
from repository.actors import Actor, Role, WorkflowEvent
from repository.errors import ConflictError, InputError, NotAllowed, ValidationError
from repository.export import write_public
from repository.importer import load_records
from repository.integrity import Check
from repository.sparql import QueryLimits
from repository.workflow.history import history_graph, snapshot_graph
from repository.workflow.service import NEW_ID, StaleRevision, Workflow, history, save_draft
from repository.workflow.table import WrongState
from tests.conftest import RepositoryFactory
from tests.test_workflow_table import new_record
from vocab.namespaces import DCT

AGENCY = "A29000000G"
PROVIDER = Actor("provider@moda.example.org", Role.PROVIDER, AGENCY, "林範例")
ADMIN = Actor("admin@moda.example.org", Role.AGENCY_ADMIN, AGENCY, "王範例")
PLATFORM = Actor("platform@example.org", Role.PLATFORM_ADMIN, None, "陳範例")
OTHER_PROVIDER = Actor("provider@mofa.example.org", Role.PROVIDER, "A09000000E")
REASON = "請調整資料集描述勿與標題相似"
#: The demo records of seed 001 (agency A29000000G) and one of another agency.
SEED_001 = ("00001174", "00001182", "00009127", "00009128", "00009203", "00009205",
            "00000001")


@pytest.fixture
def repo(make_repository: RepositoryFactory, tmp_path: Path) -> Repository:
    repository = make_repository(tmp_path / "home")
    chosen = [Record(id=d.local_id, graph=d.graph, state=d.state)
              for d in demo.records(repository.config.base_uri) if d.local_id in SEED_001]
    assert load_records(repository, chosen).ok
    replay(repository)
    return repository


@pytest.fixture
def flow(repo: Repository) -> Workflow:
    return Workflow(repo)


def problems(repo: Repository) -> list[str]:
    return [str(problem) for problem in Check(repo).run()]


def revision(repo: Repository, local_id: str) -> int:
    return repo.get(local_id).revision


def titles(record: Record, repo: Repository) -> set[str]:
    return {str(t) for t in record.graph.objects(repo.ids.resource(record.id), DCT.title)}


# -- saving ---------------------------------------------------------------------------------


def test_a_new_record_gets_a_new_local_id_and_the_actors_agency_as_publisher(
        repo: Repository, flow: Workflow) -> None:
    record = new_record(repo, "00009203")
    record.graph.remove((None, DCT.publisher, None))
    saved = save_draft(repo, PROVIDER, record)
    local_id = saved.record.id
    assert local_id != NEW_ID and len(local_id) == 8 and local_id.isdigit()
    stored = repo.get(local_id)
    subject = repo.ids.resource(local_id)
    assert stored.state == "draft" and stored.revision == 1
    assert set(stored.graph.objects(subject, DCT.publisher)) == {
        URIRef(f"{repo.config.base_uri}agency/{AGENCY}")}
    assert set(stored.graph.objects(subject, DCT.identifier)) == {Literal(local_id)}
    assert not any(NEW_ID in str(term) for triple in stored.graph for term in triple)
    assert repo.reviews.get(local_id).agency == AGENCY


def test_an_invalid_draft_is_saved_with_its_shacl_results(repo: Repository,
                                                           flow: Workflow) -> None:
    record = repo.get("00009128")  # its description is a near copy of its title
    saved = flow.save_draft(PROVIDER, record, expected_revision=record.revision)
    assert saved.record.revision == record.revision + 1
    assert not saved.conforms
    assert any(v.path == "dct:description" and v.is_failure for v in saved.violations)
    assert repo.get("00009128").revision == record.revision + 1


def test_a_conforming_draft_says_so_and_has_a_quality_score(repo, flow: Workflow) -> None:
    saved = flow.save_draft(PROVIDER, repo.get("00009203"))
    assert saved.conforms and saved.quality is not None and 0 < saved.quality <= 10


def test_submitting_a_record_that_does_not_conform_is_refused_with_its_violations(
        repo: Repository, flow: Workflow) -> None:
    with pytest.raises(ValidationError) as refused:
        flow.submit(PROVIDER, "00009128", expected_revision=revision(repo, "00009128"))
    assert refused.value.status == 422
    assert any(v.path == "dct:description" for v in refused.value.violations)
    assert repo.get("00009128").state == "in-revision"
    assert [e.action for e in history(repo, "00009128")] == ["return"]  # nothing written


def test_a_save_of_another_revision_than_the_stored_one_is_a_conflict(repo, flow) -> None:
    record = repo.get("00009203")
    flow.save_draft(PROVIDER, record, expected_revision=record.revision)
    with pytest.raises(StaleRevision) as refused:
        flow.save_draft(PROVIDER, record, expected_revision=record.revision)
    assert refused.value.status == 409
    assert str(refused.value) == (f"record 00009203 is at revision {record.revision + 1}, not "
                                  f"{record.revision} as expected: it changed meanwhile; look "
                                  "at it again")


# -- the review story ------------------------------------------------------------------------


def test_a_return_needs_a_reason_and_the_provider_sees_it_in_the_list(repo, flow) -> None:
    with pytest.raises(InputError) as refused:
        flow.return_(ADMIN, "00009127", reason="  ", expected_revision=1)
    assert refused.value.status == 400 and "needs a reason" in str(refused.value)
    flow.return_(ADMIN, "00009127", reason=REASON, expected_revision=1)
    entry = next(e for e in flow.records(PROVIDER, state="in-revision")
                 if e.local_id == "00009127")
    assert entry.note is not None and entry.note.reason == REASON
    assert entry.note.action == "return"


def test_the_reason_stays_while_the_provider_edits_and_goes_once_resubmitted(repo,
                                                                             flow) -> None:
    flow.return_(ADMIN, "00009127", reason=REASON, expected_revision=1)
    saved = flow.save_draft(PROVIDER, repo.get("00009127"), expected_revision=1)
    assert flow.entry(PROVIDER, "00009127").note.reason == REASON
    flow.submit(PROVIDER, "00009127", expected_revision=saved.record.revision)
    entry = flow.entry(ADMIN, "00009127")
    assert entry.state == "pending-agency-review" and entry.note is None
    assert entry.local_id in {e.local_id for e in flow.queue(ADMIN)}


def test_a_record_returned_by_the_platform_goes_back_through_both_reviews(repo, flow) -> None:
    flow.return_(PLATFORM, "00001182", reason=REASON, expected_revision=1)
    assert repo.get("00001182").state == "in-revision"
    flow.submit(PROVIDER, "00001182", expected_revision=1)
    assert repo.get("00001182").state == "pending-agency-review"
    with pytest.raises(WrongState):
        flow.approve(PLATFORM, "00001182", expected_revision=1)
    flow.approve(ADMIN, "00001182", expected_revision=1)
    published = flow.approve(PLATFORM, "00001182", expected_revision=1)
    assert published.state == "published"
    assert repo.get("00001182", public=True).revision == 1
    assert problems(repo) == []


def test_editing_a_published_record_keeps_it_public_until_the_final_approval(
        repo: Repository, flow: Workflow) -> None:
    first = repo.get("00001174", public=True)
    row = repo.disseminations.get("00001174")
    edited = repo.get("00001174")
    subject = repo.ids.resource("00001174")
    edited.graph.set((subject, DCT.title, Literal("領域資料標準（第二版）", lang="zh-Hant-TW")))
    saved = flow.save_draft(PROVIDER, edited, expected_revision=first.revision)
    assert saved.record.state == "draft" and saved.record.revision == first.revision + 1
    steps = [lambda: flow.submit(PROVIDER, "00001174", expected_revision=2),
             lambda: flow.approve(ADMIN, "00001174", expected_revision=2)]
    for step in [lambda: None, *steps]:
        step()
        assert repo.get("00001174", public=True).revision == first.revision
        assert "領域資料標準" in titles(repo.get("00001174", public=True), repo)
        assert repo.disseminations.get("00001174").datestamp == row.datestamp
        assert repo.reviews.get("00001174").public_revision == first.revision
        assert problems(repo) == []  # a public revision older than the one in review
    flow.approve(PLATFORM, "00001174", expected_revision=2)
    public = repo.get("00001174", public=True)
    assert public.revision == 2 and public.datestamp > first.datestamp
    assert titles(public, repo) >= {"領域資料標準（第二版）"}
    assert repo.disseminations.get("00001174").datestamp > row.datestamp
    kept = repo.work.graph(snapshot_graph(repo.ids, "00001174", first.revision))
    assert set(kept) == set(first.graph)
    assert problems(repo) == []


def test_the_revision_history_links_each_published_revision_to_the_one_before(repo,
                                                                            flow) -> None:
    for _ in range(2):
        current = repo.get("00001174")
        saved = flow.save_draft(PROVIDER, current, expected_revision=current.revision)
        number = saved.record.revision
        flow.submit(PROVIDER, "00001174", expected_revision=number)
        flow.approve(ADMIN, "00001174", expected_revision=number)
        flow.approve(PLATFORM, "00001174", expected_revision=number)
    found = repo.work.select(f"""SELECT ?new ?old WHERE {{ GRAPH
        {history_graph(repo.ids, "00001174").n3()} {{
        ?new <http://www.w3.org/ns/prov#wasRevisionOf> ?old }} }} ORDER BY ?new""")
    assert [(str(r["new"]).rsplit("/", 1)[1], str(r["old"]).rsplit("/", 1)[1])
            for r in found] == [("2", "1"), ("3", "2")]
    assert repo.work.has_graph(snapshot_graph(repo.ids, "00001174", 1))
    assert repo.work.has_graph(snapshot_graph(repo.ids, "00001174", 2))


def test_a_returned_takedown_leaves_the_record_published_with_the_reason_kept(repo,
                                                                             flow) -> None:
    before = repo.get("00009205", public=True)
    flow.approve(ADMIN, "00009205", expected_revision=1)
    entry = flow.entry(PLATFORM, "00009205")
    assert entry.note.action == "request-takedown" and entry.note.takedown_date == "2026-01-01"
    flow.return_(PLATFORM, "00009205", reason="檔案仍在使用中，請勿下架", expected_revision=1)
    assert repo.get("00009205").state == "published"
    after = repo.get("00009205", public=True)
    assert (after.revision, after.datestamp) == (before.revision, before.datestamp)
    entry = flow.entry(PROVIDER, "00009205")
    assert entry.state == "published" and entry.note.reason == "檔案仍在使用中，請勿下架"
    assert problems(repo) == []


def test_an_approved_takedown_leaves_a_tombstone(repo: Repository, flow: Workflow) -> None:
    flow.request_takedown(PROVIDER, "00001174", takedown_date=date(2026, 2, 1),
                          reason="需進行檔案整併，暫時下架處理。", expected_revision=1)
    assert repo.get("00001174", public=True).state == "published"  # still public
    flow.approve(ADMIN, "00001174", expected_revision=1)
    flow.approve(PLATFORM, "00001174", expected_revision=1)
    with pytest.raises(Gone):
        repo.get("00001174", public=True)
    assert repo.disseminations.get("00001174").deleted
    assert flow.entry(PROVIDER, "00001174").state == "withdrawn"
    assert problems(repo) == []


def test_a_takedown_needs_a_date_and_a_reason(repo: Repository, flow: Workflow) -> None:
    with pytest.raises(InputError, match="needs the date"):
        flow.act(PROVIDER, "00001174", flow_action("request-takedown"), expected_revision=1,
                 reason="x")
    with pytest.raises(InputError, match="needs a reason"):
        flow.act(PROVIDER, "00001174", flow_action("request-takedown"), expected_revision=1,
                 takedown_date=date(2026, 1, 1))
    assert repo.get("00001174").state == "published"


def flow_action(name: str):
    from repository.workflow.table import Action

    return Action(name)


def test_a_provider_of_another_agency_can_neither_act_on_nor_list_a_record(repo,
                                                                          flow) -> None:
    with pytest.raises(NotAllowed):
        flow.submit(OTHER_PROVIDER, "00009203", expected_revision=1)
    with pytest.raises(NotAllowed):
        flow.records(OTHER_PROVIDER, agency=AGENCY)
    with pytest.raises(NotAllowed):
        flow.history("00009203", OTHER_PROVIDER)
    assert {e.local_id for e in flow.records(OTHER_PROVIDER)} == {"00000001"}


# -- history and audit -----------------------------------------------------------------------


def test_every_save_and_transition_is_in_the_history_and_handed_to_the_audit(repo) -> None:
    audited: list[WorkflowEvent] = []
    flow = Workflow(repo, audit=audited.append)
    flow.approve(ADMIN, "00009127", expected_revision=1)
    flow.return_(PLATFORM, "00009127", reason=REASON, expected_revision=1)
    flow.save_draft(PROVIDER, repo.get("00009127"), expected_revision=1)
    flow.submit(PROVIDER, "00009127", expected_revision=2)
    events = flow.history("00009127", PROVIDER)
    assert [(e.sequence, e.account, e.name, e.role, e.action, e.from_state, e.to_state,
             e.revision, e.reason) for e in events] == [
        (1, ADMIN.account, "王範例", "agency-admin", "approve", "pending-agency-review",
         "pending-platform-review", 1, None),
        (2, PLATFORM.account, "陳範例", "platform-admin", "return", "pending-platform-review",
         "in-revision", 1, REASON),
        (3, PROVIDER.account, "林範例", "data-provider", "save", "in-revision", "in-revision", 2,
         None),
        (4, PROVIDER.account, "林範例", "data-provider", "submit", "in-revision",
         "pending-agency-review", 2, None)]
    assert [(a.account, a.action, a.record, a.from_state, a.to_state, a.reason)
            for a in audited] == [(e.account, e.action, "00009127", e.from_state, e.to_state,
                                   e.reason) for e in events]
    assert all(a.when == e.when for a, e in zip(audited, events, strict=True))


def test_a_refused_action_writes_no_history_and_audits_nothing(repo) -> None:
    audited: list[WorkflowEvent] = []
    flow = Workflow(repo, audit=audited.append)
    with pytest.raises(ConflictError):
        flow.approve(ADMIN, "00009127", expected_revision=5)
    assert audited == [] and flow.history("00009127") == []


def test_the_demo_records_carry_their_past(repo: Repository, flow: Workflow) -> None:
    assert [(e.local_id, e.state) for e in flow.queue(ADMIN)] == [
        ("00009127", "pending-agency-review"), ("00009205", "takedown-pending-agency")]
    assert [e.local_id for e in flow.queue(PLATFORM)] == ["00001182"]
    returned = flow.entry(PROVIDER, "00009128")
    assert returned.note.reason == REASON
    takedown = flow.entry(ADMIN, "00009205")
    assert (takedown.note.takedown_date, takedown.note.reason) == ("2026-01-01",
                                                                   "實進行檔案整理，暫時下架處理。")


# -- nothing of it is public -------------------------------------------------------------------


def test_no_history_reason_or_unpublished_revision_reaches_the_public_area(repo, flow,
                                                                          tmp_path) -> None:
    edited = repo.get("00001174")
    edited.graph.add((repo.ids.resource("00001174"), DCT.alternative,
                      Literal("尚未審核的新標題", lang="zh-Hant-TW")))
    flow.save_draft(PROVIDER, edited, expected_revision=1)
    flow.return_(ADMIN, "00009127", reason=REASON, expected_revision=1)
    secrets = (REASON, "實進行檔案整理", "尚未審核的新標題", "WorkflowEvent",
               str(history_graph(repo.ids, "00009127")), "provider@moda.example.org",
               "admin@moda.example.org", "record-locks", "/admin/record/")
    answer = repo.public.evaluate("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                                  limits=QueryLimits())
    public_text = " ".join(str(v) for row in answer.rows for v in row.values())
    exports = tmp_path / "public.nq"
    with exports.open("wb") as out:
        write_public(repo, "nquads", out)
    oai = b"".join(row.metadata or b"" for local_id in repo.local_ids(public=True)
                   for prefix in ("olac", "oai_dc", "dcat")
                   if (row := repo.disseminations.get(local_id, prefix)) is not None)
    assert b"00001174" in oai and public_text and exports.stat().st_size
    for secret in secrets:
        assert secret not in public_text
        assert secret.encode() not in exports.read_bytes()
        assert secret.encode() not in oai
    assert repo.text_index.held(["00009127"]) == set()


def test_no_history_or_reason_in_any_answer_of_the_web_application(repo, flow) -> None:
    from app import create_app

    flow.return_(ADMIN, "00009127", reason=REASON, expected_revision=1)
    flow.approve(ADMIN, "00009205", expected_revision=1)
    client = create_app(repository=repo).test_client()
    answers = [
        client.get("/sparql", query_string={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
                   headers={"Accept": "text/csv"}),
        client.get("/oai", query_string={"verb": "ListRecords", "metadataPrefix": "olac"}),
        client.get("/oai", query_string={"verb": "ListRecords", "metadataPrefix": "dcat"}),
        client.get("/catalog", headers={"Accept": "text/turtle"}),
        client.get("/record/00009205", headers={"Accept": "text/turtle"}),
    ]
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert client.get("/record/00009127").status_code == 404
    for answer in answers:
        text = answer.get_data(as_text=True)
        for secret in (REASON, "實進行檔案整理", "WorkflowEvent", "takedown-pending",
                       "admin@moda.example.org", "/admin/record/"):
            assert secret not in text, (answer.request.path, secret)
