"""The review index: one row per record of the work area, for the back office's queues and
dataset lists, in SQLite (``{home}/workflow.sqlite``, WAL; in memory for an in-memory
repository).

A row holds what the screens of seed 001 show and filter on: local id, agency, state, title,
revision, the live public revision (a published record being edited has one), the last time
the record changed (its latest workflow event or public change), and the **note**: the reason
the provider was last given (a return, or the takedown they asked for, with its date) while
it stands. Queues and lists are keyset queries on indexes that match them, so a page costs
the same at 20 records and at 100,000 (bench/workflow.py).

**Keywords** (seed 001's 關鍵字搜尋) are found through an FTS5 table over each record's local
id, titles, keywords and identifiers, NFKC-normalised and case-folded, as tokens: every
character bigram of a CJK run and the run's last character alone, and every other word. A
keyword's CJK runs are phrases of their bigrams (a one-character run: any token starting with
it), its other words a phrase whose last word may be a prefix; all must match. So a Chinese
keyword matches as a substring (``歷史`` finds ``口述歷史研究``) and a Latin one from the start
of a word (``corp`` finds ``Corpus``). A selective keyword (at most :data:`FEW_MATCHES`
records) sorts its matches; a common one walks the list's index and keeps the rows among its
matches, so neither reads more than a few thousand rows.

The index is **derived from the work area** (records and their history graphs) and is kept
in step by :class:`repository.core.Repository`, inside the journaled change that writes the
work area: imports write the rows of their batches, every single-record change (and the
journal's recovery) reads the record back (:func:`observe`). It is rebuilt from the work area
when it is missing (:meth:`ReviewIndex.rebuild`), and ``yuliao check`` compares it with the
work area (state and revision of every record). sqlite3 errors are raised as StoreError.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal

from vocab.namespaces import DCAT, DCT

from ..actors import Role
from ..errors import InputError
from ..records import Identifiers, Record, is_tombstone, split_record_graph, utc_text
from ..sqlite_index import SqliteIndex
from .history import Event, event_from_row, events_query, history_graph
from .table import queue_states, row_of

if TYPE_CHECKING:
    from ..backends import TripleStore

SCHEMA_VERSION = 1
#: Rows written per transaction of a rebuild, and read per query of :meth:`ReviewIndex.headers`.
BATCH, HEADERS_BATCH = 500, 10_000
#: The queue each state belongs to (the role that reviews it), from the transition table.
QUEUES = {state: role.value for role in Role for state in queue_states(role)}
_QUEUE_SQL = " ".join(f"WHEN '{state}' THEN '{queue}'" for state, queue in QUEUES.items())

SCHEMA = f"""
CREATE TABLE reviews (
    local_id TEXT PRIMARY KEY,
    agency TEXT,
    state TEXT NOT NULL,
    revision INTEGER NOT NULL,
    title TEXT NOT NULL,
    tokens TEXT NOT NULL,
    stamp TEXT NOT NULL DEFAULT '',
    public_revision INTEGER,
    sequence INTEGER,
    changed TEXT NOT NULL DEFAULT '',
    account TEXT,
    note_action TEXT,
    note_state TEXT,
    reason TEXT,
    takedown_date TEXT,
    updated TEXT GENERATED ALWAYS AS (max(changed, stamp)) VIRTUAL,
    queue TEXT GENERATED ALWAYS AS (CASE state {_QUEUE_SQL} END) VIRTUAL
);
CREATE INDEX reviews_queue ON reviews (queue, updated, local_id) WHERE queue IS NOT NULL;
CREATE INDEX reviews_agency_queue ON reviews (agency, queue, updated, local_id)
    WHERE queue IS NOT NULL;
