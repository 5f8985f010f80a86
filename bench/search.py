"""Search quality and speed: our search (repository/search) against the substring index and
whoosh-reloaded with jieba, on the judged query set of bench/search_judgments.py.

    python bench/search.py [--records 100000] [--whoosh-records 20000] [--runs 5]

Quality, over the demo records and the judged synthetic records (the same documents in every
engine): nDCG@10 (binary relevance) and recall@100, averaged over the queries.

- **ours**: :func:`repository.search.query.search` (words, grams, facets, BM25);
- **substring**: the text index's SPARQL field (``TextIndex.search``: exact substrings of
  Chinese, whole words of Latin text), the floor our recall must reach;
- **whoosh-reloaded**: whoosh-reloaded 2.7.5 with jieba's ``ChineseAnalyzer`` on a title and a
  text field, queries through ``MultifieldParser`` (whoosh's usual set-up for Chinese;
  ``pip install 'yuliao[bench]'``).

Speed: the same queries against ``--records`` documents (the judged ones and synthetic filler
written from our vocabularies' labels and the judged records' words), ``--runs`` times each:
p50 and p95 in milliseconds; whoosh at ``--whoosh-records`` (its indexing runs at about a
thousand documents a second).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rdflib import URIRef  # noqa: E402
from search_judgments import QUERIES, SYNTHETIC  # noqa: E402

import demo  # noqa: E402
from repository import Config  # noqa: E402
from repository.records import Identifiers, Record  # noqa: E402
from repository.renderings import render  # noqa: E402
from repository.search.facets import Facets  # noqa: E402
from repository.search.query import Search, search  # noqa: E402
from repository.textindex import TextDocument, TextIndex  # noqa: E402
from vocab.namespaces import SKOS  # noqa: E402
from vocab.schemes import load  # noqa: E402

BASE = Config(home=None).base_uri
Ranker = Callable[[str], list[str]]


# -- the documents -------------------------------------------------------------------------


def judged_documents() -> list[TextDocument]:
    """The public demo records and the synthetic judged records, as the text index takes them."""
    ids = Identifiers(BASE, "bench.example.org")
    documents = []
    for described in demo.records(BASE):
        if described.state not in ("published", "takedown-pending-agency",
                                   "takedown-pending-platform"):
            continue
        record = Record(id=described.local_id, graph=described.graph, state=described.state,
                        datestamp=None)
        from datetime import UTC, datetime
        row = render(record.with_(datestamp=datetime(2026, 1, 1, tzinfo=UTC)), ids)
        documents.append(TextDocument(record.id, str(ids.resource(record.id)), *row.text,
                                      facets=row.facets, descriptions=row.descriptions,
                                      names=row.names))
    for synthetic in SYNTHETIC:
        documents.append(TextDocument(
            synthetic.local_id, f"{BASE}id/{synthetic.local_id}", synthetic.titles,
            (*synthetic.descriptions, *synthetic.keywords),
            facets=Facets(tuple(f"language:{c}" for c in synthetic.languages)),
            descriptions=synthetic.descriptions, names=language_names(synthetic.languages)))
    return documents


def language_names(codes: tuple[str, ...]) -> tuple[str, ...]:
    """The names our vocabulary gives languages ``codes`` (as a record's would be indexed)."""
    from rdflib import Graph

    from repository.search.facets import record_names
    from vocab.namespaces import DCT, lexvo

    subject, graph = URIRef(f"{BASE}id/x"), Graph()
    for code in codes:
        graph.add((subject, DCT.language, lexvo(code)))
    return record_names(graph, subject)


def filler(count: int, seed: int = 7) -> Iterable[TextDocument]:
    """``count`` synthetic documents that match nothing judged on purpose: titles and texts
    drawn from our vocabularies' Chinese and English labels and common words."""
    rng = random.Random(seed)
    graph = load()
    words = sorted({str(o) for o in graph.objects(None, SKOS.prefLabel)})
    common = ["資料", "報告", "統計", "年報", "計畫", "調查", "成果", "手冊", "data", "report",
              "annual", "survey", "plan", "records", "texts", "collection"]
    for n in range(count):
        title = "".join(rng.sample(words, 2)) + rng.choice(common)
        text = " ".join(rng.sample(words + common, 12))
        yield TextDocument(f"8{n:07d}", f"{BASE}id/8{n:07d}", (title,), (text,),
                           facets=Facets((f"language:{rng.choice(['cmn', 'nan', 'hak'])}",)),
                           descriptions=(text,))


# -- the engines ---------------------------------------------------------------------------


def ours(index: TextIndex) -> Ranker:
    def rank(query: str) -> list[str]:
        return [h.local_id for h in search(index, Search.checked(query, size=100)).hits]
    return rank


def substring(index: TextIndex) -> Ranker:
    def rank(query: str) -> list[str]:
        try:
            hits = index.search(query, "text", limit=100)
        except Exception:  # noqa: BLE001 - a query the substring index refuses finds nothing
            return []
        return [iri.rsplit("/", 1)[-1] for iri in hits.iris]
    return rank


def whoosh_index(documents: Iterable[TextDocument], folder: Path):
    """A whoosh-reloaded index of ``documents`` with jieba's ChineseAnalyzer."""
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields, index

    analyzer = ChineseAnalyzer()
    schema = fields.Schema(local_id=fields.ID(stored=True, unique=True),
                           title=fields.TEXT(analyzer=analyzer, field_boost=3.0),
                           text=fields.TEXT(analyzer=analyzer))
    built = index.create_in(str(folder), schema)
    writer = built.writer(limitmb=256)
    for document in documents:
        writer.add_document(local_id=document.local_id, title=" ".join(document.titles),
                            text=" ".join((*document.titles, *document.texts,
                                           *document.names)))
    writer.commit()
    return built


def whoosh(built) -> Ranker:
    from whoosh.qparser import MultifieldParser

    parser = MultifieldParser(["title", "text"], schema=built.schema)

    def rank(query: str) -> list[str]:
        with built.searcher() as searcher:
            return [hit["local_id"] for hit in searcher.search(parser.parse(query), limit=100)]
    return rank


# -- measures ------------------------------------------------------------------------------


def ndcg(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    gain = sum(1 / math.log2(i + 2) for i, found in enumerate(ranked[:k]) if found in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return gain / ideal if ideal else 0.0


def recall(ranked: list[str], relevant: set[str], k: int = 100) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant)


def quality(rank: Ranker) -> tuple[float, float]:
    scores = [(ndcg(rank(q), wanted), recall(rank(q), wanted)) for q, wanted in QUERIES.items()]
    return (statistics.fmean(s[0] for s in scores), statistics.fmean(s[1] for s in scores))


def latency(rank: Ranker, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        for query in QUERIES:
            start = time.perf_counter()
            rank(query)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--whoosh-records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    judged = judged_documents()
    print(f"{len(QUERIES)} judged queries over {len(judged)} records")
    index = TextIndex(None)
    index.put(judged)
    with tempfile.TemporaryDirectory() as folder:
        built = whoosh_index(judged, Path(folder))
        for name, rank in (("ours", ours(index)), ("substring", substring(index)),
                           ("whoosh-reloaded+jieba", whoosh(built))):
            at_10, at_100 = quality(rank)
            print(f"{name:24} nDCG@10 {at_10:.3f}  recall@100 {at_100:.3f}")
    start = time.perf_counter()
    index.put(filler(args.records - len(judged)))
    print(f"ours: indexed {args.records:,} records in {time.perf_counter() - start:.1f} s")
    for name, rank in (("ours", ours(index)), ("substring", substring(index))):
        p50, p95 = latency(rank, args.runs)
        print(f"{name:24} at {args.records:,}: p50 {p50:.2f} ms  p95 {p95:.2f} ms")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        built = whoosh_index([*judged, *filler(args.whoosh_records - len(judged))], Path(folder))
        print(f"whoosh: indexed {args.whoosh_records:,} records in "
              f"{time.perf_counter() - start:.1f} s")
        p50, p95 = latency(whoosh(built), args.runs)
        print(f"{'whoosh-reloaded+jieba':24} at {args.whoosh_records:,}: p50 {p50:.2f} ms  "
              f"p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
