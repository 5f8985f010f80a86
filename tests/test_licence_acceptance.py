"""Downloads that need an agreement (issue 15): a file under SAITDL is refused to an anonymous
reader (with the way to sign in and accept, and whom to ask), accepted by a signed-in account
on the back office's licence page (terms and the credit the licence requires, in zh-Hant and
English), then downloaded by that account only; the acceptance and the download are in the
audit log under the account; a restricted file is for its agency's staff only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import URIRef

from tests.files_support import CSV_ROWS, get, with_files
from tests.office_support import Office, csrf_token, office_home, signed_in
from tests.test_admin_form import PROVIDER_A, PROVIDER_B
from vocab.namespaces import DCT

CSV = CSV_ROWS.encode("utf-8") * 20
SAITDL_FILE = "/record/00000002/files/corpus.csv"
RESTRICTED_FILE = "/record/00000004/files/restricted.csv"
ACCEPT = "/admin/licence/00000002/corpus.csv"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with office_home(tmp_path / "home") as office:
        repository = office.repository
        repository.put(with_files(repository, "00000002", {"corpus.csv": CSV},
                                  licence="SAITDL-1.0"))
        repository.publish("00000002")
        restricted = with_files(repository, "00000004", {"restricted.csv": CSV},
                                licence="SAITDL-1.0")
        restricted.graph.add((repository.ids.resource("00000004"), DCT.accessRights, URIRef(
            "http://publications.europa.eu/resource/authority/access-right/RESTRICTED")))
        repository.put(restricted)
        repository.publish("00000004")
        yield office


def accepted(client: FlaskClient, path: str = ACCEPT):
    page = client.get(path)
    assert page.status_code == 200, page.data
    return client.post(path, data={"csrf_token": csrf_token(page.data)})


def test_an_anonymous_reader_is_shown_how_to_sign_in_and_accept(office) -> None:
    refused = get(office.client(), SAITDL_FILE)
    assert refused.status_code == 403
    text = refused.data.decode()
    assert "/login?next=/admin/licence/00000002/corpus.csv" in text
    assert "corpus@example.org" in text  # whom to ask
    assert refused.headers["Cache-Control"] == "private"
    assert "Cookie" in refused.headers["Vary"]


def test_the_licence_page_shows_the_terms_and_the_credit_in_both_languages(office) -> None:
    page = signed_in(office, PROVIDER_B).get(ACCEPT).data.decode()
    assert "臺灣主權AI訓練語料授權條款" in page and "標示 AI 生成" in page
    assert "資料來源：數位發展部，《語料 00000002》" in page
    assert "Source: Ministry of Digital Affairs, “語料 00000002 (en)”" in page


def test_a_signed_in_account_downloads_once_it_accepted_the_terms(office) -> None:
    client = signed_in(office, PROVIDER_B)  # another agency's provider: a reader like any
    assert get(client, SAITDL_FILE).status_code == 403  # signed in, not yet accepted
    answer = accepted(client)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(SAITDL_FILE)
    downloaded = get(client, SAITDL_FILE)
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.data).hexdigest() == hashlib.sha256(CSV).hexdigest()
    assert "private" in downloaded.headers["Cache-Control"]
    assert "public" not in downloaded.headers["Cache-Control"]
    assert get(office.client(), SAITDL_FILE).status_code == 403  # nobody else
    assert get(signed_in(office, PROVIDER_A), SAITDL_FILE).status_code == 403


def test_the_acceptance_and_the_download_are_audited_under_the_account(office) -> None:
    client = signed_in(office, PROVIDER_B)
    accepted(client)
    get(client, SAITDL_FILE)
    events = [(e.what, e.who, e.record) for e in office.services.audit.query().events
              if e.what in ("licence.accept", "download")]
    assert ("licence.accept", PROVIDER_B, "00000002") in events
    assert ("download", PROVIDER_B, "00000002") in events


def test_a_restricted_file_is_for_its_agencys_staff_only(office) -> None:
    other = signed_in(office, PROVIDER_B)
    page = other.get("/admin/licence/00000004/restricted.csv")
    assert page.status_code == 403
    refused = other.post("/admin/licence/00000004/restricted.csv",
                         data={"csrf_token": csrf_token(office.client().get("/login").data)})
    assert refused.status_code in (400, 403)
    assert get(other, RESTRICTED_FILE).status_code == 403
    own = signed_in(office, PROVIDER_A)  # the providing agency's staff
    accepted(own, "/admin/licence/00000004/restricted.csv")
    assert get(own, RESTRICTED_FILE).status_code == 200


def test_an_open_file_needs_no_acceptance(office) -> None:
    repository = office.repository
    repository.put(with_files(repository, "00000001", {"open.csv": CSV}))
    repository.publish("00000001")
    client = signed_in(office, PROVIDER_B)
    answer = client.get("/admin/licence/00000001/open.csv")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        "/record/00000001/files/open.csv")
