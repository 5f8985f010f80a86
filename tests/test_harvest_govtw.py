"""data.gov.tw-style harvesting: the v1 API walked over a local server, and catalogue exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harvest.fetch import Fetcher, Limits
from harvest.run import Harvest
from harvest.sources import Registry, new_source
from repository import Config, Repository
from tests.conftest import shared_path
from tests.harvest_server import Reply, Server, serving
from vocab.namespaces import DCT

API = "/api/v1/rest/dataset"


def fixture(name: str) -> dict:
    return json.loads(shared_path("fixtures", "govtw", name).read_text(encoding="utf-8"))


def dataset(identifier: str, title: str) -> bytes:
    document = fixture("datagovtw_api_v1_getDatasetById_example.json")
    document["result"].update(identifier=identifier, title=title)
    return json.dumps(document, ensure_ascii=False).encode()


def listing(*identifiers: str) -> Reply:
    body = json.dumps({"success": True, "result": list(identifiers)}).encode()
    return Reply(body, headers={"Content-Type": "application/json"})


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    with Repository(Config(home=tmp_path / "home")) as repository:
        yield repository


def run(repo: Repository, url: str, kind: str = "datagovtw", *, full: bool = False, **options):
    registry = Registry(repo)
    try:
        source = registry.get("govtw")
    except Exception:  # noqa: BLE001 — first run registers the source
        source = registry.add(new_source("govtw", kind, url, **options))
    fetcher = Fetcher(Limits(retries=1), sleep=lambda s: None)
    return Harvest(repo, source, full=full, fetcher=fetcher).run()


def route_catalogue(server: Server, ids: list[str], page_size: int = 100) -> None:
    for start in range(0, len(ids) + 1, page_size):
        server.route(API, listing(*ids[start:start + page_size]),
                     query={"limit": str(page_size), "offset": str(start)})
    for n, identifier in enumerate(ids):
        server.route(f"{API}/{identifier}", Reply(dataset(identifier, f"資料集第{n}號")))


def test_the_v1_api_is_walked_listing_then_each_dataset(repo) -> None:
    ids = ["A41000000G-000001", "A41000000G-000002", "A41000000G-000003"]
    with serving() as server:
        route_catalogue(server, ids)
        report = run(repo, server.base)
    assert report.ok, report.error
    assert report.counts["new"] == 3
    assert sorted(repo.local_ids(public=True)) == [f"data.gov.tw:{i}" for i in ids]
    record = repo.get("data.gov.tw:A41000000G-000002", public=True)
    titles = {str(t) for t in record.graph.objects(None, DCT.title)}
    assert titles == {"資料集第1號"}
    assert record.source.activity is not None  # linked to its harvest run


def test_a_dataset_the_api_refuses_is_quarantined_and_the_rest_is_harvested(repo) -> None:
    refused = fixture("datagovtw_api_v1_error_ER0050_example.json")
    with serving() as server:
        route_catalogue(server, ["A41000000G-000001", "A41000000G-000009"])
        server.route(f"{API}/A41000000G-000009",
                     Reply(json.dumps(refused, ensure_ascii=False).encode()))
        report = run(repo, server.base)
    assert report.ok
    assert (report.counts["new"], report.counts["quarantined"]) == (1, 1)
    assert "ER0050" in report.quarantined[0].reason


def test_a_listing_that_is_not_the_api_fails_the_run_naming_the_request(repo) -> None:
    with serving() as server:
        server.route(API, Reply(b"<html>maintenance</html>", headers={}))
        report = run(repo, server.base)
    assert not report.ok
    assert "not JSON" in report.error and "offset=0" in report.error


def test_a_whole_catalogue_export_file_is_harvested_and_removed_datasets_withdrawn(
        repo, tmp_path: Path) -> None:
    export = tmp_path / "catalogue.json"
    items = [json.loads(dataset(f"B0000000{n}-000001", f"匯出第{n}號"))["result"]
             for n in range(3)]
    export.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8-sig")
    assert run(repo, str(export), delete_missing=True).counts["new"] == 3
    export.write_text(json.dumps(items[:2], ensure_ascii=False), encoding="utf-8-sig")
    report = run(repo, str(export))
    assert (report.counts["unchanged"], report.counts["deleted"]) == (2, 1)
    assert repo.get("data.gov.tw:B00000002-000001").state == "withdrawn"
