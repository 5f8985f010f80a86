"""Uploads through the back office (issue 15): the resumable protocol (tus 1.0 core, creation,
termination) in parts no larger than the body limit, resumed where it stopped; every allowed
kind accepted and every refused case refused with its reason in the reader's language; the
500 MB cap and the agency's quota; the form adding a ready upload to the dataset when it is
saved, and taking files sent with the form itself (no JavaScript); drafted keywords and
description offered, and never submitted unread."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import URIRef

from repository.config import FileSettings
from repository.files.distributions import stored_files
from repository.files.holdings import Holdings
from repository.files.uploads import KEPT_SECONDS
from tests.accounts_support import AGENCY_A
from tests.files_support import (
    CSV_ROWS,
    EXECUTABLE,
    JSON_TEXT,
    MACRO,
    XML_TEXT,
    odt,
    scanned_pdf,
    text_pdf,
)
from tests.office_support import Office, csrf_token, office_home, signed_in
from tests.test_admin_form import PROVIDER_A, PROVIDER_B, new_draft, post_form
from tests.test_form_model import good_fields
from vocab.namespaces import DCAT, SPDX

BASE = "http://127.0.0.1:8000/"
#: A text of a few paragraphs (seed 001's kind of document) to draft from.
REPORT = ("臺灣客語語料庫收錄客家委員會歷年委託整理的客語語音轉寫文本。"
          "客語語料涵蓋四縣腔、海陸腔、大埔腔、饒平腔與詔安腔的日常對話。\n"
          "語料庫的轉寫文本依教育部臺灣客家語拼音方案標注，並附有華語對譯。"
          "研究者可以利用客語語料進行語音辨識與機器翻譯的研究。\n"
          "每一筆客語語料都記錄說話者的腔調、年齡層與錄音地點。")


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with office_home(tmp_path / "home", base_uri=BASE) as office:
        yield office


@pytest.fixture
def provider(office: Office) -> FlaskClient:
    return signed_in(office, PROVIDER_A)


def token_of(client: FlaskClient) -> str:
    return csrf_token(client.get("/admin/records/new").data)


def begin(client: FlaskClient, name: str, length: int, token: str):
    return client.post("/admin/uploads", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": str(length), "X-CSRFToken": token,
        "Upload-Metadata": "filename " + base64.b64encode(name.encode()).decode()})


def part(client: FlaskClient, url: str, offset: int, data: bytes, token: str):
    return client.patch(url, data=data, headers={
        "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset), "X-CSRFToken": token,
        "Content-Type": "application/offset+octet-stream"})


def settled(client: FlaskClient, url: str) -> dict:
    """The upload's state once it is no longer being received or processed."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = client.get(url).get_json()
        if answer["state"] in ("ready", "refused"):
            return answer
        time.sleep(0.05)
    raise AssertionError(f"{url} was not processed in 30 s")


def uploaded(client: FlaskClient, name: str, data: bytes, *, size: int = 1000) -> dict:
    """``data`` sent as ``name`` in parts of ``size`` bytes; the upload once settled."""
    token = token_of(client)
    created = begin(client, name, len(data), token)
    assert created.status_code == 201, created.data
    url = created.headers["Location"]
    for offset in range(0, len(data), size):
        sent = part(client, url, offset, data[offset:offset + size], token)
        assert sent.status_code == 204, sent.data
        assert sent.headers["Upload-Offset"] == str(min(offset + size, len(data)))
    return settled(client, url)


# -- the protocol ------------------------------------------------------------------------------

def test_the_server_says_which_tus_version_extensions_and_size_it_supports(provider):
    answer = provider.options("/admin/uploads")
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert set(answer.headers["Tus-Extension"].split(",")) == {"creation", "termination"}
    assert answer.headers["Tus-Max-Size"] == str(500 * 1024 * 1024)


