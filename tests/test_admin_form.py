"""The dataset form of the back office through the real application (seed 001, 資料集上架 →
編輯詮釋資料): a provider saves an invalid draft and sees the shapes' messages at their fields in
zh-Hant (and English after the switch), fixes it, submits it; a stale page gets 409; another
agency's provider gets 403 for every id; a POST without its CSRF token gets 400; the checks
while typing and the language picker answer JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from repository.workflow.service import Workflow
from tests.office_support import Office, csrf_token, office_home, signed_in
from tests.test_form_model import good_fields

PROVIDER_A, PROVIDER_B = "provider.a@example.org", "provider.b@example.org"
ADMIN_A, PLATFORM = "admin.a@example.org", "platform@example.org"
RETURN_REASON = "請調整資料集描述勿與標題相似"
MESSAGES = re.compile(r'<div class="messages" id="m-(\w+)">(.*?)</div>', re.S)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with office_home(tmp_path / "home", base_uri="http://127.0.0.1:8000/") as office:
        yield office


def field_messages(page: bytes | str) -> dict[str, str]:
    """The messages the page shows at each field (the field's message box's text)."""
    text = page.decode() if isinstance(page, bytes) else page
    return {name: re.sub(r"<[^>]+>", " ", inner).strip()
            for name, inner in MESSAGES.findall(text) if inner.strip()}


def post_form(client: FlaskClient, path: str, fields: dict, action: str = "save"):
    """Send the form at ``path`` as a browser would: its CSRF token and revision, ``fields``."""
    page = client.get(path).data.decode()
    data = {**fields, "csrf_token": csrf_token(page), "action": action}
    revision = re.search(r'name="revision" value="(\d+)"', page)
    if revision:
        data.setdefault("revision", revision.group(1))
    return client.post(path, data=data)


def new_draft(client: FlaskClient, fields: dict) -> str:
    """A new dataset saved as a draft through the form; its local id."""
    response = post_form(client, "/admin/records/new", fields)
    assert response.status_code == 303, response.data
    found = re.search(r"/admin/records/(\d{8})/edit\?done=saved$", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def invalid_fields() -> dict:
    return {**good_fields(), "description": ["臺灣客語語料彙編"], "contact_email": ["not-mail"],
            "text_types": []}


def test_the_new_dataset_form_has_seed_001s_fields_in_zh_hant(office: Office):
    page = signed_in(office, PROVIDER_A).get("/admin/records/new")
    assert page.status_code == 200
    text = page.data.decode()
    labels = ["資料集名稱（正體中文）", "資料集描述", "關鍵字", "文本資料類型標籤",
              "應用領域標籤", "語言資源/詞彙", "公共行政", "授權有效期間", "發佈年份",
              "資料提供機關", "資料聯絡人", "聯絡人電話", "聯絡人信箱", "主題語言", "貢獻者",
              "取用條件", "暫存", "送審", "SAITDL-1.0"]
    for label in (*labels, "數位發展部 (A29000000G)"):
        assert label in text, label
    assert 'name="agency"' not in text  # the agency comes from the account, never the form


def test_an_invalid_draft_is_saved_and_shows_the_results_at_their_fields(office: Office):
    client = signed_in(office, PROVIDER_A)
    local_id = new_draft(client, invalid_fields())
    record = office.repository.get(local_id)
    assert record.state == "draft"
    page = client.get(f"/admin/records/{local_id}/edit?done=saved")
    messages = field_messages(page.data)
    assert messages["description"].startswith(RETURN_REASON)
    assert "mailto:" in messages["contact_email"] and "文本資料類型" in messages["text_types"]
    assert "草稿已儲存" in page.data.decode()
    assert 'id="f-description" name="description" rows="5" aria-describedby="h-description ' \
           'm-description" aria-invalid="true"' in page.data.decode()
    english = client.get(f"/lang/en?next=/admin/records/{local_id}/edit")
    assert english.status_code == 302
    messages = field_messages(client.get(f"/admin/records/{local_id}/edit").data)
    assert "resemble the title" in messages["description"]
    assert "mailto:" in messages["contact_email"] and "text type" in messages["text_types"]


def test_a_fixed_draft_is_submitted_for_the_agency_admins_review(office: Office):
    client = signed_in(office, PROVIDER_A)
    local_id = new_draft(client, invalid_fields())
    refused = post_form(client, f"/admin/records/{local_id}/edit", invalid_fields(), "submit")
    assert refused.status_code == 422
    assert field_messages(refused.data)["description"].startswith(RETURN_REASON)
    assert office.repository.get(local_id).state == "draft"
    submitted = post_form(client, f"/admin/records/{local_id}/edit", good_fields(), "submit")
    assert submitted.status_code == 303
    assert submitted.headers["Location"].endswith(f"/admin/records/{local_id}/edit?done=submitted")
    record = office.repository.get(local_id)
    assert record.state == "pending-agency-review"
    page = client.get(submitted.headers["Location"]).data.decode()
    assert "上架審核中" in page and "fieldset class=\"whole\" disabled" in page


def test_a_new_conforming_dataset_is_submitted_at_once(office: Office):
    client = signed_in(office, PROVIDER_A)
    response = post_form(client, "/admin/records/new", good_fields(), "submit")
    assert response.status_code == 303 and response.headers["Location"].endswith("submitted")
    local_id = response.headers["Location"].split("/")[-2]
    assert office.repository.get(local_id).state == "pending-agency-review"


def test_a_save_from_a_page_loaded_before_another_save_gets_409(office: Office):
    client = signed_in(office, PROVIDER_A)
    local_id = new_draft(client, invalid_fields())
    path = f"/admin/records/{local_id}/edit"
    stale = client.get(path).data.decode()
    assert post_form(client, path, good_fields()).status_code == 303
    response = client.post(path, data={**good_fields(), "csrf_token": csrf_token(stale),
                                       "revision": re.search(r'name="revision" value="(\d+)"',
                                                             stale).group(1),
                                       "action": "save", "title_zh": ["舊的名稱"]})
    assert response.status_code == 409
    assert "已有他人修改" in response.data.decode()
    assert "舊的名稱" in response.data.decode()  # what they typed is still in the form
    assert 'name="revision" value="1"' in response.data.decode()  # and the page stays stale
    assert office.repository.get(local_id).revision == 2


def test_another_agencys_provider_gets_403_for_every_id(office: Office):
    local_id = new_draft(signed_in(office, PROVIDER_A), invalid_fields())
    other = signed_in(office, PROVIDER_B)
    path = f"/admin/records/{local_id}/edit"
    assert other.get(path).status_code == 403
    token = csrf_token(other.get("/admin/records/new").data)
    posted = other.post(path, data={**good_fields(), "csrf_token": token, "revision": "1",
                                    "action": "save"})
    assert posted.status_code == 403
    checked = other.post("/admin/records/check", data={**good_fields(), "record": local_id},
                         headers={"X-CSRFToken": token})
    assert checked.status_code == 403 and checked.get_json()["error"]
    assert office.repository.get(local_id).revision == 1


def test_reviewers_read_the_form_but_cannot_save_it(office: Office):
    local_id = new_draft(signed_in(office, PROVIDER_A), good_fields())
    for email in (ADMIN_A, PLATFORM):
        client = signed_in(office, email)
        page = client.get(f"/admin/records/{local_id}/edit")
        assert page.status_code == 200
        assert 'fieldset class="whole" disabled' in page.data.decode()
        assert 'value="save"' not in page.data.decode()  # no button to save or submit
        token = csrf_token(page.data)
        assert client.post(f"/admin/records/{local_id}/edit",
                           data={"csrf_token": token, "revision": "1"}).status_code == 403
        assert client.get("/admin/records/new").status_code == 403
    assert signed_in(office, "admin.b@example.org").get(
        f"/admin/records/{local_id}/edit").status_code == 403


def test_a_post_without_its_csrf_token_is_refused_with_400(office: Office):
    client = signed_in(office, PROVIDER_A)
    assert client.post("/admin/records/new", data=good_fields()).status_code == 400
    assert client.post("/admin/records/check", data=good_fields()).status_code == 400
    assert office.repository.reviews.listing(agency="A29000000G", state=None, identifier=None,
                                             keyword=None, after=None, limit=5) == []


def test_a_returned_dataset_shows_its_return_reason_on_the_form(office: Office):
    client = signed_in(office, PROVIDER_A)
    response = post_form(client, "/admin/records/new", good_fields(), "submit")
    local_id = response.headers["Location"].split("/")[-2]
    record = office.repository.get(local_id)
    Workflow(office.repository).return_(office.cast.admin_a, local_id, reason=RETURN_REASON,
                                        expected_revision=record.revision)
    page = client.get(f"/admin/records/{local_id}/edit").data.decode()
    assert "審核退回原因" in page and RETURN_REASON in page and "修改中" in page
    again = post_form(client, f"/admin/records/{local_id}/edit", good_fields(), "submit")
    assert again.status_code == 303
    assert office.repository.get(local_id).state == "pending-agency-review"


def test_bad_values_are_refused_at_their_fields_and_nothing_is_saved(office: Office):
    client = signed_in(office, PROVIDER_A)
    response = post_form(client, "/admin/records/new",
                         {**good_fields(), "year_start": ["民國110"], "languages": ["zz9"]})
    assert response.status_code == 400
    messages = field_messages(response.data)
    assert "四位數" in messages["years"] and "ISO 639-3" in messages["languages"]
    assert "民國110" in response.data.decode()


def check(client: FlaskClient, **fields) -> dict:
    token = csrf_token(client.get("/admin/records/new").data)
    response = client.post("/admin/records/check", data={**good_fields(), **fields},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.data
    return response.get_json()


def test_the_checks_while_typing_answer_each_result_at_its_field(office: Office):
    client = signed_in(office, PROVIDER_A)
    good = check(client)
    assert good["conforms"] and good["fields"] == {} and good["size"] == "12.50 MB"
    assert good["quality"] > 7
    empty = check(client, title_zh="", title_en="")
    assert "資料集名稱為必填" in " ".join(empty["fields"]["title_zh"])
    short = check(client, description="太短的描述")
    assert "至少 20 個字" in " ".join(short["fields"]["description"])
    title_like = check(client, description="臺灣客語語料彙編。")
    assert any(m.startswith(RETURN_REASON) for m in title_like["fields"]["description"])
    assert not title_like["conforms"]
    unreadable = check(client, year_start="abcd")
    assert unreadable["fields"]["years"] == ["年份須為西元四位數，例如 2025"]
    client.get("/lang/en?next=/admin")
    english = check(client, description="臺灣客語語料彙編。")
    assert any("resemble the title" in m for m in english["fields"]["description"])
    hints = check(client, linguistic_type="", subject_languages="")["hints"]
    assert {"field": "linguistic_type", "message": "choose the OLAC linguistic type"} in hints


def test_the_checks_of_an_existing_record_keep_what_the_form_does_not_carry(office: Office):
    client = signed_in(office, PROVIDER_A)
    local_id = new_draft(client, good_fields())
    answer = check(client, record=local_id)
    assert answer["conforms"]


def test_the_language_picker_finds_a_language_by_name_and_by_code(office: Office):
    client = signed_in(office, PROVIDER_A)
    by_name = client.get("/admin/vocab/languages", query_string={"q": "客語"}).get_json()
    assert by_name["languages"][0] == {"code": "hak", "name": "客語"}
    by_code = client.get("/admin/vocab/languages", query_string={"q": "nan"}).get_json()
    assert by_code["languages"][0]["code"] == "nan" and by_code["more"]
    client.get("/lang/en?next=/admin")
    english = client.get("/admin/vocab/languages", query_string={"q": "amis"}).get_json()
    assert english["languages"][0] == {"code": "ami", "name": "Amis"}
    page_2 = client.get("/admin/vocab/languages", query_string={"q": "a", "page": "2"})
    assert page_2.get_json()["page"] == 2
    too_long = client.get("/admin/vocab/languages", query_string={"q": "a" * 51})
    assert too_long.status_code == 400 and too_long.get_json()["field"] == "q"
    assert client.get("/admin/vocab/languages?page=x").get_json()["field"] == "page"
    assert office.client().get("/admin/vocab/languages?q=nan").status_code == 302
