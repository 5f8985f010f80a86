"""No query can take the SPARQL endpoint down: hostile queries sent in parallel to a real
``yuliao serve`` are stopped at their time or memory limit, the server's memory stays within
its budget, small queries from other clients go on being answered, and everything is back to
normal right after."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

import demo
from app import create_app
from repository import Config, Record, Repository
from repository.config import LimitSettings, SparqlSettings
from repository.importer import load_records

from .conftest import remote_settings
from .server_support import Server, get, serving
from .test_serve import make_home

MEMORY_LIMIT_MIB = 256
QUERY_PROCESSES, HEAVY = 2, 1
SETTINGS = f"""
[sparql]
time_limit = 2
memory_limit_mib = {MEMORY_LIMIT_MIB}
workers = {QUERY_PROCESSES}
heavy = {HEAVY}
heavy_after = 0.5

[limits.sparql]
rate = 0  # these tests send many queries from one address; isolation is what they test
"""
#: What each query process may add to the tree: its memory limit, and what its address space
#: may hold beyond its resident start-up size (the cap is on address space).
PER_PROCESS_MIB = MEMORY_LIMIT_MIB + 128
HOSTILE = [
    # sorts a cartesian product: memory grows until the process is stopped
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(?c) ?f LIMIT 1",
    # counts a four-way cartesian product: runs until its time limit
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    # regular-expression backtracking over every literal, in a cartesian product
    'SELECT ?x WHERE { ?x ?p ?o . ?y ?q ?r . ?z ?s ?t FILTER regex(str(?o), "^(a+)+$") }',
    # a deep property path over any predicate, sorted
    "SELECT ?x ?y WHERE { ?x (!<urn:x:none>)* ?y } ORDER BY ?y ?x LIMIT 1",
    "SELECT (COUNT(*) AS ?n) WHERE { ?x (!<urn:x:none>)+/(!<urn:x:none>)+ ?y . ?a ?b ?c }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i ?f ?c LIMIT 1",
    "SELECT (GROUP_CONCAT(?c) AS ?all) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
]
#: Those that cannot end within their limits (the others may, on the demo's few triples).
ENDLESS = [HOSTILE[0], HOSTILE[2], HOSTILE[6], HOSTILE[7]]
SMALL = "ASK { ?d a dcat:Dataset }"
#: Why a hostile query is stopped: its memory, its time, or the slots for long queries.
STOPPED = rb"memory limit of 256 MiB|time limit of 2 s|every slot for long queries"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("isolation"), SETTINGS)
    with serving(home, "--workers", "1") as running:
        yield running


def query_from(server: Server, query: str, source: str) -> tuple[int, float, bytes]:
    """Status, seconds and body of a query sent from the address ``source`` (each client
    is an address: waiting queries are served fairly between them)."""
    address = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60,
                                            source_address=(source, 0))
    started = time.monotonic()
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                           headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        return response.status, time.monotonic() - started, response.read()
    finally:
        connection.close()


def small_ones(server: Server) -> tuple[int, float]:
    status, seconds, body = query_from(server, SMALL, "127.0.0.1")
    assert status == 200 and json.loads(body)["boolean"] is True
    return status, seconds


def test_hostile_queries_in_parallel_are_stopped_and_small_ones_answered(server: Server
                                                                         ) -> None:
    small_ones(server)  # every query process started
    baseline = server.resident_mib()
    outcomes: dict[str, tuple[int, float, bytes]] = {}
    attackers = [threading.Thread(target=lambda q=q: outcomes.__setitem__(
        q, query_from(server, q, "127.0.0.2"))) for q in HOSTILE]
    for attacker in attackers:
        attacker.start()
    peak, answered = baseline, []
    while any(attacker.is_alive() for attacker in attackers):
        peak = max(peak, server.resident_mib())
        answered.append(small_ones(server))
        time.sleep(0.05)
    budget = baseline + (QUERY_PROCESSES + HEAVY) * PER_PROCESS_MIB
    assert peak <= budget, f"{peak:.0f} MiB used, {budget:.0f} MiB allowed"
    assert len(answered) >= 5 and max(seconds for _, seconds in answered) < 2
    assert all(outcomes[query][0] == 503 for query in ENDLESS)
    assert all(status in (200, 503) for status, _, _ in outcomes.values())
    assert all(re.search(STOPPED, body) for status, _, body in outcomes.values()
               if status == 503)


def test_a_query_past_its_time_limit_is_stopped_there(server: Server) -> None:
    status, seconds, body = query_from(server, HOSTILE[2], "127.0.0.5")
    assert (status, body) == (503, b"the query ran past the time limit of 2 s and was stopped\n")
    assert 2 <= seconds < 3.5


def test_resources_are_back_right_after_a_query_is_cut(server: Server) -> None:
    small_ones(server)
    baseline = server.resident_mib()
    status, seconds, body = query_from(server, HOSTILE[0], "127.0.0.2")
    assert (status, body) == (503, b"the query needed more than the memory limit of 256 MiB "
                                   b"and was stopped\n")
    time.sleep(1.0)
    assert server.resident_mib() < baseline + 64
    assert small_ones(server)[1] < 1
    assert get(f"{server.url}oai?verb=Identify", timeout=1)[0] == 200


def test_a_known_heavy_query_is_refused_at_once_while_another_runs(server: Server) -> None:
    long_query = HOSTILE[2]  # a count that runs to its time limit
    first = threading.Thread(target=query_from, args=(server, long_query, "127.0.0.3"))
    first.start()
    time.sleep(1.0)  # past heavy_after: it holds the one heavy slot and is remembered
    status, seconds, body = query_from(server, long_query, "127.0.0.4")
    first.join()
    assert status == 503 and seconds < 0.5
    assert b"every slot for long queries (1) is taken" in body


def test_the_server_tree_is_all_that_runs_the_queries(server: Server) -> None:
    processes = [(Path(f"/proc/{pid}/cmdline").read_bytes(),
                  Path(f"/proc/{pid}/comm").read_text().strip())
                 for pid in server.tree() if Path(f"/proc/{pid}/cmdline").exists()]
    # the render processes come from the same fork server, and say what they are
    workers = [line for line, name in processes
               if b"repository.querypool.worker" in line and name != "yuliao-render"]
    assert 1 <= len(workers) <= QUERY_PROCESSES + HEAVY
    assert sum(name == "yuliao-render" for _line, name in processes) == 2  # 1 worker, 2 each


# -- the same guarantees over a store on SPARQL servers -------------------------------------------


@pytest.fixture(scope="module")
def remote_client(oxigraph, tmp_path_factory: pytest.TempPathFactory):
    """The application over a repository on two Oxigraph server processes (the public one
    with a 2 s timeout of its own), the demo records in it; its queries run in query
    processes that send them to the public server."""
    work, public = oxigraph.server(), oxigraph.server("--timeout-s", "2")
    config = Config(home=tmp_path_factory.mktemp("remote") / "home",
                    store=remote_settings(work, public), limits=LimitSettings.unlimited(),
                    sparql=SparqlSettings(time_limit=2.0, workers=2, heavy=1, heavy_after=0.5))
    with Repository(config) as repository:
        records = [Record(id=d.local_id, graph=d.graph, state=d.state)
                   for d in demo.records(config.base_uri)]
        assert load_records(repository, records).ok
        app = create_app(config, repository)
        yield app.test_client(), app.extensions["yuliao.sparql"]


def remote_query(client, query: str) -> tuple[int, bytes]:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    return response.status_code, response.data


def test_a_remote_query_runs_in_a_query_process_and_answers(remote_client) -> None:
    client, pool = remote_client
    status, body = remote_query(client, SMALL)
    assert status == 200 and json.loads(body)["boolean"] is True
    assert pool.pids()  # it ran in a query process, not in this one
    status, body = remote_query(client, "SELECT ?s WHERE { ?s ?p }")
    assert status == 400 and body.startswith(b"syntax error")


def test_a_remote_query_past_its_time_limit_is_cut_and_its_process_replaced(remote_client
                                                                            ) -> None:
    client, pool = remote_client
    before = set(pool.pids())
    started = time.monotonic()
    status, body = remote_query(client, HOSTILE[2])
    assert status == 503 and b"time limit of 2 s" in body
    assert time.monotonic() - started < 4
    assert set(pool.pids()) != before  # the process that held the request was replaced
    assert remote_query(client, SMALL)[0] == 200
