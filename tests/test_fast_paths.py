"""The fast paths of the write pipeline give what the reference paths give (differential tests):
cached statements, the OLAC crosswalk into a TripleIndex, rendering from a TripleIndex, and an
import that prepares a batch while the previous one is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from rdflib import Graph, URIRef

import demo
from bench.ingest import write_files
from repository import Config, Record, Repository, records
from repository.crosswalks.olac import olac_to_graph
from repository.disseminations import Dissemination
from repository.formats import read_bytes
from repository.importer import Importer
from repository.readers_xml import read_xml
from repository.records import Identifiers, statements
from repository.renderings import render
from repository.store import statement
from repository.triples import TripleIndex
from tests.conftest import DATA

BASE = "https://yuliao.example.org/"
IDS = Identifiers(BASE, "yuliao.example.org")
OLAC = "{http://www.language-archives.org/OLAC/1.1/}olac"


def bench_sources(tmp_path: Path, count: int = 40) -> list:
    """``count`` of bench/ingest.py's synthetic OLAC records, read as an import reads them."""
    (path,) = write_files(tmp_path, count, count)
    return list(read_bytes(path.read_bytes(), str(path)))


def demo_graphs() -> list[tuple[str, Graph]]:
    return [(d.local_id, d.graph) for d in demo.records(BASE)]


@pytest.mark.parametrize(("local_id", "graph"), demo_graphs(), ids=lambda v: str(v)[:20])
def test_statements_are_those_of_the_store(local_id: str, graph: Graph) -> None:
    assert statements(graph) == sorted(statement(s, p, o) for s, p, o in graph)
    assert statements(graph) == statements(graph)  # from the IRI cache the second time


def test_statements_of_bench_records_are_those_of_the_store(tmp_path: Path) -> None:
    for source in bench_sources(tmp_path):
        graph = olac_to_graph(source.metadata, IDS.resource("bench:1"))
        assert statements(graph) == sorted(statement(s, p, o) for s, p, o in graph)


def olac_elements(tmp_path: Path) -> list[etree._Element]:
    files = [read_xml((DATA / "olac" / name).read_bytes(), name)
             for name in ("small_record.xml", "legacy_10.xml")]
    return [s.metadata for records in files for s in records] + [
        s.metadata for s in bench_sources(tmp_path)]


def test_olac_into_an_index_gives_the_graph_s_triples(tmp_path: Path) -> None:
    elements = olac_elements(tmp_path)
    assert len(elements) > 40
    for element in elements:
        subject = URIRef(f"{BASE}id/x")
        index = olac_to_graph(element, subject, into=TripleIndex())
        assert isinstance(index, TripleIndex)
        assert set(index) == set(olac_to_graph(element, subject))
        assert len(index) == len(olac_to_graph(element, subject))


