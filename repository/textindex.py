"""The full-text index of the public records' titles and texts, on tantivy.

One document per public record: its local id (an untokenised term, to replace and remove by),
the dataset IRI it describes (stored, returned by searches) and two searchable fields,
``title`` (every title, any language) and ``text`` (the titles again, descriptions, keywords,
alternative titles). Like the OAI index it is derived from the public area only and can be
rebuilt from it (:meth:`TextIndex.replace_all`).

**Analysis**, one function (:func:`analyse`) for documents and queries alike, so they agree:

1. NFKC and case folding (full-width ``Ｌａｔｉｎ`` is ``latin``, ``ÄBC`` is ``äbc``).
2. The text splits into *runs*: CJK runs (Han ideographs with their extensions, compatibility
   ideographs and ``々〇``; Bopomofo with its tone marks ``ˇˊˋ˪˫``) and word runs (letters and
   digits of any other script, kana and Hangul included, plus the combining diacritics that
   Taiwanese romanisations leave uncomposed, as in ``o̍``). Everything else (spaces,
   punctuation, ``「」，。``, symbols) only separates runs; so does a change between CJK and
   other letters (``Amis語料``).
3. A word run is one token. A CJK run gives, for each of its characters, the token that starts
   there: the bigram, or for the last character the character alone (``口述歷史`` → ``口述 述歷
   歷史 史``; ``語`` → ``語``). That last token marks where the run ends.
4. Positions count tokens, across runs without gaps (``Amis 語料`` is ``amis 語料 料``).
   tantivy leaves a gap between the values of a field, so no phrase joins two titles.

**Matching.** A query is analysed the same way and its tokens must occur at consecutive
positions (a phrase), except that its last CJK run keeps its end open, the run-end token left
out: the text's run may go on. For a Chinese string of two characters or more that is exactly
substring search (``歷史`` is in ``口述歷史研究`` but not in ``歷代史``); for Latin text it is
whole words in order, case- and width-insensitive (``oral history`` matches ``Oral-History
Archive``; ``hist`` matches nothing). Across runs a query means what a substring would, with any
separators alike: ``語料 Amis`` finds ``國語料，Amis`` (the run-end token ``料`` says the text's
run ends there) but not ``語料庫 Amis``, and ``歷史 學家`` finds ``歷史 學家`` but not
``歷史學家``. A run in the middle of a query must be a whole run of the text.

**A single character.** A query ending in a one-character CJK run (``語``, ``Amis 語``) looks
for every term that *starts* with it (a regular expression ``語.?`` on the same field, no
second field): since every character of a text starts one token, alone it finds every text
containing the character anywhere. Elsewhere in a query a one-character run is its run-end
token like any other.

**Several processes** (a web server's workers and ``yuliao import``) share one directory, and
tantivy lets one writer at a time hold its lock. So no writer is kept open: each
:meth:`~TextIndex.put`, :meth:`~TextIndex.remove` and :meth:`~TextIndex.replace_all` opens one
(:data:`WRITER_HEAP` bytes, :data:`WRITER_THREADS` thread), commits once, waits for its
merges and releases the lock. A busy lock is retried for :data:`LOCK_WAIT` seconds, then the
call fails with TextIndexError. Every write is all or nothing: a failure rolls back, and is
raised as TextIndexError when tantivy's, unchanged otherwise (say the documents' own source
failing); a write with nothing to write opens no writer at all. Every search first reloads
the reader (about a tenth of a millisecond), so it sees the commits of every process; a failed
reload is tried once more (another process may have merged away the segments it was opening).

**For people** (:mod:`repository.search`) each document also holds ranked-search fields,
analysed by :mod:`repository.search.analysis` (words segmented in one script of Chinese,
diacritics folded): ``title_words`` and ``words`` (ranking), ``grams`` (the recall floor, with
positions); its facet terms (``facet``, a fast field counted by aggregations), the years it
covers (``first_year``, ``last_year``), its sort keys (``issued`` in days and ``modified`` in
seconds since 1970, ``sort_title``, ``quality``: the OLAC quality score, stored too), the
tokens of its files (``tokens``, summed for the totals of the home page and VoID), the start
of its files' kept text (searched in ``words`` and ``grams``, never shown), and,
stored for result lists, its titles and first description (``shown_title``,
``shown_text``). :data:`SCHEMA_VERSION` names the layout: a
home whose index has another is reindexed at open (``Config.text_index_path`` is versioned).

**Limits**: a search returns at most :data:`MAX_LIMIT` IRIs, best first (BM25; a query ending
in a lone character scores that term as a constant), with the number that matched in all.
At a million documents finding costs about a millisecond (a few for a common lone character);
reading each IRI back from tantivy's document store some 4 µs more, so a search for 1,000 hits
takes 6 to 10 ms, one for 10,000 about 40 ms.
tantivy failures are translated into TextIndexError, bad query input into TextQueryError, at
this boundary.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, count, repeat
from pathlib import Path
from typing import TypeVar

import tantivy

from .errors import InputError, StoreError
from .search import analysis
from .search.facets import Facets

#: The searchable fields: titles only, or titles and every other text.
FIELDS = ("title", "text")
#: The layout of the index's documents (the directory's name carries it).
SCHEMA_VERSION = 5
#: Descriptions kept for result lists (one a language, Chinese first), and their length.
SHOWN_DESCRIPTIONS, SHOWN_TEXT = 3, 400
#: The most IRIs one search returns.
MAX_LIMIT = 100_000
#: Each write's writer: heap in bytes (tantivy's floor is 15 MB a thread) and threads.
WRITER_HEAP = 50_000_000
WRITER_THREADS = 1
#: Seconds a write waits for another writer's lock before it fails, and between attempts.
LOCK_WAIT = 10.0
LOCK_POLL = 0.02
#: What tantivy-py raises for its own errors (and for text it cannot take: UnicodeEncodeError).
TANTIVY_ERRORS = (ValueError,)

_CJK = (
    "\u02c7\u02c9-\u02cb\u02ea\u02eb"  # Bopomofo tone marks
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b"  # radicals, 々, 〇, numerals
    "\u3100-\u312f\u31a0-\u31bf"  # Bopomofo, extended
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"  # Han and extensions
)
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTER = rf"[^\W_{_CJK}]"  # a letter or digit that is not CJK
#: One run a match: CJK, or a word (letters and digits, with combining marks after a letter).
_RUNS = re.compile(rf"[{_CJK}]+|{_LETTER}+(?:[{_MARKS}]+{_LETTER}*)*")
_IS_CJK = re.compile(f"[{_CJK}]").match
_NONE = object()
T = TypeVar("T")


class TextIndexError(StoreError):
    """The text index failed (cannot be opened or written, locked by another writer)."""


class TextQueryError(InputError):
    """A search that cannot be run: names the parameter and what was expected."""


@dataclass(frozen=True)
class TextDocument:
    """One public record as the text index holds it."""

    local_id: str  # the record's local id, e.g. "00001234"
    iri: str  # the dataset IRI the record describes
    titles: tuple[str, ...] = ()  # every title, any language
    texts: tuple[str, ...] = ()  # descriptions, keywords, alternative titles
    facets: Facets = Facets()  # what the search pages filter and count by
    descriptions: tuple[str, ...] = ()  # shown under the title in result lists
    modified: int = 0  # the datestamp of the public revision, seconds since 1970
    names: tuple[str, ...] = ()  # its languages' and publishers' names (searched, not shown)
    file_texts: tuple[str, ...] = ()  # the start of its files' text (searched, not shown)


@dataclass(frozen=True)
class Hits:
    """What a search found: dataset IRIs, best first, and how many matched in all."""

    iris: tuple[str, ...]
    total: int


# -- analysis ------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFKC and case folding (NFKC again, since folding can undo it)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def analyse(text: str) -> list[str]:
    """The tokens of ``text``, one a position: each word, and for each character of a CJK run
    the token starting there (the bigram, or the run's last character alone)."""
    return _tokens(_runs(text))


def _runs(text: str) -> list[str]:
    """The runs of ``text``, normalised."""
    return _RUNS.findall(normalise(text))


def _tokens(runs: list[str]) -> list[str]:
    tokens: list[str] = []
    for run in runs:
        if _IS_CJK(run):
            tokens.extend([run[i:i + 2] for i in range(len(run))])
        else:
            tokens.append(run)
    return tokens


def _query_tokens(text: str) -> tuple[list[str], bool]:
    """The tokens a query looks for, and whether the last stands for every term it starts (a
    one-character CJK run). The run-end token of a longer last CJK run is left out. Raises
    TextQueryError when ``text`` has no token."""
    runs = _runs(text)
    if not runs:
        raise TextQueryError(
            f"expected a letter, a digit or a CJK character, got {text!r}", field="text"
        )
    tokens, last = _tokens(runs), runs[-1]
    if not _IS_CJK(last):
        return tokens, False
    if len(last) > 1:
        tokens.pop()  # the text's run may go on
    return tokens, len(last) == 1


# -- documents -----------------------------------------------------------------------------


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("local_id", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("iri", stored=True, tokenizer_name="raw", index_option="basic")
    for name in FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="position")
    for name, option in (("title_words", "freq"), ("words", "freq"), ("grams", "position")):
        builder.add_text_field(name, tokenizer_name="raw", index_option=option)
    builder.add_text_field("facet", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_text_field("sort_title", tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("first_year", "last_year", "issued", "modified"):
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_float_field("quality", stored=True, indexed=True, fast=True)
    builder.add_unsigned_field("tokens", fast=True)
    for name in ("shown_title", "shown_text"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def _pre_tokenised(text: str, tokens: list[str] | None = None
                   ) -> tantivy.PreTokenizedString | None:
    """``tokens`` (by default ``text`` analysed), for tantivy (None when there is none);
    offsets are not kept."""
    tokens = analyse(text) if tokens is None else tokens
    if not tokens:
        return None
    zeros = repeat(0)  # character offsets: nothing is highlighted
    return tantivy.PreTokenizedString("", list(map(tantivy.Token, tokens, count(), zeros, zeros)))


def _document(record: TextDocument) -> tantivy.Document:
    """``record`` as a tantivy document: titles go into both fields, other texts into "text"."""
    document = tantivy.Document()
    document.add_text("local_id", record.local_id)
    document.add_text("iri", record.iri)
    for names, texts in ((FIELDS, record.titles), (("text",), record.texts)):
        for value in map(_pre_tokenised, texts):
            for name in names if value is not None else ():
                document.add_pre_tokenized_text(name, value)
    _add_search_fields(document, record)
    return document


def _add_search_fields(document: tantivy.Document, record: TextDocument) -> None:
    """The fields of :mod:`repository.search`: analysed texts, facets, sort keys, display."""
    for field, analyser, texts in (
            ("title_words", analysis.words, record.titles),
            ("words", analysis.words, (*record.titles, *record.texts, *record.names,
                                       *record.file_texts)),
            ("grams", analysis.grams, (*record.titles, *record.texts, *record.names,
                                       *record.file_texts))):
        for text in texts:
            value = _pre_tokenised(text, analyser(text))
            if value is not None:
                document.add_pre_tokenized_text(field, value)
    facets = record.facets
    for term in facets.terms:
        document.add_text("facet", term)
    for field, number in (("first_year", facets.first_year), ("last_year", facets.last_year)):
        if number is not None:
            document.add_integer(field, number)
    issued = facets.issued.toordinal() - EPOCH_ORDINAL if facets.issued else 0
    document.add_integer("issued", issued)
    document.add_integer("modified", record.modified)
    document.add_float("quality", facets.quality if facets.quality is not None else 0.0)
    document.add_unsigned("tokens", facets.tokens)
    document.add_text("sort_title", sort_key(record.titles))
    for title in record.titles:
        document.add_text("shown_title", title)
    for text in record.descriptions[:SHOWN_DESCRIPTIONS]:
        document.add_text("shown_text", text[:SHOWN_TEXT])


def drop_older_layouts(path: Path) -> None:
    """Remove the index directories of older layouts beside ``path`` (``{home}/text`` was
    the first): derived data, which the repository rebuilds from the public area."""
    older = [path.parent / "text", *(path.parent / f"text-{v}"
                                      for v in range(2, SCHEMA_VERSION))]
    for directory in older:
        if directory.is_dir():
            shutil.rmtree(directory, ignore_errors=True)


def epoch_seconds(datestamp: str) -> int:
    """Seconds since 1970 of an OAI-PMH datestamp (``2026-04-10T08:00:00Z``); 0 for text
    that is not one."""
    try:
        return int(datetime.fromisoformat(datestamp.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0


#: date(1970, 1, 1).toordinal(): dates are indexed as days since then.
EPOCH_ORDINAL = 719163


def sort_key(titles: tuple[str, ...]) -> str:
    """What a record sorts by when sorted by title: its first title, normalised (an empty
    key, sorting first, without one)."""
    return normalise(titles[0]).strip() if titles else ""


# -- the index -----------------------------------------------------------------------------


class TextIndex:
    """The index in the directory ``path`` (created if missing), or in memory when None.

    A write waits at most ``lock_wait`` seconds for another writer's lock. Raises
    TextIndexError when the index cannot be opened (for example one of another schema).
    """

    def __init__(self, path: Path | None, *, lock_wait: float = LOCK_WAIT) -> None:
        self.path, self.lock_wait = path, lock_wait
        self._schema = _schema()
        self._lock = threading.Lock()  # writes through this object, one at a time
        self._index: tantivy.Index | None = self._open()

    @property
    def _where(self) -> str:
        return str(self.path) if self.path else "in memory"

    def _open(self) -> tantivy.Index:
        try:
            if self.path is None:
                index = tantivy.Index(self._schema)
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                index = tantivy.Index(self._schema, path=str(self.path))
            index.config_reader("manual")  # reloaded by every search instead
            return index
        except (*TANTIVY_ERRORS, OSError) as error:
            raise TextIndexError(f"cannot open the text index {self._where}: {error}") from error

    def _opened(self) -> tantivy.Index:
        if self._index is None:
            raise TextIndexError(f"the text index {self._where} is closed")
        return self._index

    def close(self) -> None:
        """Lets go of the index (no writer is ever left open); later calls raise
        TextIndexError."""
        self._index = None

    # -- writing ---------------------------------------------------------------------------

    def put(self, documents: Iterable[TextDocument]) -> None:
        """Adds ``documents``, replacing those of the same local ids (of a local id given
        twice, the last), in one commit. Raises TextIndexError, having changed nothing."""
        pending = _pending(documents)
        if pending is not None:
            with self._writing() as writer:
                _add(writer, pending)

    def remove(self, local_ids: Iterable[str]) -> None:
        """Removes the documents of ``local_ids`` (unknown ones are ignored) in one commit.
        Raises TextIndexError, having changed nothing."""
        pending = _pending(local_ids)
        if pending is not None:
            with self._writing() as writer:
                for local_id in pending:
                    writer.delete_documents_by_term("local_id", local_id)

    def replace_all(self, documents: Iterable[TextDocument]) -> None:
        """Replaces the whole index by ``documents``, in one commit. Raises TextIndexError,
        having changed nothing."""
        with self._writing() as writer:
            writer.delete_all_documents()
            _add(writer, documents)

    @contextmanager
    def _writing(self) -> Iterator[tantivy.IndexWriter]:
        """A writer inside one commit: all of it or, on any failure, nothing (tantivy's
        failures raised as TextIndexError, others as they are)."""
        with self._writer() as writer:
            try:
                yield writer
                writer.commit()
            except TANTIVY_ERRORS as error:
                _rollback(writer)
                raise TextIndexError(
                    f"cannot update the text index {self._where}: {error}"
                ) from error
            except BaseException:
                _rollback(writer)
                raise
        self._reload()

    @contextmanager
    def _writer(self) -> Iterator[tantivy.IndexWriter]:
        """A writer holding the index's lock (and this object's), both released after."""
        index, deadline = self._opened(), time.monotonic() + self.lock_wait
        if not self._lock.acquire(timeout=self.lock_wait):
            raise self._locked()
        try:
            writer = self._acquire(index, deadline)
            try:
                yield writer
            finally:
                with suppress(*TANTIVY_ERRORS):
                    writer.wait_merging_threads()  # consumes the writer, which drops the lock
        finally:
            self._lock.release()

    def _acquire(self, index: tantivy.Index, deadline: float) -> tantivy.IndexWriter:
        """A new writer, once the lock is free; raises TextIndexError at ``deadline``."""
        while True:
            try:
                return index.writer(WRITER_HEAP, WRITER_THREADS)
            except ValueError as error:
                if "LockBusy" not in str(error):
                    raise TextIndexError(
                        f"cannot write the text index {self._where}: {error}"
                    ) from error
                if time.monotonic() >= deadline:
                    raise self._locked() from error
            time.sleep(LOCK_POLL)

    def _locked(self) -> TextIndexError:
        return TextIndexError(
            f"the text index {self._where} is locked by another writer "
            f"(waited {self.lock_wait:g} s)"
        )

    # -- reading ---------------------------------------------------------------------------

    def search(self, text: str, field: str = "text", limit: int = 10_000) -> Hits:
        """The datasets whose ``field`` ("title" or "text") matches ``text`` (see the module
        documentation), at most ``limit`` (1 to MAX_LIMIT), best first.

        Raises TextQueryError for a text without a letter, digit or CJK character, an unknown
        field or a limit out of range; TextIndexError when the index fails.
        """
        query = self._query(*_query_tokens(text), _checked_field(field))
        _check_limit(limit)
        searcher = self._reload()
        try:
            result = searcher.search(query, limit, count=True)
            iris = _iris(searcher, [address for _, address in result.hits])
        except TANTIVY_ERRORS as error:
            raise TextIndexError(f"cannot search the text index {self._where}: {error}") from error
        return Hits(iris, result.count)

    def __len__(self) -> int:
        """How many documents the index holds (as last committed by any process)."""
        return self._reload().num_docs

    def held(self, local_ids: Iterable[str]) -> set[str]:
        """Those of ``local_ids`` that have a document. Counted, not read: a term-set query
        for all of them, and for each half of a set that came up short (a local id has one
        document at most, since a write replaces it). Raises TextIndexError."""
        searcher = self._reload()
        try:
            return set(self._held(searcher, sorted(set(local_ids))))
        except TANTIVY_ERRORS as error:
            raise TextIndexError(f"cannot read the text index {self._where}: {error}") from error

    def _held(self, searcher: tantivy.Searcher, local_ids: list[str]) -> list[str]:
        if not local_ids:
            return []
        query = tantivy.Query.term_set_query(self._schema, "local_id", local_ids)
        found = searcher.search(query, 1, count=True).count
        if found == 0 or found >= len(local_ids):
            return local_ids if found else []
        middle = len(local_ids) // 2
        return self._held(searcher, local_ids[:middle]) + self._held(searcher,
                                                                     local_ids[middle:])

    def iris(self) -> Iterator[str]:
        """The dataset IRI of every document, in index order (reads them all: for finding
        documents no record accounts for). Raises TextIndexError."""
        searcher = self._reload()
        try:
            result = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1))
            addresses = sorted((address for _, address in result.hits), key=_place)
            for address in addresses:
                yield searcher.doc(address).get_first("iri")
        except TANTIVY_ERRORS as error:
            raise TextIndexError(f"cannot read the text index {self._where}: {error}") from error

    def _query(self, tokens: list[str], open_end: bool, field: str) -> tantivy.Query:
        """The tantivy query for analysed ``tokens``: a term or a phrase; by regular
        expressions when the last token stands for every term it starts (``open_end``)."""
        query, schema = tantivy.Query, self._schema
        if open_end:  # tokens are letters, digits and CJK characters: no regex syntax
            patterns = [*tokens[:-1], f"{tokens[-1]}.?"]
            if len(patterns) == 1:
                return query.regex_query(schema, field, patterns[0])
            return query.regex_phrase_query(schema, field, patterns)
        if len(tokens) == 1:
            return query.term_query(schema, field, tokens[0])
        return query.phrase_query(schema, field, tokens)

    def token_total(self) -> int:
        """The tokens of every document's files (one sum aggregation). Raises
        TextIndexError."""
        try:
            result = self._reload().aggregate(tantivy.Query.all_query(),
                                              {"tokens": {"sum": {"field": "tokens"}}})
        except TANTIVY_ERRORS as error:
            raise TextIndexError(f"cannot sum the text index's tokens: {error}") from error
        return int(result["tokens"]["value"] or 0)

    def searcher(self) -> tuple[tantivy.Searcher, tantivy.Schema]:
        """A searcher on the latest commit, and the schema, for :mod:`repository.search`.
        Raises TextIndexError."""
        return self._reload(), self._schema

    def _reload(self) -> tantivy.Searcher:
        """A searcher on the latest commit of any process. Tried twice: another process may
        merge away the segments between reading the commit and opening them."""
        index = self._opened()
        try:
            try:
                index.reload()
            except TANTIVY_ERRORS:
                index.reload()
            return index.searcher()
        except TANTIVY_ERRORS as error:
            raise TextIndexError(f"cannot read the text index {self._where}: {error}") from error


def _pending(items: Iterable[T]) -> Iterator[T] | None:
    """``items`` as an iterator, or None when there are none (so nothing to commit)."""
    iterator = iter(items)
    first = next(iterator, _NONE)
    return None if first is _NONE else chain([first], iterator)


def _add(writer: tantivy.IndexWriter, documents: Iterable[TextDocument]) -> None:
    """Adds ``documents``, each replacing any earlier one of its local id (tantivy applies a
    delete to the documents added before it only)."""
    for record in documents:
        document = _document(record)
        writer.delete_documents_by_term("local_id", record.local_id)
        writer.add_document(document)


def _iris(searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]) -> tuple[str, ...]:
    """The IRIs of the documents at ``addresses``, in that order. They are read in index order
    (a quarter faster than in score order: each block of stored documents is decompressed once)."""
    iris = [""] * len(addresses)
    for i in sorted(range(len(addresses)), key=lambda i: _place(addresses[i])):
        iris[i] = searcher.doc(addresses[i]).get_first("iri")
    return tuple(iris)


def _place(address: tantivy.DocAddress) -> tuple[int, int]:
    return address.segment_ord, address.doc


def _rollback(writer: tantivy.IndexWriter) -> None:
    with suppress(*TANTIVY_ERRORS):
        writer.rollback()


def _checked_field(field: str) -> str:
    if field not in FIELDS:
        raise TextQueryError(
            f"expected one of {', '.join(map(repr, FIELDS))}, got {field!r}", field="field"
        )
    return field


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise TextQueryError(f"expected a whole number from 1 to {MAX_LIMIT}, got {limit!r}",
                             field="limit")
