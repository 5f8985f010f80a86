"""The back office's dataset list, review queue, record page and takedown page through the
real application: the list's filters and paging, each reviewer's queue, both reviews to
publication, a return with its required reason that the provider then reads, resubmission, a
takedown through both reviews to 410 and OAI ``deleted``, a returned takedown, the diff of a
new revision against the published one, two reviewers acting at once, the agency check on
every id and the CSRF check on every action.

Records are set up through the workflow itself (the dataset form is another page's)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from flask.testing import FlaskClient
from rdflib import Literal, URIRef

from endpoints.admin import workflow
from repository.actors import Actor
from repository.workflow.service import Workflow
from tests.accounts_support import AGENCY_A, AGENCY_B
from tests.office_support import Office, csrf_token, office_home, signed_in
from tests.test_workflow_table import new_record
from vocab.namespaces import DCT, FOAF

T = TypeVar("T")
PROVIDER_A, ADMIN_A, PLATFORM = ("provider.a@example.org", "admin.a@example.org",
                                 "platform@example.org")
PROVIDER_B, ADMIN_B = "provider.b@example.org", "admin.b@example.org"
AGENCY_NAMES = {AGENCY_A: "數位發展部", AGENCY_B: "數位產業署"}
REASON = "請調整資料集描述勿與標題相似"
REVISION = re.compile(r'name="expected_revision" value="(\d+)"')
ALERT = re.compile(r'role="alert">([^<]*)<')


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with office_home(tmp_path / "home", base_uri="http://127.0.0.1:8000/") as office:
        yield office


# -- setting up through the workflow ---------------------------------------------------------


def with_flow(office: Office, step: Callable[[Workflow], T]) -> T:
    """``step`` run on the application's workflow (its events go to the audit log)."""
    with office.app.test_request_context():
        return step(workflow())


def draft(office: Office, actor: Actor, title: str | None = None) -> str:
    """A new conforming draft saved by ``actor`` (titled ``title`` when given); its id."""
    record = new_record(office.repository)
    subject = office.repository.ids.resource(record.id)
    if title is not None:
        record.graph.set((subject, DCT.title, Literal(title, lang="zh-Hant-TW")))
    agency = URIRef(f"{office.repository.ids.base}agency/{actor.agency}")
    record.graph.add((agency, FOAF.name, Literal(AGENCY_NAMES[actor.agency], lang="zh-Hant")))
    return with_flow(office, lambda flow: flow.save_draft(actor, record)).record.id


def revision(office: Office, local_id: str) -> int:
    return office.repository.get(local_id).revision


def state(office: Office, local_id: str) -> str:
    return office.repository.get(local_id).state


def submitted(office: Office, actor: Actor | None = None, title: str | None = None) -> str:
    """A draft of ``actor`` (provider A) submitted: pending its agency admin's review."""
    actor = actor or office.cast.provider_a
    local_id = draft(office, actor, title)
    with_flow(office, lambda flow: flow.submit(actor, local_id,
                                               expected_revision=revision(office, local_id)))
    return local_id


def at_platform(office: Office) -> str:
    """A record of agency A pending the platform admin's review."""
    local_id = submitted(office)
    with_flow(office, lambda flow: flow.approve(office.cast.admin_a, local_id,
                                                expected_revision=revision(office, local_id)))
    return local_id


def published(office: Office) -> str:
    """A record of agency A approved at both levels."""
    local_id = at_platform(office)
    with_flow(office, lambda flow: flow.approve(office.cast.platform, local_id,
                                                expected_revision=revision(office, local_id)))
    return local_id


# -- driving the pages -----------------------------------------------------------------------


def act(client: FlaskClient, local_id: str, action: str, *, reason: str | None = None,
        expected: str | None = None):
    """Send the action form of the record page as a browser would (the revision it shows
    unless ``expected`` is given); the response to the POST."""
    page = client.get(f"/admin/records/{local_id}")
    text = page.data.decode()
    shown = REVISION.search(text)
    data = {"csrf_token": csrf_token(text), "action": action,
            "expected_revision": expected or (shown.group(1) if shown else "1")}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/admin/records/{local_id}/act", data=data)


