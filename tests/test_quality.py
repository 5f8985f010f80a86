"""OLAC metadata quality score, checked against the OLAC advisor's own results (notes §3.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef

import vocab
from repository import Record, Repository
from repository.config import Config
from repository.crosswalks.dcat import to_dcat
from repository.crosswalks.olac import graph_to_olac
from repository.quality import olac_quality
from repository.readers_xml import read_xml
from repository.search.query import Search, search
from repository.xmlsafe import parse_xml
from tests.conftest import DATA, shared_path
from vocab.namespaces import DCT, DQV, XSD, YL


@pytest.mark.shared
def test_olac_sample_record_scores_8_17() -> None:
    path = shared_path("standards", "olac", "1.1", "olac.xml")
    assert olac_quality(parse_xml(path.read_bytes(), path.name)) == 8.17


@pytest.mark.shared
def test_olac_static_repository_records_score_8_33_and_5_17() -> None:
    path = shared_path("standards", "olac", "1.1", "static-repository.xml")
    scores = [olac_quality(record.metadata) for record in read_xml(path.read_bytes(), path.name)]
    assert scores == [8.33, 5.17]


def test_uncoded_subject_language_costs_the_only_missing_point() -> None:
    olac = parse_xml((DATA / "olac" / "small_record.xml").read_bytes(), "small_record.xml")
    assert olac_quality(olac) == 9.0  # "Pangcah (northern)" has no olac:code (OLAC warning MLC)


@pytest.mark.parametrize(
    ("elements", "score"),
    [
        ("", 1.0),  # only the temporary subject-language point (no linguistic type)
        ('<dc:title>T</dc:title>', 2.0),
        ('<dc:subject xsi:type="olac:language"/>', 0.0),  # uncoded subject language: no point
        ('<dc:type xsi:type="olac:linguistic-type" olac:code="lexicon"/>', 1.0),
        ('<dc:type xsi:type="olac:linguistic-type" olac:code="primary_text"/>', 2.0),
        ('<dc:coverage xsi:type="dcterms:ISO3166">TW</dc:coverage>', 2.33),
    ],
    ids=["empty", "title", "uncoded-subject-language", "lexicon", "primary-text", "coverage"],
)
def test_score_components(elements: str, score: float) -> None:
    olac = parse_xml(
        (
            '<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{elements}</olac:olac>'
        ).encode(),
        "inline.xml",
    )
    assert olac_quality(olac) == score


# -- the score stored with each published revision (a DQV measurement, BRIEF §3) ---------------


def described(repo: Repository, local_id: str, *, coded_language: bool = False) -> Record:
    """A small dataset; ``coded_language`` adds a coded content language (one more point)."""
    subject = repo.ids.resource(local_id)
    graph = Graph()
    graph.add((subject, DCT.title, Literal("臺灣客語語料", lang="zh-Hant-TW")))
    graph.add((subject, DCT.description, Literal("客語廣播的逐字稿。", lang="zh-Hant-TW")))
    if coded_language:
        graph.add((subject, DCT.language, LEXVO_HAK))
    return Record(id=local_id, graph=graph)


LEXVO_HAK = URIRef("http://lexvo.org/id/iso639-3/hak")


def measurements(repo: Repository, local_id: str, *, public: bool = True) -> list[dict]:
    """The quality measurements on the catalogue record of ``local_id``, read by SPARQL."""
    area = repo.public if public else repo.work
    query = f"""
        PREFIX dqv: <{DQV.base}> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?m ?metric ?value ?on ?at WHERE {{ GRAPH <{repo.ids.graph(local_id)}> {{
            <{repo.ids.catalogue_record(local_id)}> dqv:hasQualityMeasurement ?m .
            ?m a dqv:QualityMeasurement ; dqv:isMeasurementOf ?metric ; dqv:value ?value ;
               dqv:computedOn ?on ; prov:generatedAtTime ?at }} }}"""
    return list(area.solutions(query))


def score_of(repo: Repository, record: Record) -> float:
    return olac_quality(graph_to_olac(record.graph, repo.ids.resource(record.id)))


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    with Repository(Config(home=tmp_path / "home")) as repository:
        yield repository


def test_a_published_revision_carries_its_score_as_a_dqv_measurement(repo: Repository) -> None:
    repo.put(described(repo, "00000001"))
    published = repo.publish("00000001")
    [found] = measurements(repo, "00000001")
    assert found["metric"] == YL.qualityScore
    assert found["on"] == repo.ids.catalogue_record("00000001")
    assert found["value"].datatype == XSD.decimal
    assert float(found["value"]) == score_of(repo, published) == published.quality
    assert found["at"].toPython() == published.datestamp
    assert repo.get("00000001", public=True).quality == published.quality


def test_an_imported_record_is_measured_as_the_index_scores_it(repo: Repository) -> None:
    repo.save_batch([described(repo, "00000002", coded_language=True)], publish=True)
    [found] = measurements(repo, "00000002")
    stored = repo.get("00000002", public=True)
    assert float(found["value"]) == score_of(repo, stored)
    assert repo.disseminations.get("00000002") is not None
    assert search(repo.text_index, Search.checked(min_quality=float(found["value"]))).total == 1


def test_a_draft_is_unmeasured_and_each_publication_measures_anew(repo: Repository) -> None:
    repo.put(described(repo, "00000003"))
    assert measurements(repo, "00000003", public=False) == []
    repo.publish("00000003")
    first = float(measurements(repo, "00000003")[0]["value"])
    repo.put(described(repo, "00000003", coded_language=True).with_(state="in-revision"))
    assert float(measurements(repo, "00000003")[0]["value"]) == first  # the public one stays
    assert measurements(repo, "00000003", public=False) == []
    repo.publish("00000003")
    [again] = measurements(repo, "00000003")
    assert float(again["value"]) > first
    assert float(again["value"]) == score_of(repo, repo.get("00000003", public=True))


def test_the_measurement_stays_out_of_the_description_and_the_dcat_export(
        repo: Repository) -> None:
    repo.put(described(repo, "00000004"))
    repo.publish("00000004")
    record = repo.get("00000004", public=True)
    assert not any(DQV.base in str(term) for triple in record.graph for term in triple)
    stored = repo.public.graph(repo.ids.graph("00000004"))
    exported = to_dcat(stored, repo.ids.resource("00000004"))
    assert not any(DQV.base in str(term) for triple in exported for term in triple)
    assert (None, DQV.hasQualityMeasurement, None) in stored


def test_the_metric_is_declared_in_the_ontology() -> None:
    ontology = Graph().parse(Path(vocab.__file__).parent / "ontology.ttl")
    assert (YL.qualityScore, RDF.type, DQV.Metric) in ontology
    assert ontology.value(YL.qualityScore, DQV.expectedDataType) == XSD.decimal
