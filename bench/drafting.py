"""Drafted keywords against keywords assigned by hand: precision and recall of
:func:`repository.files.drafting.draft` on 20 passages of the seed documents.

    python bench/drafting.py [--seeds ../shared/seeds] [--keywords]

The passages and their hand keywords are in bench/keywords.json (its ``pointer`` says how a
passage is found in its seed); the seeds are read at run time from ``../shared/seeds``
beside the project, never copied into it: without them the benchmark says so and stops.

Each passage is drafted with its title, as a dataset's one file would be. A drafted keyword
**matches** a hand keyword:

- **strict**: when they are equal (Latin letters compared case-folded);
- **lenient**: also when one contains the other (``主權`` for ``主權AI``, ``客語語料庫`` for
  ``客語``).

Per passage and averaged over the passages (macro average): precision@k (k = the number of
keywords drafted), precision@5 (the first five drafted), recall (hand keywords matched by any
drafted one), each strict and lenient; and the time of one ``draft`` call, after a first call
that loads jieba's dictionary (its time reported apart). Output: a markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repository.files.drafting import draft  # noqa: E402

KEYWORDS_FILE = ROOT / "bench" / "keywords.json"
SEEDS = ROOT.parent / "shared" / "seeds"
Match = Callable[[str, str], bool]


# -- the passages --------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One benchmark passage: where it is in its seed, its title and its hand keywords."""

    id: str
    seed: str
    start: str
    end: str
    characters: int
    title: str
    keywords: tuple[str, ...]


def documents(path: Path = KEYWORDS_FILE) -> list[Document]:
    """The benchmark's documents as bench/keywords.json defines them."""
    listed = json.loads(path.read_text(encoding="utf-8"))["documents"]
    return [Document(**{**d, "keywords": tuple(d["keywords"])}) for d in listed]


def passage(document: Document, seeds: Path = SEEDS) -> str:
    """The text ``document`` points to: the lines of its seed from its ``start`` line (which
    must occur once) to the first ``end`` line after it (left out), stripped, empty lines
    dropped. Raises ValueError when the pointer does not resolve."""
    lines = [line.strip() for line in (seeds / document.seed).read_text(
        encoding="utf-8").splitlines()]
    starts = [i for i, line in enumerate(lines) if line == document.start]
    if len(starts) != 1:
        raise ValueError(f"{document.id}: start line {document.start!r} occurs "
                         f"{len(starts)} times in {document.seed}")
    try:
        end = lines.index(document.end, starts[0] + 1)
    except ValueError:
        raise ValueError(f"{document.id}: no end line {document.end!r} after its start in "
                         f"{document.seed}") from None
    return "\n".join(line for line in lines[starts[0]:end] if line)


# -- measures ------------------------------------------------------------------------------


def strict(drafted: str, assigned: str) -> bool:
    """The two keywords are the same (Latin letters compared case-folded)."""
    return drafted.casefold() == assigned.casefold()


def lenient(drafted: str, assigned: str) -> bool:
    """The two keywords are the same or one contains the other."""
    a, b = drafted.casefold(), assigned.casefold()
    return a in b or b in a


def precision(drafted: tuple[str, ...], assigned: tuple[str, ...], match: Match) -> float:
    """The share of ``drafted`` that matches some hand keyword (0 when nothing is drafted)."""
    hits = sum(any(match(d, a) for a in assigned) for d in drafted)
    return hits / len(drafted) if drafted else 0.0


def recall(drafted: tuple[str, ...], assigned: tuple[str, ...], match: Match) -> float:
    """The share of the hand keywords that some drafted keyword matches."""
    return sum(any(match(d, a) for d in drafted) for a in assigned) / len(assigned)


@dataclass(frozen=True)
class Result:
    """One passage drafted and measured."""

    document: Document
    characters: int
    drafted: tuple[str, ...]
    milliseconds: float

    def scores(self) -> dict[str, float]:
        """Precision@k, precision@5 and recall, strict and lenient."""
        hand, drafted = self.document.keywords, self.drafted
        found = {}
        for name, match in (("strict", strict), ("lenient", lenient)):
            found[f"P@k {name}"] = precision(drafted, hand, match)
            found[f"P@5 {name}"] = precision(drafted[:5], hand, match)
            found[f"R {name}"] = recall(drafted, hand, match)
        return found


def measured(document: Document, seeds: Path) -> Result:
    """``document``'s passage drafted, with the time ``draft`` took."""
    text = passage(document, seeds)
    began = time.perf_counter()
    drafted = draft([text], document.title).keywords
    return Result(document, len(text), drafted, (time.perf_counter() - began) * 1000)


# -- the report ----------------------------------------------------------------------------

COLUMNS = ("P@k strict", "P@k lenient", "P@5 strict", "P@5 lenient", "R strict", "R lenient")


def table(results: list[Result]) -> str:
    """The markdown table: one row a passage, then the macro averages."""
    head = ["document", "chars", "k", *COLUMNS, "ms"]
    rows = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for result in results:
        scores = result.scores()
        rows.append(_row(result.document.id, str(result.characters), str(len(result.drafted)),
                         [scores[c] for c in COLUMNS], result.milliseconds))
    averages = [statistics.fmean(r.scores()[c] for r in results) for c in COLUMNS]
    rows.append(_row("**all (mean)**", str(sum(r.characters for r in results)),
                     f"{statistics.fmean(len(r.drafted) for r in results):.1f}", averages,
                     statistics.fmean(r.milliseconds for r in results)))
    return "\n".join(rows)


def _row(name: str, characters: str, k: str, scores: list[float], ms: float) -> str:
    cells = [name, characters, k, *(f"{s:.2f}" for s in scores), f"{ms:.1f}"]
    return "| " + " | ".join(cells) + " |"


def keyword_lists(results: list[Result]) -> str:
    """Each passage's drafted keywords (strict matches in bold, lenient in italics) and the
    hand keywords, for reading where the drafts go wrong."""
    lines = []
    for result in results:
        hand = result.document.keywords
        shown = [f"**{d}**" if any(strict(d, a) for a in hand) else
                 f"*{d}*" if any(lenient(d, a) for a in hand) else d for d in result.drafted]
        lines.append(f"- {result.document.id}: {'、'.join(shown)} (hand: {'、'.join(hand)})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--keywords", action="store_true",
                        help="also list each passage's drafted and hand keywords")
    args = parser.parse_args()
    if not args.seeds.is_dir():
        raise SystemExit(f"bench/drafting.py needs the seed documents in {args.seeds} "
                         "(../shared/seeds beside the project): not found, nothing measured")
    began = time.perf_counter()
    draft(["臺灣的語料庫。"])  # loads jieba's dictionary and IDF table
    print(f"first draft (loading jieba's dictionary and IDF table): "
          f"{time.perf_counter() - began:.2f} s\n")
    results = [measured(document, args.seeds) for document in documents()]
    print(table(results))
    if args.keywords:
        print("\n" + keyword_lists(results))


if __name__ == "__main__":
    main()
