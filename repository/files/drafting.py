"""Drafts of a dataset's keywords and description from the text of its files (seed 001: the
system drafts them, "請確認上述系統產製內容是否正確並予以編修": the provider corrects them; a
draft is never published unedited, the form only offers it).

**Keywords**: TF-IDF over the nouns of a text (our jieba segmenter and its lexicon, over one
script of Chinese as :mod:`repository.search.analysis` folds it; a word is a noun by the tag
of jieba's dictionary, and words the dictionary does not hold count as nouns; jieba's own IDF
table) and over the **terms** the text repeats: runs of two to
:data:`TERM_WORDS` nouns that stand together at least twice (``後設`` ``資料`` →
``後設資料``; ``Common`` ``Voice`` → ``Common Voice``), weighted by their count and the sum
of their words' IDF. Left out: words of one character, numbers, words other than nouns (verbs,
adverbs, function words), :data:`STOP_WORDS` (nouns too general to catalogue anything under in
government text), web and e-mail addresses and markup tags; and a keyword contained in a better
one already drafted (``國網`` after ``國網中心``). A word jieba's IDF table does not hold
(it was made from Simplified Chinese, where ``計畫`` is ``计划``, not ``计画``) is looked up
as OpenCC's ``tw2sp`` writes it before it is given the table's median. Each keyword is given
back in the characters the text wrote it in (Traditional when the text is), by mapping the
folded text back to the original. Measured against keywords assigned by hand in
bench/drafting.py (docs/benchmarks.md, "Drafted keywords").

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

import jieba
import opencc

from ..search import analysis
from ..search.highlight import folded_with_origin

KEYWORDS = 8
DESCRIPTION_SENTENCES = 3
DESCRIPTION_CHARACTERS = 300
#: Text read for a draft (the first characters of the files' text).
MAX_TEXT = 200_000
#: A sentence at least this similar to the title is not taken into the description.
TITLE_LIKENESS = 0.6
#: The longest term, in words; a term is drafted when it stands in the text this many times.
TERM_WORDS = 4
TERM_COUNT = 2
#: The part-of-speech tags (in jieba's dictionary) of the words a keyword is made of: nouns
#: (common, of persons, places, organisations, other proper nouns), verbal and adjectival
#: nouns, idioms and abbreviations, Latin words; words the dictionary does not hold (our
#: lexicon's, words jieba's HMM found) are taken too.
NOUN_TAGS = frozenset({"n", "nr", "nrfg", "nrt", "ns", "nt", "nz", "vn", "an", "i", "j", "l",
                       "eng", "x"})
#: Nouns too general to catalogue anything under in government text: the people and places
#: of minutes and reports, the labels of lists and forms.
STOP_WORDS = frozenset((
    "委員", "會長", "主席", "網址", "網站", "網頁", "機關", "單位", "部分", "方面", "問題",
    "方式", "情形", "情況", "項目", "事項", "內容", "目前", "相關", "其他", "以下", "以上",
    "例如", "建議", "建請", "說明", "需求", "意見", "部會", "本案", "本部", "本會"))
#: English function words: never a keyword nor part of a term.
LATIN_STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "eg", "et", "al", "for", "from", "in",
    "into", "is", "it", "its", "of", "on", "or", "the", "this", "to", "vs", "with"))
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])\s*|\n+")
#: Web and e-mail addresses and markup tags: nothing to draft a keyword from.
_NOT_TEXT = re.compile(r"<?(?:https?://|www\.)[!-~]+"
                       r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
                       r"|</?[A-Za-z][^<>\n]*>")


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
    """Keywords of ``text`` in its own characters, with their TF-IDF weights, best first (at
    most three times :data:`KEYWORDS`; none contained in a better one)."""
    plain = _NOT_TEXT.sub("\n", text)
    folded, origin = folded_with_origin(plain)

    def original(written: str) -> str:
        start = folded.find(written)
        return plain[origin[start]:origin[start + len(written) - 1] + 1] if start >= 0 else written

    found: dict[str, float] = {}
    taken: list[tuple[str, ...]] = []
    for words, weight in _tf_idf(folded, original):
        if any(_within(words, better) for better in taken):
            continue
        taken.append(words)
        found.setdefault(original(_written(words)), weight)
        if len(found) == KEYWORDS * 3:
            break
    return found


def _within(words: tuple[str, ...], better: tuple[str, ...]) -> bool:
    """Whether a keyword of ``words`` is part of one of ``better``: as characters when it
    is Chinese (``国网`` of ``国网中心``), as whole words when it is Latin (``ai`` of ``ai
    act``, not of ``taide``)."""
    if analysis.is_cjk(words[0]):
        return _written(words) in _written(better)
    size = len(words)
    return any(better[i:i + size] == words for i in range(len(better) - size + 1))


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


@cache
def _mainland() -> opencc.OpenCC:
    """OpenCC's Traditional (Taiwan) to Simplified (Mainland) words: 計畫 → 计划, 軟體 → 软件."""
    return opencc.OpenCC("tw2sp")


