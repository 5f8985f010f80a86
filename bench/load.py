"""Load test of ``yuliao serve``: many simulated users on 127.0.0.1, a documented mix of reads.

    python bench/load.py --home HOME [--records 100000] [--users 1000] [--think 1 5]
                         [--seconds 120] [--workers N] [--url URL]

HOME is filled with the demo and ``--records`` synthetic OLAC records (bench/ingest.py's
generator, through the importer ``yuliao import`` uses) when it holds no store, and served
with ``yuliao serve`` as ``make run`` serves it, except that ``[limits] trusted_proxies`` is
set to 127.0.0.1 in its yuliao.toml: each simulated user names itself with its own
``X-Forwarded-For`` address, so that per-client rate limits apply to each user as they would
behind a proxy (one address for all would be one client). ``--url`` measures a server that
is already running instead.

Each user keeps one HTTP/1.1 connection open and loops: one request, then a pause drawn
uniformly from ``--think`` seconds (``--think 0 0``: none, as fast as the server answers).
The mix (the issue's): 40 % record pages (HTML, one in ten Turtle), 30 % OAI-PMH (two thirds
GetRecord, one third the first page of ListRecords, half of them of a language set), 20 %
SPARQL SELECTs typical of the catalogue (records of a language, one record's graph, a facet
count from VoID, a title search through the text index, a subject language and type), 10 %
home, search and list pages (the home page, 30 %; a later page of it, 15 %; a search, 25 %:
a word of the catalogue, a third of them with a facet; an agency's page, 15 %; the first page
of /catalog, 7.5 %; VoID, 7.5 %). Records are drawn uniformly from
every public record. The run starts ``--settle`` seconds after the server first answers (its
start-up work is not measured), users start spread over ``--ramp`` seconds, and figures
count requests started after the ramp. A separate probe asks for Identify every second, on a
new connection, during the run and for ``--after`` seconds after it, and reports its slowest
answer in each.

Output: requests, requests/s, errors (status >= 400, time-outs of 30 s, broken connections),
and average, p50, p95, p99 and max latency in seconds, overall and per kind; one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repository.config import CONFIG_FILE  # noqa: E402

#: Where the server started by the benchmark writes.
LOG = ROOT / "bench" / "out" / "load-server.log"
#: Seconds a request may take before it counts as an error.
REQUEST_TIMEOUT = 30.0
#: What the simulated readers search for: words of the demo and synthetic records' titles.
SEARCH_WORDS = ("語料", "語料庫", "客語", "台語", "corpus", "dictionary", "口述歷史", "辭典",
                "Amis", "新聞", "教材", "language", "臺灣", "手語")
LANGUAGES = ["ami", "tay", "pwn", "bnn", "pyu", "dru", "tsu", "xsy", "tao", "ssf", "ckv", "trv",
             "szy", "sxr", "xnb", "nan", "hak", "cmn", "tss", "cdo"]
#: Agencies of the demo records, whose pages list their datasets.
AGENCIES = ["A29000000G", "A01000000A", "A09000000E", "A41000000G", "376570000A"]
SPARQL = [
    "SELECT ?d ?title WHERE {{ ?d dct:language <http://lexvo.org/id/iso639-3/{lang}> ; "
    "dct:title ?title }} LIMIT 100",
    "SELECT ?s ?p ?o WHERE {{ GRAPH <{base}graph/{id}> {{ ?s ?p ?o }} }}",
    'SELECT ?n WHERE {{ ?s yl:setSpec "language:{lang}" ; void:entities ?n }}',
    'SELECT ?d ?title WHERE {{ ?d yl:titleMatches ("錄音" 20) ; dct:title ?title }}',
    "SELECT ?d WHERE {{ ?d dct:subject <http://lexvo.org/id/iso639-3/{lang}> ; dct:type "
    "<http://purl.org/dc/dcmitype/Sound> }} LIMIT 50",
]


# -- the home --------------------------------------------------------------------------------


def fill(home: Path, count: int) -> None:
    """The demo and ``count`` synthetic records in a new home (``yuliao init --demo``, then
    the importer over bench/ingest.py's files)."""
    import tempfile

    from ingest import write_files

    from repository import Config, Repository
    from repository.importer import Importer

    run_cli(home, "init", "--demo")
    with tempfile.TemporaryDirectory() as folder, Repository(Config.from_env(home)) as repo:
        importer = Importer(repo)
        for path in write_files(Path(folder), count, 5000):
            importer.import_file(path)
            print(f"  imported {path.name}", file=sys.stderr)


def run_cli(home: Path, *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "app", "--home", str(home), *arguments], check=True,
                   cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


TRUSTED = 'trusted_proxies = ["127.0.0.1"]'


def trust_local_proxy(home: Path) -> None:
    """``[limits] trusted_proxies = ["127.0.0.1"]`` in the home's settings (once; the
    settings ``yuliao init`` writes list none, ``trusted_proxies = []``)."""
    settings = home / CONFIG_FILE
    text = settings.read_text(encoding="utf-8") if settings.exists() else ""
    if "trusted_proxies = []" in text:
        settings.write_text(text.replace("trusted_proxies = []", TRUSTED, 1), encoding="utf-8")
    elif "trusted_proxies" not in text:
        table = "" if "[limits]" in text else "\n[limits]\n"
        text = text.replace("[limits]\n", f"[limits]\n{TRUSTED}\n") \
            if not table else text + table + f"{TRUSTED}\n"
        settings.write_text(text, encoding="utf-8")


def public_ids(home: Path) -> list[str]:
    """Every live record id, from the dissemination index."""
    with sqlite3.connect(home / "oai.sqlite") as db:
        return [row[0] for row in db.execute("SELECT local_id FROM records WHERE NOT deleted")]


def home_cursors(home: Path, count: int = 200) -> list[str]:
    """``?before=`` values of the home page's later pages: (datestamp, id) of records drawn
    at random."""
    with sqlite3.connect(home / "oai.sqlite") as db:
        rows = db.execute("SELECT datestamp, local_id FROM records WHERE NOT deleted "
                          "ORDER BY random() LIMIT ?", (count,)).fetchall()
    return [f"{datestamp},{local_id}" for datestamp, local_id in rows]


def identity(url: str) -> tuple[str, str]:
    """The base URI the server mints IRIs under and its OAI repository identifier, from its
    Identify."""
    import urllib.request

    with urllib.request.urlopen(f"{url}oai?verb=Identify", timeout=30) as response:
        text = response.read().decode()

    def element(name: str) -> str:
        return text.split(f"<{name}>", 1)[1].split(f"</{name}>", 1)[0]

    return element("baseURL").removesuffix("oai"), element("repositoryIdentifier")


def start_server(home: Path, port: int, workers: int | None) -> subprocess.Popen:
    """``yuliao serve`` on ``port``, its output in bench/out/load-server.log."""
    command = [sys.executable, "-m", "app", "--home", str(home), "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    LOG.parent.mkdir(exist_ok=True)
    with LOG.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})


