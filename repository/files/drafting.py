"""Drafts of a dataset's keywords and description from the text of its files (seed 001: the
system drafts them, "請確認上述系統產製內容是否正確並予以編修": the provider corrects them; a
draft is never published unedited, the form only offers it).

**Keywords**: TF-IDF over jieba words (jieba's own IDF table, our segmenter and its lexicon,
over one script of Chinese as :mod:`repository.search.analysis` folds it), words of one
character and numbers left out; each keyword is given back in the characters the text wrote
it in (Traditional when the text is), by mapping the folded text back to the original.

**Description**: extractive: the text's sentences scored by the weights of the keywords they
hold (over the square root of their length, so that long sentences do not win by length),
the best :data:`DESCRIPTION_SENTENCES` kept in the order they came, at most
:data:`DESCRIPTION_CHARACTERS` characters; a sentence that resembles the title is passed over
(the description must not resemble it, as the shapes check).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

import jieba

from ..search import analysis
from ..search.highlight import folded_with_origin

KEYWORDS = 8
DESCRIPTION_SENTENCES = 3
DESCRIPTION_CHARACTERS = 300
#: Text read for a draft (the first characters of the files' text).
MAX_TEXT = 200_000
#: A sentence at least this similar to the title is not taken into the description.
TITLE_LIKENESS = 0.6
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])\s*|\n+")


@dataclass(frozen=True)
class Draft:
    """Keywords (best first) and a description drafted from a text."""

    keywords: tuple[str, ...]
    description: str


def draft(texts: Iterable[str], title: str = "") -> Draft:
    """The draft keywords and description of ``texts`` (the pieces of a dataset's files'
    text), for a dataset called ``title``."""
    text = _joined(texts)
    weights = keyword_weights(text)
    keywords = tuple(weights)[:KEYWORDS]
    return Draft(keywords, _description(text, weights, title))


def keyword_weights(text: str) -> dict[str, float]:
    """Keywords of ``text`` in its own characters, with their TF-IDF weights, best first."""
    folded, origin = folded_with_origin(text)
    found: dict[str, float] = {}
    for word, weight in _tf_idf(folded)[:KEYWORDS * 3]:
        if not analysis.is_cjk(word) and not word.isalpha():
            continue
        start = folded.find(word)
        original = text[origin[start]:origin[start + len(word) - 1] + 1] if start >= 0 else word
        found.setdefault(original, weight)
    return found


#: jieba's IDF table (word → inverse document frequency), shipped with jieba.
IDF_TABLE = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"


@cache
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median (the weight of a word it does not know). Read here:
    importing jieba.analyse would open the table and leave it open."""
    with IDF_TABLE.open(encoding="utf-8") as table:
        idf = {word: float(value) for word, value in
               (line.split(" ") for line in table.read().splitlines() if line)}
    return idf, sorted(idf.values())[len(idf) // 2]


def _tf_idf(folded: str) -> list[tuple[str, float]]:
    """The words of the folded text by TF-IDF weight, best first (words of one character
    and numbers left out)."""
    words = [w for w in analysis.segmenter().lcut(folded, HMM=True)
             if len(w.strip()) > 1 and not w.replace(".", "").isdigit()]
    idf, median = _idf()
    weights = {w: n / len(words) * idf.get(w, median) for w, n in Counter(words).items()}
    return sorted(weights.items(), key=lambda item: (-item[1], item[0]))


def _joined(texts: Iterable[str]) -> str:
    parts, size = [], 0
    for text in texts:
        parts.append(text)
        size += len(text)
        if size >= MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _description(text: str, weights: dict[str, float], title: str) -> str:
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= 8]
    scored = sorted(((_score(s, weights), i) for i, s in enumerate(sentences)
                     if not _resembles(s, title)), reverse=True)
    chosen = sorted(i for _, i in scored[:DESCRIPTION_SENTENCES])
    description = ""
    for index in chosen:
        if len(description) + len(sentences[index]) > DESCRIPTION_CHARACTERS:
            break
        description += sentences[index]
    return description or (sentences[chosen[0]][:DESCRIPTION_CHARACTERS] if chosen else "")


def _score(sentence: str, weights: dict[str, float]) -> float:
    return sum(w for k, w in weights.items() if k in sentence) / math.sqrt(len(sentence))


def _resembles(sentence: str, title: str) -> bool:
    return bool(title) and SequenceMatcher(None, sentence, title).ratio() >= TITLE_LIKENESS
