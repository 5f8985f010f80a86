"""How a text becomes search tokens: one analysis for the records and the queries.

1. **Folding.** NFKC, case folding, and Latin diacritics taken off (``Tâi-gí`` is ``tai-gi``,
   ``o͘`` is ``o``, ``Pe̍h-ōe-jī`` is ``peh-oe-ji``), so a query typed without tone marks
   finds the romanised text and the other way round.
2. **One script of Chinese.** Chinese text is converted to Simplified characters (OpenCC
   ``t2s``, character by character) before anything else: ``臺灣`` and ``台灣`` and ``台湾``
   are one word to the index, a query in Simplified characters finds Traditional records,
   and jieba, whose dictionary is mostly Simplified, segments Traditional text as well as
   Simplified.
3. **Words** (:func:`words`): jieba's search-engine segmentation of each CJK run (every word
   and the dictionary words inside it: ``語料庫`` → ``语料 语料库``) with a lexicon of our own
   (:func:`lexicon`: the names of Taiwan's languages, text types, domains and licences from
   vocab/); each Latin word folded, and a hyphenated compound also joined (``tai-gi`` →
   ``tai gi taigi``). Words rank the results.
4. **Grams** (:func:`grams`): every CJK bigram and each run's last character, and each Latin
   word: the recall floor. A query's grams in order are a phrase, so whatever a substring
   search finds, this finds (modulo the folding above).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache

import jieba
import opencc

#: CJK characters: Han with its extensions and compatibility ideographs, 々〇, Bopomofo.
_CJK = ("\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3100-\u312f\u31a0-\u31bf"
        "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff")
_RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+(?:[-'’][^\W_{_CJK}]+)*")
_IS_CJK = re.compile(f"[{_CJK}]").match
_JOINERS = re.compile(r"[-'’]")
#: Frequency given to lexicon words: high enough that jieba keeps them whole.
LEXICON_FREQUENCY = 50_000
_setup = threading.Lock()


def fold(text: str) -> str:
    """``text`` in NFKC, case-folded, without combining marks, in Simplified characters."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).translate(_simplified())


def runs(text: str) -> list[str]:
    """The CJK runs and the words (hyphenated compounds kept together) of folded ``text``."""
    return _RUNS.findall(fold(text))


def words(text: str) -> list[str]:
    """The ranking tokens of ``text``: segmented Chinese words, Latin words (a hyphenated
    compound also joined)."""
    found: list[str] = []
    for run in runs(text):
        if _IS_CJK(run):
            found.extend(w for w in segmenter().cut_for_search(run, HMM=True) if w.strip())
        else:
            found.extend(_latin(run))
    return found


def grams(text: str) -> list[str]:
    """The recall tokens of ``text``, one a position: each Latin word part, and for each
    character of a CJK run the bigram starting there (the last character alone)."""
    found: list[str] = []
    for run in runs(text):
        if _IS_CJK(run):
            found.extend(run[i:i + 2] for i in range(len(run)))
        else:
            found.extend(_JOINERS.split(run))
    return found


def query_grams(text: str) -> list[str]:
    """The grams a query looks for in order: as :func:`grams`, without the end token of its
    last CJK run when that run is longer than one character (the text's run may go on)."""
    parts = runs(text)
    tokens = grams(text)
    if parts and _IS_CJK(parts[-1]) and len(parts[-1]) > 1:
        tokens.pop()
    return tokens


def is_cjk(run: str) -> bool:
    """Whether ``run`` (one of :func:`runs`) is Chinese (or Bopomofo)."""
    return bool(_IS_CJK(run))


def _latin(run: str) -> list[str]:
    parts = [p for p in _JOINERS.split(run) if p]
    return [*parts, "".join(parts)] if len(parts) > 1 else parts


#: The Han characters given a Simplified form (BMP blocks: basic, extension A, compatibility).
_HAN_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


@cache
def _simplified() -> dict[int, str]:
    """Traditional character → its Simplified form, one character for one, as OpenCC's
    ``t2s`` converts it alone. Character by character, not OpenCC's phrases: a phrase rule
    would convert ``瞭`` in ``瞭解`` but not in a query ``為瞭``, and a query must fold the way
    the text it looks for did."""
    characters = [chr(c) for first, last in _HAN_BLOCKS for c in range(first, last + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(characters)).split("\n")
    return {ord(t): s for t, s in zip(characters, converted, strict=True)
            if len(s) == 1 and s != t}


@cache
def segmenter() -> jieba.Tokenizer:
    """jieba with its own dictionary and our lexicon, made once (thread-safe)."""
    with _setup:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in lexicon():
            tokenizer.add_word(word, LEXICON_FREQUENCY)
        return tokenizer


def lexicon() -> list[str]:
    """Words jieba may not know that our records use: the Chinese labels of our vocabularies
    (Taiwan's languages, text types, application domains, portal themes, licences, access
    rights), folded; each label once."""
    from vocab.namespaces import SKOS
    from vocab.schemes import load

    graph = load()
    labels = (str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(None, p)
              if getattr(o, "language", None) and o.language.startswith("zh"))
    return sorted(set(_cjk_words(labels)))


def _cjk_words(labels: Iterable[str]) -> Iterable[str]:
    for label in labels:
        for run in runs(label):
            if _IS_CJK(run) and 2 <= len(run) <= 12:
                yield run