CREATE INDEX reviews_agency ON reviews (agency, updated, local_id);
CREATE INDEX reviews_agency_state ON reviews (agency, state, updated, local_id);
CREATE INDEX reviews_state ON reviews (state, updated, local_id);
CREATE INDEX reviews_updated ON reviews (updated, local_id);
CREATE VIRTUAL TABLE search USING fts5 (tokens, content = 'reviews', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 0');
CREATE TRIGGER reviews_added AFTER INSERT ON reviews BEGIN
    INSERT INTO search (rowid, tokens) VALUES (new.rowid, new.tokens); END;
CREATE TRIGGER reviews_removed AFTER DELETE ON reviews BEGIN
    INSERT INTO search (search, rowid, tokens) VALUES ('delete', old.rowid, old.tokens); END;
CREATE TRIGGER reviews_changed AFTER UPDATE OF tokens ON reviews BEGIN
    INSERT INTO search (search, rowid, tokens) VALUES ('delete', old.rowid, old.tokens);
    INSERT INTO search (rowid, tokens) VALUES (new.rowid, new.tokens); END;
PRAGMA user_version = {SCHEMA_VERSION};
"""
#: What a new schema drops first.
DROPPED = ("TRIGGER IF EXISTS reviews_added", "TRIGGER IF EXISTS reviews_removed",
           "TRIGGER IF EXISTS reviews_changed", "TABLE IF EXISTS search",
           "TABLE IF EXISTS reviews")
#: Keywords matching at most this many records are looked up by their matches, the others by
#: walking the list's order.
FEW_MATCHES = 2000
CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af" \
      "\uf900-\ufaff\U00020000-\U0003134f"
RUNS = re.compile(f"(?P<cjk>[{CJK}]+)|(?P<word>[^\\W_{CJK}]+)")
BASE_COLUMNS = ("local_id", "agency", "state", "revision", "title", "tokens", "stamp",
                "public_revision")
PROGRESS_COLUMNS = ("sequence", "changed", "account", "note_action", "note_state", "reason",
                    "takedown_date")
ENTRY_COLUMNS = ("local_id, agency, state, title, revision, updated, public_revision, account, "
                 "note_action, note_state, reason, takedown_date")


# -- what a row says ------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """The reason the provider was last given: a return (``action`` "return") or the takedown
    they asked for ("request-takedown", with its date), standing for ``state``."""

    action: str
    state: str
    reason: str
    takedown_date: str | None = None


@dataclass(frozen=True)
class Progress:
    """What a record's history says for its row: its latest event (sequence, time as UTC
    text, account) and the note standing after it."""

    sequence: int
    changed: str
    account: str
    note: Note | None = None


def follow(progress: Progress | None, event: Event) -> Progress:
    """``progress`` after ``event``: a return or takedown request sets the note, the
    transitions that keep it (:attr:`repository.workflow.table.Transition.keeps_note`) carry
    it into their new state, every other event clears it."""
    row = row_of(event.action, event.from_state, event.to_state)
    note = progress.note if progress else None
    if row is not None and row.sets_note:
        note = Note(event.action, event.to_state, event.reason or "",
                    event.takedown_date.isoformat() if event.takedown_date else None)
    elif row is not None and row.keeps_note and note is not None:
        note = replace(note, state=event.to_state)
    else:
        note = None
    return Progress(event.sequence, utc_text(event.when), event.account, note)


def progress_of(events: Iterable[Event]) -> Progress | None:
    """The progress a record's events (oldest first) leave; None for no event."""
    found = None
    for event in events:
        found = follow(found, event)
    return found


@dataclass(frozen=True)
class Row:
    """What the index keeps of a record itself (the rest comes from its history)."""

    local_id: str
    agency: str | None
    state: str
    revision: int
    title: str
    tokens: str
    stamp: str = ""
    public_revision: int | None = None

    @property
    def values(self) -> tuple:
        return tuple(getattr(self, column) for column in BASE_COLUMNS)


@dataclass(frozen=True)
class Entry:
    """A record as the queues and lists show it. ``note`` only while it stands (its state is
    the record's); ``updated`` is UTC text ('' for a record never changed since it was
    imported as a draft); ``cursor`` continues a list after it."""

    local_id: str
    agency: str | None
    state: str
    title: str
    revision: int
    updated: str
    public_revision: int | None
    last_account: str | None
    note: Note | None

    @property
    def cursor(self) -> str:
        return f"{self.updated}|{self.local_id}"


def _entry(found: tuple) -> Entry:
    (local_id, agency, state, title, revision, updated, public_revision, account,
     note_action, note_state, reason, takedown_date) = found
    note = (Note(note_action, note_state, reason or "", takedown_date)
            if note_action and note_state == state else None)
    return Entry(local_id, agency, state, title, revision, updated, public_revision, account,
                 note)


