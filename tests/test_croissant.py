"""The Croissant 1.1 export: loads in mlcroissant (the reference implementation) without errors."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import mlcroissant
import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef

from repository import Repository
from repository.crosswalks.croissant import (
    CROISSANT_1_1,
    croissant_bytes,
    json_path_name,
    to_croissant,
)
from repository.crosswalks.croissant_rai import RAI_1_0
from repository.crosswalks.dcat import record_subject
from repository.errors import InputError
from repository.records import Source
from tests.conftest import DATA
from vocab.namespaces import DCT, FOAF, PROV, SPDX, YL

RECORDS = sorted((DATA / "records").glob("*.ttl"))

# rdflib 7.6's JSON-LD parser, which mlcroissant calls, warns about its own ConjunctiveGraph.
RDFLIB_JSONLD_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning:rdflib.plugins.parsers.jsonld"
)


def _record(path: Path) -> tuple[Graph, URIRef]:
    graph = Graph().parse(path, format="turtle")
    return graph, record_subject(graph)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every outgoing connection, so a fetch by mlcroissant fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _load(document: dict) -> mlcroissant.Dataset:
    """mlcroissant raises ValidationError on any error; warnings stay in ctx.issues."""
    return mlcroissant.Dataset(jsonld=copy.deepcopy(document))


@RDFLIB_JSONLD_DEPRECATION
@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_export_loads_in_mlcroissant_without_errors_or_warnings(path: Path,
                                                                no_network: None) -> None:
    graph, subject = _record(path)
    dataset = _load(to_croissant(graph, subject))
    issues = dataset.metadata.ctx.issues
    assert (issues.errors, issues.warnings) == (set(), set())
    assert dataset.metadata.url == str(subject)


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_export_has_the_required_croissant_properties(path: Path) -> None:
    graph, subject = _record(path)
    document = to_croissant(graph, subject)
    assert document["@type"] == "sc:Dataset"
    assert document["conformsTo"] == [CROISSANT_1_1, RAI_1_0]  # it has rai:dataCollection
    for key in ("name", "description", "license", "url", "creator", "datePublished"):
        assert document.get(key), key
    assert json.loads(croissant_bytes(graph, subject)) == document


@RDFLIB_JSONLD_DEPRECATION
def test_file_with_checksum_becomes_a_file_object(no_network: None) -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    (file_object,) = _load(to_croissant(graph, subject)).metadata.distribution
    assert file_object.sha256 == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert file_object.content_url == (
        "https://taic.example.gov.tw/files/00001174/medical-standards.pdf")
    assert file_object.encoding_formats == ["application/pdf"]
    assert file_object.content_size == "711568384 B"


@RDFLIB_JSONLD_DEPRECATION
def test_file_without_checksum_is_left_out_not_given_a_fake_hash(no_network: None) -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    graph.remove((None, SPDX.checksum, None))
    document = to_croissant(graph, subject)
    assert "distribution" not in document
    assert "sha256" not in json.dumps(document)
    assert _load(document).metadata.ctx.issues.errors == set()


def test_saitdl_usage_info_allows_only_ai_training_until_the_validity_date() -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    usage = to_croissant(graph, subject)["usageInfo"]
    assert "odrl:Offer" in usage["@type"]
    assert usage["odrl:permission"]["odrl:action"] == {"@id": str(YL.aiTraining)}
    assert usage["odrl:permission"]["odrl:constraint"]["odrl:rightOperand"]["@value"] == (
        "2030-12-31")
    assert usage["odrl:prohibition"]["odrl:action"] == {
        "@id": str(YL.generateSubstantiallySimilar)}


def test_usage_info_is_real_odrl_in_rdf() -> None:
    graph, subject = _record(DATA / "records" / "00002001.ttl")
    document = to_croissant(graph, subject)
    parsed = Graph()
    # an independent JSON-LD processor: Oxigraph
    quads = pyoxigraph.parse(json.dumps(document).encode(), format=pyoxigraph.RdfFormat.JSON_LD)
    nt = pyoxigraph.serialize([q.triple for q in quads], format=pyoxigraph.RdfFormat.N_TRIPLES)
    parsed.parse(data=nt, format="nt")
    actions = {str(o) for o in parsed.objects(None, URIRef("http://www.w3.org/ns/odrl/2/action"))}
    assert "http://www.w3.org/ns/odrl/2/derive" in actions
    title = Literal("客語能力認證初級詞彙", lang="zh-Hant-TW")
    assert (None, URIRef("https://schema.org/name"), title) in parsed


def test_languages_are_bcp47_and_olac_rights_stand_in_for_a_licence() -> None:
    graph, subject = _record(DATA / "records" / "paradisec.org.au_AC1-013.ttl")
    document = to_croissant(graph, subject)
    assert document["inLanguage"] == ["alu", "svs"]
    assert document["license"][0]["name"]["en"].startswith("Open (subject to")
    assert document["citeAs"].startswith("Arthur Capell")
    assert document["creator"][0]["name"] == {"en": "Arthur Capell"}
    assert document["datePublished"] == "1960-01-01"


def test_resource_without_title_is_refused() -> None:
    graph, subject = _record(DATA / "records" / "00002001.ttl")
    graph.remove((subject, DCT.title, None))
    with pytest.raises(InputError, match="title"):
        to_croissant(graph, subject)


# -- end to end: files uploaded, published, served on 127.0.0.1, loaded by mlcroissant --------


ROWS = "地名,語言,筆數\n臺北,臺灣台語,12\n苗栗,客語,7\n花蓮,阿美語,3\n"
OBJECTS = {"total": 3, "places": [
    {"地名": "臺北", "筆數": 12, "比例": 0.5, "開放": True, "it's": "a", "coords": [121, 25]},
    {"地名": "苗栗", "筆數": 7, "比例": 1.25, "開放": False, "it's": "b", "coords": [120, 24]},
    {"地名": "花蓮", "筆數": 3, "比例": 2, "開放": True, "it's": "c", "coords": [121, 23]},
]}


@dataclass
class Served:
    """A published dataset with one uploaded file, its Croissant served on 127.0.0.1."""

    croissant_url: str
    repository: Repository

    def document(self) -> dict:
        import urllib.request

        with urllib.request.urlopen(self.croissant_url, timeout=10) as response:
            return json.load(response)

    def published_on(self) -> str:
        issued = self.repository.get("00000001", public=True).issued
        assert issued is not None
        return issued.date().isoformat()


@contextmanager
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
           data: bytes) -> Iterator[Served]:
    """A published dataset with the file ``name``, in a home whose base URI is the address of
    a real server on 127.0.0.1 answering it (so its download URLs are live)."""
    from mlcroissant._src.core import constants

    from app import create_app
    from repository import Config
    from repository.files import file_store
    from repository.files.distributions import add_file
    from repository.files.intake import take_in
    from tests.oai_support import dataset, serving_app

    monkeypatch.setattr(constants, "DOWNLOAD_PATH", constants.epath.Path(tmp_path / "cache"))
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = Config(home=tmp_path / "home", base_uri=f"http://127.0.0.1:{port}/")
    with Repository(config) as repository:
        record = dataset(repository, "00000001", "地名與語言")
        added = take_in(file_store(config), [data], name)
        add_file(record.graph, repository.ids.resource("00000001"), repository.ids.base,
                 "00000001", added)
        repository.put(record)
        repository.publish("00000001")
        with serving_app(create_app(repository=repository), port=port):
            yield Served(f"http://127.0.0.1:{port}/record/00000001/croissant.json", repository)


def _records(document: dict, names: list[str]) -> list[list]:
    """The records mlcroissant reads of the document's one record set: the values of the
    fields ``names``, text decoded."""
    [record_set] = document["recordSet"]
    rows = _load(document).records(record_set["@id"])
    return [[_decoded(row[f"{record_set['@id']}/{quote(name, safe='')}"]) for name in names]
            for row in rows]


def _decoded(value: object) -> object:
    return value.decode() if isinstance(value, bytes) else value


@RDFLIB_JSONLD_DEPRECATION
def test_mlcroissant_loads_the_rows_of_a_csv_file_from_our_download_url(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with served(tmp_path, monkeypatch, "places.csv", ROWS.encode()) as dataset:
        document = dataset.document()
        [record_set] = document["recordSet"]
        assert [(f["name"], f["dataType"]) for f in record_set["field"]] == [
            ("地名", "sc:Text"), ("語言", "sc:Text"), ("筆數", "sc:Integer")]
        issues = _load(document).metadata.ctx.issues
        assert (issues.errors, issues.warnings) == (set(), set())
        assert _records(document, ["地名", "語言", "筆數"]) == [
            ["臺北", "臺灣台語", 12], ["苗栗", "客語", 7], ["花蓮", "阿美語", 3]]


@RDFLIB_JSONLD_DEPRECATION
def test_mlcroissant_loads_the_objects_of_a_json_file_from_our_download_url(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.dumps(OBJECTS, ensure_ascii=False).encode()
    with served(tmp_path, monkeypatch, "places.json", data) as dataset:
        document = dataset.document()
        [record_set] = document["recordSet"]
        fields = {f["name"]: f for f in record_set["field"]}
        assert {name: f["dataType"] for name, f in fields.items()} == {
            "地名": "sc:Text", "筆數": "sc:Integer", "比例": "sc:Float", "開放": "sc:Boolean",
            "it's": "sc:Text"}  # coords holds arrays: no field
        assert fields["地名"]["source"]["extract"] == {"jsonPath": "$.places[*].'地名'"}
        assert fields["it's"]["source"]["extract"] == {"jsonPath": "$.places[*].'it\\'s'"}
        issues = _load(document).metadata.ctx.issues
        assert (issues.errors, issues.warnings) == (set(), set())
        assert _records(document, ["地名", "筆數", "比例", "開放", "it's"]) == [
            ["臺北", 12, 0.5, True, "a"], ["苗栗", 7, 1.25, False, "b"],
            ["花蓮", 3, 2.0, True, "c"]]


@RDFLIB_JSONLD_DEPRECATION
def test_a_deposited_record_says_who_deposited_it_and_when_it_was_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with served(tmp_path, monkeypatch, "places.csv", ROWS.encode()) as dataset:
        document = dataset.document()
        assert document["rai:dataCollection"] == (
            "Deposited in this repository by Ministry of Digital Affairs; first published in "
            f"this repository on {dataset.published_on()}.")
        assert not [key for key in document if key.startswith("prov:")]  # nothing harvested
        assert _load(document).metadata.data_collection == document["rai:dataCollection"]


def test_a_big5_csv_file_has_no_record_set_mlcroissant_could_not_decode(tmp_path: Path) -> None:
    from repository.files import DiskStore
    from repository.files.distributions import add_file
    from repository.files.intake import take_in

    graph, subject = _record(DATA / "records" / "00002001.ttl")
    for name, encoding in (("big5.csv", "big5"), ("utf8.csv", "utf-8")):
        added = take_in(DiskStore(tmp_path), [ROWS.encode(encoding)], name)
        add_file(graph, subject, "https://yuliao.example.org/", "00002001", added)
    document = to_croissant(graph, subject)
    assert {f["name"] for f in document["distribution"]} >= {"big5.csv", "utf8.csv"}
    assert [r["name"] for r in document["recordSet"]] == ["rows of utf8.csv"]


def test_fields_mlcroissant_could_not_tell_apart_are_left_out(tmp_path: Path) -> None:
    from repository.files import DiskStore
    from repository.files.distributions import add_file
    from repository.files.intake import take_in

    graph, subject = _record(DATA / "records" / "00002001.ttl")
    for name, data in (("a.csv", "a,,a,*\n1,2,3,4\n"), ("b.json", '[{"*": 1, "b": 2}]'),
                       ("c.json", '{"*": [{"c": 1}]}')):
        added = take_in(DiskStore(tmp_path), [data.encode()], name)
        add_file(graph, subject, "https://yuliao.example.org/", "00002001", added)
    fields = {r["name"]: [f["name"] for f in r["field"]]
              for r in to_croissant(graph, subject)["recordSet"]}
    # pandas names the second "a" "a.1" and the empty one "Unnamed: 1"; '*' is every member
    assert fields == {"rows of a.csv": ["a", "*"], "records of b.json": ["b"]}


@pytest.mark.parametrize("name", ["name", "地名", "it's", "back\\slash", "a b.c", "where",
                                  "-x"])
def test_a_json_member_name_is_read_back_as_itself(name: str) -> None:
    import jsonpath_rw

    path = jsonpath_rw.parse(f"$.records[*].{json_path_name(name)}")
    assert [m.value for m in path.find({"records": [{name: 1}, {name: 2}]})] == [1, 2]


# -- Responsible AI and provenance -----------------------------------------------------------------


def test_the_records_own_account_of_its_collection_is_its_data_collection() -> None:
    graph, subject = _record(DATA / "records" / "paradisec.org.au_AC1-013.ttl")
    document = to_croissant(graph, subject)
    assert document["rai:dataCollection"] == (
        "Digitised from the original field tape, AIATSIS archive number A16568.")
    assert document["prov:wasDerivedFrom"] == {"@id": "oai:paradisec.org.au:AC1-013"}
    assert document["prov:wasGeneratedBy"] == {
        "@id": "https://yuliao.example.org/activity/6f1c2a9e-2f4b-4c1e-9a55-0d7b7c1f3e10",
        "@type": "prov:Activity"}
    graph.set((subject, DCT.provenance, Literal("由原始田野錄音帶數位化", lang="zh-Hant-TW")))
    assert to_croissant(graph, subject)["rai:dataCollection"] == {
        "@value": "由原始田野錄音帶數位化", "@language": "zh-Hant-TW"}


def test_what_the_record_does_not_say_is_left_out() -> None:
    for path in RECORDS:
        document = to_croissant(*_record(path))
        for unknown in ("rai:dataCollectionType", "rai:personalSensitiveInformation",
                        "rai:dataBiases", "rai:dataUseCases"):
            assert unknown not in document, (path.stem, unknown)
    assert "rai:dataReleaseMaintenancePlan" not in to_croissant(
        *_record(DATA / "records" / "00001174.ttl"))
    # a description without its catalogue record: nothing to say of where it came from
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    graph.remove((graph.value(predicate=FOAF.primaryTopic, object=subject), None, None))
    document = to_croissant(graph, subject)
    assert not [key for key in document if key.startswith(("rai:", "prov:"))]
    assert document["conformsTo"] == CROISSANT_1_1


def test_the_update_frequency_the_publisher_states_is_the_maintenance_plan() -> None:
    document = to_croissant(*_record(DATA / "records" / "00002001.ttl"))
    assert document["rai:dataReleaseMaintenancePlan"] == {"@value": "不定期",
                                                           "@language": "zh-Hant-TW"}


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[Repository]:
    from repository import Config

    with Repository(Config(home=tmp_path / "home")) as opened:
        yield opened


PRIOR = ('<originDescription xmlns="http://www.openarchives.org/OAI/2.0/provenance" '
         'harvestDate="2018-04-01T00:00:00Z" altered="false">'
         "<baseURL>https://first.example.org/oai</baseURL>"
         "<identifier>oai:first.example.org:7</identifier><datestamp>2018-03-30</datestamp>"
         "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>"
         "</originDescription>")


def _exported(repository: Repository, local_id: str, source: Source) -> dict:
    """The Croissant export of a dataset stored and published with ``source``."""
    from repository.export import export_record
    from tests.oai_support import dataset

    repository.put(dataset(repository, local_id).with_(source=source))
    repository.publish(local_id)
    return json.loads(export_record(repository, repository.get(local_id, public=True),
                                    "croissant"))


def _published_on(repository: Repository, local_id: str) -> str:
    issued = repository.get(local_id, public=True).issued
    assert issued is not None
    return issued.date().isoformat()


@RDFLIB_JSONLD_DEPRECATION
def test_a_harvested_record_says_where_when_and_by_which_run_it_was_harvested(
        repository: Repository, no_network: None) -> None:
    run = URIRef(f"{repository.ids.base}run/agg/2018-04-05T01:40:30Z")
    source = Source("oai:agg.example.org:7", datestamp="2018-04-02", format="oai_dc",
                    activity=run, base_url="https://agg.example.org/oai",
                    metadata_namespace="http://www.openarchives.org/OAI/2.0/oai_dc/",
                    harvest_date="2018-04-05T01:40:30Z", prior_origin=PRIOR)
    document = _exported(repository, "agg.example.org:7", source)
    assert document["rai:dataCollection"] == (
        "Harvested from https://agg.example.org/oai as its record oai:agg.example.org:7 on "
        "2018-04-05 (which had it from https://first.example.org/oai as its record "
        "oai:first.example.org:7); first published in this repository on "
        f"{_published_on(repository, 'agg.example.org:7')}.")
    assert document["prov:wasDerivedFrom"] == {"@id": "oai:agg.example.org:7"}
    assert document["prov:wasGeneratedBy"] == {"@id": str(run), "@type": "prov:Activity"}
    issues = _load(document).metadata.ctx.issues
    assert (issues.errors, issues.warnings) == (set(), set())
    # real PROV-O in RDF, read by an independent JSON-LD processor
    quads = pyoxigraph.parse(json.dumps(document).encode(), format=pyoxigraph.RdfFormat.JSON_LD)
    triples = {(str(q.predicate.value), str(q.object.value)) for q in quads}
    assert (str(PROV.wasGeneratedBy), str(run)) in triples
    assert (str(PROV.wasDerivedFrom), "oai:agg.example.org:7") in triples


def test_an_imported_record_names_its_source_record_but_no_harvest(
        repository: Repository) -> None:
    source = Source("oai:paradisec.org.au:AC1-013", datestamp="2016-03-16T15:32:10Z",
                    format="olac")
    document = _exported(repository, "paradisec.org.au:AC1-013", source)
    assert document["rai:dataCollection"] == (
        "Imported from another catalogue as its record oai:paradisec.org.au:AC1-013; first "
        f"published in this repository on {_published_on(repository, 'paradisec.org.au:AC1-013')}.")
    assert document["prov:wasDerivedFrom"] == {"@id": "oai:paradisec.org.au:AC1-013"}
    assert "prov:wasGeneratedBy" not in document
