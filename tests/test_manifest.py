"""Training manifests: exactly the files whose licence permits AI training, with checksums that
match the bytes served, the licence's ODRL terms, the attribution it asks for and the marking
of AI outputs; every other record listed as excluded with its reason."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from lxml import html
from rdflib import Graph

from app import create_app
from repository import Config, Repository
from repository.export import export_record, write_public
from repository.files.text import TOKENIZER
from tests.conftest import yuliao
from tests.files_support import CSV_ROWS, JSON_TEXT, get, text_pdf, with_files
from vocab.namespaces import YL

FILES = {"places.csv": CSV_ROWS.encode("utf-8"), "entries.json": JSON_TEXT.encode("utf-8"),
         "report.pdf": text_pdf()}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    home = tmp_path_factory.mktemp("manifest") / "home"
    with Repository(Config(home=home)) as repository:
        for local_id, licence, files in (
                ("00000001", "OGDL-Taiwan-1.0", {"places.csv": FILES["places.csv"]}),
                ("00000002", "SAITDL-1.0", {"entries.json": FILES["entries.json"],
                                            "report.pdf": FILES["report.pdf"]}),
                ("00000003", "TBC", {"places.csv": FILES["places.csv"]}),
                ("00000004", "CC-BY-4.0", {})):
            repository.put(with_files(repository, local_id, files, licence=licence))
            repository.publish(local_id)
        yield repository


@pytest.fixture
def client(repo: Repository) -> FlaskClient:
    return create_app(repository=repo).test_client()


def test_a_saitdl_record_lists_its_files_and_what_training_on_them_owes(client) -> None:
    manifest = client.get("/record/00000002/manifest.json").get_json()
    [record] = manifest["records"]
    assert manifest["excluded"] == [] and manifest["tokenizer"] == TOKENIZER
    assert {f["name"] for f in record["files"]} == {"entries.json", "report.pdf"}
    assert record["licence"]["iri"].endswith("licence/SAITDL-1.0")
    assert "yl:aiTraining" in record["licence"]["permits"]
    assert {"odrl:attribute", "yl:labelAIOutput"} <= set(record["licence"]["duties"])
    assert "odrl:distribute" in record["licence"]["prohibits"]
    assert record["markOutputsAsAIGenerated"] is True
    year = record["year"]
    assert record["attribution"]["zh-Hant"] == f"資料來源：數位發展部，《語料 00000002》，{year}"
    assert record["attribution"]["en"] == \
        f"Source: Ministry of Digital Affairs, “語料 00000002 (en)”, {year}"
    assert manifest["totals"]["files"] == 2 and manifest["totals"]["tokens"] > 0


def test_an_ogdl_file_checksum_matches_the_bytes_served(client) -> None:
    [record] = client.get("/record/00000001/manifest.json").get_json()["records"]
    assert record["markOutputsAsAIGenerated"] is False
    [entry] = record["files"]
    served = get(client, entry["url"].removeprefix("https://yuliao.example.org"))
    assert served.status_code == 200
    assert hashlib.sha256(served.data).hexdigest() == entry["sha256"]
    assert entry["bytes"] == len(served.data) and entry["mediaType"] == "text/csv"


@pytest.mark.parametrize(("local_id", "reason"), [
    ("00000003", "its licence does not permit AI training"),  # licence to be confirmed
    ("00000004", "it has no files")])
def test_records_that_give_nothing_to_train_on_are_excluded_with_the_reason(client, local_id,
                                                                             reason) -> None:
    manifest = client.get(f"/record/{local_id}/manifest.json").get_json()
    assert manifest["records"] == []
    assert [(e["id"], e["reason"]) for e in manifest["excluded"]] == [(local_id, reason)]


def test_a_search_selection_is_a_manifest_page_by_page(client) -> None:
    first = client.get("/search?format=manifest&size=2&sort=title").get_json()
    listed = [r["id"] for r in first["records"]] + [e["id"] for e in first["excluded"]]
    assert len(listed) == 2 and "next" in first
    rest = client.get(first["next"].removeprefix("http://localhost")).get_json()
    listed += [r["id"] for r in rest["records"]] + [e["id"] for e in rest["excluded"]]
    assert sorted(listed) == ["00000001", "00000002", "00000003", "00000004"]
    included = {r["id"] for r in first["records"] + rest["records"]}
    assert included == {"00000001", "00000002"}
    assert "next" not in rest


SELECTED = """PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?dataset WHERE { ?dataset a dcat:Dataset ; dct:license ?licence .
  FILTER(STRENDS(STR(?licence), "SAITDL-1.0") || STRENDS(STR(?licence), "TBC")) }"""


def test_a_sparql_selection_is_a_manifest_of_the_datasets_it_selects(client) -> None:
    manifest = client.get("/sparql", query_string={"query": SELECTED,
                                                   "format": "manifest"}).get_json()
    assert [r["id"] for r in manifest["records"]] == ["00000002"]
    assert [e["id"] for e in manifest["excluded"]] == ["00000003"]
    assert manifest["selection"].startswith("SPARQL: PREFIX dct:")
    notice = client.get("/sparql", query_string={"query": SELECTED, "format": "notice"})
    assert notice.mimetype == "text/plain" and "語料 00000002" in notice.data.decode()
    assert "語料 00000003" not in notice.data.decode()


def test_a_manifest_needs_a_select_query(client) -> None:
    asked = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }",
                                                "format": "manifest"})
    assert asked.status_code == 400 and b"SELECT" in asked.data


def test_the_whole_catalogue_exports_as_one_manifest(repo: Repository) -> None:
    out = io.BytesIO()
    write_public(repo, "manifest", out)
    whole = json.loads(out.getvalue())
    assert [r["id"] for r in whole["records"]] == ["00000001", "00000002"]
    assert sorted(e["id"] for e in whole["excluded"]) == ["00000003", "00000004"]
    assert whole["totals"]["files"] == 3 and whole["tokenizer"] == TOKENIZER
    one = json.loads(export_record(repo, repo.get("00000002", public=True), "manifest"))
    assert one["records"] == [r for r in whole["records"] if r["id"] == "00000002"]


def test_yuliao_export_writes_a_manifest(fresh_demo_home) -> None:
    result = yuliao(fresh_demo_home, "export", "--format", "manifest")
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    # the demo's files: 00000014 under CC BY-SA and 00001174 under SAITDL both permit training
    assert [r["id"] for r in manifest["records"]] == ["00000014", "00001174"]
    assert {e["reason"] for e in manifest["excluded"]} <= {
        "it has no files", "its licence does not permit AI training",
        "the record names no licence"}


def expected_tokens(repo: Repository) -> int:
    return sum(int(o) for record in repo.published()
               for o in record.graph.objects(None, YL.tokenCount))


def test_the_home_page_and_void_give_the_token_total_of_published_files(client, repo) -> None:
    total = expected_tokens(repo)
    assert total > 0
    home = html.fromstring(client.get("/").data)
    shown = home.xpath("//ul[@class='totals']/li[contains(., '詞元')]/strong/text()")
    assert shown == [f"{total:,}"]
    void = Graph().parse(data=client.get("/.well-known/void",
                                         headers={"Accept": "text/turtle"}).data,
                         format="turtle")
    assert [int(o) for o in void.objects(None, YL.tokenCount)] == [total]


def test_a_notice_says_what_each_included_record_asks_in_both_languages(client) -> None:
    response = client.get("/search?format=notice&size=10")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    chinese, english = text.split("This selection contains")
    assert "資料來源：數位發展部，《語料 00000002》" in chinese
    assert "（授權：臺灣主權AI訓練語料授權條款－第1版）" in chinese
    assert "AI 輸出物應註明「人工智慧生成產出」。" in chinese
    assert "Source: Ministry of Digital Affairs, “語料 00000001 (en)”" in english
    assert "Mark outputs of models trained on it as AI-generated" in english
    assert "00000003" not in text  # its licence does not permit training
    one = client.get("/record/00000001/NOTICE.txt").get_data(as_text=True)
    assert "政府資料開放授權條款－第1版" in one and "AI-generated" not in one


def test_yuliao_export_writes_the_notice_of_the_catalogue(repo: Repository) -> None:
    out = io.BytesIO()
    write_public(repo, "notice", out)
    text = out.getvalue().decode()
    assert text.count("資料來源：") == 2 and text.count("Source: ") == 2
