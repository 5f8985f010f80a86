"""Import N synthetic OLAC records (read, crosswalk, SHACL validation, store) and print records/s.

    python bench/ingest.py 10000 [--chunk 5000]

The records are written as OAI-PMH ListRecords files of ``--chunk`` records each into a
temporary folder and imported into a fresh temporary home through the same Importer the
``yuliao import`` command uses. Generation time is not counted.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from repository import Config, Repository  # noqa: E402
from repository.importer import Importer  # noqa: E402

LANGS = ["ami", "tay", "pwn", "bnn", "pyu", "dru", "tsu", "xsy", "tao", "ssf", "ckv", "trv",
         "szy", "sxr", "xnb", "nan", "hak", "cmn", "tss", "cdo"]
ROLES = ["recorder", "speaker", "transcriber", "annotator", "depositor", "researcher"]
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<responseDate>2026-11-22T00:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="olac">https://bench.example.org/oai</request>
<ListRecords>
"""
RECORD = """<record><header><identifier>oai:bench.example.org:{n}</identifier>
<datestamp>2026-11-{day:02d}</datestamp></header><metadata>
<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title xml:lang="zh-Hant-TW">合成語料第{n}號：{lang}語錄音</dc:title>
<dc:title xml:lang="en">Synthetic recording {n} ({lang})</dc:title>
<dc:description xml:lang="en">Field recording {n}, synthetic.</dc:description>
<dc:identifier xsi:type="dcterms:URI">https://bench.example.org/item/{n}</dc:identifier>
<dc:language xsi:type="olac:language" olac:code="{lang}"/>
<dc:subject xsi:type="olac:language" olac:code="{lang}"/>
<dc:contributor xsi:type="olac:role" olac:code="{role}">Recorder, Person {n}</dc:contributor>
<dc:type xsi:type="olac:linguistic-type" olac:code="primary_text"/>
<dc:type xsi:type="dcterms:DCMIType">Sound</dc:type>
<dcterms:created xsi:type="dcterms:W3CDTF">19{year:02d}</dcterms:created>
<dcterms:spatial xsi:type="dcterms:ISO3166">TW</dcterms:spatial>
<dc:format xsi:type="dcterms:IMT">audio/x-wav</dc:format>
</olac:olac></metadata></record>
"""


def write_files(folder: Path, count: int, chunk: int) -> list[Path]:
    """ListRecords files holding ``count`` synthetic records, ``chunk`` per file."""
    rng = random.Random(20261122)
    paths = []
    for start in range(0, count, chunk):
        body = "".join(
            RECORD.format(n=n, lang=rng.choice(LANGS), role=rng.choice(ROLES),
                          year=rng.randrange(50, 100), day=rng.randrange(1, 28))
            for n in range(start, min(count, start + chunk))
        )
        path = folder / f"records-{start:08d}.xml"
        path.write_text(HEAD + body + "</ListRecords></OAI-PMH>\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), args.count, args.chunk)
        repository = Repository(Config(home=Path(tmp) / "home"))
        importer = Importer(repository)
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        report = importer.import_paths(paths)
        repository.close()  # timed: the writes are durable only once flushed
        elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(report.summary())
    print(f"{args.count} records in {elapsed:.1f} s: {args.count / elapsed:,.0f} records/s; "
          f"CPU {cpu:.1f} s ({cpu * 1000 / args.count:.2f} ms a record, all threads); "
          f"peak RSS {usage.ru_maxrss / 1024:,.0f} MB")
    if not report.ok:
        for failure in report.failures[:5]:
            print(failure)
        sys.exit(1)


def _cpu_seconds() -> float:
    """User and system CPU time of this process so far (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