def test_a_file_sent_in_parts_is_stored_under_the_sha256_of_its_bytes(office, provider):
    data = CSV_ROWS.encode("utf-8") * 40
    answer = uploaded(provider, "places.csv", data, size=700)
    assert answer["state"] == "ready"
    assert answer["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert answer["file"]["size"] == len(data) and answer["file"]["kind"] == "csv"
    assert answer["file"]["tokens"] > 0
    stored = office.repository.config.files_dir / "sha256" / answer["file"]["sha256"][:2]
    assert any(stored.rglob(answer["file"]["sha256"]))


def test_an_upload_broken_off_is_resumed_from_where_it_stands(provider, office):
    data = CSV_ROWS.encode("utf-8") * 100
    token = token_of(provider)
    url = begin(provider, "places.csv", len(data), token).headers["Location"]
    assert part(provider, url, 0, data[:1500], token).status_code == 204
    later = signed_in(office, PROVIDER_A)  # another session of the same account, later
    head = later.head(url, headers={"Tus-Resumable": "1.0.0"})
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "1500"
    assert head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    wrong = part(later, url, 0, data[:1500], token_of(later))
    assert wrong.status_code == 409 and wrong.headers["Upload-Offset"] == "1500"
    assert part(later, url, 1500, data[1500:], token_of(later)).status_code == 204
    assert settled(later, url)["file"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_another_account_cannot_see_or_continue_an_upload(office, provider):
    token = token_of(provider)
    url = begin(provider, "places.csv", 100, token).headers["Location"]
    other = signed_in(office, PROVIDER_B)
    assert other.get(url).status_code == 404
    assert other.head(url).status_code == 404
    assert part(other, url, 0, b"x" * 10, token_of(other)).status_code == 404


def test_a_part_needs_the_offset_stream_type_and_the_pages_csrf_token(provider):
    token = token_of(provider)
    url = begin(provider, "places.csv", 100, token).headers["Location"]
    typed = provider.patch(url, data=b"abc", headers={
        "Upload-Offset": "0", "X-CSRFToken": token, "Content-Type": "text/plain"})
    assert typed.status_code == 415
    assert part(provider, url, 0, b"abc", "forged").status_code == 400
    unnumbered = provider.patch(url, data=b"abc", headers={
        "X-CSRFToken": token, "Content-Type": "application/offset+octet-stream"})
    assert unnumbered.status_code == 400 and unnumbered.get_json()["field"] == "Upload-Offset"


def test_an_abandoned_upload_is_removed(provider):
    token = token_of(provider)
    url = begin(provider, "places.csv", 100, token).headers["Location"]
    assert provider.delete(url, headers={"X-CSRFToken": token}).status_code == 204
    assert provider.get(url).status_code == 404


def test_an_upload_left_alone_for_a_day_expires(office, provider):
    from endpoints.admin.uploads import places

    token = token_of(provider)
    url = begin(provider, "places.csv", 100, token).headers["Location"]
    with office.app.app_context():
        assert places().uploads.expire(time.time() + KEPT_SECONDS + 1) == 1
    assert provider.get(url).status_code == 404


# -- what is accepted and refused ------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "kind"), [
    ("report.pdf", text_pdf(), "pdf"),
    ("transcripts.odt", odt(), "odt"),
    ("places-big5.csv", CSV_ROWS.encode("big5"), "csv"),
    ("entries.xml", XML_TEXT.encode("utf-8"), "xml"),
    ("entries.json", JSON_TEXT.encode("utf-16"), "json"),
])
def test_each_allowed_kind_is_accepted_through_the_protocol(provider, name, data, kind):
    answer = uploaded(provider, name, data)
    assert answer["state"] == "ready", answer
    assert answer["file"]["kind"] == kind


@pytest.mark.parametrize(("name", "data", "reason", "zh"), [
    ("setup.pdf", EXECUTABLE, "type", "依內容判斷"),
    ("scan.pdf", scanned_pdf(), "scanned", "掃描"),
    ("macro.odt", odt(extra={"Basic/Standard/Module1.xml": MACRO}), "macro", "巨集"),
    ("latin.csv", b"a,b\nc,d\n" + b"\x80\x80,\xff\n", "encoding", "Big5"),
    ("bomb.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
     "malformed", "損壞"),
])
def test_each_refused_file_says_why_in_the_readers_language(provider, name, data, reason, zh):
    answer = uploaded(provider, name, data)
    assert answer["state"] == "refused"
    assert answer["refusal"]["reason"] == reason
    assert zh in answer["refusal"]["message"]
    english = provider.get(answer and f"/admin/uploads/{answer['id']}",
                           headers={"Accept-Language": "en"})
    assert english.get_json()["refusal"]["reason"] == reason


def test_a_zip_bomb_sent_in_parts_is_refused(provider, monkeypatch):
    from repository.files import checks

    monkeypatch.setattr(checks, "MAX_UNZIPPED_BYTES", 10_000_000)
    answer = uploaded(provider, "bomb.odt", odt(extra={"Pictures/zeros.bin": bytes(20_000_000)}),
                      size=20_000)
    assert answer["refusal"]["reason"] == "zip-bomb"


