"""The OAI-PMH provider over real HTTP: every verb, every error, GET and POST.

Each response is checked by the client in tests/oai_support.py (HTTP 200, text/xml, and valid
against the OAI-PMH/OLAC schemas when ../shared is present).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app import create_app
from repository import Config, Repository, StoreError
from repository.config import OaiSettings, OlacArchive, Participant
from repository.disseminations import Dissemination
from tests.oai_support import OAI, Client, Reply, dataset, serving, tick
from tests.schemas import olac_schematron_errors, schematron_messages

ARCHIVE = OlacArchive(
    participants=(Participant("林資料", "Manager", "data@yuliao.example.org"),
                  Participant("Chen, Mei", "Technical contact", "tech@yuliao.example.org")),
    current_as_of=date(2026, 11, 1), archive_url="https://yuliao.example.org/",
    institution="數位發展部 Ministry of Digital Affairs", institution_url="https://moda.gov.tw/",
    short_location="Taipei, Taiwan", synopsis="Taiwan language resources.",
    access="Open metadata.", archival_submission_policy="We keep deposits for ever.",
)
OAI_SETTINGS = OaiSettings(admin_emails=("data@yuliao.example.org", "tech@yuliao.example.org"),
                           archive=ARCHIVE)
METHODS = ["get", "post"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Iterator[Repository]:
    """Two published records, one withdrawn, a draft and one in review (read-only here)."""
    config = Config(home=tmp_path_factory.mktemp("oai") / "home", oai=OAI_SETTINGS)
    with Repository(config) as repository, pytest.MonkeyPatch.context() as patch:
        tick(patch)
        repository.save_batch([dataset(repository, "00000001", "臺語語料"),
                               dataset(repository, "00000002", "客語語料", languages=("hak",)),
                               dataset(repository, "00000003", "下架語料")], publish=True)
        repository.withdraw("00000003")
        repository.put(dataset(repository, "00000004", "草稿", languages=("ami",)))
        repository.put(dataset(repository, "00000005", "審核中",
                               state="pending-agency-review"))
        patch.undo()
        yield repository


@pytest.fixture(scope="module")
def client(repo: Repository) -> Iterator[Client]:
    with serving(repo) as url:
        yield Client(url)


def send(client: Client, method: str, pairs: list[tuple[str, str]]) -> Reply:
    return client.get(pairs) if method == "get" else client.post(pairs)


# -- Identify ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_identify_describes_the_repository_from_the_configuration(client, method) -> None:
    reply = send(client, method, [("verb", "Identify")])
    identify = reply.root.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}baseURL") == "https://yuliao.example.org/oai"
    assert identify.findtext(f"{OAI}protocolVersion") == "2.0"
    assert [e.text for e in identify.iterfind(f"{OAI}adminEmail")] == [
        "data@yuliao.example.org", "tech@yuliao.example.org"]
    assert identify.findtext(f"{OAI}earliestDatestamp") == "2026-03-01T08:00:00Z"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert dict(reply.request.attrib) == {"verb": "Identify"}


def test_identify_carries_the_olac_archive_description_from_the_configuration(client) -> None:
    archive = client.get(verb="Identify").root.find(
        ".//{http://www.language-archives.org/OLAC/1.1/olac-archive}olac-archive")
    ns = "{http://www.language-archives.org/OLAC/1.1/olac-archive}"
    assert (archive.get("type"), archive.get("currentAsOf")) == ("institutional", "2026-11-01")
    assert [(p.get("name"), p.get("email")) for p in archive.iterfind(f"{ns}participant")] == [
        ("林資料", "data@yuliao.example.org"), ("Chen, Mei", "tech@yuliao.example.org")]
    assert [child.tag.split("}")[1] for child in archive] == [
        "archiveURL", "participant", "participant", "institution", "institutionURL",
        "shortLocation", "synopsis", "access", "archivalSubmissionPolicy"]
    assert archive.findtext(f"{ns}shortLocation") == "Taipei, Taiwan"


def test_the_sample_identifier_is_a_record_that_exists(client) -> None:
    sample = client.get(verb="Identify").root.findtext(
        ".//{http://www.openarchives.org/OAI/2.0/oai-identifier}sampleIdentifier")
    assert sample == "oai:yuliao.example.org:00000001"
    record = client.get(verb="GetRecord", identifier=sample, metadataPrefix="olac")
    assert record.errors() == [] and record.identifiers() == [sample]


@pytest.mark.shared
@pytest.mark.parametrize("query", [{"verb": "Identify"}, {"verb": "ListMetadataFormats"},
                                   {"verb": "ListRecords", "metadataPrefix": "olac"}])
def test_olac_registration_rules_report_no_error(client, query) -> None:
    reply = client.get(**query)
    assert olac_schematron_errors(reply.body) == []
    assert any("OK" in m for m in schematron_messages("olac-dynamic-repository.xml", reply.body))


@pytest.mark.shared
def test_the_olac_rules_catch_an_admin_email_that_is_no_participant(client) -> None:
    body = client.get(verb="Identify").body.replace(
        b"<adminEmail>tech@", b"<adminEmail>someone-else@")
    assert any("someone-else@yuliao.example.org" in e for e in olac_schematron_errors(body))


# -- ListMetadataFormats, ListSets, GetRecord --------------------------------------------------


def test_list_metadata_formats_declares_schemas_and_namespaces(client) -> None:
    formats = {f.findtext(f"{OAI}metadataPrefix"): (f.findtext(f"{OAI}schema"),
                                                    f.findtext(f"{OAI}metadataNamespace"))
               for f in client.get(verb="ListMetadataFormats").root.iter(f"{OAI}metadataFormat")}
    assert formats == {
        "olac": ("http://www.language-archives.org/OLAC/1.1/olac.xsd",
                 "http://www.language-archives.org/OLAC/1.1/"),
        "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                   "http://www.openarchives.org/OAI/2.0/oai_dc/"),
        "dcat": ("http://www.openarchives.org/OAI/2.0/rdf.xsd",
                 "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    }


@pytest.mark.parametrize("local_id", ["00000001", "00000003"])
def test_list_metadata_formats_of_an_item_lists_its_formats(client, local_id) -> None:
    reply = client.get(verb="ListMetadataFormats", identifier=f"oai:yuliao.example.org:{local_id}")
    assert [e.text for e in reply.root.iter(f"{OAI}metadataPrefix")] == ["olac", "oai_dc", "dcat"]


@pytest.mark.parametrize("local_id", ["00000004", "00000005", "99999999"])
def test_list_metadata_formats_of_an_unknown_or_unpublished_item(client, local_id) -> None:
    reply = client.get(verb="ListMetadataFormats", identifier=f"oai:yuliao.example.org:{local_id}")
    assert reply.errors() == ["idDoesNotExist"]


@pytest.mark.parametrize(("prefix", "root"), [
    ("olac", "{http://www.language-archives.org/OLAC/1.1/}olac"),
    ("oai_dc", "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"),
    ("dcat", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF")])
@pytest.mark.parametrize("method", METHODS)
def test_get_record_in_each_format(client, prefix, root, method) -> None:
    reply = send(client, method, [("verb", "GetRecord"), ("metadataPrefix", prefix),
                                  ("identifier", "oai:yuliao.example.org:00000001")])
    [metadata] = reply.root.find(f".//{OAI}metadata")
    assert metadata.tag == root
    namespace = root[1:].split("}")[0]
    location = metadata.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert location.split()[0] == namespace
    assert dict(reply.request.attrib) == {"verb": "GetRecord", "metadataPrefix": prefix,
                                          "identifier": "oai:yuliao.example.org:00000001"}


def test_get_record_of_a_withdrawn_record_is_a_deleted_header(client) -> None:
    reply = client.get(verb="GetRecord", metadataPrefix="oai_dc",
                       identifier="oai:yuliao.example.org:00000003")
    [header] = reply.headers()
    assert header.get("status") == "deleted"
    assert reply.root.find(f".//{OAI}metadata") is None
    assert reply.root.find(f".//{OAI}about") is None


def test_list_sets_names_sets_in_chinese_and_english(client) -> None:
    sets = {s.findtext(f"{OAI}setSpec"): s for s in
            client.get(verb="ListSets").root.iter(f"{OAI}set")}
    assert {"language", "language:nan", "language:hak", "text-type",
            "text-type:language-resource", "licence", "licence:OGDL-Taiwan-1.0", "agency",
            "agency:A29000000G"} == set(sets)
    assert sets["language:nan"].findtext(f"{OAI}setName") == "臺灣台語 Taiwanese Hokkien"
    titles = sets["agency:A29000000G"].iterfind(
        f"{OAI}setDescription/*/{{http://purl.org/dc/elements/1.1/}}title")
    assert {(t.get("{http://www.w3.org/XML/1998/namespace}lang"), t.text) for t in titles} == {
        ("zh-Hant", "數位發展部"), ("en", "Ministry of Digital Affairs")}


# -- errors ------------------------------------------------------------------------------------

ERRORS = [
    ([], ["badVerb"]),
    ([("verb", "junk")], ["badVerb"]),
    ([("verb", "Identify"), ("verb", "Identify")], ["badVerb"]),
    ([("verb", "Identify"), ("metadataPrefix", "olac")], ["badArgument"]),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc")], ["badArgument"]),
    ([("verb", "GetRecord"), ("identifier", "oai:yuliao.example.org:00000001")],
     ["badArgument"]),
    ([("verb", "GetRecord"), ("identifier", 'invalid"id'), ("metadataPrefix", "oai_dc")],
     ["badArgument"]),
    ([("verb", "ListIdentifiers"), ("until", "junk")], ["badArgument", "badArgument"]),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "olac"), ("from", "junk")],
     ["badArgument"]),
    ([("verb", "ListIdentifiers"), ("resumptionToken", "junk"), ("until", "2000-02-05")],
     ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "junk")],
     ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("until", "2026-02-30")],
     ["badArgument"]),
    ([("verb", "ListRecords")], ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "olac")],
     ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("colour", "red")],
     ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2002-02-05"),
      ("until", "2002-02-06T05:35:00Z")], ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-03-02"),
      ("until", "2026-03-01")], ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "bad set")],
     ["badArgument"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "x")],
     ["badArgument"]),
    ([("verb", "ListSets"), ("resumptionToken", "x")], ["badResumptionToken"]),
    ([("verb", "ListRecords"), ("resumptionToken", "junk")], ["badResumptionToken"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "marc21")], ["cannotDisseminateFormat"]),
    ([("verb", "GetRecord"), ("metadataPrefix", "marc21"),
      ("identifier", "oai:elsewhere.org:1")], ["cannotDisseminateFormat", "idDoesNotExist"]),
    ([("verb", "GetRecord"), ("metadataPrefix", "olac"),
      ("identifier", "oai:yuliao.example.org:00000004")], ["idDoesNotExist"]),
    ([("verb", "ListRecords"), ("metadataPrefix", "olac"), ("until", "2025-03-01")],
     ["noRecordsMatch"]),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "olac"), ("set", "language:ami")],
     ["noRecordsMatch"]),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("pairs", "codes"), ERRORS, ids=lambda v: str(v)[:60])
def test_each_error_is_reported_with_its_code(client, method, pairs, codes) -> None:
    reply = send(client, method, pairs)
    assert reply.errors() == codes
    assert reply.request.text == "https://yuliao.example.org/oai"
    if {"badVerb", "badArgument"} & set(codes):
        assert dict(reply.request.attrib) == {}


def test_every_problem_of_a_request_is_reported(client) -> None:
    reply = client.get([("verb", "ListRecords"), ("metadataPrefix", "olac"),
                        ("metadataPrefix", "olac"), ("set", "a"), ("set", "b"), ("x", "1")])
    assert reply.errors() == ["badArgument"] * 3


def test_an_invalid_identifier_is_never_echoed(client) -> None:
    reply = client.get(verb="GetRecord", identifier='invalid"id<&>', metadataPrefix="oai_dc")
    assert b'invalid"id' not in reply.body.split(b"<error")[0]
    assert "invalid" in reply.root.findtext(f"{OAI}error")


def test_a_bad_resumption_token_is_not_echoed_but_the_verb_is(client) -> None:
    reply = client.get(verb="ListRecords", resumptionToken="junk")
    assert dict(reply.request.attrib) == {"verb": "ListRecords"}


def test_an_unknown_format_is_echoed_as_a_valid_argument(client) -> None:
    reply = client.get(verb="ListRecords", metadataPrefix="marc21")
    assert dict(reply.request.attrib) == {"verb": "ListRecords", "metadataPrefix": "marc21"}


def test_no_sets_gives_no_set_hierarchy(tmp_path: Path) -> None:
    with Repository(Config(home=tmp_path / "empty"), in_memory=True) as empty, \
            serving(empty) as url:
        client = Client(url)
        assert client.get(verb="ListSets").errors() == ["noSetHierarchy"]
        assert client.get(verb="ListRecords", metadataPrefix="olac",
                          set="language:nan").errors() == ["noSetHierarchy"]
        assert client.get(verb="ListRecords", metadataPrefix="olac").errors() == [
            "noRecordsMatch"]
        identify = client.get(verb="Identify")
        assert identify.root.find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}"
                                  "oai-identifier") is None


def test_an_item_without_any_rendering_has_no_metadata_formats(tmp_path: Path) -> None:
    with Repository(Config(home=tmp_path), in_memory=True) as bare:
        bare.disseminations.put([Dissemination("00000009", "2026-03-01T08:00:00Z")])
        with serving(bare) as url:
            client = Client(url)
            identifier = "oai:yuliao.example.org:00000009"
            assert client.get(verb="ListMetadataFormats", identifier=identifier).errors() == [
                "noMetadataFormats"]
            assert client.get(verb="GetRecord", identifier=identifier,
                              metadataPrefix="olac").errors() == ["cannotDisseminateFormat"]


def test_a_failing_index_answers_503_with_retry_after(tmp_path: Path, monkeypatch) -> None:
    with Repository(Config(home=tmp_path), in_memory=True) as broken:
        def fail(*args, **kwargs):
            raise StoreError("the OAI index failed: disk I/O error")
        monkeypatch.setattr(broken.disseminations, "page", fail)
        client = create_app(broken.config, broken).test_client()
        response = client.get("/oai?verb=ListRecords&metadataPrefix=olac")
        assert (response.status_code, response.headers["Retry-After"]) == (503, "60")
        assert client.get("/oai?verb=Identify").status_code == 200
