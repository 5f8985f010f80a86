"""The remote-store backend against real Oxigraph server processes: graphs read back as the
embedded store reads them, atomic writes, clear errors when the server is down or silent, the
store settings, concurrent id allocation, and read-only queries within their limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from repository import Config, InputError, Repository, StoreError
from repository.backends import open_area
from repository.config import RemoteEndpoints, StoreSettings, store_settings
from repository.remote_store import RemoteStore, RequestLimits
from repository.sparql import (
    Boolean,
    Dataset,
    QueryLimits,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    Solutions,
    Triples,
)
from repository.store import Store
from tests.conftest import OxigraphServer, OxigraphServers, free_port, remote_settings

A, B, C = (URIRef(f"http://example.org/graph/{n}") for n in "abc")
S, P = URIRef("http://example.org/s"), URIRef("http://example.org/p")


@pytest.fixture
def servers(oxigraph: OxigraphServers) -> tuple[OxigraphServer, OxigraphServer]:
    work, public = oxigraph.pair(0)
    work.clear()
    public.clear()
    return work, public


@pytest.fixture
def remote(servers) -> Iterator[RemoteStore]:
    store = RemoteStore(servers[0].endpoints())
    yield store
    store.close()


def both(graphs: dict[URIRef, list], remote: RemoteStore) -> Store:
    """The same graphs written to ``remote`` and to a new embedded store (returned)."""
    embedded = Store()
    for store in (embedded, remote):
        store.replace(graphs)
    return embedded


# -- graphs read back exactly as the embedded store reads them ----------------------------------

GRAPHS = {
    "language tags in BCP 47 case": [
        (S, P, Literal("臺灣華語", lang="zh-Hant-TW")),
        (S, P, Literal("Tâi-oân", lang="nan-Latn-TW")),
        (S, P, Literal("Taiwan", lang="en")), (S, P, Literal("x", lang="x-sil-crb"))],
    "typed literals keep their datatype and lexical form": [
        (S, P, Literal("2026-01-02", datatype=XSD.date)),
        (S, P, Literal("2026-01-02T03:04:05Z", datatype=XSD.dateTime, normalize=False)),
        (S, P, Literal("42", datatype=XSD.integer)),
        (S, P, Literal("1.5", datatype=XSD.decimal, normalize=False)),
        (S, P, Literal("x", datatype=URIRef("http://example.org/custom"))),
        (S, P, Literal("plain")), (S, P, URIRef("http://example.org/o"))],
    "awkward strings": [
        (S, P, Literal('quote " backslash \\ newline\n tab\t 𠀀 emoji 🙂')),
        (S, P, Literal("")), (S, P, Literal("'''\"\"\"", lang="en"))],
}


@pytest.mark.parametrize("triples", GRAPHS.values(), ids=GRAPHS.keys())
def test_a_graph_reads_back_as_written_and_as_the_embedded_store_reads_it(
        remote: RemoteStore, triples) -> None:
    embedded = both({A: triples}, remote)
    assert set(remote.graph(A)) == set(embedded.graph(A)) == set(triples)


def test_canonicalised_literals_read_back_as_the_embedded_store_reads_them(
        remote: RemoteStore) -> None:
    """Oxigraph stores canonical forms ("1.50" → "1.5"); both backends agree on them."""
    triples = [(S, P, Literal("1.50", datatype=XSD.decimal, normalize=False)),
               (S, P, Literal("2026-01-02T03:04:05+00:00", datatype=XSD.dateTime))]
    embedded = both({A: triples}, remote)
    assert set(remote.graph(A)) == set(embedded.graph(A))


def test_blank_nodes_read_back_isomorphic(remote: RemoteStore) -> None:
    node = BNode()
    triples = [(S, P, node), (node, P, Literal("inside", lang="zh-Hant")), (node, P, BNode())]
    embedded = both({A: triples}, remote)
    written = Graph()
    for triple in triples:
        written.add(triple)
    assert isomorphic(remote.graph(A), embedded.graph(A))
    assert isomorphic(remote.graph(A), written)


def test_the_reading_methods_agree_with_the_embedded_store(remote: RemoteStore) -> None:
    graphs = {g: [(S, P, Literal(f"in {g[-1]}", lang="zh-hant-tw")), (S, URIRef(g), Literal(1))]
              for g in (A, B)}
    embedded = both(graphs, remote)
    for store in (remote, embedded):
        assert sorted(store.graph_names()) == [A, B]
        assert store.absent([A, C, B]) == frozenset({C})
        assert store.has_graph(A) and not store.has_graph(C)
        assert store.subject_facts(S, A) == {P: Literal("in a", lang="zh-Hant-TW"),
                                             URIRef(A): Literal(1)}
        assert store.ask("ASK { ?s ?p 'in b'@zh-hant-tw }", use_default_graph_as_union=True)
        assert len(store) == 4 and not store.is_empty()
    query = "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?o"
    assert remote.select(query) == embedded.select(query)
    assert len(remote.graph(C)) == 0  # an absent graph is empty, not an error


def test_clear_empties_the_store(remote: RemoteStore) -> None:
    remote.replace({A: [(S, P, Literal("x"))]})
    remote.clear()
    assert remote.is_empty() and len(remote) == 0 and remote.graph_names() == []


def test_quads_load_into_another_dataset_unchanged(remote: RemoteStore, servers) -> None:
    remote.replace({A: [(S, P, Literal("臺灣", lang="zh-Hant-TW"))], B: [(S, P, BNode())]})
    quads = list(remote.quads())
    other = RemoteStore(servers[1].endpoints())
    try:
        other.load_quads(quads)
        assert set(other.graph(A)) == {(S, P, Literal("臺灣", lang="zh-Hant-TW"))}
        assert isomorphic(other.graph(B), remote.graph(B)) and len(other) == 2
    finally:
        other.close()


# -- writes are atomic ---------------------------------------------------------------------------


def test_a_refused_update_writes_nothing_and_says_why(remote: RemoteStore) -> None:
    remote.replace({A: [(S, P, Literal("before"))]})
    with pytest.raises(StoreError, match=r"refused an update: HTTP 400 .*error at"):
        remote.replace_statements({A: [f"{S.n3()} {P.n3()} \"after\""],
                                   B: [f"{S.n3()} {P.n3()} <not an IRI>"]})
    assert set(remote.graph(A)) == {(S, P, Literal("before"))}
    assert not remote.has_graph(B)


# -- errors when the server is down or silent ----------------------------------------------------


def test_a_server_that_is_down_gives_a_store_error_naming_the_url_at_once() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    store = RemoteStore(endpoints_at(url),
                        RequestLimits(connect_timeout=1, retries=2, backoff=0.05))
    started = time.monotonic()
    try:
        with pytest.raises(StoreError, match=f"store at {url}query cannot be reached") as raised:
            store.ask("ASK {}")
    finally:
        store.close()
    assert raised.value.status == 503
    assert time.monotonic() - started < 2


def test_a_repository_on_a_server_that_is_down_does_not_open(tmp_path: Path) -> None:
    down = [endpoints_at(f"http://127.0.0.1:{free_port()}/") for _ in range(2)]
    settings = StoreSettings(work=down[0], public=down[1], connect_timeout=1, retries=0)
    with pytest.raises(StoreError, match=f"store at {down[1].query} cannot be reached"):
        Repository(Config(home=tmp_path / "home", store=settings))


def test_a_server_that_never_answers_gives_a_store_error_after_the_read_timeout(
        silent_server: str) -> None:
    store = RemoteStore(endpoints_at(silent_server),
                        RequestLimits(connect_timeout=1, read_timeout=0.3, retries=3))
    started = time.monotonic()
    try:
        with pytest.raises(StoreError, match=f"{silent_server}update did not answer within 0.3 s"):
            store.update("DROP ALL")
    finally:
        store.close()
    assert time.monotonic() - started < 1.5  # a read timeout is not retried


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then ASK true."""

    failures = 0
    seen = 0

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen += 1
        failing = type(self).seen <= type(self).failures
        body = b"overloaded" if failing else b'{"head":{},"boolean":true}'
        self.send_response(503 if failing else 200)
        kind = "text/plain" if failing else "application/sparql-results+json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[type[Flaky]]:
    handler = type("FlakyHandler", (Flaky,), {"failures": 0, "seen": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield handler
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(("failures", "answered"), [(2, True), (3, False)])
def test_a_server_error_is_retried_with_backoff(flaky, failures: int, answered: bool) -> None:
    flaky.failures = failures
    waits: list[float] = []
    store = RemoteStore(endpoints_at(flaky.url), RequestLimits(retries=2, backoff=0.1),
                        sleep=waits.append)
    try:
        if answered:
            assert store.ask("ASK {}") is True
        else:
            with pytest.raises(StoreError, match="HTTP 503 .*overloaded"):
                store.ask("ASK {}")
    finally:
        store.close()
    assert waits == [0.1, 0.2] and flaky.seen == 3


def endpoints_at(url: str) -> RemoteEndpoints:
    return RemoteEndpoints(f"{url}query", f"{url}update", f"{url}store")


# -- the store settings --------------------------------------------------------------------------


def test_the_store_is_embedded_unless_configured(tmp_path: Path) -> None:
    assert Config.from_env(tmp_path).store == StoreSettings()
    assert store_settings({}, {"YULIAO_STORE": "embedded"}) == StoreSettings()


@pytest.mark.parametrize(("layout", "expected"), [
    ("oxigraph", ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store")),
    ("fuseki", ("http://h:7878/query", "http://h:7878/update", "http://h:7878/data")),
    ("virtuoso", ("http://h:7878/sparql", "http://h:7878/sparql",
                  "http://h:7878/sparql-graph-crud")),
])
def test_each_layout_names_its_endpoints(layout: str, expected: tuple[str, ...]) -> None:
    env = {"YULIAO_STORE": "sparql+http://h:7878", "YULIAO_PUBLIC_STORE": "sparql+http://h:7879/"}
    settings = store_settings({"layout": layout}, env)
    work = settings.work
    assert (work.query, work.update, work.graph_store) == expected
    assert settings.public.query.startswith("http://h:7879/") and settings.remote


def test_the_toml_table_with_endpoint_paths_and_limits(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("YULIAO_STORE", raising=False)
    monkeypatch.delenv("YULIAO_PUBLIC_STORE", raising=False)
    (tmp_path / "yuliao.toml").write_text(
        '[store]\nwork = "sparql+https://db.example/yuliao-work/"\n'
        'public = "sparql+https://db.example/yuliao-public/"\nlayout = "fuseki"\n'
        'graph_store_path = "get"\nread_timeout = 5\nretries = 0\n')
    settings = Config.from_env(tmp_path).store
    assert settings.work == RemoteEndpoints("https://db.example/yuliao-work/query",
                                            "https://db.example/yuliao-work/update",
                                            "https://db.example/yuliao-work/get", "fuseki")
    assert (settings.read_timeout, settings.retries) == (5.0, 0)


@pytest.mark.parametrize(("table", "env", "key"), [
    ({}, {"YULIAO_STORE": "sparql+http://h:1/"}, "YULIAO_PUBLIC_STORE"),
    ({}, {"YULIAO_PUBLIC_STORE": "sparql+http://h:1/"}, "YULIAO_STORE"),
    ({"work": "sparql+http://h:1/"}, {}, "store.public"),
    ({}, {"YULIAO_STORE": "http://h:1/", "YULIAO_PUBLIC_STORE": "sparql+http://h:2/"},
     "YULIAO_STORE"),
    ({"work": "sparql+http://h:1/", "public": "oxigraph:///srv"}, {}, "store.public"),
    ({}, {"YULIAO_STORE": "sparql+http://h:1/", "YULIAO_PUBLIC_STORE": "sparql+http://h:1"},
     "YULIAO_PUBLIC_STORE"),
    ({"layout": "blazegraph"}, {}, "store.layout"),
    ({"read_timeout": 0}, {}, "store.read_timeout"),
    ({"retries": -1}, {}, "store.retries"),
])
def test_bad_store_settings_are_refused_naming_the_key(table: dict, env: dict, key: str) -> None:
    with pytest.raises(InputError) as raised:
        store_settings(table, env)
    assert raised.value.field == key


def test_open_area_keeps_an_in_memory_repository_embedded(servers) -> None:
    config = Config(home=Path("unused"), store=remote_settings(*servers))
    assert isinstance(open_area(config, "work", in_memory=True), Store)


# -- local ids from several processes ------------------------------------------------------------


def test_concurrent_repositories_never_hand_out_the_same_local_id(servers, tmp_path) -> None:
    """Eight Repository objects (each with its own process-local lock, as processes have)
    allocate ids at the same time on one pair of servers."""
    config = Config(home=tmp_path / "home", store=remote_settings(*servers))
    repositories = [Repository(config) for _ in range(8)]
    allocated: list[str] = []

    def allocate(repository: Repository) -> None:
        allocated.extend(repository.new_local_id() for _ in range(8))

    threads = [threading.Thread(target=allocate, args=(r,)) for r in repositories]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for repository in repositories:
            repository.close()
    assert len(allocated) == 64 and len(set(allocated)) == 64
    assert all(len(local_id) == 8 and local_id.isdigit() for local_id in allocated)


def test_a_draft_never_reaches_the_public_dataset(make_repository, backend, tmp_path) -> None:
    from tests.test_repository import titled

    repo = make_repository(tmp_path / "home")
    repo.put(titled(repo, "00000001", "草稿"))
    query = "ASK { ?s ?p '草稿'@zh-Hant-TW }"
    assert repo.work.evaluate(query, limits=QueryLimits()) == Boolean(True)
    assert repo.public.evaluate(query, limits=QueryLimits()) == Boolean(False)


# -- read-only queries ---------------------------------------------------------------------------


@pytest.fixture
def loaded(remote: RemoteStore) -> tuple[RemoteStore, Store]:
    """Three named graphs, one triple each, on the server and in an embedded store."""
    return remote, both({g: [(g, P, Literal(f"in {g[-1]}"))] for g in (A, B, C)}, remote)


def answers(stores: tuple[RemoteStore, Store], query: str, dataset: Dataset | None = None,
            **limits) -> list:
    return [store.evaluate(query, limits=QueryLimits(**limits), dataset=dataset)
            for store in stores]


@pytest.mark.parametrize(("query", "dataset"), [
    ("SELECT ?o { ?s ?p ?o } ORDER BY ?o", None),
    (f"SELECT ?o FROM <{A}> FROM <{B}> {{ ?s ?p ?o }} ORDER BY ?o", None),
    (f"SELECT ?o FROM NAMED <{A}> {{ ?s ?p ?o }}", None),
    (f"SELECT ?o FROM <{A}> {{ ?s ?p ?o }}", Dataset(default_graphs=(B,))),
    ("SELECT ?o { ?s ?p ?o }", Dataset(named_graphs=(A,))),
    ("SELECT ?o { ?s ?p ?o } ORDER BY ?o", Dataset(default_graphs=(A, C))),
    ("SELECT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", None),
    (f"SELECT ?g FROM NAMED <{A}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", Dataset(named_graphs=(B,))),
    ("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", Dataset(default_graphs=(A,))),
    ("SELECT ?t WHERE { BIND(dcat:Dataset AS ?t) }", None),
    ("PREFIX dct: <http://other/> SELECT ?t WHERE { BIND(dct:x AS ?t) }", None),
    ('SELECT ?l ?n ?u WHERE { BIND("臺灣"@zh-hant-tw AS ?l) BIND(4.50 AS ?n) }', None),
    ("ASK { ?s ?p 'in a' }", None),
    ("ASK { ?s ?p 'in a' }", Dataset(default_graphs=(B,))),
], ids=lambda value: None if value is None or isinstance(value, str) else "dataset")
def test_answers_agree_with_the_embedded_store(loaded, query: str, dataset) -> None:
    remote, embedded = answers(loaded, query, dataset)
    assert remote == embedded


def test_a_construct_agrees_with_the_embedded_store_up_to_blank_nodes(loaded) -> None:
    query = "CONSTRUCT { [] <http://e/from> ?g } WHERE { GRAPH ?g { ?s ?p ?o } }"
    remote, embedded = answers(loaded, query)
    assert isinstance(remote, Triples) and not remote.truncated
    assert isomorphic(graph_of(remote.triples), graph_of(embedded.triples))


def graph_of(triples: list) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


@pytest.mark.parametrize("query", ["SELECT ?o { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }"])
def test_an_answer_over_the_row_cap_is_cut_and_says_so(loaded, query: str) -> None:
    cut = loaded[0].evaluate(query, limits=QueryLimits(max_rows=2))
    whole = loaded[0].evaluate(query, limits=QueryLimits(max_rows=3))
    size = len(cut.rows) if isinstance(cut, Solutions) else len(cut.triples)
    assert size == 2 and cut.truncated and not whole.truncated


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p }", "SELECT *\nWHERE { ?s ?p ?o ."])
def test_a_syntax_error_names_the_position_the_embedded_store_names(loaded, query) -> None:
    """The predeclared prefixes sent before the query do not shift the server's position."""
    messages = []
    for store in loaded:
        with pytest.raises(QuerySyntaxError) as raised:
            store.evaluate(query, limits=QueryLimits())
        messages.append(str(raised.value))
        assert raised.value.status == 400
    assert messages[0] == messages[1]


def test_an_update_is_refused_before_it_reaches_the_server(loaded) -> None:
    with pytest.raises(QueryRefused, match="read-only"):
        loaded[0].evaluate("DELETE WHERE { ?s ?p ?o }", limits=QueryLimits())
    assert len(loaded[0]) == 3


@pytest.fixture(scope="module")
def slow_server(oxigraph: OxigraphServers) -> RemoteStore:
    """A server that stops queries after 1 s (``--timeout-s 1``), holding 40 triples: a
    four-way cross product of them is 2.5 million rows (about 1 s to count), a five-way one
    100 million."""
    server = oxigraph.server("--timeout-s", "1")
    store = RemoteStore(server.endpoints())
    store.replace({A: [(URIRef(f"http://e/{i}"), P, Literal(i)) for i in range(40)]})
    yield store
    store.close()
    server.stop()  # it may still be evaluating an abandoned query: free its core now


CROSS = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l"


@pytest.mark.parametrize(("query", "seconds"), [
    (f"SELECT (COUNT(*) AS ?n) {{ {CROSS} . ?m ?n ?o }}", 5.0),  # stopped by the server at 1 s
    (f"SELECT ?a {{ {CROSS} }}", 0.3),  # streamed: stopped by us at the deadline
    (f"SELECT ?a {{ {CROSS} }} ORDER BY ?l", 0.3),  # blocking: the read timeout stops it
])
def test_a_query_past_its_time_limit_is_stopped(slow_server: RemoteStore, query: str,
                                                seconds: float) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="time limit") as raised:
        slow_server.evaluate(query, limits=QueryLimits(seconds=seconds, max_rows=10**7))
    assert time.monotonic() - started < min(seconds, 1.0) + 1.5
    assert raised.value.status == 503
