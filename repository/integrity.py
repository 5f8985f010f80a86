"""Whether the copies of the catalogue agree (``yuliao check [--repair]``): the work area,
the public area, the dissemination index, the text index, and the review index of the back
office (:mod:`repository.workflow.index`).

What must hold, record by record (:func:`disagreements`):

- a record the work area holds as published, or with its takedown under review, is in the
  public area at the same revision, content hash and datestamp; one it holds as withdrawn has a
  tombstone there with the same datestamp; one in any other state (draft, in review, in
  revision) may have an older published revision there, or a tombstone, never a later one;
- a record the public area holds as published carries the DQV measurement of its quality
  score (:func:`repository.records.quality_triples`);
- a record the public area holds (not a tombstone) is in the work area;
- the dissemination index has a row for each record of the public area and for nothing else,
  with the public datestamp, marked deleted exactly for tombstones;
- the text index has a document for each live public record and for nothing else;
- the review index has a row for each record of the work area and for nothing else, in the
  state and at the revision the work area holds (a record whose public revision is older than
  the one under review is in order: that is an edit of a published record in review).

And the journal (:mod:`repository.journal`) holds no intent of a process that has died: that
is a change nobody finished. Records that a living process is writing are skipped.

**Scale.** No graph is read: each area is scanned for the local ids, states, revisions,
content hashes, datestamps and tombstone types of its catalogue records, one streamed
single-pattern query each, as lexical values (:meth:`repository.store.Store.values`: a join of
the five in one query, with rdflib terms, cost three times as much); the index gives its rows'
(local id, datestamp, deleted) by keyset; the text index counts its documents per batch of
local ids (:meth:`repository.textindex.TextIndex.held`). Everything goes into a temporary
SQLite database on disk, which pivots each area's scans into one row a record, joins the four
by local id and hands the records back one at a time in local-id order, so memory stays flat
however many records there are.

**Repair** (:meth:`Check.repair`) first finishes the journal's unfinished intents as opening a
home would, then looks at each record that disagreed again and settles it with
:meth:`repository.core.Repository.finish` (journaled itself): ``write``, the public area and
the indexes follow the work area, unless the public copy is ahead, when it is ``adopt``, the
work area takes the public copy: the work area lacks the record, the public copy has a later
datestamp, or it is a later revision than one the work area holds in review. The records
repaired are then checked again.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.term import Node

from vocab.namespaces import DQV, RDF_, YL

from .errors import StoreError
from .journal import Intent, Kind
from .records import PUBLIC_STATES

if TYPE_CHECKING:
    from .backends import TripleStore
    from .core import Repository
    from .records import Identifiers

#: Rows handed to SQLite at a time, and local ids looked up per query (index, text, areas).
ROWS_PER_INSERT = 10_000
IDS_PER_LOOKUP = 500
#: Records whose facts one query reads when records are looked at again (see facts_query).
GRAPHS_PER_QUERY = 50
#: The page cache of the check's temporary database (KiB): its whole memory, at any size.
LEDGER_CACHE_KIB = 65_536
#: The places a problem can be in (in the summary's order).
PLACES = ("work", "public", "index", "text", "reviews")
PLACE_NAMES = {"work": "work area", "public": "public area", "index": "dissemination index",
               "text": "text index", "reviews": "review index"}

LEDGER = """
CREATE TABLE work (local_id TEXT PRIMARY KEY, state TEXT, revision INTEGER, hash TEXT,
                   datestamp TEXT, tombstone INTEGER, measured INTEGER) WITHOUT ROWID;
CREATE TABLE public (local_id TEXT PRIMARY KEY, state TEXT, revision INTEGER, hash TEXT,
                     datestamp TEXT, tombstone INTEGER, measured INTEGER) WITHOUT ROWID;