def word_idf(word: str, original: str) -> float:
    """The IDF of folded ``word`` (written ``original`` in the text): jieba's, else that of
    the word as Mainland Chinese writes it, else the table's median."""
    idf, median = _idf()
    if word in idf:
        return idf[word]
    return idf.get(_mainland().convert(original).casefold(), median)


@cache
def _not_nouns() -> frozenset[str]:
    """The words of our segmenter's dictionary whose part-of-speech tag (jieba's dict.txt:
    word, frequency, tag) is not one of :data:`NOUN_TAGS`: verbs, adverbs, function words…"""
    with analysis.segmenter().get_dict_file() as dictionary:
        rows = (line.decode("utf-8").split() for line in dictionary)
        return frozenset(row[0] for row in rows if len(row) == 3 and row[2] not in NOUN_TAGS)


def noun_runs(folded: str) -> list[list[str]]:
    """The candidate words of the folded text (nouns of two characters or more, not numbers
    nor stop words), in runs of words that stand next to each other (Latin words with one
    space between them)."""
    runs: list[list[str]] = [[]]
    for word in analysis.segmenter().cut(folded, HMM=True):
        if word == " " and runs[-1] and not analysis.is_cjk(runs[-1][-1]):
            continue
        if _candidate(word):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _candidate(word: str) -> bool:
    """Whether folded ``word`` may be a keyword or a term's part."""
    if len(word) < 2 or word != word.strip() or word.replace(".", "").isdigit():
        return False
    if not analysis.is_cjk(word) and not word.isalpha():
        return False
    return (word not in _not_nouns() and word not in _stop_words()
            and word not in LATIN_STOP_WORDS)


@cache
def _stop_words() -> frozenset[str]:
    return frozenset(analysis.fold(word) for word in STOP_WORDS)


def terms(runs: list[list[str]]) -> Counter[tuple[str, ...]]:
    """The runs' sequences of two to :data:`TERM_WORDS` words that stand at least
    :data:`TERM_COUNT` times, with their counts."""
    counted: Counter[tuple[str, ...]] = Counter()
    for run in runs:
        for start in range(len(run)):
            for size in range(2, min(TERM_WORDS, len(run) - start) + 1):
                counted[tuple(run[start:start + size])] += 1
    return Counter({term: n for term, n in counted.items() if n >= TERM_COUNT})


def _written(term: tuple[str, ...]) -> str:
    """A term's words as the folded text writes them (a space between Latin words)."""
    written = term[0]
    for before, word in zip(term, term[1:], strict=False):
        latin = not analysis.is_cjk(before) and not analysis.is_cjk(word)
        written += (" " if latin else "") + word
    return written


def _tf_idf(folded: str, original: Callable[[str], str]) -> list[tuple[tuple[str, ...],
                                                                     float]]:
    """The words and terms of the folded text (each a tuple of words), by TF-IDF weight, best
    first: a word's count over the count of all candidate words, times its IDF; a term's count
    over the same, times the sum of its words' IDF."""
    runs = noun_runs(folded)
    counts = Counter((word,) for run in runs for word in run)
    counts.update({term: n for term, n in terms(runs).items() if _written(term) in folded})
    total = sum(n for words, n in counts.items() if len(words) == 1) or 1
    table = _idf()[0]
    idf = {word: table[word] if word in table else word_idf(word, original(word))
           for (word, *more) in counts if not more}
    weights = {words: n / total * sum(idf[word] for word in words)
               for words, n in counts.items()}
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
    sentences = list(dict.fromkeys(  # a sentence repeated (rows of a table) is one
        s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= 8))
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
