"""p50/p95 of ten typical catalogue queries over N synthetic records, embedded store and server.

    python bench/sparql.py 1000000 [--repeat 20] [--dir DIR] [--keep] [--load-only]

1. **build**: N synthetic published records, shaped like the public area (one named graph per
   record: the dataset, its catalogue record, agency, period and a distribution; 26 quads),
   streamed into Oxigraph's bulk loader in a fresh directory; the same records' titles and
   texts into a text index (``repository.textindex``, what ``{home}/text`` holds), in one
   commit; their OAI-PMH set memberships into a dissemination index (``oai.sqlite``, without
   fragments), whose VoID set subsets (the facet counts) go into the store as the repository
   stores its VoID description. Each timed apart.
2. **embedded**: the repository's own ``Store`` opens that directory; each query runs through
   ``TextMatching(Store, TextIndex.search).evaluate`` (what ``/sparql`` calls: text patterns
   answered by the index, union default graph, results materialised as rdflib terms) once to
   warm up and ``--repeat`` times measured.
3. **server**: ``oxigraph serve`` on 127.0.0.1 over the same directory; each query runs through
   ``RemoteStore.evaluate`` (SPARQL 1.1 Protocol over HTTP, the remote backend), text patterns
   answered by the same index.

Prints a Markdown table of p50/p95 in milliseconds per query and backend, with row counts,
then p50/p95 of the facet counts VoID gives (``Disseminations.set_counts``, every set at once).
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
from rdflib import Graph, URIRef  # noqa: E402

from repository.config import Config  # noqa: E402
from repository.disseminations import Dissemination, Disseminations  # noqa: E402
from repository.oai_sets import OaiSet  # noqa: E402
from repository.sparql import Boolean, QueryLimits, Solutions, Triples  # noqa: E402
from repository.store import Store  # noqa: E402
from repository.text_match import TextMatching  # noqa: E402
from repository.textindex import TextDocument, TextIndex  # noqa: E402
from repository.void import set_subsets  # noqa: E402

BASE = "https://bench.example.org/"
LEXVO = "http://lexvo.org/id/iso639-3/"
VOCAB = "https://w3id.org/yuliao/vocab/"
LANGS = ["ami", "bnn", "cdo", "ckv", "cmn", "dru", "eng", "hak", "jpn", "kor", "nan", "pwn",
         "pyu", "ssf", "sxr", "szy", "tao", "tay", "trv", "tss", "tsu", "xnb", "xsy"]
LICENCES = ["CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-SA-4.0", "CC0-1.0", "OGDL-Taiwan-1.0",
            "SAITDL-1.0", "TBC"]
TEXT_TYPES = ["education", "event-promotion", "gov-plan-report", "gov-publication",
              "interactive-communication", "language-resource", "local-culture", "other",
              "policy-document", "research-report"]
WORDS = ["語料", "錄音", "詞彙", "教材", "口述歷史", "公報", "年鑑", "新聞", "會議紀錄", "歌謠",
         "族語", "字典", "對話", "故事", "法規"]
AGENCIES = 400
LIMITS = QueryLimits(seconds=60.0, max_rows=10_000)

PREFIXES = f"""PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX yl: <https://w3id.org/yuliao/ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX lang: <{LEXVO}>
PREFIX lic: <{VOCAB}licence/>
"""

QUERIES: dict[str, str] = {
    "by language (nan), first 100": """SELECT ?d ?title WHERE {
  ?d dct:language lang:nan ; dct:title ?title } LIMIT 100""",
    "by licence (CC-BY-4.0), first 100": """SELECT ?d WHERE {
  ?d a dcat:Dataset ; dct:license lic:CC-BY-4.0 } LIMIT 100""",
    "by agency (A00000017)": f"""SELECT ?d ?title WHERE {{
  ?d dct:publisher <{BASE}agency/A00000017> ; dct:title ?title }} LIMIT 100""",
    "by year (covers 1999), first 100": """SELECT ?d WHERE {
  ?d dct:temporal ?p . ?p dcat:startDate ?s ; dcat:endDate ?e
  FILTER(?s <= "1999"^^xsd:gYear && ?e >= "1999"^^xsd:gYear) } LIMIT 100""",
    "language + text type, first 50": f"""SELECT ?d WHERE {{
  ?d dct:language lang:hak ; yl:textType <{VOCAB}text-type/education> }} LIMIT 50""",
    "title contains 口述歷史, first 20 (a scan)": """SELECT ?d ?title WHERE {
  ?d dct:title ?title FILTER(CONTAINS(STR(?title), "口述歷史")) } LIMIT 20""",
    "yl:titleMatches 口述歷史, first 20 (text index)": """SELECT ?d ?title WHERE {
  ?d yl:titleMatches ("口述歷史" 20) ; dct:title ?title
  FILTER(CONTAINS(STR(?title), "口述歷史")) } LIMIT 20""",
    "yl:textMatches 族語, 1,000 hits + licence": """SELECT ?d ?l WHERE {
  ?d yl:textMatches ("族語" 1000) ; dct:license ?l }""",
    "record lookup (DESCRIBE-like, one graph)": f"""SELECT ?s ?p ?o WHERE {{
  GRAPH <{BASE}graph/{{mid}}> {{ ?s ?p ?o }} }}""",
    "record by identifier": """SELECT ?d ?title WHERE {
  ?d dct:identifier "{mid}" ; dct:title ?title }""",
    "count datasets of a licence": """SELECT (COUNT(?d) AS ?n) WHERE {
  ?d dct:license lic:OGDL-Taiwan-1.0 ; a dcat:Dataset }""",
    "count datasets of a language": """SELECT (COUNT(?d) AS ?n) WHERE {
  ?d dct:language lang:ami ; a dcat:Dataset }""",
    "count of a licence, from the VoID statistics": """SELECT ?n WHERE {
  ?s yl:setSpec "licence:OGDL-Taiwan-1.0" ; void:entities ?n }""",
    "counts of every language, from the VoID statistics": """SELECT ?spec ?n WHERE {
  ?s yl:setSpec ?spec ; void:entities ?n FILTER(STRSTARTS(?spec, "language:")) }""",
}


# -- the synthetic public area -------------------------------------------------------------


class Synthetic(NamedTuple):
    """One synthetic record: its quads, its text document and its OAI-PMH set specs."""

    nquads: str
    document: TextDocument
    specs: tuple[str, ...]


def record_nquads(n: int, rng: random.Random) -> Synthetic:
    """One published record (dataset, catalogue record, agency, period, distribution), with
    what the text and dissemination indexes hold of it."""
    rid = f"{n:08d}"
    g, d, r = f"<{BASE}graph/{rid}>", f"<{BASE}id/{rid}>", f"<{BASE}record/{rid}>"
    agency = f"<{BASE}agency/A{rng.randrange(AGENCIES):08d}>"
    start = rng.randrange(1950, 2024)
    word, lang = rng.choice(WORDS), rng.choice(LANGS)
    lic = f"<{VOCAB}licence/{rng.choice(LICENCES)}>"
    keyword = rng.choice(WORDS)
    titles = (f"{word}合成資料集第{n}號", f"Synthetic dataset {n}")
    description = f"第{n}號合成資料集，收錄{word}，供基準測試使用。"
    document = TextDocument(rid, d[1:-1], titles, (description, word, keyword))
    issued, text_type = rng.randrange(2000, 2026), rng.choice(TEXT_TYPES)
    specs = (f"language:{lang}", f"licence:{lic[len(VOCAB) + 9:-1]}",
             f"text-type:{text_type}", f"agency:{agency[-10:-1]}")
    t = lambda s, p, o: f"{s} {p} {o} {g} .\n"  # noqa: E731
    dct, dcat = "<http://purl.org/dc/terms/", "<http://www.w3.org/ns/dcat#"
    xsd = "^^<http://www.w3.org/2001/XMLSchema#"
    a = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    return Synthetic("".join((
        t(d, a, f"{dcat}Dataset>"),
        t(d, f"{dct}identifier>", f'"{rid}"'),
        t(d, f"{dct}title>", f'"{titles[0]}"@zh-hant-tw'),
        t(d, f"{dct}title>", f'"{titles[1]}"@en'),
        t(d, f"{dct}description>", f'"{description}"@zh-hant-tw'),
        t(d, f"{dct}language>", f"<{LEXVO}{lang}>"),
        t(d, f"{dct}license>", lic),
        t(d, f"{dct}publisher>", agency),
        t(d, f"{dct}issued>", f'"{issued}-06-15"{xsd}date>'),
        t(d, f"{dct}temporal>", f"<{BASE}id/{rid}#period>"),
        t(d, "<https://w3id.org/yuliao/ns#textType>", f"<{VOCAB}text-type/{text_type}>"),
        t(d, f"{dcat}keyword>", f'"{word}"@zh-hant-tw'),
        t(d, f"{dcat}keyword>", f'"{keyword}"@zh-hant-tw'),
        t(d, f"{dcat}distribution>", f"<{BASE}id/{rid}#dist-1>"),
        t(f"<{BASE}id/{rid}#dist-1>", a, f"{dcat}Distribution>"),
        t(f"<{BASE}id/{rid}#dist-1>", f"{dcat}mediaType>",
          "<http://www.iana.org/assignments/media-types/text/csv>"),
        t(f"<{BASE}id/{rid}#dist-1>", f"{dcat}byteSize>", f'"{rng.randrange(10**9)}"{xsd}decimal>'),
        t(f"<{BASE}id/{rid}#dist-1>", f"{dct}license>", lic),
        t(f"<{BASE}id/{rid}#period>", f"{dcat}startDate>", f'"{start}"{xsd}gYear>'),
        t(f"<{BASE}id/{rid}#period>", f"{dcat}endDate>",
          f'"{start + rng.randrange(0, 30)}"{xsd}gYear>'),
        t(agency, f"{dct}identifier>", f'"{agency[-10:-1]}"'),
        t(r, a, f"{dcat}CatalogRecord>"),
        t(r, "<http://xmlns.com/foaf/0.1/primaryTopic>", d),
        t(r, "<https://w3id.org/yuliao/ns#localId>", f'"{rid}"'),
        t(r, "<https://w3id.org/yuliao/ns#datestamp>",
          f'"2026-11-{rng.randrange(1, 29):02d}T00:00:00Z"{xsd}dateTime>'),
        t(r, f"{dct}modified>", f'"2026-11-{rng.randrange(1, 29):02d}T00:00:00Z"{xsd}dateTime>'),
    )), document, specs)


def records(count: int) -> Iterator[Synthetic]:
    """The ``count`` synthetic records, the same on every call."""
    rng = random.Random(20261122)
    return (record_nquads(n, rng) for n in range(1, count + 1))


def load(directory: Path, count: int, chunk: int = 20_000) -> float:
    """Bulk-load ``count`` records into a new store at ``directory``, ``chunk`` records per
    call of the bulk loader; seconds taken (generation included)."""
    began = time.perf_counter()
    store = ox.Store(str(directory))
    made = records(count)
    for _ in range(0, count, chunk):
        data = "".join(record.nquads for record in islice(made, chunk)).encode()
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store
    return time.perf_counter() - began


def index_texts(directory: Path, count: int) -> float:
    """The text index of the ``count`` records at ``directory``, in one commit; seconds."""
    began = time.perf_counter()
    index = TextIndex(directory)
    try:
        index.replace_all(record.document for record in records(count))
    finally:
        index.close()
    return time.perf_counter() - began


def index_sets(path: Path, count: int, chunk: int = 10_000) -> float:
    """The dissemination index of the ``count`` records at ``path`` with their set
    memberships only (no fragments: the facet counts read memberships); seconds taken."""
    began = time.perf_counter()
    index = Disseminations(path)
    try:
        made = records(count)
        for _ in range(0, count, chunk):
            index.put(Dissemination(r.document.local_id, "2026-11-01T00:00:00Z",
                                    sets=tuple(map(OaiSet, r.specs)))
                      for r in islice(made, chunk))
    finally:
        index.close()
    return time.perf_counter() - began


def store_set_subsets(work: Path) -> None:
    """The set subsets of VoID (``repository.void.set_subsets``) of ``work/oai.sqlite``, stored
    in ``work/public`` as the repository stores its description, so that SPARQL reads them."""
    config = Config(home=work, base_uri=BASE)
    index, store = Disseminations(work / "oai.sqlite"), Store(work / "public")
    try:
        description = Graph()
        set_subsets(description, URIRef(f"{BASE}void#dataset"), index, config)
        store.replace({URIRef(f"{BASE}.well-known/void"): description})
    finally:
        index.close()
        store.close()


def facet_counts(path: Path, repeat: int) -> tuple[float, float, int]:
    """p50 and p95 ms of ``Disseminations.set_counts`` (VoID's facet counts), and the sets."""
    index = Disseminations(path)
    try:
        sets = len(index.set_counts())
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            index.set_counts()
            times.append((time.perf_counter() - began) * 1000)
    finally:
        index.close()
    return (*percentiles(times), sets)


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) of ``times``."""
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


# -- measuring -----------------------------------------------------------------------------


def size_of(answer) -> int:
    if isinstance(answer, Solutions):
        return len(answer.rows)
    if isinstance(answer, Triples):
        return len(answer.triples)
    assert isinstance(answer, Boolean)
    return 1


def measure(evaluate: Callable[[str], object], repeat: int, mid: str) -> dict[str, tuple]:
    """Query name → (p50 ms, p95 ms, rows) over ``repeat`` runs after one warm-up."""
    results = {}
    for name, body in QUERIES.items():
        query = PREFIXES + body.replace("{mid}", mid)
        rows = size_of(evaluate(query))
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            evaluate(query)
            times.append((time.perf_counter() - began) * 1000)
        results[name] = (*percentiles(times), rows)
    return results


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(directory: Path) -> tuple[subprocess.Popen, str]:
    """An Oxigraph server on ``directory``; returns it and its base URL once it answers."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    server = subprocess.Popen([binary, "serve", "--location", str(directory),
                               "--bind", f"127.0.0.1:{port}", "--timeout-s", "60"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the Oxigraph server did not start within 120 s")


