"""The compiled SHACL engine (shapes/engine/) against its reference, pyshacl.

Differential tests: on every record we have (the shape examples, the demo records, the OLAC test
data crosswalked, synthetic bench records) and on systematic mutations of valid records, both
engines give exactly the same Violation lists. Then each SHACL Core feature on tiny shapes (one
conforming and one violating graph each, also compared with pyshacl), the compile-time refusals,
and the divergences from pyshacl that shapes/engine/ documents, each pinned.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

import demo
import shapes
from bench.ingest import write_files
from repository.crosswalks.olac import olac_to_graph
from repository.errors import RepositoryError
from repository.formats import to_graph
from repository.readers_xml import read_xml
from repository.validation import Validator, Violation, compact
from shapes.engine import ShapeEngine, ShapeError
from shapes.engine.constraints_logical import _NodeShape, _PropertyShape
from shapes.engine.sparql import _Sparql
from shapes.engine.terms import _store_indexes
from tests.conftest import DATA
from tests.test_olac_crosswalk import OLAC_RECORDS, fixture_olac
from vocab.namespaces import DCAT, DCT, PROV, VCARD, YL, concept

BASE = "https://yuliao.example.org/"
SH = Namespace("http://www.w3.org/ns/shacl#")
EX = Namespace("https://example.org/")
Items = list[tuple[str, Graph]]


@pytest.fixture(scope="module")
def core() -> Validator:
    return Validator(engine="core")


@pytest.fixture(scope="module")
def reference() -> Validator:
    return Validator(engine="pyshacl")


def assert_same(core: Validator, reference: Validator, items: Items) -> dict[str, list[Violation]]:
    """Validate ``items`` as one batch with both engines; assert equal results per record."""
    found, expected = core.validate_batch(items), reference.validate_batch(items)
    differing = [name for name in expected if found[name] != expected[name]]
    assert not differing, (
        f"{len(differing)} of {len(items)} records differ; first {differing[0]}:\n"
        f"core    {found[differing[0]]}\npyshacl {expected[differing[0]]}"
    )
    return expected


def example(name: str) -> Graph:
    return Graph().parse(DATA / "shapes" / f"{name}.ttl", format="turtle")


# --- every record we have -------------------------------------------------------------------

def test_every_shape_example_gives_the_same_violations(core, reference) -> None:
    items = [(p.stem, example(p.stem)) for p in sorted((DATA / "shapes").glob("*.ttl"))]
    found = assert_same(core, reference, items)
    assert sum(1 for violations in found.values() if violations) == 23


def test_every_demo_record_gives_the_same_violations(core, reference) -> None:
    items = [(record.local_id, record.graph) for record in demo.records(BASE)]
    assert len(items) >= 30
    assert_same(core, reference, items)


def test_the_olac_test_data_gives_the_same_violations(core, reference) -> None:
    items: Items = []
    for name in ("small_record.xml", "legacy_10.xml", "oai_dc_record.xml"):
        path = DATA / "olac" / name
        for index, source in enumerate(read_xml(path.read_bytes(), name)):
            subject = URIRef(f"{BASE}id/t:{path.stem}-{index}")  # one subject per record
            items.append((f"{name}#{index}", to_graph(source, subject)))
    for name in ("small_record.ttl", "corpus_dataset.ttl"):
        items.append((name, Graph().parse(DATA / "olac" / name, format="turtle")))
    assert len(items) == 5
    assert_same(core, reference, items)


@pytest.mark.shared
def test_the_shared_olac_fixtures_give_the_same_violations(core, reference) -> None:
    items = [
        (f"{name}#{index}", olac_to_graph(fixture_olac(name, index), URIRef(f"{BASE}id/f:{n}")))
        for n, (name, index) in enumerate(OLAC_RECORDS)
    ]
    assert_same(core, reference, items)


@cache
def bench_records(count: int) -> tuple[tuple[str, Graph], ...]:
    """``count`` synthetic OLAC records of bench/ingest.py, crosswalked as imports do."""
    with tempfile.TemporaryDirectory() as folder:
        [path] = write_files(Path(folder), count, count)
        sources = list(read_xml(path.read_bytes(), path.name))
    return tuple((f"bench:{n}", to_graph(source, URIRef(f"{BASE}id/bench:{n}")))
                 for n, source in enumerate(sources))


def test_synthetic_bench_records_give_the_same_violations(core, reference) -> None:
    found = assert_same(core, reference, list(bench_records(40)))
    assert not any(found.values())  # the benchmark imports valid records


# --- systematic mutations of valid records --------------------------------------------------

def renamed(graph: Graph, tag: str) -> Graph:
    """A copy of ``graph`` with its IRIs under BASE and its blank nodes made its own by
    ``tag``, so that mutants of one record can share a batch without pyshacl merging them."""
    def rename(node):
        if isinstance(node, URIRef) and str(node).startswith(BASE):
            return URIRef(f"{BASE}{tag}/{str(node)[len(BASE):]}")
        return BNode(f"{node}{tag}") if isinstance(node, BNode) else node

    copy = Graph()
    for s, p, o in graph:
        copy.add((rename(s), p, rename(o)))
    return copy


def described(graph: Graph, root: URIRef) -> list:
    """The subjects reachable from ``root`` (what the shapes can see; not the catalogue record)."""
    seen, todo = [root], [root]
    while todo:
        for o in graph.objects(todo.pop(), None):
            if o not in seen and (o, None, None) in graph:
                seen.append(o)
                todo.append(o)
    return seen


def root_of(graph: Graph) -> URIRef:
    [root] = {s for cls in (YL.CorpusDataset, YL.LanguageResource)
              for s in graph.subjects(RDF.type, cls)}
    return root


def another(node) -> object:
    """A second value like ``node`` but different (and often wrong)."""
    if isinstance(node, URIRef):
        return URIRef(f"{node}-2")
    if isinstance(node, Literal):
        return Literal(f"{node}2", lang=node.language, datatype=node.datatype)
    return BNode()


REPLACEMENTS: list[Callable[[object], object]] = [
    lambda o: Literal("x"),  # a plain literal
    lambda o: URIRef("https://example.org/elsewhere"),  # an IRI
    lambda o: BNode(),  # a blank node
    lambda o: Literal("not it", datatype=getattr(o, "datatype", None) or XSD.integer),  # ill-typed
]


def mutants(source: str, graph: Graph, replacements: int) -> Iterator[tuple[str, Graph]]:
    """Every property of every described node dropped, given a second value, and its values
    replaced by ``replacements`` wrong kinds of value (rotating over REPLACEMENTS)."""
    triples = [t for s in described(graph, root_of(graph)) for t in graph.triples((s, None, None))]
    pairs = list(dict.fromkeys((s, p) for s, p, _ in triples))
    for s, p in pairs:
        yield f"{source}: drop {compact(p)} of {s}", without(graph, (s, p, None))
    for s, p, o in triples:
        yield f"{source}: second {compact(p)} {o!r} of {s}", with_(graph, (s, p, another(o)))
    for number, (s, p, o) in enumerate(triples):
        for turn in range(replacements):
            new = REPLACEMENTS[(number + 2 * turn) % len(REPLACEMENTS)](o)
            yield (f"{source}: {compact(p)} {o!r} of {s} → {new!r}",
                   with_(without(graph, (s, p, o)), (s, p, new)))


def without(graph: Graph, pattern: tuple) -> Graph:
    """A copy of ``graph`` less the triples matching ``pattern``."""
    copy = Graph()
    copy += graph
    copy.remove(pattern)
    return copy


def with_(graph: Graph, triple: tuple) -> Graph:
    """A copy of ``graph`` plus ``triple``."""
    copy = Graph()
    copy += graph
    copy.add(triple)
    return copy


@cache
def without_sparql() -> Graph:
    """Our shapes less the one sh:sparql constraint: pyshacl re-parses its query for every
    focus node (~43 of its 49 ms per dataset), which would make the dataset sweep slow. The
    SPARQL constraint has its own differential tests (examples, demo records, the targeted
    description mutations, the tiny SPARQL shapes)."""
    graph = Graph()
    for triple in shapes.load():
        if triple[1] != SH.sparql:
            graph.add(triple)
    return graph


@pytest.mark.parametrize(("source", "replacements", "least_failing"), [
    ("dataset_valid_until_date", 1, 60), ("language_resource_valid", 0, 5), ("bench", 2, 5),
])
def test_mutations_of_a_valid_record_give_the_same_violations(
    source: str, replacements: int, least_failing: int,
) -> None:
    graph = dict(bench_records(1))["bench:0"] if source == "bench" else example(source)
    items = [(name, renamed(mutant, f"m{n}"))
             for n, (name, mutant) in enumerate(mutants(source, graph, replacements))]
    sweep = without_sparql() if source.startswith("dataset") else shapes.load()
    found = assert_same(Validator(engine="core", shapes_graph=sweep),
                        Validator(engine="pyshacl", shapes_graph=sweep), items)
    failing = {name for name, violations in found.items() if violations}
    assert len(failing) >= least_failing  # the mutations do break the records
    assert any("drop dct:title" in name for name in failing)


def dataset_mutation(change: Callable[[Graph, dict], None]) -> Graph:
    """dataset_valid_until_date changed by ``change(graph, nodes)``."""
    graph = example("dataset_valid_until_date")
    dataset = URIRef(f"{BASE}id/00009127")
    nodes = {
        "dataset": dataset, "period": graph.value(dataset, DCT.temporal),
        "contact": graph.value(dataset, DCAT.contactPoint),
        "dist": URIRef(f"{BASE}id/00009127#dist-1"),
    }
    change(graph, nodes)
    return graph


def setting(node: str, predicate: URIRef, *values) -> Callable[[Graph, dict], None]:
    """A change that makes ``values`` the only values of ``predicate`` on ``node``."""
    def change(graph: Graph, nodes: dict) -> None:
        graph.remove((nodes[node], predicate, None))
        for value in values:
            graph.add((nodes[node], predicate, value))
    return change


LIC, TT = Namespace(str(concept("licence", ""))), Namespace(str(concept("text-type", "")))
IANA = Namespace("http://www.iana.org/assignments/media-types/")
LEXVO = Namespace("http://lexvo.org/id/iso639-3/")
START, FILE, CONTACT = ("dct:temporal/dcat:startDate", "dcat:distribution/dcat:byteSize",
                        "dcat:contactPoint/vcard:")
TITLE = "政府資料開放教育訓練教材"


def year(text: str) -> Literal:
    return Literal(text, datatype=XSD.gYear)


def size(text: str) -> Literal:
    return Literal(text, datatype=XSD.nonNegativeInteger)


def zh(text: str) -> Literal:
    return Literal(text, lang="zh-Hant")


# name → (change, the path of a violation it must cause, None for a change that stays valid)
DATASET_MUTATIONS: dict[str, tuple[Callable[[Graph, dict], None], str | None]] = {
    "start year after end year": (setting("period", DCAT.startDate, year("2026")), START),
    "start year two digits": (setting("period", DCAT.startDate, year("25")), START),
    "start year not a year": (setting("period", DCAT.startDate, year("abcd")), START),
    "start year untyped": (setting("period", DCAT.startDate, Literal("2025")), START),
    "start year equals end year": (setting("period", DCAT.startDate, year("2025")), None),
    "two end years": (setting("period", DCAT.endDate, year("2025"), year("2027")),
                      "dct:temporal/dcat:endDate"),
    "file over 500 MB": (setting("dist", DCAT.byteSize, size("524288001")), FILE),
    "negative file size": (setting("dist", DCAT.byteSize, size("-1")), FILE),
    "file size not a number": (setting("dist", DCAT.byteSize, size("big")), FILE),
    "file size an xsd:integer": (setting("dist", DCAT.byteSize, Literal(1000)), FILE),
    "media type not allowed": (setting("dist", DCAT.mediaType, IANA["image/png"]),
                               "dcat:distribution/dcat:mediaType"),
    "licence not listed": (setting("dataset", DCT.license, LIC["MIT"]), "dct:license"),
    "two licences": (setting("dataset", DCT.license, LIC["CC0-1.0"], LIC["CC-BY-4.0"]),
                     "dct:license"),
    "permanent with an end date": (setting("dataset", YL.licenseValidity, YL.permanent),
                                   "yl:licenseValidity, yl:licenseValidUntil"),
    "end date not a date": (
        setting("dataset", YL.licenseValidUntil, Literal("2030-13-45", datatype=XSD.date)),
        "yl:licenseValidUntil"),
    "validity not listed": (setting("dataset", YL.licenseValidity, YL.untilDate, EX.sometimes),
                            "yl:licenseValidity"),
    "text type not listed": (setting("dataset", YL.textType, TT["novel"]), "yl:textType"),
    "language code upper case": (setting("dataset", DCT.language, LEXVO["CMN"]), "dct:language"),
    "language not lexvo": (
        setting("dataset", DCT.language, URIRef("https://iso639-3.sil.org/code/cmn")),
        "dct:language"),
    "language a literal": (setting("dataset", DCT.language, Literal("cmn")), "dct:language"),
    "phone without country": (setting("contact", VCARD.hasTelephone, URIRef("tel:23800791")),
                              CONTACT + "hasTelephone"),
    "e-mail without domain": (setting("contact", VCARD.hasEmail, URIRef("mailto:someone")),
                              CONTACT + "hasEmail"),
    "e-mail a literal": (setting("contact", VCARD.hasEmail, Literal("data@moda.gov.tw")),
                         CONTACT + "hasEmail"),
    "keyword an IRI": (setting("dataset", DCAT.keyword, EX.keyword), "dcat:keyword"),
    "title only in English": (setting("dataset", DCT.title, Literal("Open data", lang="en")),
                              "dct:title"),
    "description too short": (setting("dataset", DCT.description, zh("太短")), "dct:description"),
    "description is the title": (setting("dataset", DCT.description, zh(TITLE)),
                                 "dct:description"),
    "description the title plus a little": (
        setting("dataset", DCT.description, zh(TITLE + "之簡介說明")), "dct:description"),
}


def test_targeted_dataset_mutations_give_the_same_violations(core, reference) -> None:
    items = [(name, renamed(dataset_mutation(change), f"t{n}"))
             for n, (name, (change, _path)) in enumerate(DATASET_MUTATIONS.items())]
    # what the SPARQL constraint reads: with it; the rest without (see without_sparql)
    titled = [item for item in items if "title" in item[0] or "description" in item[0]]
    found = assert_same(core, reference, titled)
    rest = [item for item in items if item not in titled]
    found |= assert_same(Validator(engine="core", shapes_graph=without_sparql()),
                         Validator(engine="pyshacl", shapes_graph=without_sparql()), rest)
    for name, (_change, path) in DATASET_MUTATIONS.items():
        if path is None:
            assert found[name] == [], name
        else:
            assert path in {v.path for v in found[name]}, name


ROLE = Namespace(str(concept("olac-role", "")))
LTYPE = Namespace(str(concept("olac-linguistic-type", "")))
FIELD = Namespace(str(concept("olac-linguistic-field", "")))
DISC = Namespace(str(concept("olac-discourse-type", "")))
W3CDTF = DCT.W3CDTF
LR_MUTATIONS: dict[str, tuple[URIRef, object, str | None]] = {
    "role unknown": (PROV.qualifiedAttribution, ROLE.singer_x,
                     "prov:qualifiedAttribution/dcat:hadRole"),
    "linguistic type unknown": (DCT.type, LTYPE.grammar, "dct:type"),
    "discourse type unknown": (DCT.subject, DISC.poetry, "dct:subject"),
    "linguistic field unknown": (DCT.subject, FIELD.astrology, "dct:subject"),
    "subject language upper case": (DCT.subject, LEXVO.SVS, "dct:subject"),
    "language with two letters": (DCT.language, LEXVO.sv, "dct:language"),
    "month 13": (DCT.created, Literal("1960-13", datatype=W3CDTF), "dct:created"),
    "time without zone": (DCT.modified, Literal("2016-03-16T15:32", datatype=W3CDTF),
                          "dct:modified"),
    "plain text date": (DCT.date, Literal("sometime"), None),
    "xsd:date": (DCT.issued, Literal("2018-04-05", datatype=XSD.date), None),
    "free-text subject": (DCT.subject, Literal("phonology"), None),
    "role outside OLAC": (PROV.qualifiedAttribution, EX.role, None),
}


def lr_mutation(predicate: URIRef, value) -> Graph:
    """language_resource_valid with ``value`` added to ``predicate`` (on the attribution node
    for roles)."""
    graph = example("language_resource_valid")
    subject = URIRef(f"{BASE}id/paradisec.org.au:AC1-013")
    if predicate == PROV.qualifiedAttribution:
        graph.add((graph.value(subject, predicate), DCAT.hadRole, value))
    else:
        graph.add((subject, predicate, value))
    return graph


def test_targeted_language_resource_mutations_give_the_same_violations(core, reference) -> None:
    items = [(name, renamed(lr_mutation(p, value), f"t{n}"))
             for n, (name, (p, value, _path)) in enumerate(LR_MUTATIONS.items())]
    found = assert_same(core, reference, items)
    for name, (_p, _value, path) in LR_MUTATIONS.items():
        assert [v.path for v in found[name]] == ([path] if path else []), name


# --- SHACL Core on tiny shapes ----------------------------------------------------------------

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix yl: <https://w3id.org/yuliao/ns#> .
@prefix ex: <https://example.org/> .
"""
MESSAGE = 'sh:message "違反"@zh-Hant, "violated"@en'


