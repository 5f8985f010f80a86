"""The example queries of the query page: ``endpoints/sparql/*.rq``, read once.

Each file starts with ``# title@zh-Hant: …`` and ``# title@en: …`` comment lines; the rest of the
file (comments included) is the query, which may use the predeclared prefixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
_TITLE = re.compile(r"^#\s*title@([A-Za-z-]+):\s*(.+?)\s*$", re.MULTILINE)


class ExampleError(ValueError):
    """An example file without both titles (a packaging mistake, caught by the tests)."""


@dataclass(frozen=True)
class Example:
    """One example query: its file stem, titles in zh-Hant and en, and its text."""

    name: str
    title_zh: str
    title_en: str
    query: str


def read_example(path: Path) -> Example:
    """The example in ``path``. Raises ExampleError when a title is missing."""
    text = path.read_text(encoding="utf-8")
    titles = dict(_TITLE.findall(text))
    if "zh-Hant" not in titles or "en" not in titles:
        raise ExampleError(f"{path.name}: needs '# title@zh-Hant:' and '# title@en:' lines")
    return Example(path.stem, titles["zh-Hant"], titles["en"], text)


@cache
def examples() -> tuple[Example, ...]:
    """Every example, in file-name order."""
    return tuple(read_example(path) for path in sorted(EXAMPLES_DIR.glob("*.rq")))
