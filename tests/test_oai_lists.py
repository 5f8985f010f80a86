"""OAI-PMH lists over real HTTP: paging and resumption tokens, from/until, sets, deletions,
what never appears (drafts, records in review), and provenance of harvested records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from endpoints.oai import tokens
from repository import Config, Repository
from repository.config import OaiSettings
from repository.disseminations import Selection
from repository.formats import to_graph
from repository.readers_xml import read_xml
from repository.records import Record
from tests.conftest import shared_path
from tests.oai_support import OAI, T0, Client, dataset, serving, tick

PREFIXES = ("olac", "oai_dc", "dcat")


def stamp(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Iterator[Repository]:
    """An empty repository whose datestamps are T0, T0+1 s, T0+2 s… (one per public change)."""
    tick(monkeypatch)
    with Repository(Config(home=tmp_path / "home", oai=OaiSettings(page_size=100))) as repo:
        yield repo


def client_for(repo: Repository) -> Iterator[Client]:
    with serving(repo) as url:
        yield Client(url)


@pytest.fixture
def client(home: Repository) -> Iterator[Client]:
    yield from client_for(home)


def publish_each(repo: Repository, count: int, start: int = 1, **facts) -> list[str]:
    """Publish ``count`` records one by one (so each gets its own datestamp)."""
    ids = [f"{n:08d}" for n in range(start, start + count)]
    for local_id in ids:
        repo.save_batch([dataset(repo, local_id, f"語料 {local_id}", **facts)], publish=True)
    return ids


# -- paging ------------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_250_records_at_100_a_page_take_three_pages(home, client, verb) -> None:
    home.save_batch([dataset(home, f"{n:08d}") for n in range(1, 251)], publish=True)
    pages = client.harvest(verb, metadataPrefix="olac")
    assert len(pages) == 3
    tokens_ = [page.token() for page in pages]
    assert [(t.get("cursor"), t.get("completeListSize")) for t in tokens_] == [
        ("0", "250"), ("100", "250"), ("200", "250")]
    assert tokens_[0].text and tokens_[1].text and not tokens_[2].text
    assert tokens_[2].get("expirationDate") is None
    expires = datetime.strptime(tokens_[0].get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ")
    assert abs(expires.replace(tzinfo=UTC) - datetime.now(UTC) - timedelta(hours=24)) < \
        timedelta(minutes=5)
    identifiers = [i for page in pages for i in page.identifiers()]
    assert identifiers == [home.ids.oai(f"{n:08d}") for n in range(1, 251)]


def test_a_list_on_one_page_has_no_resumption_token(home, client) -> None:
    publish_each(home, 3)
    reply = client.get(verb="ListRecords", metadataPrefix="oai_dc")
    assert len(reply.identifiers()) == 3 and reply.token() is None


def test_a_token_is_the_only_argument_besides_the_verb(home, client) -> None:
    home.save_batch([dataset(home, f"{n:08d}") for n in range(1, 102)], publish=True)
    token = client.get(verb="ListIdentifiers", metadataPrefix="olac").token().text
    assert client.get(verb="ListIdentifiers", resumptionToken=token,
                      metadataPrefix="olac").errors() == ["badArgument"]
    assert client.post(verb="ListIdentifiers", resumptionToken=token).errors() == []


@pytest.mark.parametrize("spoil", ["tampered", "other verb", "other key", "expired", "empty"])
def test_a_token_that_is_not_ours_or_has_expired_is_refused(home, client, spoil) -> None:
    home.save_batch([dataset(home, f"{n:08d}") for n in range(1, 102)], publish=True)
    token = client.get(verb="ListRecords", metadataPrefix="olac").token().text
    state = tokens.ListState("ListRecords", Selection("olac"), (stamp(0), "00000100"), 100, 101,
                             datetime.now(UTC) + timedelta(hours=1))
    spoilt = {
        "tampered": token[:10] + ("A" if token[10] != "A" else "B") + token[11:],
        "other verb": token, "empty": "",
        "other key": tokens.issue(state, b"another key of thirty-two bytes!"),
        "expired": tokens.issue(replace(state, expires=datetime.now(UTC) - timedelta(seconds=1)),
                                home.token_key()),
    }[spoil]
    verb = "ListIdentifiers" if spoil == "other verb" else "ListRecords"
    assert client.get(verb=verb, resumptionToken=spoilt).errors() == ["badResumptionToken"]
    assert client.get(verb="ListRecords", resumptionToken=tokens.issue(
        state, home.token_key())).errors() == []


def test_a_record_changed_during_a_harvest_is_harvested_again_not_skipped(home) -> None:
    ids = publish_each(home, 5)
    with serving(home, replace(home.config, oai=OaiSettings(page_size=2))) as url:
        client = Client(url)
        first = client.get(verb="ListIdentifiers", metadataPrefix="olac")
        assert first.identifiers() == [home.ids.oai(i) for i in ids[:2]]
        home.publish(ids[0])  # changes: a new, later datestamp
        rest = [first]
        while (token := rest[-1].token()) is not None and token.text:
            rest.append(client.get(verb="ListIdentifiers", resumptionToken=token.text))
    seen = [i for page in rest for i in page.identifiers()]
    assert seen == [home.ids.oai(i) for i in (*ids, ids[0])]
    assert all(page.errors() == [] for page in rest)


# -- from / until ------------------------------------------------------------------------------


def test_from_and_until_are_inclusive_and_exact_to_the_second(home, client) -> None:
    ids = publish_each(home, 6)  # datestamps T0 … T0+5 s
    def listed(**bounds: str) -> list[str]:
        reply = client.get(verb="ListIdentifiers", metadataPrefix="olac", **bounds)
        return [] if reply.errors() == ["noRecordsMatch"] else reply.identifiers()
    expect = [home.ids.oai(i) for i in ids]
    assert listed(**{"from": stamp(2), "until": stamp(4)}) == expect[2:5]
    assert listed(**{"from": stamp(5)}) == expect[5:]
    assert listed(until=stamp(0)) == expect[:1]
    assert listed(**{"from": stamp(6)}) == []
    assert listed(**{"from": "2026-03-01", "until": "2026-03-01"}) == expect
    assert listed(until="2026-02-28") == []
    datestamps = [h.findtext(f"{OAI}datestamp") for h in client.get(
        verb="ListIdentifiers", metadataPrefix="olac").headers()]
    assert datestamps == [stamp(n) for n in range(6)]


def test_until_before_the_earliest_datestamp_matches_nothing(home, client) -> None:
    publish_each(home, 2)
    earliest = client.get(verb="Identify").root.findtext(f".//{OAI}earliestDatestamp")
    assert earliest == stamp(0)
    year_before = (T0 - timedelta(days=365)).strftime("%Y-%m-%d")
    assert client.get(verb="ListRecords", metadataPrefix="oai_dc",
                      until=year_before).errors() == ["noRecordsMatch"]


# -- what never appears ------------------------------------------------------------------------


def test_drafts_and_records_in_review_never_appear(home, client) -> None:
    publish_each(home, 2)
    home.put(dataset(home, "00000010", "草稿語料", languages=("ami",)))
    home.put(dataset(home, "00000011", "審核語料", languages=("ami",),
                     state="pending-platform-review"))
    home.put(dataset(home, "00000012", "修改語料", languages=("ami",), state="in-revision"))
    home.put(dataset(home, "00000001", "第二版（審核中）", state="pending-agency-review"))
    hidden = {home.ids.oai(i) for i in ("00000010", "00000011", "00000012")}
    for prefix in PREFIXES:
        for verb in ("ListRecords", "ListIdentifiers"):
            pages = client.harvest(verb, metadataPrefix=prefix)
            assert not hidden & {i for page in pages for i in page.identifiers()}
            assert all("第二版".encode() not in page.body and "草稿".encode() not in page.body
                       for page in pages)
        for identifier in hidden:
            assert client.get(verb="GetRecord", identifier=identifier,
                              metadataPrefix=prefix).errors() == ["idDoesNotExist"]
    specs = {s.text for s in client.get(verb="ListSets").root.iter(f"{OAI}setSpec")}
    assert "language:ami" not in specs and "language:nan" in specs
    assert client.get(verb="ListIdentifiers", metadataPrefix="olac",
                      set="language:ami").errors() == ["noRecordsMatch"]


# -- deletions ---------------------------------------------------------------------------------


def test_withdrawn_and_deleted_records_stay_as_deleted_headers(home, client) -> None:
    publish_each(home, 3)
    withdrawn = home.withdraw("00000001")
    home.delete("00000002")
    publish_each(home, 1, start=4)
    for prefix in PREFIXES:
        reply = client.get(verb="ListRecords", metadataPrefix=prefix)
        records = {r.findtext(f"{OAI}header/{OAI}identifier"): r
                   for r in reply.root.iter(f"{OAI}record")}
        for local_id in ("00000001", "00000002"):
            record = records[home.ids.oai(local_id)]
            assert record.find(f"{OAI}header").get("status") == "deleted"
            assert record.find(f"{OAI}metadata") is None
        assert records[home.ids.oai("00000003")].find(f"{OAI}metadata") is not None
    header = client.get(verb="GetRecord", metadataPrefix="olac",
                        identifier=home.ids.oai("00000001")).headers()[0]
    assert header.findtext(f"{OAI}datestamp") == withdrawn.datestamp.strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert [s.text for s in header.iter(f"{OAI}setSpec")] == [
        "agency:A29000000G", "language:nan", "licence:OGDL-Taiwan-1.0",
        "text-type:language-resource"]


def test_a_set_harvest_learns_of_deletions_in_the_set(home, client) -> None:
    publish_each(home, 2, languages=("hak",))
    home.withdraw("00000001")
    reply = client.get(verb="ListIdentifiers", metadataPrefix="olac", set="language:hak")
    assert [(h.findtext(f"{OAI}identifier"), h.get("status")) for h in reply.headers()] == [
        (home.ids.oai("00000002"), None), (home.ids.oai("00000001"), "deleted")]


# -- sets --------------------------------------------------------------------------------------


def test_a_record_in_several_sets_appears_in_each(home, client) -> None:
    home.save_batch([dataset(home, "00000001", languages=("nan", "hak"), licence="CC-BY-4.0"),
                     dataset(home, "00000002", languages=("hak",), text_type="education",
                             agency="A42000000G")], publish=True)
    def members(spec: str) -> list[str]:
        reply = client.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)
        return [i.rsplit(":", 1)[1] for i in reply.identifiers()]
    assert members("language:nan") == ["00000001"]
    assert members("language:hak") == ["00000001", "00000002"]
    assert members("language") == ["00000001", "00000002"]
    assert members("licence:CC-BY-4.0") == ["00000001"]
    assert members("text-type:education") == ["00000002"]
    assert members("agency:A42000000G") == ["00000002"]
    assert members("agency:A29000000G") == ["00000001"]


def test_harvested_records_are_in_their_source_set(home, client) -> None:
    home.save_batch([dataset(home, "paradisec.org.au:AC1-013", agency=None),
                     dataset(home, "00000001")], publish=True)
    for spec in ("source", "source:paradisec.org.au"):
        reply = client.get(verb="ListIdentifiers", metadataPrefix="olac", set=spec)
        assert reply.identifiers() == [home.ids.oai("paradisec.org.au:AC1-013")]
    names = {s.findtext(f"{OAI}setSpec"): s.findtext(f"{OAI}setName")
             for s in client.get(verb="ListSets").root.iter(f"{OAI}set")}
    assert names["source:paradisec.org.au"] == (
        "收割來源 paradisec.org.au Harvested from paradisec.org.au")


# -- provenance --------------------------------------------------------------------------------


@pytest.mark.shared
def test_a_harvested_record_carries_oai_provenance_and_a_local_one_none(home, client) -> None:
    name = "paradisec_GetRecord_olac_AC1-013.xml"
    [source] = read_xml(shared_path("fixtures", "oai", name).read_bytes(), name)
    local_id = "paradisec.org.au:AC1-013"
    graph = to_graph(source, home.ids.resource(local_id))
    home.save_batch([Record(id=local_id, graph=graph, source=source.provenance()),
                     dataset(home, "00000001")], publish=True)
    reply = client.get(verb="ListRecords", metadataPrefix="olac")
    abouts = {r.findtext(f"{OAI}header/{OAI}identifier"): r.find(f"{OAI}about")
              for r in reply.root.iter(f"{OAI}record")}
    assert abouts[home.ids.oai("00000001")] is None
    ns = "{http://www.openarchives.org/OAI/2.0/provenance}"
    origin = abouts[home.ids.oai(local_id)].find(f"{ns}provenance/{ns}originDescription")
    assert (origin.get("harvestDate"), origin.get("altered")) == ("2018-04-05T01:40:30Z", "true")
    assert [(child.tag[len(ns):], child.text) for child in origin] == [
        ("baseURL", "http://catalog.paradisec.org.au/oai/item"),
        ("identifier", "oai:paradisec.org.au:AC1-013"),
        ("datestamp", "2016-03-16T15:32:10Z"),
        ("metadataNamespace", "http://www.language-archives.org/OLAC/1.1/")]
    assert client.get(verb="ListIdentifiers", metadataPrefix="olac").root.find(
        f".//{OAI}about") is None
