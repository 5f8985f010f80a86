"""Marking the words a search matched in a title or description.

The text is folded one character at a time (:func:`~repository.search.analysis.fold`: case,
diacritics, one script of Chinese), so that what matched in the folded text maps back to the
characters shown. What is looked for: each Chinese run of the query where it occurs whole,
else its words of two characters or more; and each Latin word.
"""

from __future__ import annotations

from functools import lru_cache

from . import analysis

#: :func:`analysis.fold` of one character, remembered (a page highlights thousands).
_fold_one = lru_cache(maxsize=1 << 16)(analysis.fold)

#: Pieces of a text: (text, matched).
Pieces = list[tuple[str, bool]]


def highlighted(text: str, query: str) -> Pieces:
    """``text`` in pieces, the ones the words of ``query`` matched marked True."""
    folded, origin = folded_with_origin(text)
    marked = [False] * len(text)
    for needle in _needles(query, folded):
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            if analysis.is_cjk(needle) or _whole_word(folded, start, end):
                for position in range(start, end):
                    marked[origin[position]] = True
            start = folded.find(needle, start + 1)
    for index in range(1, len(text)):  # a combining mark goes with its letter
        if not _fold_one(text[index]):
            marked[index] = marked[index - 1]
    return _pieces(text, marked)


def _whole_word(folded: str, start: int, end: int) -> bool:
    """Whether ``folded[start:end]`` is not part of a longer word."""
    before = folded[start - 1] if start else " "
    after = folded[end] if end < len(folded) else " "
    return not before.isalnum() and not after.isalnum()


def folded_with_origin(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character the index of the one it came from."""
    parts, origin = [], []
    for index, character in enumerate(text):
        folded = _fold_one(character)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin


def _needles(query: str, folded: str) -> list[str]:
    needles = []
    for run in analysis.runs(query):
        if not analysis.is_cjk(run):
            needles.extend(p for p in analysis.grams(run) if p)
        elif run in folded:
            needles.append(run)
        else:
            needles.extend(w for w in analysis.words(run) if len(w) > 1)
    return sorted(set(needles), key=len, reverse=True)


def _pieces(text: str, marked: list[bool]) -> Pieces:
    pieces: Pieces = []
    for character, flag in zip(text, marked, strict=True):
        if pieces and pieces[-1][1] == flag:
            pieces[-1] = (pieces[-1][0] + character, flag)
        else:
            pieces.append((character, flag))
    return pieces
