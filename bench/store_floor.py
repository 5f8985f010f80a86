"""The store's own write floor: how fast Oxigraph alone takes what an import writes.

    python bench/store_floor.py [N] [--batch 200]

``bench/ingest.py``'s N synthetic OLAC records (default 2,000) are imported into a temporary
home through the ``Importer``; then the quads it wrote (work area and public area, each record
in its named graphs) are read back and written again into fresh on-disk stores, with no other
work, four ways, ``--batch`` records at a time, each way timed with its final flush:

- **INSERT DATA, one thread**: one SPARQL update per batch and area (``replacement_update``,
  what ``Repository`` sends), the work area then the public area;
- **INSERT DATA, two threads**: the same, each area on its own thread (what the import
  pipeline does: the two stores are written in parallel);
- **load**: pyoxigraph's transactional N-Quads ``load`` per batch and area, one thread;
- **bulk_load**: the bulk loader (not atomic, so not usable for records; a reference).

Prints records/s and CPU a record for each. Whatever the import does besides writing (XML,
crosswalk, validation, rendering) can only lower the import's rate below these figures.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyoxigraph as ox  # noqa: E402
from ingest import write_files  # noqa: E402
from rdflib import URIRef  # noqa: E402

from repository import Config, Repository  # noqa: E402
from repository.importer import Importer  # noqa: E402
from repository.store import replacement_update  # noqa: E402

Batches = list[dict[str, list[str]]]  # per batch: graph name → its statements (no dot)


def imported(count: int, work: Path) -> dict[str, Batches]:
    """Import ``count`` synthetic records into a home under ``work``; each area's graphs
    as batches in import order (a record's graphs stay in one batch)."""
    (work / "files").mkdir()
    files = write_files(work / "files", count, 5_000)
    repository = Repository(Config(home=work / "home"))
    try:
        Importer(repository).import_paths(files)
        return {"work": graphs_of(repository.work._store), "public":
                graphs_of(repository.public._store)}
    finally:
        repository.close()


def graphs_of(store: ox.Store) -> dict[str, list[str]]:
    graphs: dict[str, list[str]] = defaultdict(list)
    for quad in store.quads_for_pattern(None, None, None, None):
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs[quad.graph_name.value].append(f"{quad.subject} {quad.predicate} {quad.object}")
    return graphs


def batched(graphs: dict[str, list[str]], count: int, batch: int) -> Batches:
    """``graphs`` cut into batches of about ``batch`` records' graphs."""
    names = sorted(graphs)
    size = max(1, round(len(names) * batch / count))
    return [{name: graphs[name] for name in names[i:i + size]}
            for i in range(0, len(names), size)]


def insert_data(store: ox.Store, batches: Batches) -> None:
    for batch in batches:
        store.update(replacement_update({URIRef(n): lines for n, lines in batch.items()},
                                        frozenset(URIRef(n) for n in batch)))


def load(store: ox.Store, batches: Batches) -> None:
    for batch in batches:
        store.load(nquads(batch), format=ox.RdfFormat.N_QUADS)


def bulk_load(store: ox.Store, batches: Batches) -> None:
    for batch in batches:
        store.bulk_load(nquads(batch), format=ox.RdfFormat.N_QUADS)


def nquads(batch: dict[str, list[str]]) -> bytes:
    return "".join(f"{line} <{name}> .\n" for name, lines in batch.items()
                   for line in lines).encode()


def timed(directory: Path, areas: dict[str, Batches], write: Callable, threads: bool,
          ) -> tuple[float, float]:
    """Seconds and CPU seconds to write every area into fresh stores (flush included)."""
    directory.mkdir()
    stores = {area: ox.Store(str(directory / area)) for area in areas}

    def one(area: str) -> None:
        write(stores[area], areas[area])
        stores[area].flush()

    cpu, began = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    if threads:
        workers = [threading.Thread(target=one, args=(area,)) for area in areas]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    else:
        for area in areas:
            one(area)
    took, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_SELF)
    return took, (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)


WAYS = {
    "INSERT DATA, one thread": (insert_data, False),
    "INSERT DATA, two threads": (insert_data, True),
    "load (transactional N-Quads), one thread": (load, False),
    "bulk_load (not atomic), one thread": (bulk_load, False),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=2_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yuliao-bench-floor-") as work:
        graphs = imported(args.count, Path(work))
        areas = {area: batched(g, args.count, args.batch) for area, g in graphs.items()}
        quads = {area: sum(map(len, g.values())) for area, g in graphs.items()}
        print(f"{args.count:,} records: work area {quads['work']:,} quads, public area "
              f"{quads['public']:,} quads\n")
        print("| way | records/s | CPU a record (ms) |\n|---|---:|---:|")
        for number, (name, (write, threads)) in enumerate(WAYS.items()):
            took, cpu = timed(Path(work) / f"way{number}", areas, write, threads)
            print(f"| {name} | {args.count / took:,.0f} | {cpu * 1000 / args.count:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