def test_rendering_from_an_index_equals_rendering_from_a_graph(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moment = records.now_utc()  # both renderings get the same datestamp, whenever they run
    monkeypatch.setattr(records, "now_utc", lambda: moment)
    with Repository(Config(home=tmp_path / "home"), in_memory=True) as repo:
        importer = Importer(repo)
        for source in bench_sources(tmp_path):
            indexed = importer._candidate(source).record
            assert isinstance(indexed.graph, TripleIndex)
            graph = Graph()
            for triple in indexed.graph:
                graph.add(triple)
            stored = repo.prepare_batch([indexed], publish=True).rows[0]
            reference = repo.prepare_batch([indexed.with_(graph=graph)], publish=True).rows[0]
            assert stored.metadata == reference.metadata
            assert stored.sets == reference.sets and stored.about == reference.about


@pytest.mark.parametrize(("local_id", "graph"), demo_graphs(), ids=lambda v: str(v)[:20])
def test_demo_rendering_from_an_index_equals_rendering_from_a_graph(local_id: str,
                                                                    graph: Graph) -> None:
    from datetime import UTC, datetime

    record = Record(id=local_id, graph=graph, state="published",
                    datestamp=datetime(2026, 11, 22, tzinfo=UTC))
    as_index = record.with_(graph=TripleIndex(graph))
    assert render(as_index, IDS) == render(record, IDS)


def test_a_record_in_two_batches_of_one_import_is_written_twice_in_order(tmp_path: Path) -> None:
    """The second batch is prepared only once the first batch's write of the record is done,
    so its revision and outcome see the first write."""
    (path,) = write_files(tmp_path, 3, 3)
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("<record>")
    records = ["<record>" + r for r in rest.split("<record>")]
    records[-1] = records[-1].replace("</ListRecords></OAI-PMH>\n", "")
    changed = records[0].replace("Field recording 0,", "Field recording 0 (again),")
    path.write_text(head + "".join([*records, changed]) + "</ListRecords></OAI-PMH>\n",
                    encoding="utf-8")
    config = Config(home=tmp_path / "home", validation_batch=2)
    with Repository(config, in_memory=True) as repo:
        outcomes = Importer(repo).import_paths([path]).outcomes
        assert [o.status for o in outcomes] == ["new", "new", "new", "updated"]
        assert outcomes[0].record == outcomes[3].record
        stored = repo.get(outcomes[0].record)
        assert stored.revision == 2
        assert "(again)" in " ".join(str(o) for o in stored.graph.objects())


def test_a_copied_index_holds_the_same_triples_in_order_and_is_independent() -> None:
    from rdflib import Literal

    s, p = URIRef(f"{BASE}id/x"), URIRef("http://purl.org/dc/terms/title")
    index = TripleIndex([(s, p, Literal("一", lang="zh")), (s, p, Literal("two")),
                         (URIRef(f"{BASE}id/y"), p, s)])
    twin = index.copy()
    assert list(twin) == list(index) and len(twin) == len(index)
    twin.add((s, p, Literal("three")))
    twin.remove((None, None, s))
    assert len(index) == 3 and (None, None, s) in index
    assert list(twin.objects(s, p)) == [Literal("一", lang="zh"), Literal("two"),
                                        Literal("three")]


def lxml_fragment(triples, schema_location: str | None = "a b") -> object:
    """What the lxml writer makes of ``triples`` (or the error it raises)."""
    from repository.crosswalks.rdfxml import rdfxml_element
    from repository.errors import InputError
    from vocab.namespaces import PREFIXES

    try:
        return etree.tostring(rdfxml_element(triples, PREFIXES, schema_location),
                              encoding="UTF-8")
    except InputError as error:
        return str(error)


def text_fragment(triples, schema_location: str | None = "a b") -> object:
    from repository.crosswalks.rdfxml import rdfxml_fragment
    from repository.errors import InputError
    from vocab.namespaces import PREFIXES

    try:
        return rdfxml_fragment(triples, PREFIXES, schema_location)
    except InputError as error:
        return str(error)


@pytest.mark.parametrize("block", [range(0, 0x800), range(0xD7F0, 0xE010),
                                   [0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1F600]],
                         ids=["ascii-latin", "surrogates", "specials"])
def test_the_text_writer_escapes_every_character_as_lxml_does(block) -> None:
    from rdflib import BNode, Literal

    title = URIRef("http://purl.org/dc/terms/title")
    for code in block:
        char = chr(code)
        triples = [(URIRef(f"{BASE}id/x"), title, Literal(f"a{char}b", lang="en")),
                   (URIRef(f"{BASE}id/x"), title, Literal(f"{char}")),
                   (URIRef(f"{BASE}id/x"), title, Literal("1", datatype=URIRef(f"{BASE}d"))),
                   (BNode("q"), title, URIRef(f"{BASE}x?a=1&b=2")), (BNode("q"), title, BNode())]
        assert text_fragment(triples) == lxml_fragment(triples), hex(code)
        assert text_fragment(triples, None) == lxml_fragment(triples, None), hex(code)


def test_dcat_fragments_are_those_of_the_lxml_writer(tmp_path: Path) -> None:
    from repository.crosswalks.dcat import RDF_SCHEMA_LOCATION, dcat_fragment, dcat_triples

    graphs = [(URIRef(f"{BASE}id/{local_id}"), graph) for local_id, graph in demo_graphs()]
    with Repository(Config(home=tmp_path / "home"), in_memory=True) as repo:
        importer = Importer(repo)
        for source in bench_sources(tmp_path):
            record = importer._candidate(source).record
            graphs.append((repo.ids.resource(record.id), record.graph))
    for subject, graph in graphs:
        assert dcat_fragment(graph, subject) == lxml_fragment(
            dcat_triples(graph, subject), RDF_SCHEMA_LOCATION)


def test_the_index_takes_many_rows_at_once_the_last_of_a_local_id_winning() -> None:
    from repository.disseminations import ROWS_PER_STATEMENT, Disseminations, Selection
    from repository.oai_sets import OaiSet

    index = Disseminations(None)
    rows = [Dissemination(f"{n:08d}", "2026-11-22T00:00:00Z", metadata={"olac": b"<a/>"},
                          sets=(OaiSet("language:ami", "阿美語", "Amis"), OaiSet(f"s:{n}")))
            for n in range(ROWS_PER_STATEMENT * 2 + 7)]
    again = Dissemination("00000003", "2026-11-23T00:00:00Z", deleted=True,
                          sets=(OaiSet("s:again"),))
    index.put([*rows, again])
    assert len(index) == len(rows)
    assert index.get("00000003").deleted and index.get("00000003").set_specs == ("s:again",)
    assert index.count(Selection(set_spec="s:3")) == 0
    assert index.count(Selection(set_spec="s:again")) == 1
    assert index.count(Selection(set_spec="language")) == len(rows) - 1
    assert index.set_names()["language:ami"].name_zh == "阿美語"