def fold(text: str) -> str:
    """``text`` as keywords are matched: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def search_tokens(texts: Iterable[str]) -> str:
    """The tokens of ``texts`` for the FTS table (see the module documentation)."""
    tokens: list[str] = []
    for text in texts:
        for run in RUNS.finditer(fold(text)):
            if run["cjk"]:
                chars = run["cjk"]
                tokens += [chars[i:i + 2] for i in range(len(chars) - 1)] + [chars[-1]]
            else:
                tokens.append(run["word"])
    return " ".join(tokens)


def keyword_query(keyword: str) -> str | None:
    """The FTS5 query of ``keyword`` (None when it holds nothing to search for)."""
    phrases, words = [], []
    for run in RUNS.finditer(fold(keyword)):
        if run["word"]:
            words.append(run["word"])
            continue
        if words:
            phrases.append(f'"{" ".join(words)}"*')
            words = []
        chars = run["cjk"]
        phrases.append(f'"{chars}"*' if len(chars) == 1 else
                       '"' + " ".join(chars[i:i + 2] for i in range(len(chars) - 1)) + '"')
    if words:
        phrases.append(f'"{" ".join(words)}"*')
    return " AND ".join(phrases) or None


def parse_cursor(cursor: str) -> tuple[str, str]:
    """(updated, local id) of a cursor an :class:`Entry` gave. Raises InputError (400)."""
    updated, bar, local_id = cursor.rpartition("|")
    if not bar or not local_id:
        raise InputError(f"{cursor!r} is not a list cursor: expected one a list returned",
                         field="after")
    return updated, local_id


# -- rows from a record -------------------------------------------------------------------


def _title_rank(title: Literal) -> tuple[int, str]:
    language = (title.language or "").lower()
    rank = 0 if language.startswith("zh") else 1 if language.startswith("en") else 2
    return rank, str(title)


def agency_of(publishers: Iterable[str], base: str) -> str | None:
    """The code of the first agency ``{base}agency/{code}`` among ``publishers`` (IRIs)."""
    prefix = f"{base}agency/"
    codes = sorted(p[len(prefix):] for p in publishers if p.startswith(prefix))
    return codes[0] if codes else None


def row_of_parts(local_id: str, state: str, revision: int, stamp: str, base: str, *,
                 titles: list[Literal], texts: list[str], publishers: list[str],
                 public_revision: int | None) -> Row:
    """The row of a record from its facts: ``texts`` are its keywords and identifiers."""
    ranked = sorted(titles, key=_title_rank)
    tokens = search_tokens([local_id, *map(str, ranked), *sorted(texts)])
    return Row(local_id, agency_of(publishers, base), state, revision,
               str(ranked[0]) if ranked else "", tokens, stamp, public_revision)


def row_of_record(record: Record, ids: Identifiers, public_revision: int | None) -> Row:
    """The row of ``record`` (as it is written to the work area)."""
    graph, subject = record.graph, ids.resource(record.id)
    return row_of_parts(
        record.id, record.state, record.revision,
        utc_text(record.datestamp) if record.datestamp else "", ids.base,
        titles=[t for t in graph.objects(subject, DCT.title) if isinstance(t, Literal)],
        texts=[str(o) for p in (DCAT.keyword, DCT.identifier) for o in graph.objects(subject, p)],
        publishers=[str(o) for o in graph.objects(subject, DCT.publisher)],
        public_revision=public_revision)


def observe(work: TripleStore, public: TripleStore, ids: Identifiers, local_id: str,
            ) -> tuple[Row, Progress | None] | None:
    """The row and progress of record ``local_id`` as the areas hold it now (None: not in the
    work area). Raises StoreError."""
    stored = work.graph(ids.graph(local_id))
    if not len(stored):
        return None
    record = split_record_graph(local_id, stored, ids)
    events = [event_from_row(r) for r in work.select(events_query(history_graph(ids, local_id)))]
    return row_of_record(record, ids, _public_revision(public, ids, local_id)), \
        progress_of(events)


def _public_revision(public: TripleStore, ids: Identifiers, local_id: str) -> int | None:
    stored = public.graph(ids.graph(local_id))
    if not len(stored) or is_tombstone(stored, local_id, ids):
        return None
    return split_record_graph(local_id, stored, ids).revision


# -- the index -----------------------------------------------------------------------------


class ReviewIndex(SqliteIndex):
    """The index at ``path`` (in memory when None). Raises StoreError when it cannot be
    opened."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, "the review index")
        if self._writer.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            self._create()

    def _create(self) -> None:
        """(Re)creates the tables, empty."""
        with self._writing() as db:
            for dropped in DROPPED:
                db.execute(f"DROP {dropped}")
            for statement in _statements(SCHEMA):
                db.execute(statement)

    # -- writing ---------------------------------------------------------------------------

    def put(self, rows: Iterable[Row], *, keep_public: bool = False) -> None:
        """Adds or updates ``rows`` (what the record says; its history's columns stay), in one
        transaction; ``keep_public`` leaves the public revision of a known row as it is."""
        columns = [c for c in BASE_COLUMNS if not (keep_public and c == "public_revision")]
        sql = _upsert(columns)
        values = [tuple(getattr(row, c) for c in columns) for row in rows]
        with self._writing() as db:
            db.executemany(sql, values)

    def replace(self, observed: Iterable[tuple[Row, Progress | None]]) -> None:
        """Writes whole rows (the record's and its history's columns), in one transaction."""
        sql = _upsert((*BASE_COLUMNS, *PROGRESS_COLUMNS))
        with self._writing() as db:
            db.executemany(sql, [(*row.values, *_progress_values(progress))
                                 for row, progress in observed])

    def remove(self, local_ids: Iterable[str]) -> None:
        """Removes the rows of ``local_ids`` (unknown ones are ignored)."""
        with self._writing() as db:
            db.executemany("DELETE FROM reviews WHERE local_id = ?", [(i,) for i in local_ids])

    def refresh(self, work: TripleStore, public: TripleStore, ids: Identifiers,
                local_ids: Iterable[str]) -> None:
        """Rewrites the rows of ``local_ids`` from the areas (:func:`observe`); a record the
        work area lacks loses its row. Raises StoreError."""
        found, gone = [], []
        for local_id in local_ids:
            seen = observe(work, public, ids, local_id)
            if seen is None:
                gone.append(local_id)
            else:
                found.append(seen)
        self.replace(found)
        if gone:
            self.remove(gone)

    def rebuild(self, work: TripleStore, public: TripleStore, ids: Identifiers) -> int:
        """Replaces every row by what the areas say (:mod:`repository.workflow.scans`: a few
        scans of each area, no graph read); returns the rows written. Raises StoreError."""
        from .scans import scanned_rows

        count = 0
        self._create()
        for chunk in _chunks(scanned_rows(work, public, ids), BATCH):
            self.replace(chunk)
            count += len(chunk)
        with self._writing() as db:
            db.execute("ANALYZE reviews")
        return count

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._reading() as db:
            return db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]

    def get(self, local_id: str) -> Entry | None:
        with self._reading() as db:
            found = db.execute(f"SELECT {ENTRY_COLUMNS} FROM reviews WHERE local_id = ?",
                               (local_id,)).fetchone()
        return _entry(found) if found else None

    def queue(self, role: Role, agency: str | None, *, after: str | None = None,
              limit: int = 20) -> list[Entry]:
        """What waits for ``role``'s review (of ``agency`` when given), the longest waiting
        first, ``limit`` from the cursor ``after``. Raises InputError for a bad cursor."""
        return self._select(*queue_statement(role, agency, after, limit))

    def listing(self, *, agency: str | None = None, state: str | None = None,
                identifier: str | None = None, keyword: str | None = None,
                after: str | None = None, limit: int = 20) -> list[Entry]:
        """Records, the latest changed first, filtered: of ``agency``, in ``state``, whose
        local id starts with ``identifier``, whose titles, keywords or identifiers contain
        ``keyword``; ``limit`` from the cursor ``after``. Raises InputError for a bad
        cursor."""
        query = keyword_query(keyword) if keyword else None
        common = query is not None and self._matches(query) > FEW_MATCHES
        return self._select(*listing_statement(agency=agency, state=state,
                                               identifier=identifier, keyword=query,
                                               common=common, after=after, limit=limit))

    def _matches(self, query: str) -> int:
        """How many records match the FTS ``query``, counted up to FEW_MATCHES + 1."""
        with self._reading() as db:
            return db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM search WHERE search MATCH ? "
                              "LIMIT ?)", (query, FEW_MATCHES + 1)).fetchone()[0]

    def _select(self, sql: str, params: list) -> list[Entry]:
        with self._reading() as db:
            return [_entry(found) for found in db.execute(sql, params)]

    def plan(self, sql: str, params: list) -> list[str]:
        """SQLite's query plan of ``sql`` (for tests: lists must walk an index)."""
        with self._reading() as db:
            return [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]

    def headers(self) -> Iterator[tuple[str, str, int]]:
        """(local id, state, revision) of every row in local-id order, :data:`HEADERS_BATCH`
        rows a read (by keyset). Raises StoreError."""
        after = ""
        while True:
            with self._reading() as db:
                found = db.execute("SELECT local_id, state, revision FROM reviews WHERE "
                                   "local_id > ? ORDER BY local_id LIMIT ?",
                                   (after, HEADERS_BATCH)).fetchall()
            yield from found
            if len(found) < HEADERS_BATCH:
                return
            after = found[-1][0]


