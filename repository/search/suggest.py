""""Did you mean": a query that finds nothing, with its misspelt words replaced by the
closest words of the index.

Only Latin words of at least :data:`MIN_LENGTH` letters are corrected (English, romanised
Taiwanese, Hakka and Formosan; Chinese needs none: its grams find any substring). A word the
index holds is kept; another is replaced by the index word sharing its first letter at the
smallest edit distance (adjacent letters swapped count one), at most 1 for words of up to
six letters and 2 for longer ones, the most frequent among equals. The term dictionary is
read for that first letter only, at most :data:`MAX_TERMS` terms (the most frequent).
"""

from __future__ import annotations

import re

import tantivy

from . import analysis

MIN_LENGTH = 4
#: Terms of one first letter read from the index for one word.
MAX_TERMS = 20_000
#: Latin words as a person typed them (with their diacritics and inner hyphens).
_LATIN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*")


def corrected(searcher: tantivy.Searcher, text: str) -> str | None:
    """``text`` with each word the index lacks replaced by its closest index word; None when
    no word needed (or found) a replacement."""
    pieces, end, changed = [], 0, False
    for found in _LATIN.finditer(text):
        word = found.group()
        if analysis.is_cjk(word):
            continue
        better = closest(searcher, analysis.fold(word))
        if better is not None:
            better = better[:1].upper() + better[1:] if word[:1].isupper() else better
            pieces += [text[end:found.start()], better]
            end, changed = found.end(), True
    return "".join([*pieces, text[end:]]) if changed else None


def closest(searcher: tantivy.Searcher, word: str) -> str | None:
    """The index word closest to folded ``word`` when the index lacks ``word``; else None."""
    if len(word) < MIN_LENGTH or searcher.doc_freq("words", word):
        return None
    allowed = 1 if len(word) <= 6 else 2
    best: tuple[int, int, str] | None = None
    for term, count in searcher.terms_with_prefix("words", word[0], limit=MAX_TERMS):
        if abs(len(term) - len(word)) > allowed:
            continue
        distance = edit_distance(word, term, allowed)
        if distance <= allowed and (best is None or (distance, -count) < best[:2]):
            best = (distance, -count, term)
    return best[2] if best else None


def edit_distance(a: str, b: str, cap: int) -> int:
    """The optimal-string-alignment distance of ``a`` and ``b`` (insertions, deletions,
    substitutions, adjacent swaps), or ``cap + 1`` once it must exceed ``cap``."""
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > cap:
            return cap + 1
        before, row = row, current
    return row[-1]