def request_takedown(client: FlaskClient, local_id: str, *, when: str = "2026-04-01",
                     reason: str = "需進行檔案整併，暫時下架處理。"):
    page = client.get(f"/admin/records/{local_id}/takedown")
    assert page.status_code == 200, page.data
    text = page.data.decode()
    return client.post(f"/admin/records/{local_id}/takedown", data={
        "csrf_token": csrf_token(text), "expected_revision": REVISION.search(text).group(1),
        "takedown_date": when, "reason": reason})


def listed_ids(page: bytes) -> list[str]:
    """The record ids of a list or queue page's rows, in order."""
    return re.findall(r'<td data-label="[^"]*"><code>([^<]+)</code></td>', page.decode())


def english(client: FlaskClient) -> FlaskClient:
    client.get("/lang/en")
    return client


# -- the dataset list ------------------------------------------------------------------------


def test_the_list_shows_an_agencys_records_latest_changed_first_with_their_state_names(
        office: Office):
    first = draft(office, office.cast.provider_a, "第一份資料集")
    second = submitted(office, title="第二份資料集")
    other = draft(office, office.cast.provider_b, "別的機關的資料集")
    page = signed_in(office, PROVIDER_A).get("/admin/records")
    assert page.status_code == 200
    assert listed_ids(page.data) == [second, first]
    text = page.data.decode()
    assert "草稿" in text and "上架審核中-機關管理者" in text and "數位發展部" in text
    assert other not in text
    english_page = english(signed_in(office, PROVIDER_A)).get("/admin/records").data.decode()
    assert "Pending agency review" in english_page and "Draft" in english_page
    assert listed_ids(signed_in(office, PLATFORM).get("/admin/records").data) == \
        [other, second, first]


def test_the_list_filters_by_keyword_identifier_and_state(office: Office):
    water = draft(office, office.cast.provider_a, "水文觀測語料")
    submitted_one = submitted(office, title="客語口述歷史")
    client = signed_in(office, PROVIDER_A)
    assert listed_ids(client.get("/admin/records", query_string={"q": "口述"}).data) == \
        [submitted_one]
    assert listed_ids(client.get("/admin/records", query_string={"id": water}).data) == \
        [water]
    assert listed_ids(client.get("/admin/records", query_string={
        "state": "pending-agency-review"}).data) == [submitted_one]
    assert client.get("/admin/records", query_string={"state": "lost"}).status_code == 400


def test_only_a_platform_admin_filters_the_list_by_agency(office: Office):
    mine = draft(office, office.cast.provider_a)
    theirs = draft(office, office.cast.provider_b)
    platform = signed_in(office, PLATFORM)
    assert listed_ids(platform.get("/admin/records",
                                   query_string={"agency": AGENCY_B}).data) == [theirs]
    assert f'<option value="{AGENCY_A}"' in platform.get("/admin/records").data.decode()
    admin_a = signed_in(office, ADMIN_A)
    asked = admin_a.get("/admin/records", query_string={"agency": AGENCY_B})
    assert asked.status_code == 200 and listed_ids(asked.data) == [mine]
    assert 'name="agency"' not in asked.data.decode()


def test_the_list_pages_by_cursor_twenty_rows_a_page(office: Office):
    made = [draft(office, office.cast.provider_a, f"資料集 {n}") for n in range(23)]
    client = signed_in(office, PROVIDER_A)
    first = client.get("/admin/records", query_string={"q": "資料集"})
    assert listed_ids(first.data) == list(reversed(made))[:20]
    link = re.search(r'href="([^"]+)" rel="next"', first.data.decode())
    assert link, "the first page links to the next"
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert listed_ids(second.data) == list(reversed(made))[20:]
    assert 'rel="next"' not in second.data.decode()
    assert client.get("/admin/records", query_string={"after": "nonsense"}).status_code == 400


# -- the queues ------------------------------------------------------------------------------


def test_each_reviewer_queue_holds_what_waits_for_them_longest_waiting_first(office: Office):
    older = submitted(office)
    newer = submitted(office)
    second_step = at_platform(office)
    other_agency = submitted(office, office.cast.provider_b)
    draft(office, office.cast.provider_a)
    assert listed_ids(signed_in(office, ADMIN_A).get("/admin/queue").data) == [older, newer]
    assert listed_ids(signed_in(office, ADMIN_B).get("/admin/queue").data) == [other_agency]
    assert listed_ids(signed_in(office, PLATFORM).get("/admin/queue").data) == [second_step]
    assert signed_in(office, PROVIDER_A).get("/admin/queue").status_code == 403


