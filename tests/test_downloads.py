"""Downloads: /record/{id}/files/{name} streams a published record's file with Range, a
strong ETag and its name; only files of the public revision are reachable; a licence that
needs an agreement gets a page that explains it and whom to ask; every download is audited."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from lxml import html
from rdflib import URIRef

from app import create_app
from repository import Config, Repository
from repository.accounts import AccountServices
from tests.files_support import CSV_ROWS, get, text_pdf, with_files
from vocab.namespaces import DCT, YL

CSV = CSV_ROWS.encode("utf-8") * 50
PDF = text_pdf()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    home = tmp_path_factory.mktemp("downloads") / "home"
    with Repository(Config(home=home)) as repository:
        repository.put(with_files(repository, "00000001", {"places.csv": CSV, "報告.pdf": PDF}))
        repository.publish("00000001")
        repository.put(with_files(repository, "00000002", {"corpus.csv": CSV},
                                  licence="SAITDL-1.0"))
        repository.publish("00000002")
        published = repository.get("00000001")  # a file added by a revision under review
        repository.put(with_files(repository, "00000001", {"later.csv": b"a,b\n1,2\n"}).with_(
            state="in-revision", revision=published.revision))
        restricted = with_files(repository, "00000004", {"restricted.csv": CSV},
                                licence="CC-BY-4.0")
        restricted.graph.add((repository.ids.resource("00000004"), DCT.accessRights, URIRef(
            "http://publications.europa.eu/resource/authority/access-right/RESTRICTED")))
        repository.put(restricted)
        repository.publish("00000004")
        repository.put(with_files(repository, "00000003", {"gone.csv": CSV}))
        repository.publish("00000003")
        repository.withdraw("00000003")
        yield repository


@pytest.fixture
def client(repo: Repository) -> FlaskClient:
    return create_app(repository=repo).test_client()


def test_an_open_file_downloads_whole_with_its_checksum_as_etag(client) -> None:
    response = get(client, "/record/00000001/files/places.csv")
    assert response.status_code == 200 and response.data == CSV
    assert response.mimetype == "text/csv"
    assert response.headers["ETag"] == f'"{hashlib.sha256(CSV).hexdigest()}"'
    assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''places.csv"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_a_range_is_served_and_a_known_etag_is_not_sent_again(client) -> None:
    part = get(client, "/record/00000001/files/places.csv", Range="bytes=10-29")
    assert part.status_code == 206 and part.data == CSV[10:30]
    assert part.headers["Content-Range"] == f"bytes 10-29/{len(CSV)}"
    etag = part.headers["ETag"]
    again = get(client, "/record/00000001/files/places.csv", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_a_name_in_chinese_is_found_and_given_back_encoded(client) -> None:
    response = get(client, "/record/00000001/files/%E5%A0%B1%E5%91%8A.pdf")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"] == \
        "attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf"


@pytest.mark.parametrize(("path", "status"), [
    ("/record/00000001/files/later.csv", 404),  # only in the revision under review
    ("/record/00000001/files/missing.csv", 404),
    ("/record/00000009/files/places.csv", 404),  # no such record
    ("/record/00000003/files/gone.csv", 410),  # withdrawn
])
def test_only_files_of_a_public_revision_are_reachable(client, path, status) -> None:
    assert get(client, path).status_code == status


def test_a_licence_that_needs_an_agreement_explains_itself_and_whom_to_ask(client) -> None:
    client.set_cookie("lang", "en")
    response = get(client, "/record/00000002/files/corpus.csv")
    assert response.status_code == 403 and response.mimetype == "text/html"
    page = html.fromstring(response.data)
    text = page.text_content()
    assert "needs an agreement" in text and "corpus.csv" in text
    assert page.xpath("//a[@href='mailto:corpus@example.org']")
    assert CSV.decode()[:20] not in text


def test_restricted_access_needs_an_agreement_whatever_the_licence(client) -> None:
    assert get(client, "/record/00000004/files/restricted.csv").status_code == 403


def test_every_download_is_in_the_audit_log(client, repo) -> None:
    get(client, "/record/00000001/files/places.csv", Range="bytes=0-9")
    with AccountServices.open(repo.config) as office:
        events = [e for e in office.audit.events(what="download")]
    assert any(e.record == "00000001" and "places.csv" in e.details and "bytes=0-9" in e.details
               for e in events)
    assert all(e.who == "anonymous" for e in events)


def test_the_record_page_lists_each_file_with_its_checksum_tokens_and_licence(client) -> None:
    page = html.fromstring(get(client, "/record/00000001", Accept="text/html").data)
    [row] = [tr for tr in page.xpath("//section[@aria-labelledby='files']//tbody/tr")
             if "places.csv" in tr.text_content()]
    text = row.text_content()
    assert hashlib.sha256(CSV).hexdigest() in text and "個詞元" in text
    assert "政府資料開放授權條款" in text  # the dataset's licence, which the file inherits
    assert row.xpath(".//a/@href") == ["https://yuliao.example.org/record/00000001/files/"
                                       "places.csv"]


def test_the_record_page_totals_its_files_size_and_tokens(client, repo) -> None:
    page = html.fromstring(get(client, "/record/00000001", Accept="text/html").data)
    [total] = page.xpath("//section[@aria-labelledby='files']//tfoot")
    graph = repo.get("00000001", public=True).graph
    tokens = sum(int(count) for count in graph.objects(None, YL.tokenCount))
    text = " ".join(total.text_content().split())
    assert "本站檔案 2 個" in text and f"{tokens:,} 個詞元" in text
    assert "yuliao-jieba-words-1" in text
