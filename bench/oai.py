"""Harvest ListRecords (olac) from a store of N synthetic records with sickle over HTTP.

    python bench/oai.py 100000 [--page-size 100] [--validate] [--chunk 5000] [--home DIR]

``--home DIR`` keeps the filled home in DIR and, when DIR already holds one, harvests it again
without filling (the count is then whatever DIR's dissemination index holds).

Three processes, so that each one's peak memory is its own:

1. **fill**: bench/ingest.py's generator writes N OLAC records as OAI-PMH ListRecords files;
   the same Importer as ``yuliao import`` reads, maps, stores, publishes and renders them for
   OAI-PMH into a fresh home. SHACL validation is skipped unless ``--validate`` (the records
   are known valid and ingest speed is bench/ingest.py's subject); the fill is timed apart.
2. **serve**: the Flask application on a threaded werkzeug server on 127.0.0.1 (request
   logging off).
3. **harvest**: sickle follows every resumption token of ``ListRecords metadataPrefix=olac``,
   building sickle's Record for each record (its XML tree and metadata dict).

Prints the fill time, records/s of the harvest, and the peak RSS of the server and the harvester.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repository import Config, Repository  # noqa: E402
from repository.config import LimitSettings, OaiSettings  # noqa: E402


class TrustingValidator:
    """Accepts every record (the synthetic records are valid; see bench/ingest.py)."""

    def validate_batch(self, items) -> dict:
        return {record_id: [] for record_id, _ in items}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_mb(pid: int) -> float:
    """VmHWM (peak resident set) of another process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_ingest_bench():
    """bench/ingest.py as a module (bench/ is not a package; putting it on sys.path would let
    its files shadow the project's packages)."""
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "ingest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fill(home: Path, count: int, chunk: int, validate: bool) -> dict:
    from repository.importer import Importer

    write_files = load_ingest_bench().write_files
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), count, chunk)
        with Repository(Config(home=home)) as repository:
            importer = Importer(repository, validator=None if validate else TrustingValidator())
            started = time.perf_counter()
            report = importer.import_paths(paths)
            seconds = time.perf_counter() - started
            indexed = len(repository.disseminations)
    return {"summary": report.summary(), "seconds": seconds, "indexed": indexed,
            "peak_rss_mb": peak_rss_mb()}


def serve(home: Path, page_size: int, read_ahead: bool) -> None:
    from werkzeug.serving import make_server

    from app import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # one harvester as fast as it can go: no rate limit (the body caps stay)
    config = Config(home=home, oai=OaiSettings(page_size=page_size, read_ahead=read_ahead),
                    limits=LimitSettings.unlimited())
    httpd = make_server("127.0.0.1", 0, create_app(config, Repository(config)), threaded=True)
    print(httpd.server_port, flush=True)
    httpd.serve_forever()


def harvest(url: str) -> dict:
    """sickle's full walk (a stock Record per record), the tuned sickle walk (see
    :func:`tuned_sickle`), then two diagnostics: sickle's pages only (OAIResponseIterator, no
    Record objects) and a raw HTTP walk that does not parse XML (what the provider alone can
    serve)."""
    from sickle import Sickle
    from sickle.iterator import OAIResponseIterator

    started = time.perf_counter()
    count = sum(1 for _ in Sickle(url, timeout=300).ListRecords(metadataPrefix="olac"))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    tuned = sum(1 for record in tuned_sickle(url).ListRecords(metadataPrefix="olac")
                if record.header.identifier)
    tuned_seconds = time.perf_counter() - started
    pages = Sickle(url, timeout=300, iterator=OAIResponseIterator)
    started = time.perf_counter()
    paged = sum(response.raw.count("<record>") for response in
                pages.ListRecords(metadataPrefix="olac"))
    return {"records": count, "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
            "tuned_records": tuned, "tuned_seconds": tuned_seconds,
            "pages_rate": paged / (time.perf_counter() - started), "raw_rate": raw_walk(url)}