def test_a_file_over_500_mb_is_refused_before_a_byte_is_sent(provider):
    refused = begin(provider, "huge.csv", 500 * 1024 * 1024 + 1, token_of(provider))
    assert refused.status_code == 413
    assert refused.get_json()["refusal"]["reason"] == "too-large"
    assert "500MB" in refused.get_json()["refusal"]["message"]  # seed 001's words


def test_bytes_past_the_declared_length_are_refused_and_not_kept(provider):
    token = token_of(provider)
    url = begin(provider, "places.csv", 10, token).headers["Location"]
    over = part(provider, url, 0, b"x" * 11, token)
    assert over.status_code == 413
    head = provider.head(url)
    assert head.headers["Upload-Offset"] == "0"


def test_an_agency_over_its_quota_is_refused_with_what_is_left(tmp_path):
    files = FileSettings(agency_quota=4096)
    with office_home(tmp_path / "home", base_uri=BASE, files=files) as office:
        client = signed_in(office, PROVIDER_A)
        first = uploaded(client, "places.csv", CSV_ROWS.encode() * 30)  # 2,760 bytes
        assert first["state"] == "ready"
        refused = begin(client, "more.csv", 2000, token_of(client))  # the first still counts
        assert refused.status_code == 413
        answer = refused.get_json()
        assert answer["refusal"]["reason"] == "quota" and "配額" in answer["refusal"]["message"]
        assert f"{4096 - len(CSV_ROWS.encode()) * 30:,} bytes are left" in answer["error"]


# -- the form ----------------------------------------------------------------------------------

def distributions(office: Office, local_id: str) -> list[tuple[str, str, str]]:
    """(node fragment, SHA-256, tokens) of each stored file of the record ``local_id``."""
    record = office.repository.get(local_id)
    return [(file.fragment, file.sha256, file.tokens)
            for file in stored_files(record.graph, office.repository.ids.resource(local_id))]


def test_saving_the_form_adds_a_ready_upload_to_a_new_dataset(office, provider):
    data = CSV_ROWS.encode("utf-8")
    answer = uploaded(provider, "places.csv", data)
    local_id = new_draft(provider, {**good_fields(), "uploaded": [answer["id"]]})
    record = office.repository.get(local_id)
    subject = office.repository.ids.resource(local_id)
    (fragment, sha256, tokens), = distributions(office, local_id)
    assert sha256 == hashlib.sha256(data).hexdigest() and int(tokens) > 0
    node = URIRef(f"{subject}#{fragment}")
    assert record.graph.value(node, DCAT.downloadURL) == URIRef(
        f"{BASE}record/{local_id}/files/places.csv")
    assert provider.get(f"/admin/uploads/{answer['id']}").status_code == 404  # used up
    holdings = Holdings(office.repository.config.files_dir / "holdings.sqlite")
    assert holdings.used(AGENCY_A) == len(data)


def test_the_edit_page_lists_uploaded_files_which_the_form_cannot_rename(office, provider):
    answer = uploaded(provider, "places.csv", CSV_ROWS.encode("utf-8"))
    local_id = new_draft(provider, {**good_fields(), "uploaded": [answer["id"]]})
    page = provider.get(f"/admin/records/{local_id}/edit").data.decode()
    assert "places.csv" in page and answer["file"]["sha256"][:12] in page
    fields = {**good_fields(), **form_files(page)}
    fields["file_name"] = ["renamed.csv" if name == "places.csv" else name
                           for name in fields["file_name"]]
    assert post_form(provider, f"/admin/records/{local_id}/edit", fields).status_code == 303
    graph = office.repository.get(local_id).graph
    node = URIRef(f"{office.repository.ids.resource(local_id)}#"
                  f"{distributions(office, local_id)[0][0]}")
    assert str(graph.value(node, URIRef("http://purl.org/dc/terms/title"))) == "places.csv"


def test_removing_an_uploaded_file_removes_its_checksum_too(office, provider):
    answer = uploaded(provider, "places.csv", CSV_ROWS.encode("utf-8"))
    local_id = new_draft(provider, {**good_fields(), "uploaded": [answer["id"]]})
    page = provider.get(f"/admin/records/{local_id}/edit").data.decode()
    fields = {**good_fields(), **form_files(page)}
    node = re.search(r'name="file_remove" value="([^"]+)"', page).group(1)
    fields["file_remove"] = [node]
    assert post_form(provider, f"/admin/records/{local_id}/edit", fields).status_code == 303
    graph = office.repository.get(local_id).graph
    assert distributions(office, local_id) == []
    assert not list(graph.subjects(SPDX.checksumValue, None))


