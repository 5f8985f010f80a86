"""OAI-PMH harvesting against a local server replaying real responses (../shared/fixtures/oai)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from rdflib import URIRef

from harvest.fetch import Fetcher, Limits
from harvest.oai import Client
from harvest.run import Harvest
from harvest.sources import Registry, new_source
from repository import Config, Gone, Repository
from tests.conftest import shared_path
from tests.harvest_server import Reply, Server, serving
from vocab.namespaces import DCT, PROV, YL, concept

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def fixture(name: str) -> bytes:
    return shared_path("fixtures", "oai", name).read_bytes()


def token_of(body: bytes) -> str:
    return etree.fromstring(body).findtext(f".//{OAI}resumptionToken").strip()


def identifiers(body: bytes, deleted: bool = False) -> set[str]:
    headers = etree.fromstring(body).iter(f"{OAI}header")
    return {h.findtext(f"{OAI}identifier").strip() for h in headers
            if (h.get("status") == "deleted") == deleted}


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    with Repository(Config(home=tmp_path / "home")) as repository:
        yield repository


@pytest.fixture
def zenodo() -> dict[str, bytes]:
    return {n: fixture(f"zenodo_ListRecords_oai_dc_{n}.xml")
            for n in ("page1_token", "page2_deleted", "page3_last")}


def route_zenodo(server: Server, pages: dict[str, bytes], page2: Reply | None = None) -> None:
    first = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    server.route("/oai", Reply(pages["page1_token"]), query=first)
    server.route("/oai", page2 or Reply(pages["page2_deleted"]),
                 query={"verb": "ListRecords", "resumptionToken": token_of(pages["page1_token"])})
    server.route("/oai", Reply(pages["page3_last"]),
                 query={"verb": "ListRecords", "resumptionToken": token_of(pages["page2_deleted"])})


def harvest(repo: Repository, server: Server, *, full: bool = False, **options):
    """Harvest the ``zenodo`` source (registered on first use); the server answers Identify
    with a seconds-granularity repository unless the test routed Identify itself."""
    identify = ("/oai", frozenset({("verb", "Identify")}))
    if identify not in server.routes:
        server.route("/oai", Reply(fixture("clarin_vienna_Identify.xml")),
                     query={"verb": "Identify"})
    registry = Registry(repo)
    try:
        source = registry.get("zenodo")
    except Exception:  # noqa: BLE001 — first run: register it
        source = registry.add(new_source("zenodo", "oai-pmh", f"{server.base}/oai",
                                         metadata_prefix="oai_dc", **options))
    fetcher = Fetcher(Limits(retries=2, read_timeout=5), sleep=lambda s: None)
    return Harvest(repo, source, full=full, fetcher=fetcher).run()


def local(oai_identifier: str) -> str:
    return oai_identifier.removeprefix("oai:")


def test_the_zenodo_three_page_chain_is_harvested_whole(repo, zenodo) -> None:
    with serving() as server:
        route_zenodo(server, zenodo)
        report = harvest(repo, server)
    expected = set().union(*(identifiers(body) for body in zenodo.values()))
    assert report.ok, report.error
    assert report.pages == 3
    assert report.counts["new"] == len(expected) == 8
    assert report.counts["deleted"] == 1
    assert set(repo.local_ids(public=True)) == {local(i) for i in expected}


def test_a_completed_harvest_records_the_first_response_date_and_clears_its_checkpoint(
        repo, zenodo) -> None:
    with serving() as server:
        route_zenodo(server, zenodo)
        harvest(repo, server)
    source = Registry(repo).get("zenodo")
    first_date = etree.fromstring(zenodo["page1_token"]).findtext(f"{OAI}responseDate")
    assert source.harvested_until == first_date
    assert source.checkpoint is None


def test_the_next_harvest_is_incremental_from_the_last_response_date(repo, zenodo) -> None:
    with serving() as server:
        route_zenodo(server, zenodo)
        harvest(repo, server)
        server.route("/oai", Reply(fixture("zenodo_error_noRecordsMatch_http422.xml"), 422))
        report = harvest(repo, server)
        last_request = server.seen[-1][1]
    assert report.ok and report.pages == 0
    assert last_request["from"] == Registry(repo).get("zenodo").harvested_until


def test_no_records_match_sent_with_http_422_is_an_empty_harvest(repo) -> None:
    with serving() as server:
        server.route("/oai", Reply(fixture("zenodo_error_noRecordsMatch_http422.xml"), 422))
        report = harvest(repo, server)
    assert report.ok and sum(report.counts.values()) == 0


def test_a_deleted_header_withdraws_the_local_copy_leaving_a_tombstone(repo, zenodo) -> None:
    last = zenodo["page3_last"]
    held = sorted(identifiers(last))[0]
    deleted_page = zenodo["page2_deleted"]
    gone = identifiers(deleted_page, deleted=True).pop()
    deleted_page = deleted_page.replace(gone.encode(), held.encode())
    deleted_page = deleted_page.replace(token_of(deleted_page).encode(), b"")
    with serving() as server:
        server.route("/oai", Reply(last))
        assert harvest(repo, server).counts["new"] == 3
        server.route("/oai", Reply(deleted_page))
        report = harvest(repo, server)
    assert report.counts["deleted"] == 1
    assert repo.get(local(held)).state == "withdrawn"
    with pytest.raises(Gone):
        repo.get(local(held), public=True)


def test_a_503_with_retry_after_mid_chain_is_waited_out(repo, zenodo) -> None:
    with serving() as server:
        route_zenodo(server, zenodo, page2=None)
        token = token_of(zenodo["page1_token"])
        server.route("/oai", Reply(b"busy", 503, {"Retry-After": "1"}),
                     Reply(zenodo["page2_deleted"]),
                     query={"verb": "ListRecords", "resumptionToken": token})
        report = harvest(repo, server)
    assert report.ok and report.pages == 3


def test_a_malformed_page_is_retried_then_fails_the_run_naming_the_request(
        repo, zenodo) -> None:
    with serving() as server:
        route_zenodo(server, zenodo, page2=Reply(b"<OAI-PMH><ListRecords><record>"))
        report = harvest(repo, server)
        attempts = [q for _, q in server.seen if q.get("resumptionToken")]
    assert not report.ok
    assert "malformed XML" in report.error and "resumptionToken=" in report.error
    assert len(attempts) == 3
    source = Registry(repo).get("zenodo")
    assert source.harvested_until is None  # never marked harvested up to a date it missed
    assert source.checkpoint.token == token_of(zenodo["page1_token"])


def test_a_failed_run_resumes_from_its_checkpoint_not_from_the_start(repo, zenodo) -> None:
    with serving() as server:
        route_zenodo(server, zenodo, page2=Reply(b"garbage"))
        assert not harvest(repo, server).ok
        route_zenodo(server, zenodo)
        server.seen.clear()
        report = harvest(repo, server)
        requests = [q for _, q in server.seen]
    assert report.ok and report.resumed
    assert "metadataPrefix" not in requests[0]  # went on with the token, not the first page
    assert report.counts["new"] == 8 and report.pages == 3
    assert len(repo.local_ids(public=True)) == 8


def test_an_expired_token_on_resume_lists_again_from_the_same_date(repo, zenodo) -> None:
    with serving() as server:
        route_zenodo(server, zenodo, page2=Reply(b"garbage"))
        assert not harvest(repo, server).ok
        expired = Reply(fixture("zenodo_error_badResumptionToken_http422.xml"), 422)
        route_zenodo(server, zenodo)
        server.route("/oai", expired, Reply(zenodo["page2_deleted"]),
                     query={"verb": "ListRecords",
                            "resumptionToken": token_of(zenodo["page1_token"])})
        server.seen.clear()
        report = harvest(repo, server)
        requests = [q for _, q in server.seen]
    assert report.ok, report.error
    assert "resumptionToken" in requests[0] and requests[1]["metadataPrefix"] == "oai_dc"
    assert len(repo.local_ids(public=True)) == 8


def test_a_bad_record_in_a_good_page_is_quarantined_and_the_rest_is_stored(repo) -> None:
    body = fixture("zenodo_ListRecords_oai_dc_page3_last.xml")
    bad = sorted(identifiers(body))[0]
    root = etree.fromstring(body)
    record = next(r for r in root.iter(f"{OAI}record")
                  if r.findtext(f"{OAI}header/{OAI}identifier").strip() == bad)
    for title in record.iter("{http://purl.org/dc/elements/1.1/}title"):
        title.getparent().remove(title)  # the record loses its titles
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with serving() as server:
        server.route("/oai", Reply(body))
        report = harvest(repo, server)
    assert report.ok
    assert report.counts["quarantined"] == 1 and report.counts["new"] == 2
    assert local(bad) not in repo.local_ids()
    [graph] = [g for g in repo.work.graph_names() if "/graph/quarantine/zenodo/" in str(g)]
    quarantined = repo.work.graph(graph)
    assert "title" in str(next(quarantined.objects(None, YL.errorMessage)))
    assert bad in str(next(quarantined.objects(None, YL.rawPayload)))


def test_the_same_dataset_from_two_sources_is_linked_not_silently_duplicated(repo) -> None:
    body = fixture("zenodo_ListRecords_oai_dc_page3_last.xml")
    mirror = body.replace(b"<identifier>oai:zenodo.org:", b"<identifier>oai:mirror.example.org:")
    mirror = mirror.replace(b"https://doi.org/10.5281", b"doi:10.5281")  # written differently
    registry = Registry(repo)
    with serving() as server:
        server.route("/zenodo", Reply(body))
        server.route("/mirror", Reply(mirror))
        for name in ("zenodo", "mirror"):
            source = registry.add(new_source(name, "oai-pmh", f"{server.base}/{name}",
                                             metadata_prefix="oai_dc"))
            report = Harvest(repo, source, fetcher=Fetcher(sleep=lambda s: None)).run()
    assert report.linked == 3
    for oai_id in identifiers(body):
        number = oai_id.rsplit(":", 1)[-1]
        links = repo.public.graph(URIRef(f"{repo.ids.graph('mirror.example.org:' + number)}/links"))
        assert set(links.objects(None, PROV.alternateOf)) == {
            repo.ids.resource(f"zenodo.org:{number}")}
    mirrored = f"mirror.example.org:{sorted(identifiers(body))[0].rsplit(':', 1)[-1]}"
    repo.withdraw(mirrored)  # its public links go with it; the work area keeps them
    assert not repo.public.has_graph(repo.ids.links_graph(mirrored))
    assert repo.work.has_graph(repo.ids.links_graph(mirrored))
    repo.delete(mirrored)  # deleted for good: no links left anywhere
    assert not repo.work.has_graph(repo.ids.links_graph(mirrored))


@pytest.mark.parametrize(("granularity", "sent"), [
    ("YYYY-MM-DD", lambda until: until[:10]),
    ("YYYY-MM-DDThh:mm:ssZ", lambda until: until),
])
def test_an_incremental_harvest_sends_from_in_the_sources_granularity(
        repo, zenodo, granularity, sent) -> None:
    identify = fixture("clarin_vienna_Identify.xml").replace(
        b"YYYY-MM-DDThh:mm:ssZ", granularity.encode())
    with serving() as server:
        route_zenodo(server, zenodo)
        harvest(repo, server)
        server.route("/oai", Reply(identify), query={"verb": "Identify"})
        server.route("/oai", Reply(fixture("zenodo_error_noRecordsMatch_http422.xml"), 422))
        harvest(repo, server)
        asked = server.seen[-1][1]
    until = Registry(repo).get("zenodo").harvested_until
    assert asked["from"] == sent(until)


def paradisec_page(*names: str) -> bytes:
    """A ListRecords page holding the records of the PARADISEC GetRecord fixtures."""
    records = []
    for name in names:
        root = etree.fromstring(fixture(f"paradisec_GetRecord_olac_{name}.xml"))
        records.append(etree.tostring(root.find(f"{OAI}GetRecord/{OAI}record")))
    return (b'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/'
            b'OAI/2.0/"><responseDate>2026-11-22T00:00:00Z</responseDate><request verb="ListRec'
            b'ords" metadataPrefix="olac">http://catalog.paradisec.org.au/oai/item</request>'
            b"<ListRecords>" + b"".join(records) + b"</ListRecords></OAI-PMH>")


def run_source(repo: Repository, server: Server, name: str, path: str, *, full: bool = False,
               **options):
    registry = Registry(repo)
    try:
        source = registry.get(name)
    except Exception:  # noqa: BLE001 — first run registers the source
        source = registry.add(new_source(name, options.pop("kind", "oai-pmh"),
                                         f"{server.base}{path}", **options))
    return Harvest(repo, source, full=full, fetcher=Fetcher(sleep=lambda s: None)).run()


def test_paradisec_reports_no_deletions_so_a_full_harvest_withdraws_what_it_no_longer_lists(
        repo) -> None:
    with serving() as server:
        server.route("/oai/item", Reply(paradisec_page("AC1-013", "NT1-98007")))
        first = run_source(repo, server, "paradisec", "/oai/item", full=True, delete_missing=True)
        server.route("/oai/item", Reply(paradisec_page("AC1-013")))
        second = run_source(repo, server, "paradisec", "/oai/item", full=True)
    assert first.counts["new"] == 2
    assert (second.counts["unchanged"], second.counts["deleted"]) == (1, 1)
    assert repo.get("paradisec.org.au:NT1-98007").state == "withdrawn"
    assert repo.get("paradisec.org.au:AC1-013", public=True).state == "published"


def test_an_incremental_harvest_never_deletes_by_absence(repo) -> None:
    with serving() as server:
        server.route("/oai/item", Reply(paradisec_page("AC1-013", "NT1-98007")))
        run_source(repo, server, "paradisec", "/oai/item", full=True, delete_missing=True)
        server.route("/oai/item", Reply(paradisec_page("AC1-013")))
        report = run_source(repo, server, "paradisec", "/oai/item")
    assert report.counts["deleted"] == 0
    assert repo.get("paradisec.org.au:NT1-98007").state == "published"


def test_the_default_licence_is_given_to_records_that_state_none(repo) -> None:
    with serving() as server:
        server.route("/oai", Reply(fixture("zenodo_ListRecords_oai_dc_page3_last.xml")))
        run_source(repo, server, "zenodo", "/oai", metadata_prefix="oai_dc",
                   default_licence="CC-BY-4.0")
    for local_id in repo.local_ids(public=True):
        record = repo.get(local_id, public=True)
        licences = set(record.graph.objects(repo.ids.resource(local_id), DCT.license))
        assert licences == {concept("licence", "CC-BY-4.0")}


def test_an_olac_static_repository_is_harvested_from_a_url(repo) -> None:
    with serving() as server:
        server.route("/Kayardild.xml", Reply(fixture("olac11_static_repository_kayardild.xml")))
        report = run_source(repo, server, "kayardild", "/Kayardild.xml", kind="olac-static")
    assert report.ok and report.counts["new"] == 2
    assert repo.local_ids(public=True) == ["kayardild.lt.cs.mu.oz.au:01",
                                          "kayardild.lt.cs.mu.oz.au:02"]


def test_cjk_records_keep_their_traditional_chinese_titles(repo) -> None:
    page = fixture("zenodo_ListRecords_oai_dc_50recs_cjk.xml")
    page = page.replace(token_of(page).encode(), b"")  # harvest the one page as a whole list
    with serving() as server:
        server.route("/oai", Reply(page))
        report = run_source(repo, server, "zenodo", "/oai", metadata_prefix="oai_dc")
    assert report.ok and report.counts["new"] + report.counts["quarantined"] == 50
    titles = {str(t) for i in repo.local_ids(public=True)
              for t in repo.get(i, public=True).graph.objects(None, DCT.title)}
    assert "國際貿易中隱私保護的法律協調全球趨勢綜述研究" in titles


@pytest.mark.parametrize(("reply", "reason"), [
    (Reply(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">&x;</OAI-PMH>'),
     "malformed XML"),
    (Reply(b"<OAI-PMH/>" + b" " * 3000), "over the limit of 2,048 bytes"),
    (Reply(drip=True, declare_length=False), "still arriving after 1 s"),
    (Reply(status=302, headers={"Location": "/oai"}), "redirects"),
])
def test_hostile_responses_stop_the_run_with_a_clear_error_and_write_nothing(
        repo, reply, reason) -> None:
    with serving() as server:
        server.route("/oai", reply)
        registry = Registry(repo)
        source = registry.add(new_source("hostile", "oai-pmh", f"{server.base}/oai"))
        limits = Limits(max_bytes=2048, max_seconds=1, retries=0)
        report = Harvest(repo, source, fetcher=Fetcher(limits, sleep=lambda s: None)).run()
    assert not report.ok and reason in report.error
    assert repo.local_ids() == [] and repo.local_ids(public=True) == []


def nsdl(page: int) -> bytes:
    return fixture(f"nsdl_ListIdentifiers_page{page}of4.xml")


def test_list_identifiers_walks_the_nsdl_four_page_chain_to_its_empty_token() -> None:
    with serving() as server:
        server.route("/oai", Reply(nsdl(1)),
                     query={"verb": "ListIdentifiers", "metadataPrefix": "nsdl_dc"})
        for page in (2, 3, 4):
            server.route("/oai", Reply(nsdl(page)), query={
                "verb": "ListIdentifiers", "resumptionToken": token_of(nsdl(page - 1))})
        client = Client(f"{server.base}/oai", Fetcher(sleep=lambda s: None))
        headers = list(client.headers({"metadataPrefix": "nsdl_dc"}))
        asked = len(server.seen)
    expected = [h.findtext(f"{OAI}identifier").strip() for page in (1, 2, 3, 4)
                for h in etree.fromstring(nsdl(page)).iter(f"{OAI}header")]
    assert [identifier for identifier, _deleted in headers] == expected
    assert len(expected) == 733 and asked == 4


def test_prune_withdraws_what_list_identifiers_no_longer_lists(repo) -> None:
    listing = paradisec_page("AC1-013").replace(b"ListRecords", b"ListIdentifiers")
    with serving() as server:
        server.route("/oai/item", Reply(paradisec_page("AC1-013", "NT1-98007")))
        run_source(repo, server, "paradisec", "/oai/item", full=True)
        server.route("/oai/item", Reply(listing), query={
            "verb": "ListIdentifiers", "metadataPrefix": "olac"})
        source = Registry(repo).get("paradisec")
        report = Harvest.pruning(repo, source, Fetcher(sleep=lambda s: None)).prune()
    assert report.ok and report.counts["deleted"] == 1
    assert repo.get("paradisec.org.au:NT1-98007").state == "withdrawn"
    assert repo.get("paradisec.org.au:AC1-013").state == "published"


def test_prune_withdraws_nothing_when_the_list_breaks_off(repo) -> None:
    with serving() as server:
        server.route("/oai/item", Reply(paradisec_page("AC1-013", "NT1-98007")))
        run_source(repo, server, "paradisec", "/oai/item", full=True)
        server.route("/oai/item", Reply(b"<broken"), query={
            "verb": "ListIdentifiers", "metadataPrefix": "olac"})
        source = Registry(repo).get("paradisec")
        report = Harvest.pruning(repo, source, Fetcher(sleep=lambda s: None)).prune()
    assert not report.ok and report.counts["deleted"] == 0
    assert {repo.get(i).state for i in repo.local_ids()} == {"published"}


def test_a_source_that_cannot_disseminate_olac_is_harvested_as_oai_dc(repo) -> None:
    with serving() as server:
        server.route("/oai", Reply(fixture("spec_error_cannotDisseminateFormat.xml")),
                     query={"verb": "ListRecords", "metadataPrefix": "olac"})
        server.route("/oai", Reply(fixture("zenodo_ListRecords_oai_dc_page3_last.xml")),
                     query={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
        report = run_source(repo, server, "zenodo", "/oai")
    assert report.ok, report.error
    assert report.counts["new"] == 3


def test_static_repositories_delete_by_absence_unless_told_otherwise() -> None:
    assert new_source("s", "olac-static", "http://x.org/sr.xml").delete_missing
    assert not new_source("s", "olac-static", "http://x.org/sr.xml",
                          delete_missing=False).delete_missing
    assert not new_source("o", "oai-pmh", "http://x.org/oai").delete_missing
