"""The text of an accepted file, and how much there is of it.

Text is read once per file, piece by piece (:func:`pieces`: a PDF page, an ODT paragraph, a
CSV row, a JSON string, an XML element's text), never the whole file at once except for a
JSON document (at most :data:`checks.MAX_JSON_PARSED` bytes).

**Counts** (:class:`Counts`): characters (not counting white space), tokens, and the plain
count. Tokens are counted by :data:`TOKENIZER`: Chinese segmented into words by jieba
(precise mode, HMM on, with our vocabularies' lexicon, over one script of Chinese as
:mod:`repository.search.analysis` folds it), plus each Latin word and each number. It runs
offline with what the repository already has: the BPE tokenizers of language models need
vocabularies fetched at run time, and each model's count differs anyway; so every count
names its tokenizer (``yl:tokenizer``) and only counts by the same one are added up. The
plain count (each CJK character one, each Latin word or number one) is kept beside it for
comparison (docs/benchmarks.md).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..search import analysis
from .checks import MAX_JSON_PARSED, Checked, decoded

#: What ``yl:tokenizer`` says of our token counts (see the module documentation).
TOKENIZER = "yuliao-jieba-words-1"
#: Latin words (with inner apostrophes and hyphens) and numbers.
_LATIN_OR_NUMBER = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+(?:[.,]\d+)*")
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


@dataclass(frozen=True)
class Counts:
    """How much text: characters (without white space), tokens by :data:`TOKENIZER`, and
    the plain count (CJK characters plus Latin words and numbers)."""

    characters: int = 0
    tokens: int = 0
    plain: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.characters + other.characters, self.tokens + other.tokens,
                      self.plain + other.plain)


def pieces(path: Path, checked: Checked) -> Iterator[str]:
    """The text of the accepted file at ``path``, piece by piece."""
    reader = {"pdf": _pdf, "odt": _odt, "csv": _csv, "json": _json, "xml": _xml}[checked.kind]
    yield from (piece for piece in reader(path, checked.encoding) if piece.strip())


def counted(texts: Iterable[str]) -> Counts:
    """The counts of ``texts``."""
    total = Counts()
    for text in texts:
        total += count(text)
    return total


def count(text: str) -> Counts:
    """The counts of one piece of text."""
    characters = sum(1 for c in text if not c.isspace())
    tokens = plain = 0
    for run in analysis.runs(text):
        if analysis.is_cjk(run):
            tokens += sum(1 for w in analysis.segmenter().lcut(run, HMM=True) if w.strip())
            plain += len(run)
    latin = len(_LATIN_OR_NUMBER.findall(_without_cjk(text)))
    return Counts(characters, tokens + latin, plain + latin)


def _without_cjk(text: str) -> str:
    return "".join(" " if analysis.is_cjk(c) else c for c in text)


def _pdf(path: Path, _encoding: str | None) -> Iterator[str]:
    from pypdf import PdfReader

    for page in PdfReader(path).pages:
        yield page.extract_text() or ""


def _odt(path: Path, _encoding: str | None) -> Iterator[str]:
    with zipfile.ZipFile(path) as package:
        content = package.read("content.xml")
    root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True,
                                                     load_dtd=False))
    for paragraph in root.iter(f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h"):
        yield "".join(paragraph.itertext())


def _csv(path: Path, encoding: str | None) -> Iterator[str]:
    lines = io.StringIO()
    for part in decoded(path, encoding or "utf-8"):
        lines.write(part)
        if lines.tell() > (1 << 20):
            yield from _rows(lines)
            lines = io.StringIO(_last_line(lines))
            lines.seek(0, io.SEEK_END)
    yield from _rows(lines, final=True)


def _rows(buffer: io.StringIO, final: bool = False) -> Iterator[str]:
    """The rows of the complete lines in ``buffer`` (all of it when ``final``)."""
    text = buffer.getvalue()
    complete = text if final else text[:text.rfind("\n") + 1]
    for row in csv.reader(io.StringIO(complete.lstrip("\ufeff"))):
        yield " ".join(cell for cell in row if cell.strip())


def _last_line(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    return text[text.rfind("\n") + 1:]


def _json(path: Path, encoding: str | None) -> Iterator[str]:
    if path.stat().st_size > MAX_JSON_PARSED:
        return
    yield from _strings(json.loads("".join(decoded(path, encoding or "utf-8"))))


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _xml(path: Path, _encoding: str | None) -> Iterator[str]:
    """Each element's text and its children's tails (whole once the element has ended); an
    element is cleared once read, its own tail kept for its parent."""
    for _event, element in etree.iterparse(str(path), events=("end",), resolve_entities=False,
                                           no_network=True, load_dtd=False):
        for text in (element.text, *(child.tail for child in element)):
            if text and text.strip():
                yield text
        element.clear(keep_tail=True)