def tuned_sickle(url: str):
    """sickle set up as a harvester that keeps the XML would use it, through its documented
    extension points: ``class_mapping`` gives ListRecords a :class:`sickle.models.Record`
    subclass that reads the header at once but converts the metadata to a dict (and the record
    to text) only when asked; a Sickle subclass parses each page once (stock sickle's
    ``OAIResponse.xml`` parses the page again on every access, three times a page)."""
    from functools import cached_property

    from lxml import etree
    from sickle import Sickle
    from sickle.models import Header, Record, get_namespace
    from sickle.response import OAIResponse, XMLParser

    class LeanRecord(Record):
        def __init__(self, record_element, strip_ns=True) -> None:
            self.xml, self._strip_ns = record_element, strip_ns
            self._oai_namespace = get_namespace(record_element)
            self.header = Header(record_element.find(f".//{self._oai_namespace}header"))
            self.deleted = self.header.deleted

        @cached_property
        def metadata(self) -> dict:
            return self.get_metadata()

    class ParsedOnce(OAIResponse):
        @cached_property
        def xml(self):
            return etree.XML(self.http_response.content, parser=XMLParser)  # sickle's parser

    class OnceSickle(Sickle):
        def harvest(self, **kwargs) -> ParsedOnce:
            response = super().harvest(**kwargs)
            return ParsedOnce(response.http_response, response.params)

    return OnceSickle(url, timeout=300, class_mapping={"ListRecords": LeanRecord})


def raw_walk(url: str) -> float:
    """Records per second of a ListRecords walk over urllib, tokens found by a regex."""
    query = {"verb": "ListRecords", "metadataPrefix": "olac"}
    count, started = 0, time.perf_counter()
    while True:
        with urllib.request.urlopen(f"{url}?{urllib.parse.urlencode(query)}", timeout=300) as r:
            body = r.read()
        count += body.count(b"<record>")
        token = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
        if token is None:
            return count / (time.perf_counter() - started)
        query = {"verb": "ListRecords", "resumptionToken": token.group(1).decode()}


def child(*arguments: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *arguments], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{arguments[1]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def indexed(home: Path) -> int:
    """Rows of an existing home's dissemination index (0 when there is no home)."""
    if not (home / "oai.sqlite").exists():
        return 0
    with Repository(Config(home=home)) as repository:
        return len(repository.disseminations)


def run(count: int, page_size: int, chunk: int, validate: bool, keep: Path | None,
        read_ahead: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = keep or Path(tmp) / "home"
        if indexed(home):
            count = indexed(home)
            print(f"fill: reusing {count:,} records already in the home")
        else:
            filled = child("--role", "fill", str(home), str(count), str(chunk),
                           str(int(validate)))
            print(f"fill: {filled['summary']}; {filled['seconds']:.1f} s "
                  f"({count / filled['seconds']:,.0f} records/s), {filled['indexed']} rows "
                  f"indexed, peak RSS {filled['peak_rss_mb']:,.0f} MB")
        server = subprocess.Popen([sys.executable, __file__, "--role", "serve", str(home),
                                   str(page_size), str(int(read_ahead))],
                                  stdout=subprocess.PIPE, text=True)
        try:
            port = int(server.stdout.readline())
            got = child("--role", "harvest", f"http://127.0.0.1:{port}/oai")
            server_peak = process_peak_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    rate = got["records"] / got["seconds"]
    print(f"harvest: {got['records']:,} records in {got['seconds']:.1f} s: {rate:,.0f} records/s "
          f"(page size {page_size}, read-ahead {'on' if read_ahead else 'off'}); "
          f"peak RSS server {server_peak:,.0f} MB, "
          f"harvester {got['peak_rss_mb']:,.0f} MB")
    print(f"  sickle tuned (Record keeping its XML, metadata dict on demand; each page parsed "
          f"once): {got['tuned_records']:,} records in {got['tuned_seconds']:.1f} s: "
          f"{got['tuned_records'] / got['tuned_seconds']:,.0f} records/s")
    print(f"  sickle pages only (no Record objects): {got['pages_rate']:,.0f} records/s; "
          f"raw HTTP walk, no XML parsing (the provider alone): {got['raw_rate']:,.0f} records/s")
    if got["records"] != count or got["tuned_records"] != count:
        sys.exit(f"harvested {got['records']} records, expected {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--validate", action="store_true", help="SHACL-validate the fill")
    parser.add_argument("--home", type=Path, help="keep (or reuse) the filled home here")
    parser.add_argument("--no-read-ahead", dest="read_ahead", action="store_false",
                        help="serve without [oai] read_ahead")
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role is None:
        run(args.count, args.page_size, args.chunk, args.validate, args.home, args.read_ahead)
    elif args.role[0] == "fill":
        home, count, chunk, validate = args.role[1:]
        print(json.dumps(fill(Path(home), int(count), int(chunk), validate == "1")))
    elif args.role[0] == "serve":
        serve(Path(args.role[1]), int(args.role[2]), args.role[3] == "1")
    elif args.role[0] == "harvest":
        print(json.dumps(harvest(args.role[1])))


if __name__ == "__main__":
    main()