def test_a_takedown_request_waits_in_the_agency_admins_queue_with_its_date(office: Office):
    local_id = published(office)
    assert request_takedown(signed_in(office, PROVIDER_A), local_id).status_code == 303
    queue = signed_in(office, ADMIN_A).get("/admin/queue").data.decode()
    assert local_id in queue and "下架審核中-機關管理者" in queue and "2026-04-01" in queue


# -- reviewing -------------------------------------------------------------------------------


def test_approval_at_both_levels_publishes_the_record_on_its_page_and_oai(office: Office):
    local_id = submitted(office)
    assert office.client().get(f"/record/{local_id}").status_code == 404
    approved = act(signed_in(office, ADMIN_A), local_id, "approve")
    assert approved.status_code == 303
    assert state(office, local_id) == "pending-platform-review"
    assert office.client().get(f"/record/{local_id}").status_code == 404
    assert act(signed_in(office, PLATFORM), local_id, "approve").status_code == 303
    assert state(office, local_id) == "published"
    assert office.client().get(f"/record/{local_id}").status_code == 200
    harvest = office.client().get("/oai", query_string={"verb": "ListRecords",
                                                        "metadataPrefix": "oai_dc"})
    assert office.repository.ids.oai(local_id) in harvest.data.decode()
    done = signed_in(office, PLATFORM).get(f"/admin/records/{local_id}?done=approve")
    assert "已完成：通過" in done.data.decode()


def test_a_return_without_a_reason_is_refused_and_changes_nothing(office: Office):
    local_id = submitted(office)
    refused = act(signed_in(office, ADMIN_A), local_id, "return", reason="  ")
    assert refused.status_code == 400
    assert "請填寫原因" in ALERT.search(refused.data.decode()).group(1)
    assert state(office, local_id) == "pending-agency-review"


def test_a_returned_record_shows_its_reason_to_the_provider_who_resubmits_it(office: Office):
    local_id = at_platform(office)
    returned = act(signed_in(office, PLATFORM), local_id, "return", reason=REASON)
    assert returned.status_code == 303 and state(office, local_id) == "in-revision"
    provider = signed_in(office, PROVIDER_A)
    listing = provider.get("/admin/records").data.decode()
    assert "修改中" in listing and f"退回原因:</strong> {REASON}" in listing
    page = provider.get(f"/admin/records/{local_id}").data.decode()
    assert REASON in page and "送審" in page
    assert act(provider, local_id, "submit").status_code == 303
    assert state(office, local_id) == "pending-agency-review"
    assert local_id in listed_ids(signed_in(office, ADMIN_A).get("/admin/queue").data)


def test_submitting_a_record_that_does_not_conform_is_refused_with_422(office: Office):
    record = new_record(office.repository)
    record.graph.remove((office.repository.ids.resource(record.id), DCT.title, None))
    local_id = with_flow(office, lambda flow: flow.save_draft(office.cast.provider_a,
                                                              record)).record.id
    provider = signed_in(office, PROVIDER_A)
    page = provider.get(f"/admin/records/{local_id}").data.decode()
    assert "須修正" in page and "dct:title" in page
    refused = act(provider, local_id, "submit")
    assert refused.status_code == 422 and state(office, local_id) == "draft"


def test_the_record_page_lists_the_history_and_the_quality_score(office: Office):
    local_id = at_platform(office)
    page = signed_in(office, PLATFORM).get(f"/admin/records/{local_id}").data.decode()
    history = page[page.index('id="history"'):]
    assert history.index("通過") < history.index("送審") < history.index("暫存")  # newest first
    assert "admin_a" in history and "機關管理者" in history
    assert "OLAC 詮釋資料品質分數" in page and re.search(r"<strong>\d+\.\d\d</strong> / 10", page)
    description = page[page.index('id="description"'):page.index('id="history"')]
    assert "前臺呈現預覽" in description and "<th scope=\"row\">資料集名稱</th>" in description