def embedded(directory: Path, text: TextIndex, repeat: int, mid: str) -> dict[str, tuple]:
    store = Store(directory)
    try:
        public = TextMatching(store, text.search)
        return measure(lambda q: public.evaluate(q, limits=LIMITS), repeat, mid)
    finally:
        store.close()


def remote(directory: Path, text: TextIndex, repeat: int, mid: str) -> dict[str, tuple]:
    from repository.config import RemoteEndpoints
    from repository.remote_store import RemoteStore

    server, url = serve(directory)
    try:
        store = RemoteStore(RemoteEndpoints(f"{url}query", f"{url}update", f"{url}store"))
        try:
            public = TextMatching(store, text.search)
            return measure(lambda q: public.evaluate(q, limits=LIMITS), repeat, mid)
        finally:
            store.close()
    finally:
        server.terminate()
        server.wait(timeout=60)


def report(count: int, took: dict[str, float], runs: dict[str, dict[str, tuple]],
           facets: tuple[float, float, int]) -> None:
    print(f"\n{count:,} records; built: " + (", ".join(
        f"{part} in {seconds:.0f} s ({count / seconds:,.0f} records/s)"
        for part, seconds in took.items()) or "nothing (--keep)") + "\n")
    backends = list(runs)
    print("| query | rows | " + " | ".join(f"{b} p50 / p95 (ms)" for b in backends) + " |")
    print("|---|---:|" + "---:|" * len(backends))
    for name in QUERIES:
        rows = next(iter(runs.values()))[name][2]
        cells = " | ".join(f"{runs[b][name][0]:.1f} / {runs[b][name][1]:.1f}" for b in backends)
        print(f"| {name} | {rows} | {cells} |")
    p50, p95, sets = facets
    print(f"\nfacet counts of every set ({sets} sets, Disseminations.set_counts, VoID): "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")


#: What the bench builds in its directory, and how.
PARTS: dict[str, Callable[[Path, int], float]] = {
    "public": load, "text": index_texts, "oai.sqlite": index_sets}


def prepare(work: Path, count: int, keep: bool) -> dict[str, float]:
    """Builds every part (only those missing with ``keep``); seconds each took."""
    took = {}
    for name, build in PARTS.items():
        path = work / name
        if keep and path.exists():
            continue
        shutil.rmtree(path, ignore_errors=True)
        path.unlink(missing_ok=True)
        took[name] = build(path, count)
        print(f"{name}: {count:,} records in {took[name]:.0f} s", flush=True)
        if name == "oai.sqlite":
            store_set_subsets(work)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--dir", type=Path, help="where the store goes (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="reuse what is already built")
    parser.add_argument("--load-only", action="store_true", help="build (into --dir) and stop")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="yuliao-bench-sparql-"))
    try:
        took = prepare(work, args.count, args.keep)
        if args.load_only:
            return
        mid = f"{args.count // 2:08d}"
        text = TextIndex(work / "text")
        try:
            runs = {"embedded": embedded(work / "public", text, args.repeat, mid)}
            runs["Oxigraph server"] = remote(work / "public", text, args.repeat, mid)
        finally:
            text.close()
        report(args.count, took, runs, facet_counts(work / "oai.sqlite", args.repeat))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
