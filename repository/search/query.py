"""Ranked search of the public records, with facets, sorting and paging.

A :class:`Search` is what a person asked for (the words, the facet terms they chose, a range
of years, the order, the page); :func:`search` answers it from the text index with the hits of
that page, how many matched, and each facet's counts.

**Matching.** A record matches the words when it has all of the query's words
(:func:`~repository.search.analysis.words`) or the query's grams in order
(:func:`~repository.search.analysis.query_grams`: what a substring search would find), so no
record a substring finds is lost, and a query in Simplified characters finds Traditional text.
A one-character Chinese query finds every text with that character.

**Ranking** (BM25 over the matches): words in a title count :data:`TITLE_BOOST` times, the
query's grams found as a phrase in a title :data:`PHRASE_BOOST` times, any other word once.

**Facets.** Chosen terms of one facet are alternatives (``language:nan`` or ``language:hak``),
facets together all apply. Each facet's counts are taken over the records that match the
words and every *other* facet's choices, so a person can widen a choice as well as narrow it.

**Did you mean.** Words that find nothing come back with :attr:`Results.suggestion`: the
same words with misspelt ones corrected from the index (:mod:`.suggest`), when that finds
something.

**Quality.** Results can be kept to an OLAC metadata quality score of at least ``min_quality``
and sorted by it (best first).

**Limits**: at most :data:`MAX_PAGE_SIZE` hits a page and :data:`MAX_DEPTH` hits deep; at most
:data:`FACET_VALUES` values counted a facet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby

import tantivy

from ..errors import InputError
from ..textindex import TANTIVY_ERRORS, TextIndex, TextIndexError
from . import analysis
from .facets import FACETS
from .suggest import corrected

#: The orders results can be sorted in (relevance needs words).
SORTS = ("relevance", "issued", "modified", "title", "quality")
#: The OLAC quality score's range.
QUALITY_RANGE = (0.0, 10.0)
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_DEPTH = 20, 100, 10_000
FACET_VALUES = 1000
TITLE_BOOST, PHRASE_BOOST = 3.0, 2.0
#: The longest query taken (characters).
MAX_QUERY = 500
_TERM = re.compile(r"([a-z-]+):([A-Za-z0-9\-_.!~*'()]+)")


@dataclass(frozen=True)
class Search:
    """What a person asked for. Build with :meth:`checked` from untrusted input."""

    text: str = ""
    terms: tuple[str, ...] = ()  # chosen facet terms, "{facet}:{code}"
    years: tuple[int | None, int | None] = (None, None)  # covering any year of the range
    sort: str = "relevance"
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE
    min_quality: float | None = None  # an OLAC quality score of at least this

    @classmethod
    def checked(cls, text: str = "", terms: tuple[str, ...] = (), years=(None, None),
                sort: str | None = None, page: int = 1, size: int = DEFAULT_PAGE_SIZE,
                min_quality: float | None = None) -> Search:
        """A search from a person's input. Raises InputError naming the parameter (``q``,
        ``facet``, ``from``/``until``, ``sort``, ``page``, ``size``, ``quality``) when it is
        out of range."""
        if min_quality is not None and not QUALITY_RANGE[0] <= min_quality <= QUALITY_RANGE[1]:
            raise InputError(f"expected a score from 0 to 10, got {min_quality:g}",
                             field="quality")
        if len(text) > MAX_QUERY:
            raise InputError(f"expected at most {MAX_QUERY} characters", field="q")
        for term in terms:
            found = _TERM.fullmatch(term)
            if not found or found.group(1) not in FACETS:
                raise InputError(f"expected a facet term such as language:nan (facets: "
                                 f"{', '.join(FACETS)}), got {term!r}", field="facet")
        sort = sort or ("relevance" if text.strip() else "modified")
        if sort not in SORTS:
            raise InputError(f"expected one of {', '.join(SORTS)}, got {sort!r}", field="sort")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InputError(f"expected 1 to {MAX_PAGE_SIZE}, got {size}", field="size")
        if page < 1 or page * size > MAX_DEPTH:
            raise InputError(f"expected a page from 1 to {MAX_DEPTH // size}, got {page}",
                             field="page")
        return cls(text.strip(), tuple(sorted(set(terms))), _years(years), sort, page, size,
                   min_quality)


def _years(years) -> tuple[int | None, int | None]:
    first, last = years
    if first is not None and last is not None and first > last:
        raise InputError(f"the range of years ends ({last}) before it starts ({first})",
                         field="until")
    return first, last


@dataclass(frozen=True)
class Hit:
    """One record found: its dataset IRI, titles and descriptions as stored, and its score
    (None when sorted by something else)."""

    iri: str
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    score: float | None
    quality: float | None = None  # its OLAC metadata quality score

    @property
    def local_id(self) -> str:
        return self.iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Results:
    """A page of hits, how many matched in all, and each facet's values with their counts
    (most first)."""

    search: Search
    hits: tuple[Hit, ...]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: for words that found nothing, the words corrected that find something ("did you mean")
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        """How many pages can be asked for (paging stops at MAX_DEPTH hits)."""
        reachable = min(self.total, MAX_DEPTH)
        return max(1, -(-reachable // self.search.size))


def search(index: TextIndex, request: Search) -> Results:
    """The page of ``request`` from ``index``, with facet counts. Raises TextIndexError."""
    searcher, schema = index.searcher()
    words = _words_query(schema, request.text)
    filters = _filters(schema, request)
    try:
        hits, total = _page(searcher, schema, _all(words, *filters.values()), request)
        facets = _facet_counts(searcher, schema, words, filters)
        suggestion = None if total else _suggestion(searcher, schema, request, filters)
    except TANTIVY_ERRORS as error:
        raise TextIndexError(f"cannot search the text index: {error}") from error
    return Results(request, hits, total, facets, suggestion)


def _suggestion(searcher, schema, request: Search,
                filters: dict[str, tantivy.Query]) -> str | None:
    """The request's words corrected (:mod:`.suggest`) when that finds something with the
    same filters; else None."""
    better = corrected(searcher, request.text) if request.text else None
    if better is None:
        return None
    found = searcher.search(_all(_words_query(schema, better), *filters.values()), 1, count=True)
    return better if found.count else None


# -- the query -----------------------------------------------------------------------------


def _words_query(schema: tantivy.Schema, text: str) -> tantivy.Query | None:
    """What the words must match and how matches are scored; None for no words."""
    words, grams = analysis.words(text), analysis.query_grams(text)
    if not words and not grams:
        return None
    Q, Occur = tantivy.Query, tantivy.Occur
    recall = [q for q in (_all_terms(schema, "words", words), _phrase(schema, "grams", text))
              if q is not None]
    scoring = [Q.boost_query(_any_terms(schema, "title_words", words), TITLE_BOOST),
               _any_terms(schema, "words", words)] if words else []
    title_phrase = _phrase(schema, "grams", text)
    clauses = [(Occur.Must, Q.boolean_query([(Occur.Should, q) for q in recall]))]
    clauses += [(Occur.Should, q) for q in scoring]
    if title_phrase is not None:
        clauses.append((Occur.Should, Q.boost_query(title_phrase, PHRASE_BOOST)))
    return Q.boolean_query(clauses)


def _all_terms(schema, field: str, tokens: list[str]) -> tantivy.Query | None:
    if not tokens:
        return None
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, tantivy.Query.term_query(schema, field, t))
         for t in dict.fromkeys(tokens)])


def _any_terms(schema, field: str, tokens: list[str]) -> tantivy.Query:
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, t))
         for t in dict.fromkeys(tokens)])


def _phrase(schema, field: str, text: str) -> tantivy.Query | None:
    """The query's grams in order (a lone final character open-ended, as a prefix)."""
    tokens, parts = analysis.query_grams(text), analysis.runs(text)
    if not tokens:
        return None
    Q = tantivy.Query
    if parts and len(parts[-1]) == 1 and analysis.is_cjk(parts[-1]):
        patterns = [*map(re.escape, tokens[:-1]), f"{re.escape(tokens[-1])}.?"]
        if len(patterns) == 1:
            return Q.regex_query(schema, field, patterns[0])
        return Q.regex_phrase_query(schema, field, patterns)
    return (Q.term_query(schema, field, tokens[0]) if len(tokens) == 1
            else Q.phrase_query(schema, field, tokens))


