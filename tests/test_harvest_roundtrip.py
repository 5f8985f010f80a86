"""Round trip with our own provider: harvesting /oai of the demo repository into a second,
empty home reproduces every public record (as the OLAC format carries it), apart from
provenance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from harvest.fetch import Fetcher
from harvest.run import Harvest
from harvest.sources import Registry, new_source
from repository import Config, Repository
from repository.crosswalks.olac import graph_to_olac, olac_to_graph
from repository.records import local_id_for_source
from tests.oai_support import Client, demo_repository, serving
from tests.schemas import assert_valid, oai_response_schema
from vocab.namespaces import DCAT, DCT, RDF_, YL


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("origin") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def copy(origin: Repository, tmp_path_factory) -> Iterator[tuple[Repository, object]]:
    home = tmp_path_factory.mktemp("copy") / "home"
    with serving(origin) as url, Repository(Config(home=home)) as repository:
        source = Registry(repository).add(new_source("origin", "oai-pmh", url))
        report = Harvest(repository, source, full=True, fetcher=Fetcher()).run()
        yield repository, report


def harvested_id(origin: Repository, local_id: str) -> str:
    """The local id the copy gives a record harvested under our OAI identifier."""
    return local_id_for_source(origin.ids.oai(local_id))


def test_every_published_record_arrives_and_nothing_else(origin, copy) -> None:
    repository, report = copy
    assert report.ok, report.error
    published = sorted(record.id for record in origin.published())
    assert sorted(repository.local_ids(public=True)) == sorted(harvested_id(origin, i)
                                                               for i in published)
    assert report.counts["quarantined"] == 0


def test_each_harvested_description_is_the_olac_reading_of_the_original(origin, copy) -> None:
    repository, _report = copy
    for record in origin.published():
        subject = repository.ids.resource(harvested_id(origin, record.id))
        olac = graph_to_olac(record.graph, origin.ids.resource(record.id))
        expected = olac_to_graph(olac, subject)
        harvested = repository.get(harvested_id(origin, record.id), public=True)
        assert isomorphic(_description(harvested.graph), _description(expected)), record.id


def test_harvested_records_carry_their_oai_provenance(origin, copy) -> None:
    repository, report = copy
    some = next(iter(origin.published()))
    harvested = repository.get(harvested_id(origin, some.id))
    assert harvested.source.identifier == origin.ids.oai(some.id)
    assert str(harvested.source.activity) == report.run


def _description(graph: Graph) -> Graph:
    """The graph without the types and identifier every import adds."""
    out = Graph()
    for s, p, o in graph:
        if p == RDF_.type and o in (DCAT.Dataset, YL.LanguageResource, YL.CorpusDataset):
            continue
        if p == DCT.identifier:
            continue
        out.add((s, p, o))
    return out


def test_nothing_was_written_to_the_origin(origin, copy) -> None:
    assert not any("/run/" in str(g) for g in origin.work.graph_names())


@pytest.fixture(scope="module")
def copy_of_copy(copy, tmp_path_factory) -> Iterator[Repository]:
    """A third home harvested from the copy's /oai."""
    home = tmp_path_factory.mktemp("copy2") / "home"
    with serving(copy[0]) as url, Repository(Config(home=home)) as repository:
        source = Registry(repository).add(new_source("copy", "oai-pmh", url))
        report = Harvest(repository, source, full=True, fetcher=Fetcher()).run()
        assert report.ok, report.error
        yield repository


def test_a_record_harvested_twice_carries_both_origins_nested(origin, copy, copy_of_copy,
                                                               ) -> None:
    repository = copy_of_copy
    some = sorted(record.id for record in origin.published())[0]
    in_copy = harvested_id(origin, some)
    local_id = local_id_for_source(copy[0].ids.oai(in_copy))
    with serving(repository) as url:
        reply = Client(url).get(verb="GetRecord", metadataPrefix="olac",
                                identifier=repository.ids.oai(local_id))
    assert_valid(oai_response_schema(), reply.root)
    prov = "{http://www.openarchives.org/OAI/2.0/provenance}"
    outer = reply.root.find(f".//{prov}provenance/{prov}originDescription")
    inner = outer.find(f"{prov}originDescription")
    assert (outer.findtext(f"{prov}identifier"), outer.findtext(f"{prov}baseURL")) == (
        copy[0].ids.oai(in_copy), copy[0].config.oai_base_url)
    assert inner.findtext(f"{prov}identifier") == origin.ids.oai(some)
    assert inner.find(f"{prov}originDescription") is None  # the origin made it: no further hop


def test_the_copy_re_exposes_harvested_records_with_oai_provenance(origin, copy) -> None:
    repository, _report = copy
    some = sorted(record.id for record in origin.published())[0]
    local_id = harvested_id(origin, some)
    with serving(repository) as url:
        reply = Client(url).get(verb="GetRecord", metadataPrefix="olac",
                               identifier=repository.ids.oai(local_id))
    prov = "{http://www.openarchives.org/OAI/2.0/provenance}"
    description = reply.root.find(f".//{prov}originDescription")
    assert description is not None
    assert description.findtext(f"{prov}identifier") == origin.ids.oai(some)
    assert description.findtext(f"{prov}baseURL").endswith("/oai")