CREATE TABLE indexed (local_id TEXT PRIMARY KEY, datestamp TEXT, deleted INTEGER) WITHOUT ROWID;
CREATE TABLE text (local_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE reviewed (local_id TEXT PRIMARY KEY, state TEXT, revision INTEGER) WITHOUT ROWID;
CREATE TABLE ids (local_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""
JOINED = """
SELECT ids.local_id, w.state, w.revision, w.hash, w.datestamp, w.tombstone, w.measured,
       p.state, p.revision, p.hash, p.datestamp, p.tombstone, p.measured,
       i.datestamp, i.deleted, t.local_id IS NOT NULL, r.state, r.revision
FROM ids LEFT JOIN work AS w USING (local_id) LEFT JOIN public AS p USING (local_id)
     LEFT JOIN indexed AS i USING (local_id) LEFT JOIN text AS t USING (local_id)
     LEFT JOIN reviewed AS r USING (local_id)
ORDER BY ids.local_id
"""


#: What an area is scanned for (a column of the ledger each): catalogue-record predicates.
SCANS = {"id": YL.localId, "state": YL.state, "revision": YL.revision, "hash": YL.contentHash,
         "datestamp": YL.datestamp, "measured": DQV.hasQualityMeasurement}


def scan_query(predicate: URIRef) -> str:
    """Every (catalogue record, value) of ``predicate`` in an area's named graphs."""
    return f"SELECT ?r ?v WHERE {{ GRAPH ?g {{ ?r <{predicate}> ?v }} }}"


TOMBSTONES = f"SELECT ?r (1 AS ?v) WHERE {{ GRAPH ?g {{ ?r <{RDF_.type}> <{YL.Tombstone}> }} }}"


FACTS = f"""?r <{YL.localId}> ?id ; <{YL.state}> ?state .
    OPTIONAL {{ ?r <{YL.revision}> ?revision }} OPTIONAL {{ ?r <{YL.contentHash}> ?hash }}
    OPTIONAL {{ ?r <{YL.datestamp}> ?datestamp }}
    BIND(EXISTS {{ ?r <{RDF_.type}> <{YL.Tombstone}> }} AS ?tombstone)
    BIND(EXISTS {{ ?r <{DQV.hasQualityMeasurement}> ?quality }} AS ?measured)"""


def facts_query(graphs: Iterable[URIRef]) -> str:
    """The catalogue-record facts of the records in the named ``graphs`` of an area: one
    branch of a UNION a graph, each with its graph given (Oxigraph joins ``VALUES ?g`` with
    ``GRAPH ?g`` some forty times slower; a UNION of :data:`GRAPHS_PER_QUERY` costs a third of
    a millisecond a graph)."""
    branches = " UNION ".join(f"{{ GRAPH {graph.n3()} {{ {FACTS} }} }}" for graph in graphs)
    return (f"SELECT ?id ?state ?revision ?hash ?datestamp ?tombstone ?measured "
            f"WHERE {{ {branches} }}")


# -- what each copy says ---------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What an area says of a record: the facts of its catalogue record."""

    state: str
    revision: int | None = None
    content_hash: str | None = None
    datestamp: str | None = None  # UTC, as stored: "2026-11-22T02:05:00Z"
    tombstone: bool = False
    #: whether its catalogue record carries a quality measurement
    measured: bool = False

    def __str__(self) -> str:
        stamp = self.datestamp or "no datestamp"
        if self.tombstone:
            return f"a tombstone ({stamp})"
        return f"revision {self.revision} ({stamp}, hash {(self.content_hash or '-')[:12]})"

    @property
    def key(self) -> tuple:
        """What must be equal for two areas to hold the same revision."""
        return self.revision, self.content_hash, self.datestamp


@dataclass(frozen=True)
class IndexRow:
    """What the dissemination index says of a record."""

    datestamp: str
    deleted: bool


@dataclass(frozen=True)
class Observed:
    """A record as the copies hold it (None, False: not there); ``review`` is the review
    index's (state, revision)."""

    local_id: str
    work: Facts | None
    public: Facts | None
    index: IndexRow | None
    text: bool
    review: tuple[str, int] | None = None

    @property
    def live(self) -> bool:
        """True when the public area holds the record and not a tombstone."""
        return self.public is not None and not self.public.tombstone


@dataclass(frozen=True)
class Problem:
    """One disagreement about one record, and which copy is found wanting."""

    local_id: str
    place: str  # one of PLACES
    message: str

    def __str__(self) -> str:
        return f"{self.local_id}: {self.message}"


def area_facts(row: dict[str, Node]) -> tuple[str, Facts]:
    """The local id and facts in one solution of :func:`facts_query`."""
    return str(row["id"]), Facts(
        state=str(row["state"]).rsplit("/", 1)[-1],
        revision=int(row["revision"]) if "revision" in row else None,
        content_hash=str(row["hash"]) if "hash" in row else None,
        datestamp=str(row["datestamp"]) if "datestamp" in row else None,
        tombstone=str(row.get("tombstone")) == "true",
        measured=str(row.get("measured")) == "true",
    )


# -- the rules -------------------------------------------------------------------------------


def disagreements(seen: Observed) -> list[Problem]:
    """Every way the copies of ``seen`` disagree (see the module documentation)."""
    return [Problem(seen.local_id, place, message)
            for place, message in (*_areas(seen), *_index(seen), *_text(seen),
                                   *_reviews(seen))]


def _areas(seen: Observed) -> list[tuple[str, str]]:
    work, public = seen.work, seen.public
    if work is None:
        if seen.live:
            return [("work", f"the public area holds {public} but the work area lacks the "
                             "record")]
        return []
    says = f"the work area says {work.state}, {work}"
    if work.state in PUBLIC_STATES:
        if public is None:
            return [("public", f"{says}, but the public area lacks it")]
        if public.tombstone or public.state != "published" or public.key != work.key:
            return [("public", f"{says}, but the public area holds {public}")]
        if not public.measured:
            return [("public", f"the public area holds {public} without the measurement of "
                               "its quality score")]
    elif work.state == "withdrawn":
        if public is None or not public.tombstone or public.datestamp != work.datestamp:
            held = f"holds {public}" if public else "has no tombstone"
            return [("public", f"the work area says withdrawn ({work.datestamp}), but the "
                               f"public area {held}")]
    elif seen.live and _later(public, work):
        return [("work", f"the public area holds {public}, later than the work area's {work} "
                         f"({work.state})")]
    return []


def _later(public: Facts, work: Facts) -> bool:
    """True when a live public copy is later than a work copy in a state that is not public:
    a later revision, or the same one with another hash or a later datestamp."""
    if (public.revision or 0) != (work.revision or 0):
        return (public.revision or 0) > (work.revision or 0)
    return public.content_hash != work.content_hash or \
        (public.datestamp or "") > (work.datestamp or "")


def _index(seen: Observed) -> list[tuple[str, str]]:
    public, row = seen.public, seen.index
    if public is None:
        return [("index", "the dissemination index has a row for it, but the public area "
                          "lacks it")] if row else []
    if row is None:
        return [("index", f"the dissemination index lacks it (the public area holds {public})")]
    if row.deleted != public.tombstone:
        kind = "deleted" if row.deleted else "live"
        return [("index", f"the dissemination index serves it as {kind}, but the public area "
                          f"holds {public}")]
    if row.datestamp != public.datestamp:
        return [("index", f"the dissemination index row is stale ({row.datestamp}; the public "
                          f"area holds {public})")]
    return []


def _text(seen: Observed) -> list[tuple[str, str]]:
    if seen.live and not seen.text:
        return [("text", f"the text index lacks it (the public area holds {seen.public})")]
    if seen.text and not seen.live:
        return [("text", "the text index has a document for it, but it is not public")]
    return []


def _reviews(seen: Observed) -> list[tuple[str, str]]:
    work, row = seen.work, seen.review
    if work is None:
        return [("reviews", "the review index has a row for it, but the work area lacks it")] \
            if row else []
    says = f"the work area says {work.state}, revision {work.revision}"
    if row is None:
        return [("reviews", f"the review index lacks it ({says})")]
    if row != (work.state, work.revision):
        return [("reviews", f"the review index row is stale ({row[0]}, revision {row[1]}; "
                            f"{says})")]
    return []


def remedy(seen: Observed) -> Kind:
    """How to settle ``seen``: ``adopt`` when the public copy is ahead of the work copy (the
    work area lacks a live record, the public copy's datestamp is later, or it is a later
    revision than one the work area holds in a state that is not public), else ``write``."""
    work, public = seen.work, seen.public
    if public is None or not any(place in ("work", "public")
                                 for place, _ in _areas(seen)):
        return "write"
    if work is None or (work.state not in PUBLIC_STATES and work.state != "withdrawn"):
        return "adopt" if seen.live else "write"
    return "adopt" if (public.datestamp or "") > (work.datestamp or "") else "write"


# -- looking -------------------------------------------------------------------------------


def observe(repository: Repository, local_ids: list[str]) -> Iterator[Observed]:
    """The records ``local_ids`` as the four copies hold them now (a few queries a batch of
    :data:`IDS_PER_LOOKUP`; for rechecking). Raises StoreError."""
    for start in range(0, len(local_ids), IDS_PER_LOOKUP):
        chunk = local_ids[start:start + IDS_PER_LOOKUP]
        work = _facts_of(repository.work, repository.ids, chunk)
        public = _facts_of(repository.public, repository.ids, chunk)
        text = repository.text_index.held(chunk)
        for local_id in chunk:
            row = repository.disseminations.get(local_id)
            index = IndexRow(row.datestamp, row.deleted) if row else None
            entry = repository.reviews.get(local_id)
            yield Observed(local_id, work.get(local_id), public.get(local_id), index,
                           local_id in text, (entry.state, entry.revision) if entry else None)


def _facts_of(store: TripleStore, ids: Identifiers, local_ids: list[str]) -> dict[str, Facts]:
    facts: dict[str, Facts] = {}
    for start in range(0, len(local_ids), GRAPHS_PER_QUERY):
        chunk = local_ids[start:start + GRAPHS_PER_QUERY]
        query = facts_query(ids.graph(local_id) for local_id in chunk)
        facts.update(area_facts(row) for row in store.solutions(query))
    return facts


@dataclass
class Check:
    """One check of a repository: iterate :meth:`run` for the problems found, then read the
    counts; :meth:`repair` then fixes them. Open the repository with ``recover=False`` to see
    what a crash left before anything is finished."""

    repository: Repository
    #: intents of processes that died (their changes unfinished)
    unfinished: list[Intent] = field(default_factory=list)
    #: records skipped because a living process is writing them
    in_flight: set[str] = field(default_factory=set)
    #: records held per copy, records compared, and problems per place
    sizes: Counter = field(default_factory=Counter)
    records: int = 0
    counts: Counter = field(default_factory=Counter)
    #: the local ids of the records that disagreed
    troubled: list[str] = field(default_factory=list)

    def run(self) -> Iterator[Problem]:
        """Every disagreement, record by record in local-id order (the unfinished intents are
        in :attr:`unfinished` once this starts). Raises StoreError."""
        self._read_journal()
        with _Ledger() as ledger:
            self._fill(ledger)
            for seen in ledger.observed():
                if seen.local_id in self.in_flight:
                    continue
                self.records += 1
                found = disagreements(seen)
                if found:
                    self.troubled.append(seen.local_id)
                for problem in found:
                    self.counts[problem.place] += 1
                    yield problem

    def _read_journal(self) -> None:
        for intent, alive in self.repository.journal.unfinished():
            if alive:
                self.in_flight.update(intent.local_ids)
            else:
                self.unfinished.append(intent)

    def _fill(self, ledger: _Ledger) -> None:
        """Each copy's facts into the ledger."""
        repository = self.repository
        for area, store in (("work", repository.work), ("public", repository.public)):
            scans = {column: store.values(scan_query(predicate))
                     for column, predicate in SCANS.items()}
            self.sizes[area] = ledger.add_area(area, {**scans,
                                                      "tombstone": store.values(TOMBSTONES)})
        self.sizes["index"] = ledger.add_index(repository.disseminations.headers())
        self.sizes["text"] = ledger.add_text(repository.text_index.held, repository.ids,
                                             len(repository.text_index),
                                             repository.text_index.iris)
        self.sizes["reviews"] = ledger.add_reviews(repository.reviews.headers())

    @property
    def problems(self) -> int:
        return sum(self.counts.values()) + len(self.unfinished)

    def summary(self) -> str:
        """One line: what was compared and what was found."""
        held = ", ".join(f"{PLACE_NAMES[place]} {self.sizes[place]:,}" for place in PLACES)
        found = ", ".join(f"{self.counts[p]} {PLACE_NAMES[p]}" for p in PLACES if self.counts[p])
        line = (f"checked {self.records:,} records ({held}): {sum(self.counts.values())} "
                f"problems in {len(self.troubled)} records" + (f" ({found})" if found else ""))
        if self.unfinished:
            line += f"; {len(self.unfinished)} unfinished journal entries"
        if self.in_flight:
            line += f"; {len(self.in_flight)} records being written by a running process skipped"
        return line

    def repair(self, echo: Callable[[str], None]) -> list[Problem]:
        """Finish the unfinished intents, then settle each troubled record (looked at afresh)
        the way :func:`remedy` says, saying what was done through ``echo``; returns the
        problems left when the repaired records are checked again. Raises StoreError, and
        InputError when a public record cannot be rendered."""
        for intent in self.repository.recover():
            echo(f"finished {intent}")
        plan: dict[Kind, list[str]] = {}
        places: dict[str, set[str]] = {}  # of each record that still disagreed
        for seen in observe(self.repository, self.troubled):
            if found := disagreements(seen):
                plan.setdefault(remedy(seen), []).append(seen.local_id)
                places[seen.local_id] = {problem.place for problem in found}
        for kind, local_ids in plan.items():
            for line in self.repository.finish(kind, local_ids):
                echo(line)
        left: list[Problem] = []
        for seen in observe(self.repository, list(places)):
            found = disagreements(seen)
            left += found
            for line in _indexes_repaired(seen, places[seen.local_id] - {p.place for p in found}):
                echo(line)
        return left


def _indexes_repaired(seen: Observed, places: set[str]) -> list[str]:
    """What repairing the indexes of ``seen`` did, for the ``places`` now in order."""
    done = []
    if "index" in places:
        done.append("rewrote its dissemination index row from the public area" if seen.public
                    else "removed its dissemination index row")
    if "text" in places:
        done.append("wrote its text document from the public area" if seen.live
                    else "removed its text document")
    if "reviews" in places:
        done.append("rewrote its review index row from the work area" if seen.work
                    else "removed its review index row")
    return [f"{seen.local_id}: {what}" for what in done]


# -- the temporary database the comparison runs in -------------------------------------------


class _Ledger:
    """A private temporary SQLite database on disk (SQLite's own, removed when closed),
    without a rollback journal or syncs (nothing in it outlives the check) and with a page
    cache of :data:`LEDGER_CACHE_KIB`, the memory it may take. sqlite3 errors are raised as
    StoreError."""

    def __init__(self) -> None:
        try:
            self.db = sqlite3.connect("", isolation_level=None)
            for pragma in ("journal_mode = OFF", "synchronous = OFF",
                           f"cache_size = -{LEDGER_CACHE_KIB}"):
                self.db.execute(f"PRAGMA {pragma}")
            self.db.executescript(LEDGER)
        except sqlite3.Error as error:
            raise StoreError(f"cannot make the check's temporary database: {error}") from error

    def __enter__(self) -> _Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()

    def _insert(self, sql: str, rows: Iterable[tuple]) -> int:
        """``rows`` inserted by ``sql`` (``ROWS_PER_INSERT`` a transaction); how many."""
        count, chunk = 0, []
        for row in rows:
            chunk.append(row)
            if len(chunk) == ROWS_PER_INSERT:
                count += self._commit(sql, chunk)
                chunk = []
        return count + self._commit(sql, chunk)

    def _commit(self, sql: str, rows: list[tuple]) -> int:
        try:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany(sql, rows)
        except sqlite3.Error as error:
            raise StoreError(f"the check's temporary database failed: {error}") from error
        return len(rows)

    def add_area(self, area: str, scans: dict[str, Iterable[tuple]]) -> int:
        """An area ("work" or "public") from its scans (column → (catalogue record, value)
        rows, the columns of :data:`SCANS` and "tombstone"): each into a table of its own,
        then one row a record (one with a local id) into the area's table. Returns how many
        records."""
        for column, rows in scans.items():
            self._query(f"CREATE TABLE {area}_{column} (record TEXT PRIMARY KEY, value) "
                        "WITHOUT ROWID", ())
            self._insert(f"INSERT OR REPLACE INTO {area}_{column} VALUES (?, ?)", rows)
        joined = " ".join(f"LEFT JOIN {area}_{c} AS {c} USING (record)" for c in scans
                          if c != "id")
        self._query(f"INSERT OR REPLACE INTO {area} SELECT id.value, COALESCE(state.value, ''), "
                    "CAST(revision.value AS INTEGER), hash.value, datestamp.value, "
                    "tombstone.value IS NOT NULL, measured.value IS NOT NULL "
                    f"FROM {area}_id AS id {joined}", ())
        for column in scans:
            self._query(f"DROP TABLE {area}_{column}", ())
        self._query(f"INSERT OR IGNORE INTO ids SELECT local_id FROM {area}", ())
        return self._count(area)

    def add_index(self, headers: Iterable[tuple[str, str, bool]]) -> int:
        """The dissemination index's rows; how many."""
        self._insert("INSERT OR REPLACE INTO indexed VALUES (?, ?, ?)",
                     ((i, stamp, int(deleted)) for i, stamp, deleted in headers))
        self._query("INSERT OR IGNORE INTO ids SELECT local_id FROM indexed", ())
        return self._count("indexed")

    def add_reviews(self, rows: Iterable[tuple[str, str, int]]) -> int:
        """The review index's (local id, state, revision) rows; how many."""
        self._insert("INSERT OR REPLACE INTO reviewed VALUES (?, ?, ?)", rows)
        self._query("INSERT OR IGNORE INTO ids SELECT local_id FROM reviewed", ())
        return self._count("reviewed")

    def add_text(self, held: Callable[[list[str]], set[str]], ids: Identifiers,
                 documents: int, iris: Callable[[], Iterator[str]]) -> int:
        """Which records the text index holds: ``held`` asked for every local id known so
        far, batch by batch; when it holds more ``documents`` than that found, every one of
        its ``iris`` is read for the rest. Returns ``documents``."""
        after = ""
        while batch := [row[0] for row in self._query(
                "SELECT local_id FROM ids WHERE local_id > ? ORDER BY local_id LIMIT ?",
                (after, IDS_PER_LOOKUP))]:
            self._insert("INSERT OR IGNORE INTO text VALUES (?)",
                         ((i,) for i in sorted(held(batch))))
            after = batch[-1]
        if documents > self._count("text"):
            others = [(i,) for i in map(ids.local_id_of, iris()) if i is not None]
            self._insert("INSERT OR IGNORE INTO text VALUES (?)", others)
            self._insert("INSERT OR IGNORE INTO ids VALUES (?)", others)
        return documents

    def observed(self) -> Iterator[Observed]:
        """Every record any copy holds, in local-id order, as the four hold it."""
        for row in self._rows(JOINED):
            local_id, work, public, index, text = row[0], row[1:7], row[7:13], row[13:15], row[15]
            review = (row[16], row[17]) if row[16] is not None else None
            yield Observed(local_id, _facts(work), _facts(public),
                           IndexRow(index[0], bool(index[1])) if index[0] is not None else None,
                           bool(text), review)

    def _count(self, table: str) -> int:
        return self._query(f"SELECT COUNT(*) FROM {table}", ())[0][0]

    def _query(self, sql: str, params: tuple) -> list[tuple]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"the check's temporary database failed: {error}") from error

    def _rows(self, sql: str) -> Iterator[tuple]:
        """The rows of ``sql``, streamed (read through their own cursor)."""
        try:
            yield from self.db.execute(sql)
        except sqlite3.Error as error:
            raise StoreError(f"the check's temporary database failed: {error}") from error


def _facts(columns: tuple) -> Facts | None:
    """An area's facts from a joined row (the state as its IRI; None: the area lacks it)."""
    state, revision, content_hash, datestamp, tombstone, measured = columns
    if state is None:
        return None
    return Facts(state.rsplit("/", 1)[-1], revision, content_hash, datestamp, bool(tombstone),
                 bool(measured))


def check_repository(repository: Repository, *, repair: bool,
                     echo: Callable[[str], None]) -> int:
    """``yuliao check [--repair]``: every problem, the unfinished journal entries and a
    summary through ``echo``; with ``repair`` then what was done and what is left. Returns
    how many problems remain. Raises StoreError, and InputError when a public record cannot be
    rendered."""
    found = Check(repository)
    for problem in found.run():
        echo(str(problem))
    for intent in found.unfinished:
        echo(f"{intent}, left by a process that has ended")
    echo(found.summary())
    if not repair or not found.problems:
        return found.problems
    left = found.repair(echo)
    for problem in left:
        echo(f"left: {problem}")
    echo(f"repaired {len(found.troubled)} records and {len(found.unfinished)} journal entries; "
         f"{len(left)} problems remain")
    return len(left)