def _filters(schema, request: Search) -> dict[str, tantivy.Query]:
    """One query per facet with choices (their alternatives), and ``years`` for the range."""
    filters = {}
    for facet, terms in groupby(sorted(request.terms), key=lambda t: t.split(":", 1)[0]):
        filters[facet] = tantivy.Query.term_set_query(schema, "facet", list(terms))
    first, last = request.years
    if first is not None or last is not None:
        filters["years"] = _covering(schema, first, last)
    if request.min_quality is not None:
        filters["quality"] = tantivy.Query.range_query(
            schema, "quality", tantivy.FieldType.Float, request.min_quality, QUALITY_RANGE[1])
    return filters


def _covering(schema, first: int | None, last: int | None) -> tantivy.Query:
    """Records whose years overlap [first, last]: they start by ``last``, end from ``first``."""
    Q, Occur, integer = tantivy.Query, tantivy.Occur, tantivy.FieldType.Integer
    clauses = []
    if last is not None:
        clauses.append((Occur.Must, Q.range_query(schema, "first_year", integer, -10**6, last)))
    if first is not None:
        clauses.append((Occur.Must, Q.range_query(schema, "last_year", integer, first, 10**6)))
    return Q.boolean_query(clauses)


def _all(*queries: tantivy.Query | None) -> tantivy.Query:
    present = [q for q in queries if q is not None]
    if not present:
        return tantivy.Query.all_query()
    if len(present) == 1:
        return present[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in present])


