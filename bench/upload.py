"""Taking in a large file: time and peak memory of receiving it as the back office's
resumable upload does (parts of 1 MiB appended at their offsets), of storing it (hashed and
written chunk by chunk, the size limit held) and of checking it by its content, then the rate
at which its text is counted.

    python bench/upload.py [--megabytes 500] [--folder DIR]

A CSV file of ``--megabytes`` (rows of Traditional Chinese place and language names, romanised
names and numbers) is written to ``--folder`` (a temporary one by default); each step then
runs in a process of its own, so that its peak resident memory (``ru_maxrss``) is its own.
Output: one JSON line with bytes, seconds and MB/s of each step and the peak RSS in MiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROW = "臺北市,臺灣台語,Tâi-uân-uē,{n},教育部臺灣台語常用詞辭典的例句與錄音\n"
#: Bytes of text counted for the counting rate (counting is the slow step: jieba).
COUNT_SAMPLE = 10 * 1024 * 1024


def make_file(path: Path, megabytes: int) -> int:
    """A CSV file of at most ``megabytes`` MiB (the upload limit is 500 MiB); its size."""
    target, n = megabytes * 1024 * 1024, 0
    with path.open("w", encoding="utf-8") as out:
        header = "地名,語言,拼音,編號,說明\n"
        out.write(header)
        size = len(header.encode())
        while True:
            block = "".join(ROW.format(n=n + i) for i in range(10_000)).encode()
            if size + len(block) > target:
                break
            out.write(block.decode())
            size += len(block)
            n += 10_000
    return path.stat().st_size


def step(name: str, path: Path, store: Path) -> dict:
    """``name`` ("receive", "store", "check" or "count") run in a fresh process."""
    code = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from repository.files import DiskStore, check_file
from repository.files.intake import read_in_chunks
from repository.files.text import counted, pieces
from repository.files.uploads import Uploads
path, store = Path({str(path)!r}), DiskStore(Path({str(store)!r}))
began = time.perf_counter()
if {name!r} == "receive":
    uploads = Uploads(store.root / "uploads")
    upload = uploads.begin(path.name, path.stat().st_size, account="bench", agency="")
    offset = 0
    for part in read_in_chunks(path):  # each part as a request body holds it: 1 MiB
        offset = uploads.append(upload.id, offset, [part]).offset
    done = offset
elif {name!r} == "store":
    done = store.put(read_in_chunks(path), name=path.name).size
elif {name!r} == "check":
    check_file(path, path.name)
    done = path.stat().st_size
else:
    checked = check_file(path, path.name)
    done = counted(pieces(path, checked)).tokens
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": round(seconds, 2), "peak_rss_mib": round(peak, 1),
                  "result": done}}))
"""
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=500)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        big, sample = Path(folder) / "big.csv", Path(folder) / "sample.csv"
        size = make_file(big, args.megabytes)
        make_file(sample, COUNT_SAMPLE // (1024 * 1024))
        report = {"bytes": size, "machine": machine()}
        for name, path in (("receive", big), ("store", big), ("check", big),
                           ("count", sample)):
            measured = step(name, path, Path(folder) / "files")
            measured["mb_per_s"] = round(path.stat().st_size / 1e6 / max(measured["seconds"],
                                                                          1e-9), 1)
            report[name] = measured
    print(json.dumps(report))


def machine() -> str:
    cores = len(__import__("os").sched_getaffinity(0))
    memory = resource.getpagesize() * __import__("os").sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cores} cores, {memory:.0f} GiB, {time.strftime('%Y-%m-%d')}"


if __name__ == "__main__":
    main()