def test_a_new_revision_of_a_published_record_shows_what_changed_field_by_field(
        office: Office):
    local_id = published(office)
    edited = office.repository.get(local_id)
    subject = office.repository.ids.resource(local_id)
    old_title = str(next(edited.graph.objects(subject, DCT.title)))
    edited.graph.set((subject, DCT.title, Literal("新版標題", lang="zh-Hant-TW")))
    with_flow(office, lambda flow: flow.save_draft(office.cast.provider_a, edited,
                                                   expected_revision=edited.revision))
    with_flow(office, lambda flow: flow.submit(office.cast.provider_a, local_id,
                                               expected_revision=edited.revision + 1))
    page = signed_in(office, ADMIN_A).get(f"/admin/records/{local_id}").data.decode()
    changes = page[page.index('id="changes"'):page.index('id="description"')]
    assert "第 1 版 → 第 2 版" in changes and "名稱" in changes
    assert "<ins><span lang=\"zh-Hant-TW\">新版標題</span></ins>" in changes
    assert old_title in changes.split("<del>", 1)[1]
    english_page = english(signed_in(office, ADMIN_A)).get(f"/admin/records/{local_id}")
    assert "Changes from the published version" in english_page.data.decode()
    assert office.client().get(f"/record/{local_id}").status_code == 200  # still public


# -- takedowns -------------------------------------------------------------------------------


def oai_header(office: Office, local_id: str) -> str:
    answer = office.client().get("/oai", query_string={
        "verb": "GetRecord", "metadataPrefix": "oai_dc",
        "identifier": office.repository.ids.oai(local_id)})
    return re.search(r"<header[^>]*>", answer.data.decode()).group(0)


def test_a_takedown_goes_through_both_reviews_and_the_record_is_gone(office: Office):
    local_id = published(office)
    provider = signed_in(office, PROVIDER_A)
    assert f'href="/admin/records/{local_id}/takedown"' in provider.get("/admin/records").text
    assert request_takedown(provider, local_id).status_code == 303
    assert state(office, local_id) == "takedown-pending-agency"
    assert office.client().get(f"/record/{local_id}").status_code == 200  # still public
    admin = signed_in(office, ADMIN_A)
    page = admin.get(f"/admin/records/{local_id}").data.decode()
    assert "2026-04-01" in page and "需進行檔案整併" in page and "通過下架" in page
    assert act(admin, local_id, "approve").status_code == 303
    assert act(signed_in(office, PLATFORM), local_id, "approve").status_code == 303
    assert state(office, local_id) == "withdrawn"
    page = signed_in(office, PROVIDER_A).get(f"/admin/records/{local_id}")
    assert page.status_code == 200 and "已下架" in page.data.decode()
    assert office.client().get(f"/record/{local_id}").status_code == 410
    assert 'status="deleted"' in oai_header(office, local_id)


def test_a_returned_takedown_leaves_the_record_published(office: Office):
    local_id = published(office)
    request_takedown(signed_in(office, PROVIDER_A), local_id)
    returned = act(signed_in(office, ADMIN_A), local_id, "return", reason="請先與承辦確認")
    assert returned.status_code == 303 and state(office, local_id) == "published"
    assert office.client().get(f"/record/{local_id}").status_code == 200
    assert 'status="deleted"' not in oai_header(office, local_id)
    listing = signed_in(office, PROVIDER_A).get("/admin/records").data.decode()
    assert "請先與承辦確認" in listing


def test_a_takedown_request_needs_a_date_and_a_reason(office: Office):
    local_id = published(office)
    provider = signed_in(office, PROVIDER_A)
    for when, reason, says in (("", "整併", "請填寫下架日期"), ("2026-04-01", "", "請填寫原因")):
        refused = request_takedown(provider, local_id, when=when, reason=reason)
        assert refused.status_code == 400 and says in refused.data.decode()
    assert state(office, local_id) == "published"


def test_only_a_published_record_can_be_asked_to_be_taken_down(office: Office):
    local_id = draft(office, office.cast.provider_a)
    page = signed_in(office, PROVIDER_A).get(f"/admin/records/{local_id}/takedown")
    assert page.status_code == 409 and "只有已上架的資料集可以申請下架" in page.data.decode()


# -- conflicts and refusals ------------------------------------------------------------------


@pytest.mark.parametrize("language, message", [
    ("zh-Hant", "已有其他人先處理此資料集，目前狀態為「上架審核中-後臺管理者」"),
    ("en", "Someone acted on this record before you: it is now “Pending platform review”")])
