"""Harvest N synthetic OLAC records from a local OAI-PMH provider and print records/s.

    python bench/harvest.py 100000 [--page 500]

The provider is a small replay server on 127.0.0.1 holding ListRecords pages made in advance
(resumption tokens ``page-1``, ``page-2`` …), so that the figure is the harvester's own:
HTTP with its limits, hardened parsing, the OLAC crosswalk, SHACL validation, storage in both
areas, duplicate linking and a checkpoint per page. Generation time is not counted.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import LANGS, RECORD, ROLES  # noqa: E402
from harvest.fetch import Fetcher  # noqa: E402
from harvest.run import Harvest  # noqa: E402
from harvest.sources import Registry, new_source  # noqa: E402
from repository import Config, Repository  # noqa: E402

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/'
        'OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<responseDate>'
        '2026-11-22T00:00:00Z</responseDate>\n<request verb="ListRecords">http://127.0.0.1/oai'
        '</request>\n<ListRecords>\n')


def pages(count: int, size: int) -> list[bytes]:
    """The ListRecords pages of ``count`` records, ``size`` per page, chained by tokens."""
    rng = random.Random(20261122)
    out = []
    for number, start in enumerate(range(0, count, size), start=1):
        body = "".join(
            RECORD.format(n=n, lang=rng.choice(LANGS), role=rng.choice(ROLES),
                          year=rng.randrange(50, 100), day=rng.randrange(1, 28))
            for n in range(start, min(count, start + size)))
        more = start + size < count
        token = (f'<resumptionToken completeListSize="{count}" cursor="{start}">page-{number}'
                 "</resumptionToken>") if more else (
                 f'<resumptionToken completeListSize="{count}" cursor="{start}"/>')
        out.append((HEAD + body + token + "</ListRecords></OAI-PMH>\n").encode())
    return out


def serve(bodies: list[bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            query = dict(parse_qsl(urlsplit(self.path).query))
            token = query.get("resumptionToken", "page-0")
            body = bodies[int(token.split("-")[1])]
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()
    server = serve(pages(args.count, args.page))
    with tempfile.TemporaryDirectory() as tmp:
        repo = Repository(Config(home=Path(tmp)))
        source = Registry(repo).add(new_source(
            "bench", "oai-pmh", f"http://127.0.0.1:{server.server_address[1]}/oai"))
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        report = Harvest(repo, source, full=True, fetcher=Fetcher()).run()
        repo.close()  # timed: the writes are durable only once flushed
        elapsed = time.perf_counter() - started
    server.shutdown()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(report.summary())
    print(f"{args.count} records in {elapsed:.1f} s: {args.count / elapsed:,.0f} records/s; "
          f"CPU {cpu:.1f} s ({cpu * 1000 / args.count:.2f} ms a record, all threads); "
          f"peak RSS {usage.ru_maxrss / 1024:,.0f} MB")
    sys.exit(0 if report.ok else 1)


def _cpu_seconds() -> float:
    """User and system CPU time of this process so far (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