def wait_for(url: str, seconds: float = 120.0) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}oai?verb=Identify", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


# -- the mix ---------------------------------------------------------------------------------


@dataclass
class Mix:
    """Draws the next request of the mix: (kind, path, Accept)."""

    ids: list[str]
    cursors: list[str]
    base: str
    oai_id: str
    rng: random.Random

    def next(self) -> tuple[str, str, str]:
        draw = self.rng.random()
        if draw < 0.4:
            return self._record()
        if draw < 0.7:
            return self._oai()
        if draw < 0.9:
            return self._sparql()
        return self._lists()

    def _id(self) -> str:
        return self.rng.choice(self.ids)

    def _record(self) -> tuple[str, str, str]:
        path = "/record/" + urllib.parse.quote(self._id(), safe=":")
        turtle = self.rng.random() < 0.1
        return "record", path, "text/turtle" if turtle else "text/html"

    def _oai(self) -> tuple[str, str, str]:
        if self.rng.random() < 2 / 3:
            query = {"verb": "GetRecord", "metadataPrefix": "olac",
                     "identifier": f"oai:{self.oai_id}:{self._id()}"}
            return "oai GetRecord", "/oai?" + urllib.parse.urlencode(query), "text/xml"
        query = {"verb": "ListRecords", "metadataPrefix": self.rng.choice(["olac", "oai_dc"])}
        if self.rng.random() < 0.5:
            query["set"] = f"language:{self.rng.choice(LANGUAGES)}"
        return "oai ListRecords", "/oai?" + urllib.parse.urlencode(query), "text/xml"

    def _sparql(self) -> tuple[str, str, str]:
        template = self.rng.choice(SPARQL)
        query = template.format(lang=self.rng.choice(LANGUAGES), base=self.base, id=self._id())
        path = "/sparql?" + urllib.parse.urlencode({"query": query})
        return "sparql", path, "application/sparql-results+json"

    def _lists(self) -> tuple[str, str, str]:
        draw = self.rng.random()
        if draw < 0.3:
            return "home", "/", "text/html"
        if draw < 0.45:
            return "home", "/?" + urllib.parse.urlencode(
                {"before": self.rng.choice(self.cursors)}), "text/html"
        if draw < 0.7:
            return self._search()
        if draw < 0.85:
            return "agency", f"/agency/{self.rng.choice(AGENCIES)}", "text/html"
        if draw < 0.925:
            return "catalog", "/catalog", "text/turtle"
        return "void", "/.well-known/void", "text/turtle"

    def _search(self) -> tuple[str, str, str]:
        query = {"q": self.rng.choice(SEARCH_WORDS)}
        if self.rng.random() < 1 / 3:
            query["facet"] = f"language:{self.rng.choice(LANGUAGES)}"
        return "search", "/search?" + urllib.parse.urlencode(query), "text/html"