def test_two_reviewers_acting_at_once_one_wins_the_other_is_told_in_their_language(
        office: Office, language: str, message: str):
    local_id = submitted(office)
    first, second = signed_in(office, ADMIN_A), signed_in(office, ADMIN_A)
    second.get(f"/lang/{language}")
    shown = REVISION.search(second.get(f"/admin/records/{local_id}").data.decode()).group(1)
    assert act(first, local_id, "approve").status_code == 303
    late = act(second, local_id, "return", reason=REASON, expected=shown)
    assert late.status_code == 409
    assert message in ALERT.search(late.data.decode()).group(1)
    assert state(office, local_id) == "pending-platform-review"


def test_an_action_the_state_does_not_allow_is_refused_with_409_saying_why(office: Office):
    local_id = published(office)
    provider = signed_in(office, PROVIDER_A)
    page = provider.get(f"/admin/records/{local_id}").text
    refused = provider.post(f"/admin/records/{local_id}/act", data={
        "csrf_token": csrf_token(page), "action": "submit", "shown_state": "published",
        "expected_revision": str(revision(office, local_id))})
    assert refused.status_code == 409
    assert ALERT.search(refused.text).group(1) == "資料集目前為「已上架」，無法執行此操作。"


def test_an_action_on_a_revision_that_is_no_longer_current_is_a_conflict(office: Office):
    local_id = published(office)
    provider = signed_in(office, PROVIDER_A)
    page = provider.get(f"/admin/records/{local_id}/takedown").data.decode()
    current = office.repository.get(local_id)
    with_flow(office, lambda flow: flow.save_draft(office.cast.provider_a, current,
                                                   expected_revision=current.revision))
    late = provider.post(f"/admin/records/{local_id}/takedown", data={
        "csrf_token": csrf_token(page), "expected_revision": REVISION.search(page).group(1),
        "takedown_date": "2026-04-01", "reason": "整併"})
    assert late.status_code == 409 and state(office, local_id) == "draft"


@pytest.mark.parametrize("email", [ADMIN_B, PROVIDER_B])
def test_another_agencys_record_is_refused_on_every_page_and_action(office: Office,
                                                                    email: str):
    waiting, public = submitted(office), published(office)
    client = signed_in(office, email)
    token = csrf_token(client.get("/admin/records").data)
    for local_id in (waiting, public):
        assert client.get(f"/admin/records/{local_id}").status_code == 403
        assert client.get(f"/admin/records/{local_id}/takedown").status_code == 403
        for action in ("approve", "return", "submit"):
            refused = client.post(f"/admin/records/{local_id}/act", data={
                "csrf_token": token, "action": action, "reason": REASON,
                "expected_revision": str(revision(office, local_id))})
            assert refused.status_code == 403
        refused = client.post(f"/admin/records/{local_id}/takedown", data={
            "csrf_token": token, "takedown_date": "2026-04-01", "reason": REASON,
            "expected_revision": str(revision(office, local_id))})
        assert refused.status_code == 403
    assert (state(office, waiting), state(office, public)) == ("pending-agency-review",
                                                              "published")


def test_a_role_that_does_not_take_an_action_is_refused_with_403(office: Office):
    local_id = submitted(office)
    provider = signed_in(office, PROVIDER_A)
    page = provider.get(f"/admin/records/{local_id}").data.decode()
    assert 'value="approve"' not in page
    assert act(provider, local_id, "approve").status_code == 403
    assert state(office, local_id) == "pending-agency-review"


def test_an_action_without_its_csrf_token_is_refused_with_400(office: Office):
    local_id = submitted(office)
    client = signed_in(office, ADMIN_A)
    refused = client.post(f"/admin/records/{local_id}/act", data={
        "action": "approve", "expected_revision": str(revision(office, local_id))})
    assert refused.status_code == 400
    assert state(office, local_id) == "pending-agency-review"


def test_an_unknown_record_is_404_and_a_visitor_is_sent_to_the_login_page(office: Office):
    assert signed_in(office, ADMIN_A).get("/admin/records/99999999").status_code == 404
    assert office.client().get("/admin/records").status_code == 302
    assert office.client().get("/admin/queue").status_code == 302