def queue_statement(role: Role, agency: str | None, after: str | None,
                    limit: int) -> tuple[str, list]:
    """The SQL and parameters of :meth:`ReviewIndex.queue`."""
    where, params = ["queue = ?"], [role.value]
    if agency is not None:
        where.append("agency = ?")
        params.append(agency)
    if after is not None:
        where.append("(updated, local_id) > (?, ?)")
        params.extend(parse_cursor(after))
    return _statement(where, params, "updated, local_id", limit)


def listing_statement(*, agency: str | None, state: str | None, identifier: str | None,
                      keyword: str | None, after: str | None, limit: int,
                      common: bool = False) -> tuple[str, list]:
    """The SQL and parameters of :meth:`ReviewIndex.listing`; ``keyword`` is an FTS query
    (:func:`keyword_query`), ``common`` when it matches many records: the list's index is then
    walked, each row looked up among the matches (a ``+`` keeps SQLite from driving the query
    from them and sorting them all); else the query is driven from the matches, at most
    :data:`FEW_MATCHES` rows sorted (a ``+`` keeps SQLite off the other indexes)."""
    where: list[str] = []
    params: list = []
    selective = keyword is not None and not common  # driven by the matches: no other index
    for column, value in (("agency", agency), ("state", state)):
        if value is not None:
            where.append(f"{'+' if selective else ''}{column} = ?")
            params.append(value)
    if identifier:
        where.append("substr(local_id, 1, ?) = ?")
        params.extend((len(identifier), identifier))
    if keyword:
        where.append(f"{'+' if common else ''}rowid IN (SELECT rowid FROM search WHERE "
                     "search MATCH ?)")
        params.append(keyword)
    if after is not None:
        where.append("(updated, local_id) < (?, ?)")
        params.extend(parse_cursor(after))
    return _statement(where, params, "updated DESC, local_id DESC", limit)