# -- the client ------------------------------------------------------------------------------


@dataclass
class Results:
    """Latencies (seconds) per kind and the errors, of requests started after the ramp."""

    since: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    slow: dict[int, int] = field(default_factory=dict)  # requests over 1 s per 10 s window

    def add(self, kind: str, started: float, seconds: float, error: str | None) -> None:
        if started < self.since:
            return
        self.latencies.setdefault(kind, []).append(seconds)
        if seconds > 1.0:
            window = int((started - self.since) // 10) * 10
            self.slow[window] = self.slow.get(window, 0) + 1
        if error:
            self.errors[error] = self.errors.get(error, 0) + 1


async def request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str,
                  accept: str, client: str) -> int:
    """One GET on a kept-alive connection; the status once the body is read."""
    writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n"
                  f"X-Forwarded-For: {client}\r\n\r\n").encode())
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length, chunked = None, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    elif length:
        await reader.readexactly(length)
    return status


async def user(number: int, url: str, mix: Mix, think: tuple[float, float], start: float,
               stop: float, results: Results) -> None:
    """One simulated user until ``stop``, starting at ``start`` (loop time)."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, start - loop.time()))
    client = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    address = urllib.parse.urlsplit(url)
    connection = None
    while loop.time() < stop:
        kind, path, accept = mix.next()
        began = loop.time()
        error, broken = None, False
        try:
            if connection is None:
                connection = await asyncio.open_connection(address.hostname, address.port)
            status = await asyncio.wait_for(request(*connection, path, accept, client),
                                            REQUEST_TIMEOUT)
            if status >= 400:
                error = f"{kind} {status}"
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as problem:
            error, broken = f"{kind} {type(problem).__name__}", True
        except TimeoutError:
            error, broken = f"{kind} time-out", True
        if broken and connection is not None:
            connection[1].close()
            connection = None
        results.add(kind, began, loop.time() - began, error)
        if think[1] > 0:
            await asyncio.sleep(mix.rng.uniform(*think))
    if connection is not None:
        connection[1].close()


async def probe(url: str, stop: float, after: float) -> list[tuple[float, float]]:
    """Identify once a second until ``after`` seconds past ``stop``, on a new connection each
    time: (seconds from ``stop``, latency) of each (a failed or timed-out probe counts as
    REQUEST_TIMEOUT)."""
    loop = asyncio.get_running_loop()
    address = urllib.parse.urlsplit(url)
    times: list[tuple[float, float]] = []  # (seconds past the end of the run, latency)
    while loop.time() < stop + after:
        began = loop.time()
        try:
            connection = await asyncio.open_connection(address.hostname, address.port)
            await asyncio.wait_for(request(*connection, "/oai?verb=Identify", "text/xml",
                                           "10.255.255.255"), REQUEST_TIMEOUT)
            connection[1].close()
            times.append((began - stop, loop.time() - began))
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            times.append((began - stop, REQUEST_TIMEOUT))
        await asyncio.sleep(max(0.0, 1.0 - (loop.time() - began)))
    return times


async def run(url: str, mix: Mix, users: int, think: tuple[float, float], seconds: float,
              ramp: float, after: float) -> tuple[Results, list[tuple[float, float]], float]:
    loop = asyncio.get_running_loop()
    begin = loop.time()
    results = Results(since=begin + ramp)
    stop = begin + ramp + seconds
    tasks = [user(n, url, dataclasses.replace(mix, rng=random.Random(n)), think,
                  begin + ramp * n / users, stop, results) for n in range(users)]
    identify = asyncio.create_task(probe(url, stop, after))
    await asyncio.gather(*tasks)
    return results, await identify, seconds


# -- the report ------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summary(values: list[float], seconds: float) -> dict:
    return {"requests": len(values), "per_s": round(len(values) / seconds, 1),
            "avg": round(sum(values) / len(values), 3) if values else 0.0,
            "p50": round(percentile(values, 0.5), 3), "p95": round(percentile(values, 0.95), 3),
            "p99": round(percentile(values, 0.99), 3), "max": round(max(values, default=0), 3)}


def report(results: Results, identify: list[tuple[float, float]], seconds: float,
           settings: dict) -> dict:
    """The figures; Identify's slowest answer during the measured run and after it."""
    everything = [t for times in results.latencies.values() for t in times]
    during = [t for when, t in identify if -seconds <= when < 0]
    after = [t for when, t in identify if when >= 0]
    return {**settings, "all": summary(everything, seconds),
            "kinds": {kind: summary(times, seconds)
                      for kind, times in sorted(results.latencies.items())},
            "errors": results.errors, "error_count": sum(results.errors.values()),
            "over_1s_by_10s": dict(sorted(results.slow.items())),
            "identify_max_during": round(max(during, default=0), 3),
            "identify_max_after": round(max(after, default=0), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0))
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--ramp", type=float, default=10.0)
    parser.add_argument("--after", type=float, default=15.0)
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds between the server's first answer and the run")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--url", help="measure a server that is already running")
    args = parser.parse_args()
    home = args.home.resolve()
    if not (home / "store").exists():
        fill(home, args.records)
    server = None
    url = args.url or f"http://127.0.0.1:{args.port}/"
    if not args.url:
        trust_local_proxy(home)
        server = start_server(home, args.port, args.workers)
    try:
        wait_for(url)
        time.sleep(args.settle)  # the server's own start-up work, not what users meet
        mix = Mix(public_ids(home), home_cursors(home), *identity(url), random.Random(0))
        results, identify, seconds = asyncio.run(run(
            url, mix, args.users, tuple(args.think), args.seconds, args.ramp, args.after))
        settings = {"records": len(mix.ids), "users": args.users, "think": list(args.think),
                    "seconds": args.seconds, "workers": args.workers or os.cpu_count()}
        print(json.dumps(report(results, identify, seconds, settings), ensure_ascii=False))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