# -- answering -----------------------------------------------------------------------------


def _page(searcher, schema, query: tantivy.Query, request: Search) -> tuple[tuple[Hit, ...],
                                                                               int]:
    offset = (request.page - 1) * request.size
    order = {"issued": ("issued", tantivy.Order.Desc),
             "modified": ("modified", tantivy.Order.Desc),
             "title": ("sort_title", tantivy.Order.Asc),
             "quality": ("quality", tantivy.Order.Desc)}.get(request.sort)
    if order is None:  # relevance
        result = searcher.search(query, request.size, count=True, offset=offset)
    else:
        result = searcher.search(query, request.size, count=True, order_by_field=order[0],
                                 offset=offset, order=order[1])
    scored = order is None
    hits = tuple(_hit(searcher.doc(address), key if scored else None)
                 for key, address in result.hits)
    return hits, result.count


def _hit(document: tantivy.Document, score: float | None) -> Hit:
    values = document.to_dict()
    quality = values.get("quality")
    return Hit(values["iri"][0], tuple(values.get("shown_title", ())),
               tuple(values.get("shown_text", ())), score, quality[0] if quality else None)


def _facet_counts(searcher, schema, words, filters: dict[str, tantivy.Query]
                  ) -> dict[str, list[tuple[str, int]]]:
    """Each facet's values and counts over the words and the other facets' choices."""
    counted: dict[str, list[tuple[str, int]]] = {}
    shared = _aggregate(searcher, _all(words, *filters.values()))
    for facet in FACETS:
        if facet in filters:
            others = [q for name, q in filters.items() if name != facet]
            counted[facet] = _aggregate(searcher, _all(words, *others)).get(facet, [])
        else:
            counted[facet] = shared.get(facet, [])
    return counted


def _aggregate(searcher, query: tantivy.Query) -> dict[str, list[tuple[str, int]]]:
    result = searcher.aggregate(query, {"facets": {"terms": {"field": "facet",
                                                             "size": FACET_VALUES}}})
    by_facet: dict[str, list[tuple[str, int]]] = {}
    for bucket in result["facets"]["buckets"]:
        facet, _, code = bucket["key"].partition(":")
        by_facet.setdefault(facet, []).append((code, bucket["doc_count"]))
    for values in by_facet.values():
        values.sort(key=lambda item: (-item[1], item[0]))
    return by_facet