def form_files(page: str) -> dict[str, list[str]]:
    """The uploaded files' rows of an edit page as the browser would send them back."""
    table = re.search(r'<table class="stored-files">.*?</table>', page, re.S).group(0)
    return {name: re.findall(rf'name="{name}" value="([^"]*)"', table)
            for name in ("file_node", "file_name", "file_format", "file_size")}


def test_a_file_sent_with_the_form_itself_is_taken_in(office, provider):
    from io import BytesIO

    page = provider.get("/admin/records/new").data.decode()
    data = {**good_fields(), "csrf_token": csrf_token(page), "action": "save",
            "file": (BytesIO(CSV_ROWS.encode("big5")), "places-big5.csv")}
    saved = provider.post("/admin/records/new", data=data, content_type="multipart/form-data")
    assert saved.status_code == 303, saved.data
    local_id = re.search(r"/admin/records/(\d{8})/", saved.headers["Location"]).group(1)
    assert distributions(office, local_id)[0][1] == hashlib.sha256(
        CSV_ROWS.encode("big5")).hexdigest()


def test_a_refused_file_sent_with_the_form_saves_nothing_and_says_why(office, provider):
    from io import BytesIO

    page = provider.get("/admin/records/new").data.decode()
    data = {**good_fields(), "csrf_token": csrf_token(page), "action": "save",
            "file": [(BytesIO(scanned_pdf()), "scan.pdf"),
                     (BytesIO(CSV_ROWS.encode()), "places.csv")]}
    refused = provider.post("/admin/records/new", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    text = refused.data.decode()
    assert "scan.pdf" in text and "掃描" in text
    assert office.repository.local_ids() == []
    kept = re.findall(r'name="uploaded" value="([^"]+)"', text)  # the accepted one waits
    assert len(kept) == 1 and provider.get(f"/admin/uploads/{kept[0]}").get_json()[
        "state"] == "ready"


# -- drafts --------------------------------------------------------------------------------------

def test_keywords_and_a_description_are_drafted_from_the_uploaded_text(provider):
    answer = uploaded(provider, "report.odt", odt(REPORT))
    drafted = provider.get("/admin/drafts", query_string={
        "uploaded": answer["id"], "title": "臺灣客語語料庫"}).get_json()
    assert any("客語" in keyword for keyword in drafted["keywords"])
    sentences = [part for part in drafted["description"].split("。") if part]
    assert sentences and all(sentence in REPORT for sentence in sentences)  # extractive
    assert drafted["description"] != "臺灣客語語料庫"


def test_the_form_offers_the_drafts_and_refuses_to_submit_them_unread(office, provider):
    answer = uploaded(provider, "report.odt", odt(REPORT))
    offered = provider.get("/admin/drafts", query_string={
        "uploaded": answer["id"], "title": good_fields()["title_zh"][0]}).get_json()
    fields = {**good_fields(), "uploaded": [answer["id"]],
              "description": [offered["description"]],
              "keywords": [", ".join(offered["keywords"])]}
    local_id = new_draft(provider, fields)
    page = provider.get(f"/admin/records/{local_id}/edit").data.decode()
    assert 'id="drafts" aria-labelledby="drafts-title">' in page  # shown, not hidden
    assert offered["description"] in page
    fields = {**fields, **form_files(page)}
    fields.pop("uploaded")
    unread = post_form(provider, f"/admin/records/{local_id}/edit", fields, action="submit")
    assert unread.status_code == 422
    assert "系統" in unread.data.decode()
    assert office.repository.get(local_id).state == "draft"
    confirmed = post_form(provider, f"/admin/records/{local_id}/edit",
                          {**fields, "drafts_checked": ["1"]}, action="submit")
    assert confirmed.status_code == 303, confirmed.data
    assert office.repository.get(local_id).state == "pending-agency-review"


def test_an_upload_left_processing_by_a_stopped_server_is_taken_up_again(tmp_path):
    from endpoints.admin.uploads import PLACES, places

    with office_home(tmp_path / "home", base_uri=BASE) as office:
        client = signed_in(office, PROVIDER_A)
        with office.app.app_context():
            where = places()
            begun = where.uploads.begin("places.csv", len(CSV_ROWS.encode()),
                                        account=PROVIDER_A, agency=AGENCY_A)
            whole = where.uploads.append(begun.id, 0, [CSV_ROWS.encode()])
            where.uploads.finish(whole, "processing", {})  # and then the server stopped
            office.app.extensions.pop(PLACES)  # the next start
            places()
        assert settled(client, f"/admin/uploads/{begun.id}")["state"] == "ready"