def node_shape(body: str) -> str:
    return f"ex:S a sh:NodeShape ; sh:targetClass ex:C ; {MESSAGE} ; {body} ."


def property_shape(constraint: str, path: str = "yl:p") -> str:
    return node_shape(f"sh:property [ sh:path {path} ; {constraint} ; {MESSAGE} ]")


def parsed(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def both(shapes_text: str, data_text: str) -> list[Violation]:
    """The violations of ``data_text`` under ``shapes_text``; asserts pyshacl agrees."""
    data = parsed(data_text)
    found = Validator(engine="core", shapes_graph=parsed(shapes_text)).validate("x", data)
    expected = Validator(engine="pyshacl", shapes_graph=parsed(shapes_text)).validate("x", data)
    assert found == expected
    return found


def components(shapes_text: str, data_text: str) -> set[str]:
    """The constraint components of the core engine's results (sh:node details included)."""
    def walk(results):
        for r in results:
            yield str(r.component).rsplit("#", 1)[1]
            yield from walk(r.details)

    return set(walk(ShapeEngine(parsed(shapes_text)).validate(parsed(data_text))))


X = "ex:x a ex:C"
CORE_CASES = [  # id, shapes, conforming data, violating data, expected component
    ("minCount", property_shape("sh:minCount 1"), f"{X} ; yl:p 1 .", f"{X} .",
     "MinCountConstraintComponent"),
    ("maxCount", property_shape("sh:maxCount 1"), f"{X} ; yl:p 1 .", f"{X} ; yl:p 1, 2 .",
     "MaxCountConstraintComponent"),
    ("class", property_shape("sh:class ex:D"),
     f"{X} ; yl:p ex:y . ex:y a ex:E . ex:E rdfs:subClassOf ex:F . ex:F rdfs:subClassOf ex:D .",
     f"{X} ; yl:p ex:y, 'lit' . ex:y a ex:E .", "ClassConstraintComponent"),
    ("datatype", property_shape("sh:datatype xsd:integer"), f"{X} ; yl:p 7 .",
     f"{X} ; yl:p '7x'^^xsd:integer, 7.5, 'seven' .", "DatatypeConstraintComponent"),
    ("datatype string", property_shape("sh:datatype xsd:string"), f"{X} ; yl:p 'a' .",
     f"{X} ; yl:p 'a'@en .", "DatatypeConstraintComponent"),
    ("datatype langString", property_shape("sh:datatype rdf:langString"), f"{X} ; yl:p 'a'@en .",
     f"{X} ; yl:p 'a' .", "DatatypeConstraintComponent"),
    ("nodeKind", property_shape("sh:nodeKind sh:BlankNodeOrIRI"), f"{X} ; yl:p ex:y, [] .",
     f"{X} ; yl:p 'y' .", "NodeKindConstraintComponent"),
    ("minInclusive", property_shape("sh:minInclusive 5"), f"{X} ; yl:p 5, 6.5 .",
     f"{X} ; yl:p 4, 'five', ex:five .", "MinInclusiveConstraintComponent"),
    ("minExclusive", property_shape("sh:minExclusive 5"), f"{X} ; yl:p 6 .", f"{X} ; yl:p 5 .",
     "MinExclusiveConstraintComponent"),
    ("maxInclusive", property_shape('sh:maxInclusive "2025-12-31"^^xsd:date'),
     f'{X} ; yl:p "2025-12-31"^^xsd:date .', f'{X} ; yl:p "2026-01-01"^^xsd:date .',
     "MaxInclusiveConstraintComponent"),
    ("maxExclusive", property_shape("sh:maxExclusive 5"), f"{X} ; yl:p 4 .", f"{X} ; yl:p 5 .",
     "MaxExclusiveConstraintComponent"),
    ("minLength", property_shape("sh:minLength 3"), f"{X} ; yl:p 'abc', ex:abc .",
     f"{X} ; yl:p 'ab', [] .", "MinLengthConstraintComponent"),
    ("maxLength", property_shape("sh:maxLength 3"), f"{X} ; yl:p 'abc' .",
     f"{X} ; yl:p 'abcd' .", "MaxLengthConstraintComponent"),
    ("pattern", property_shape('sh:pattern "^ab+c$" ; sh:flags "i"'), f"{X} ; yl:p 'ABBC' .",
     f"{X} ; yl:p 'abd', [] .", "PatternConstraintComponent"),
    ("languageIn", property_shape('sh:languageIn ( "en" "zh" )'),
     f"{X} ; yl:p 'a'@en-GB, 'b'@zh .", f"{X} ; yl:p 'a'@fr, 'b' .",
     "LanguageInConstraintComponent"),
    ("uniqueLang", property_shape("sh:uniqueLang true"), f"{X} ; yl:p 'a'@en, 'b'@fr .",
     f"{X} ; yl:p 'a'@en, 'b'@en .", "UniqueLangConstraintComponent"),
    ("equals", property_shape("sh:equals yl:q"), f"{X} ; yl:p 1 ; yl:q 1 .",
     f"{X} ; yl:p 1 ; yl:q 2 .", "EqualsConstraintComponent"),
    ("equals without values", property_shape("sh:equals yl:q"), f"{X} .", f"{X} ; yl:q 2 .",
     "EqualsConstraintComponent"),
    ("disjoint", property_shape("sh:disjoint yl:q"), f"{X} ; yl:p 1 ; yl:q 2 .",
     f"{X} ; yl:p 1 ; yl:q 1 .", "DisjointConstraintComponent"),
    ("lessThan", property_shape("sh:lessThan yl:q"), f"{X} ; yl:p 1 ; yl:q 2 .",
     f"{X} ; yl:p 2 ; yl:q 2 .", "LessThanConstraintComponent"),
    ("lessThanOrEquals", property_shape("sh:lessThanOrEquals yl:q"), f"{X} ; yl:p 2 ; yl:q 2 .",
     f"{X} ; yl:p 3 ; yl:q 2 .", "LessThanOrEqualsConstraintComponent"),
    ("not", node_shape("sh:not [ sh:path yl:p ; sh:minCount 1 ]"), f"{X} .", f"{X} ; yl:p 1 .",
     "NotConstraintComponent"),
    ("and", node_shape("sh:and ( [ sh:path yl:p ; sh:minCount 1 ] [ sh:path yl:q ; "
                       "sh:minCount 1 ] )"), f"{X} ; yl:p 1 ; yl:q 1 .", f"{X} ; yl:p 1 .",
     "AndConstraintComponent"),
    ("or", property_shape("sh:or ( [ sh:datatype xsd:integer ] [ sh:nodeKind sh:IRI ] )"),
     f"{X} ; yl:p 1, ex:y .", f"{X} ; yl:p 'one' .", "OrConstraintComponent"),
    ("xone", node_shape("sh:xone ( [ sh:path yl:p ; sh:minCount 1 ] [ sh:path yl:q ; "
                        "sh:minCount 1 ] )"), f"{X} ; yl:p 1 .", f"{X} ; yl:p 1 ; yl:q 1 .",
     "XoneConstraintComponent"),
    ("node", property_shape("sh:node ex:N") + f" ex:N a sh:NodeShape ; sh:property [ "
     f"sh:path yl:q ; sh:minCount 1 ; {MESSAGE} ] .", f"{X} ; yl:p ex:y . ex:y yl:q 1 .",
     f"{X} ; yl:p ex:y . ex:y yl:r 1 .", "NodeConstraintComponent"),
    ("property of a property shape", property_shape(
        f"sh:property [ sh:path yl:q ; sh:minCount 1 ; {MESSAGE} ]"),
     f"{X} ; yl:p ex:y . ex:y yl:q 1 .", f"{X} ; yl:p ex:y . ex:y yl:r 1 .",
     "MinCountConstraintComponent"),
    ("qualifiedMinCount", property_shape(
        "sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1"),
     f"{X} ; yl:p ex:y, ex:z . ex:y a ex:D .", f"{X} ; yl:p ex:z .",
     "QualifiedMinCountConstraintComponent"),
    ("qualifiedMaxCount", property_shape(
        "sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMaxCount 1"),
     f"{X} ; yl:p ex:y, ex:z . ex:y a ex:D .",
     f"{X} ; yl:p ex:y, ex:z . ex:y a ex:D . ex:z a ex:D .",
     "QualifiedMaxCountConstraintComponent"),
    ("qualifiedValueShapesDisjoint", node_shape(
        f"sh:property [ sh:path yl:p ; sh:qualifiedValueShape [ sh:class ex:D ] ; "
        f"sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ; {MESSAGE} ], "
        f"[ sh:path yl:p ; sh:qualifiedValueShape [ sh:class ex:E ] ; sh:qualifiedMinCount 1 ; "
        f"sh:qualifiedValueShapesDisjoint true ; {MESSAGE} ]"),
     f"{X} ; yl:p ex:y, ex:z . ex:y a ex:D . ex:z a ex:E .",
     f"{X} ; yl:p ex:y . ex:y a ex:D, ex:E .", "QualifiedMinCountConstraintComponent"),
    ("closed", node_shape(f"sh:closed true ; sh:ignoredProperties ( rdf:type ) ; "
                          f"sh:property [ sh:path yl:p ; {MESSAGE} ]"),
     f"{X} ; yl:p 1 .", f"{X} ; yl:p 1 ; yl:q 2 .", "ClosedConstraintComponent"),
    ("hasValue", property_shape("sh:hasValue ex:v"), f"{X} ; yl:p ex:v, ex:w .",
     f"{X} ; yl:p ex:w .", "HasValueConstraintComponent"),
    ("in", property_shape("sh:in ( ex:a 1 'b'@en )"), f"{X} ; yl:p ex:a, 1, 'b'@en .",
     f"{X} ; yl:p 'b', ex:c, 1.0 .", "InConstraintComponent"),
    ("sparql", node_shape(
        'sh:sparql [ a sh:SPARQLConstraint ; sh:message "{$this} has {?value}"@en ; sh:select '
        '"SELECT $this ?value WHERE { $this yl:p ?value . FILTER (?value > 5) }" ; '
        'sh:prefixes [ sh:declare [ sh:prefix "yl" ; sh:namespace "https://w3id.org/yuliao/ns#" '
        "] ] ]"), f"{X} ; yl:p 1 .", f"{X} ; yl:p 9 .", "SPARQLConstraintComponent"),
    ("sparql with $PATH and ?path", property_shape(
        'sh:sparql [ sh:select "SELECT $this ?path WHERE { $this $PATH ?v . '
        "BIND (<https://w3id.org/yuliao/ns#q> AS ?path) FILTER NOT EXISTS { $this ?path ?v } }"
        '" ]'), f"{X} ; yl:p 1 ; yl:q 1 .", f"{X} ; yl:p 1 ; yl:q 2 .",
     "SPARQLConstraintComponent"),
    ("sparql aggregate grouped by $this", node_shape(
        'sh:sparql [ sh:select "SELECT $this (COUNT(?o) AS ?n) WHERE { $this '
        '<https://w3id.org/yuliao/ns#p> ?o } GROUP BY $this HAVING (COUNT(?o) > 1)" ]'),
     f"{X} ; yl:p 1 .", f"{X} ; yl:p 1, 2 .", "SPARQLConstraintComponent"),
]


@pytest.mark.parametrize(("shapes_text", "good", "bad", "component"),
                         [case[1:] for case in CORE_CASES], ids=[case[0] for case in CORE_CASES])
def test_each_core_constraint_on_a_conforming_and_a_violating_graph(
    shapes_text: str, good: str, bad: str, component: str,
) -> None:
    assert both(shapes_text, good) == []
    assert both(shapes_text, bad)
    assert component in components(shapes_text, bad)


def test_sparql_messages_fill_in_the_solutions_variables() -> None:
    """(A shape's own sh:message would win over the constraint's filled-in text.)"""
    shapes_text = ('ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:message '
                   '"{$this} has {?value}"@en ; sh:select "SELECT $this ?value WHERE { '
                   '$this <https://w3id.org/yuliao/ns#p> ?value . FILTER (?value > 5) }" ] .')
    [violation] = both(shapes_text, f"{X} ; yl:p 9 .")
    assert (violation.message_en, violation.message_zh, violation.value) == (
        f"{EX.x} has 9", "", "9")


PATHS = [  # id, sh:path, data, the path's values from ex:x, a triple adding ex:e, compact path
    ("predicate", "yl:p", "ex:x yl:p ex:a .", ["ex:a"], "ex:x yl:p ex:e .", "yl:p"),
    ("sequence", "( yl:p yl:q )", "ex:x yl:p ex:a, ex:b . ex:a yl:q ex:c . ex:b yl:q ex:c, ex:d .",
     ["ex:c", "ex:d"], "ex:a yl:q ex:e .", "yl:p/yl:q"),
    ("inverse", "[ sh:inversePath yl:p ]", "ex:a yl:p ex:x . ex:x yl:p ex:b .", ["ex:a"],
     "ex:e yl:p ex:x .", "^yl:p"),
    ("alternative", "[ sh:alternativePath ( yl:p yl:q ) ]", "ex:x yl:p ex:a ; yl:q ex:b, ex:a .",
     ["ex:a", "ex:b"], "ex:x yl:q ex:e .", "yl:p|yl:q"),
    ("zeroOrMore", "[ sh:zeroOrMorePath yl:p ]", "ex:x yl:p ex:a . ex:a yl:p ex:b, ex:x .",
     ["ex:x", "ex:a", "ex:b"], "ex:b yl:p ex:e .", "(yl:p)*"),
    ("oneOrMore", "[ sh:oneOrMorePath yl:p ]", "ex:x yl:p ex:a . ex:a yl:p ex:b .",
     ["ex:a", "ex:b"], "ex:b yl:p ex:e .", "(yl:p)+"),
    ("zeroOrOne", "[ sh:zeroOrOnePath yl:p ]", "ex:x yl:p ex:a . ex:a yl:p ex:b .",
     ["ex:x", "ex:a"], "ex:x yl:p ex:e .", "(yl:p)?"),
    ("sequence with inverse", "( yl:p [ sh:inversePath yl:q ] )",
     "ex:x yl:p ex:a . ex:b yl:q ex:a . ex:c yl:q ex:b .", ["ex:b"], "ex:e yl:q ex:a .",
     "yl:p/^yl:q"),
    ("inverse zeroOrMore", "[ sh:inversePath [ sh:zeroOrMorePath yl:p ] ]",
     "ex:a yl:p ex:x . ex:b yl:p ex:a .", ["ex:x", "ex:a", "ex:b"], "ex:e yl:p ex:b .",
     "^(yl:p)*"),
]


@pytest.mark.parametrize(("path", "data", "values", "extra", "text"), [p[1:] for p in PATHS],
                         ids=[p[0] for p in PATHS])
def test_each_path_kind_reaches_exactly_its_values(
    path: str, data: str, values: list[str], extra: str, text: str,
) -> None:
    exact = (f"sh:minCount {len(values)} ; sh:maxCount {len(values)} ; "
             f"sh:in ( {' '.join(values)} )")
    shapes_text = property_shape(exact, path)
    assert both(shapes_text, f"{X} . {data}") == []
    violations = both(shapes_text, f"{X} . {data} {extra}")
    assert {(v.path, v.value) for v in violations} == {(text, None), (text, str(EX.e))}


TARGETS = [  # id, shapes, data with one focus node ex:x that lacks yl:p
    ("class and its subclasses", property_shape("sh:minCount 1"),
     "ex:x a ex:Sub . ex:Sub rdfs:subClassOf ex:Mid . ex:Mid rdfs:subClassOf ex:C ."),
    ("node", f"ex:S sh:targetNode ex:x ; {MESSAGE} ; sh:property [ sh:path yl:p ; "
     f"sh:minCount 1 ; {MESSAGE} ] .", "ex:x yl:q 1 . ex:y yl:q 1 ."),
    ("subjects of", f"ex:S sh:targetSubjectsOf yl:q ; {MESSAGE} ; sh:property [ sh:path yl:p ; "
     f"sh:minCount 1 ; {MESSAGE} ] .", "ex:x yl:q 1 . ex:y yl:r 1 ."),
    ("objects of", f"ex:S sh:targetObjectsOf yl:q ; {MESSAGE} ; sh:property [ sh:path yl:p ; "
     f"sh:minCount 1 ; {MESSAGE} ] .", "ex:y yl:q ex:x . ex:x yl:r 1 ."),
    ("implicit class", f"ex:C a rdfs:Class, sh:NodeShape ; {MESSAGE} ; sh:property [ "
     f"sh:path yl:p ; sh:minCount 1 ; {MESSAGE} ] .", "ex:x a ex:C . ex:y a ex:D ."),
]


@pytest.mark.parametrize(("shapes_text", "data"), [t[1:] for t in TARGETS],
                         ids=[t[0] for t in TARGETS])
def test_each_target_kind_finds_its_focus_nodes(shapes_text: str, data: str) -> None:
    violations = both(shapes_text, data)
    assert [v.focus for v in violations] == [str(EX.x)]


def test_a_deactivated_shape_reports_nothing_and_conforms_inside_sh_not() -> None:
    off = f"sh:path yl:p ; sh:minCount 1 ; sh:deactivated true ; {MESSAGE}"
    assert both(node_shape(f"sh:property [ {off} ]"), f"{X} .") == []
    [violation] = both(node_shape(f"sh:not [ {off} ]"), f"{X} .")
    assert (violation.shape, violation.path, violation.value) == (str(EX.S), "yl:p", None)


def test_severity_is_reported_and_a_warning_shape_conforms_inside_sh_or() -> None:
    warn = property_shape("sh:minCount 1 ; sh:severity sh:Warning")
    [violation] = both(warn, f"{X} .")
    assert (violation.severity, violation.is_failure) == ("Warning", False)
    lenient = node_shape("sh:or ( [ sh:path yl:p ; sh:minCount 1 ; sh:severity sh:Info ] "
                         "[ sh:path yl:q ; sh:minCount 1 ] )")
    assert both(lenient, f"{X} .") == []


def test_a_sh_node_result_carries_the_nested_results_as_details() -> None:
    shapes_text = property_shape("sh:node ex:N") + (
        f" ex:N a sh:NodeShape ; sh:property [ sh:path yl:q ; sh:minCount 1 ; {MESSAGE} ], "
        f"[ sh:path yl:r ; sh:maxCount 0 ; {MESSAGE} ] .")
    [result] = ShapeEngine(parsed(shapes_text)).validate(
        parsed(f"{X} ; yl:p ex:y . ex:y yl:r 1 ."))
    assert (result.focus, result.value, result.component) == (
        EX.x, EX.y, SH.NodeConstraintComponent)
    assert sorted(str(d.component) for d in result.details) == [
        str(SH.MaxCountConstraintComponent), str(SH.MinCountConstraintComponent)]
    assert {d.focus for d in result.details} == {EX.y}
    assert [v.path for v in both(shapes_text, f"{X} ; yl:p ex:y . ex:y yl:r 1 .")] == [
        "yl:p/yl:q", "yl:p/yl:r"]


def test_a_node_level_result_names_the_paths_of_its_operands() -> None:
    [violation] = both(node_shape(
        "sh:or ( [ sh:path yl:p ; sh:minCount 1 ] [ sh:path yl:q ; sh:minCount 1 ] "
        "[ sh:path yl:p ; sh:hasValue 1 ] )"), f"{X} .")
    assert (violation.path, violation.value) == ("yl:p, yl:q", None)


def test_a_record_in_a_shared_store_is_validated_on_its_own_triples() -> None:
    """A graph alone in its store is read through rdflib's own index; one sharing its store
    with another graph is indexed from its own triples, and sees nothing of the other."""
    store = Dataset()
    first = store.graph(URIRef("urn:x:first"))
    first.parse(data=PREFIXES + f"{X} .", format="turtle")
    store.graph(URIRef("urn:x:second")).parse(data=PREFIXES + f"{X} ; yl:p 1, 2 .",
                                               format="turtle")
    alone = parsed(f"{X} .")
    assert _store_indexes(first) is None and _store_indexes(alone) is not None
    compiled = ShapeEngine(parsed(property_shape("sh:minCount 1 ; sh:maxCount 1")))
    for graph in (first, alone):
        [result] = compiled.validate(graph)
        assert result.component == SH.MinCountConstraintComponent


# --- our shapes -------------------------------------------------------------------------------

def test_every_reporting_constraint_of_our_shapes_has_the_shapes_own_messages() -> None:
    """pyshacl's generic messages (which the core engine does not copy) never show."""
    compiled = ShapeEngine(shapes.load())
    reporting, todo = set(), list(compiled.roots)
    while todo:
        shape = todo.pop()
        reporting.add(shape)
        for c in shape.constraints:
            if isinstance(c, _PropertyShape | _NodeShape):
                todo.append(c.target)
    checked = [c for shape in reporting for c in shape.constraints
               if not isinstance(c, _PropertyShape)]
    assert len(checked) > 60
    for constraint in checked:
        messages = (constraint.templates if isinstance(constraint, _Sparql)
                    else constraint.messages)
        languages = {m.language for m in messages if isinstance(m, Literal)}
        assert {"zh-Hant", "en"} <= languages, constraint


def test_sparql_runs_once_per_batch_and_only_for_records_it_can_reach(monkeypatch) -> None:
    runs: list[int] = []
    real = _Sparql.run

    def counted(self, graph: Graph):
        runs.append(len(graph))
        return real(self, graph)

    monkeypatch.setattr(_Sparql, "run", counted)
    validator = Validator()
    validator.validate_batch(list(bench_records(3)))
    assert runs == []
    datasets = [(f"d{n}", renamed(example(name), f"d{n}")) for n, name in
                enumerate(["dataset_valid", "dataset_bad_description_equals_title"])]
    found = validator.validate_batch([*datasets, *bench_records(3)])
    assert runs == [sum(len(graph) for _, graph in datasets)]
    assert [v.shape for v in found["d1"]] == ["ylsh:Dataset-description"]


def test_batch_boundaries_do_not_change_the_results(core) -> None:
    records = [(p.stem, example(p.stem)) for p in sorted((DATA / "shapes").glob("*.ttl"))]
    records += list(bench_records(10))
    assert Validator(batch_size=3).validate_batch(records) == core.validate_batch(records)


# --- compilation refuses what it cannot evaluate ---------------------------------------------

@pytest.mark.parametrize(("shapes_text", "message"), [
    (node_shape("sh:fooBar 1"), r"<https://example.org/S>: .* does not implement sh:fooBar"),
    (node_shape('sh:expression [ sh:path yl:p ]'), "does not implement sh:expression"),
    (node_shape("sh:target [ a ex:Target ]"), "does not implement sh:target"),
    (node_shape("ex:limit 3") + " ex:Limit a sh:ConstraintComponent ; sh:parameter [ sh:path "
     "ex:limit ] .", "custom constraint components such as <https://example.org/Limit>"),
    (property_shape('sh:pattern "a" ; sh:flags "x"'), "sh:flags 'x' is not supported"),
    (node_shape("sh:minCount 1"), "node shape <https://example.org/S> cannot have sh:minCount"),
    (property_shape("sh:minCount 1.5"), "sh:minCount must be an integer"),
    (property_shape("sh:datatype xsd:string, xsd:integer"), "2 values for sh:datatype"),
    (property_shape("sh:qualifiedMinCount 1"), "sh:qualifiedMinCount without "
     "sh:qualifiedValueShape"),
    (node_shape("sh:node ex:S"), "recursive shapes are not supported"),
    (node_shape("sh:property [ sh:path [ sh:fancyPath yl:p ] ]"), "malformed|unknown"),
    (node_shape('sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o } LIMIT 1" ]'),
     "LIMIT or OFFSET is not supported"),
    (node_shape('sh:sparql [ sh:select "SELECT ?this WHERE { ?s ?p ?o }" ]'),
     r"\$this must appear in a triple pattern"),
    (node_shape('sh:sparql [ sh:select "SELECT $this WHERE { $this $PATH ?o }" ]'),
     r"\$PATH on a node shape"),
    (node_shape('sh:sparql [ sh:select "SELECT $this (COUNT(?o) AS ?n) WHERE { $this ?p ?o }" ]'),
     r"aggregates are supported only grouped by \$this"),
    (node_shape('sh:sparql [ sh:select "SELECT $this WHERE {$this ?p ?o MINUS { $this a ?o } }" ]'),
     "MINUS is not supported"),
    (node_shape('sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o VALUES ?o { 1 } }" ]'),
     "VALUES is not supported"),
    (node_shape('sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?o }" ]'),
     "does not parse"),
])
def test_compilation_refuses_what_the_engine_cannot_evaluate(
    shapes_text: str, message: str,
) -> None:
    with pytest.raises(ShapeError, match=message):
        ShapeEngine(parsed(shapes_text))


def test_an_unsupported_parameter_fails_the_validator_as_a_repository_error() -> None:
    with pytest.raises(RepositoryError, match="sh:fooBar"):
        Validator(shapes_graph=parsed(node_shape("sh:fooBar 1")))


# --- the documented divergences from pyshacl --------------------------------------------------

def test_records_are_validated_on_their_own_even_when_a_batch_shares_their_iris(
    core, reference,
) -> None:
    """dataset_valid and demo record 00001174 describe the same IRIs differently: pyshacl's
    merged batch sees two byte sizes per file, the core engine each record alone."""
    items = [("example", example("dataset_valid")),
             ("demo", demo.load(demo.RECORDS_DIR / "00001174.ttl", BASE).graph)]
    assert core.validate_batch(items) == {"example": [], "demo": []}
    assert "dcat:distribution/dcat:byteSize" in {
        v.path for v in reference.validate_batch(items)["example"]}


def test_language_in_matches_language_ranges_as_sparql_lang_matches_does(
    core, reference,
) -> None:
    graph = dataset_mutation(setting("dataset", DCT.title,
                                     Literal("政府資料開放教育訓練教材", lang="zh-Hant-SG")))
    assert core.validate("x", graph) == []
    assert [v.path for v in reference.validate("x", graph)] == ["dct:title"]


def test_incomparable_values_are_violations_where_pyshacl_crashes() -> None:
    shapes_text = property_shape("sh:lessThanOrEquals yl:q")
    data = f'{X} ; yl:p "2026"^^xsd:gYear ; yl:q "2025"^^xsd:gYear .'
    [violation] = Validator(shapes_graph=parsed(shapes_text)).validate("x", parsed(data))
    assert violation.value == "2026"
    with pytest.raises(RepositoryError, match="crashed"):
        Validator(engine="pyshacl", shapes_graph=parsed(shapes_text)).validate("x", parsed(data))


def test_ill_typed_gregorian_literals_fail_sh_datatype() -> None:
    shapes_text = property_shape("sh:datatype xsd:gYear")
    data = f'{X} ; yl:p "2025"^^xsd:gYear, "20x5"^^xsd:gYear, "-0045Z"^^xsd:gYear .'
    core_found = Validator(shapes_graph=parsed(shapes_text)).validate("x", parsed(data))
    assert [v.value for v in core_found] == ["20x5"]
    assert Validator(engine="pyshacl", shapes_graph=parsed(shapes_text)).validate(
        "x", parsed(data)) == []


def engines_on(shapes_text: str, data_text: str) -> tuple[list[Violation], list[Violation]]:
    """The core engine's and pyshacl's violations, for a divergence."""
    data = parsed(data_text)
    return tuple(Validator(engine=name, shapes_graph=parsed(shapes_text)).validate("x", data)
                 for name in ("core", "pyshacl"))  # type: ignore[return-value]


def test_the_inverse_of_a_sequence_path_walks_it_backwards() -> None:
    shapes_text = property_shape("sh:hasValue ex:a ; sh:maxCount 1",
                                 "[ sh:inversePath ( yl:p yl:q ) ]")
    found, expected = engines_on(shapes_text, f"{X} . ex:a yl:p ex:m . ex:m yl:q ex:x .")
    assert found == []
    assert [v.path for v in expected] == ["^yl:p/yl:q"]  # pyshacl walks ^yl:p, then ^yl:q


def test_the_s_and_q_flags_are_honoured() -> None:
    found, expected = engines_on(property_shape('sh:pattern "^a.b$" ; sh:flags "s"'),
                                 f'{X} ; yl:p "a\\nb" .')
    assert (found, len(expected)) == ([], 1)
    found, expected = engines_on(property_shape('sh:pattern "a.b" ; sh:flags "q"'),
                                 f'{X} ; yl:p "a.b", "axb" .')
    assert ([v.value for v in found], expected) == (["axb"], [])


def test_a_shape_without_messages_gets_the_engines_own_english_text() -> None:
    shapes_text = ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
                   "sh:property [ sh:path yl:p ; sh:minCount 1 ] .")
    found, expected = engines_on(shapes_text, f"{X} .")
    assert [(v.message_zh, v.message_en) for v in found] == [("", "Fewer than 1 values")]
    assert [v.message_en for v in expected] == [f"Less than 1 values on <{EX.x}>->yl:p"]


def test_a_result_about_a_node_no_record_describes_belongs_to_the_record() -> None:
    shapes_text = property_shape(f"sh:property [ sh:path yl:q ; sh:minCount 1 ; {MESSAGE} ]")
    [violation] = Validator(shapes_graph=parsed(shapes_text)).validate(
        "x", parsed(f"{X} ; yl:p ex:y ."))
    assert (violation.record, violation.focus, violation.path) == ("x", str(EX.y), "yl:q")
    with pytest.raises(RepositoryError, match="which no record describes"):
        Validator(engine="pyshacl", shapes_graph=parsed(shapes_text)).validate(
            "x", parsed(f"{X} ; yl:p ex:y ."))