def _statement(where: list[str], params: list, order: str, limit: int) -> tuple[str, list]:
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return (f"SELECT {ENTRY_COLUMNS} FROM reviews {clause} ORDER BY {order} LIMIT ?",
            [*params, limit])


def _progress_values(progress: Progress | None) -> tuple:
    if progress is None:
        return (None, "", None, None, None, None, None)
    note = progress.note
    noted = (note.action, note.state, note.reason, note.takedown_date) if note else (None,) * 4
    return (progress.sequence, progress.changed, progress.account, *noted)


def _upsert(columns: Iterable[str]) -> str:
    """Insert or update rows of ``columns`` by local id (never REPLACE, which would delete the
    row without its trigger and give it another rowid)."""
    columns = list(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    return (f"INSERT INTO reviews ({', '.join(columns)}) VALUES ({_marks(len(columns))}) "
            f"ON CONFLICT (local_id) DO UPDATE SET {updates}")


def _statements(script: str) -> list[str]:
    """The statements of ``script``, triggers whole (their bodies hold semicolons)."""
    found, pending = [], ""
    for part in script.split(";"):
        pending += part + ";"
        if pending.strip() != ";" and (not pending.lstrip().startswith("CREATE TRIGGER")
                                       or part.strip().endswith("END")):
            found.append(pending.strip())
            pending = ""
    return [statement for statement in found if statement != ";"]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
