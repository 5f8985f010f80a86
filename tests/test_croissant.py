"""The Croissant 1.1 export: loads in mlcroissant (the reference implementation) without errors."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from urllib.parse import quote

import mlcroissant
import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef

from repository.crosswalks.croissant import CROISSANT_1_1, croissant_bytes, to_croissant
from repository.crosswalks.dcat import record_subject
from repository.errors import InputError
from tests.conftest import DATA
from vocab.namespaces import DCT, SPDX, YL

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
def test_export_loads_in_mlcroissant_without_errors(path: Path, no_network: None) -> None:
    graph, subject = _record(path)
    dataset = _load(to_croissant(graph, subject))
    issues = dataset.metadata.ctx.issues
    assert issues.errors == set()
    # what is left is advice (citeAs, version), never a missing required property
    assert not [w for w in issues.warnings if "required" in w.lower()], issues.warnings
    assert dataset.metadata.url == str(subject)


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_export_has_the_required_croissant_properties(path: Path) -> None:
    graph, subject = _record(path)
    document = to_croissant(graph, subject)
    assert document["@type"] == "sc:Dataset"
    assert document["conformsTo"] == CROISSANT_1_1
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


@pytest.fixture
def served_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A published dataset with a UTF-8 CSV file, in a home whose base URI is the address of
    a real server on 127.0.0.1 answering it (so its download URLs are live)."""
    from mlcroissant._src.core import constants

    from app import create_app
    from repository import Config, Repository
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
        added = take_in(file_store(config), [ROWS.encode()], "places.csv")
        add_file(record.graph, repository.ids.resource("00000001"), repository.ids.base,
                 "00000001", added)
        repository.put(record)
        repository.publish("00000001")
        with serving_app(create_app(repository=repository), port=port):
            yield f"http://127.0.0.1:{port}/record/00000001/croissant.json"


@RDFLIB_JSONLD_DEPRECATION
def test_mlcroissant_loads_the_rows_of_a_csv_file_from_our_download_url(served_dataset
                                                                       ) -> None:
    import urllib.request

    with urllib.request.urlopen(served_dataset, timeout=10) as response:
        document = json.load(response)
    [record_set] = document["recordSet"]
    assert [f["name"] for f in record_set["field"]] == ["地名", "語言", "筆數"]
    dataset = _load(document)
    assert dataset.metadata.ctx.issues.errors == set()
    assert dataset.metadata.ctx.issues.warnings == set()  # citeAs, version, date: all given
    rows = list(dataset.records(record_set["@id"]))
    values = [[row[f"{record_set['@id']}/{quote(name, safe='')}"].decode()
               for name in ("地名", "語言", "筆數")] for row in rows]
    assert values == [line.split(",") for line in ROWS.splitlines()[1:]]
