"""The dissemination index: every public record pre-rendered for OAI-PMH, in SQLite.

One row per public record or tombstone: local id, datestamp (UTC ``YYYY-MM-DDThh:mm:ssZ``, which
sorts as text), the deleted flag, the set specs, the metadata fragments of each format (UTF-8
bytes without XML declaration, each root carrying its own namespace declarations and
``xsi:schemaLocation``) and the provenance ``<about>`` fragment. Set membership is kept in a
second table for selective harvesting, set names in a third.

The index is **derived from the public area only** and can be rebuilt from it at any time
(``Repository.reindex``, ``yuliao reindex``). The repository writes the public area first and
this index second, so a crash in between leaves at worst a stale index, never a leak: nothing
reaches it that is not already public. Lists are paged by keyset on (datestamp, local id), so a
page costs the same at the start and at the end of 100,000 records.

The file lives at ``{home}/oai.sqlite`` in WAL mode: request threads read through their own
connections while one writer (under a lock) updates. An in-memory repository gets an
in-memory index behind one connection and one lock. sqlite3 errors are translated into
StoreError at this boundary.

The same rows serve the web pages that list records: each live row keeps the record's titles,
and a partial index orders the live rows by datestamp, so the latest records are one keyset
query (:meth:`Disseminations.latest`) whatever the size of the repository. A ``changes`` row
counts the transactions committed (with a random epoch chosen when the index is created), so
every process sees the same :meth:`Disseminations.version` of the same data, which is what
HTTP validators (ETags) of lists and statistics are made from.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import StoreError
from .oai_sets import PARENTS, OaiSet, with_parents
from .search.facets import Facets
from .sqlite_index import SqliteIndex
from .xmlsafe import parse_xml

#: The metadata formats the index holds, one column each (also the only column names ever put
#: into SQL text).
PREFIXES = ("olac", "oai_dc", "dcat")
SCHEMA_VERSION = 4
#: What turns an index of an older schema version into the next one, keeping its rows, one
#: statement at a time inside one transaction (any version not here is rebuilt from the
#: public area). Version 3 also fills the titles in (:func:`_fill_titles`).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("CREATE INDEX IF NOT EXISTS records_deleted ON records (local_id) WHERE deleted",),
    2: ("ALTER TABLE records ADD COLUMN titles TEXT",
        "CREATE INDEX IF NOT EXISTS records_live_by_datestamp ON records (datestamp, local_id)"
        " WHERE NOT deleted",
        "CREATE INDEX IF NOT EXISTS records_live ON records (local_id, deleted)"
        " WHERE NOT deleted",
        "CREATE TABLE IF NOT EXISTS changes (epoch TEXT NOT NULL, count INTEGER NOT NULL)",
        "INSERT INTO changes SELECT lower(hex(randomblob(8))), 0"
        " WHERE NOT EXISTS (SELECT 1 FROM changes)"),
    3: tuple(f"CREATE INDEX IF NOT EXISTS records_{prefix} ON records (datestamp, local_id)"
             f" WHERE ({prefix} IS NOT NULL OR deleted)" for prefix in PREFIXES),
}
FORMAT_INDEXES = ";\n".join(MIGRATIONS[3]) + ";"
#: Rows (or memberships) per INSERT statement: 9 parameters a row stays under 999, the lowest
#: limit of SQLite builds.
ROWS_PER_STATEMENT = 100
#: Counts of list selections remembered (each for one version of the index).
COUNTS_KEPT = 256
#: Rows whose titles one step of the version 3 migration fills in.
FILL_BATCH = 1000
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS records (
    local_id TEXT PRIMARY KEY,
    datestamp TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    set_specs TEXT NOT NULL,
    {", ".join(f"{prefix} BLOB" for prefix in PREFIXES)},
    about BLOB,
    titles TEXT
);
CREATE INDEX IF NOT EXISTS records_by_datestamp ON records (datestamp, local_id);
CREATE INDEX IF NOT EXISTS records_deleted ON records (local_id) WHERE deleted;
CREATE INDEX IF NOT EXISTS records_live_by_datestamp ON records (datestamp, local_id)
    WHERE NOT deleted;
-- the live ids in order without reading a row (/catalog pages); deleted is there so that
-- SQLite sees the index covers the query
CREATE INDEX IF NOT EXISTS records_live ON records (local_id, deleted) WHERE NOT deleted;
-- the rows of one format in list order, without reading a row: what a list request walks
-- and counts (completeListSize) when it names only a format
{FORMAT_INDEXES}
CREATE TABLE IF NOT EXISTS memberships (
    spec TEXT NOT NULL,
    local_id TEXT NOT NULL,
    PRIMARY KEY (spec, local_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memberships_by_record ON memberships (local_id);
CREATE TABLE IF NOT EXISTS sets (spec TEXT PRIMARY KEY, name_zh TEXT, name_en TEXT);
CREATE TABLE IF NOT EXISTS changes (epoch TEXT NOT NULL, count INTEGER NOT NULL);
INSERT INTO changes SELECT lower(hex(randomblob(8))), 0 WHERE NOT EXISTS (SELECT 1 FROM changes);
PRAGMA user_version = {SCHEMA_VERSION};
"""
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


@dataclass(frozen=True)
class Dissemination:
    """One public record (or tombstone) as the provider serves it."""

    local_id: str
    datestamp: str
    deleted: bool = False
    metadata: dict[str, bytes] = field(default_factory=dict)  # prefix → fragment
    about: bytes | None = None
    sets: tuple[OaiSet, ...] = ()
    #: (titles, other texts) for the text index; the titles are stored here too (web lists)
    text: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, compare=False)
    #: for the search fields of the text index: facets, and descriptions (Chinese first)
    facets: Facets = field(default_factory=Facets, compare=False)
    descriptions: tuple[str, ...] = field(default=(), compare=False)
    #: names of its languages and publishers, which search finds it by
    names: tuple[str, ...] = field(default=(), compare=False)

    @property
    def set_specs(self) -> tuple[str, ...]:
        return tuple(s.spec for s in self.sets)

    @property
    def titles(self) -> tuple[str, ...]:
        return self.text[0] if self.text else ()


@dataclass(frozen=True)
class Row:
    """What a list or GetRecord reads back: the header facts and at most one fragment."""

    local_id: str
    datestamp: str
    deleted: bool
    set_specs: tuple[str, ...]
    metadata: bytes | None = None
    about: bytes | None = None


@dataclass(frozen=True)
class Listing:
    """A live record as a web list shows it: id, datestamp and titles (sorted)."""

    local_id: str
    datestamp: str
    titles: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        """Where a list that continues after this record starts (see :meth:`latest`)."""
        return self.datestamp, self.local_id


@dataclass(frozen=True)
class Summary:
    """The totals of an index: live records, and live sets of each family (``language`` →
    how many ``language:…`` sets hold a live record)."""

    records: int
    families: dict[str, int]


@dataclass(frozen=True)
class Selection:
    """The records a list request asks for: a format (records without a rendering in it are
    left out, deleted ones never), inclusive datestamp bounds and a set (with its subsets)."""

    prefix: str | None = None
    since: str | None = None
    until: str | None = None
    set_spec: str | None = None


class Disseminations(SqliteIndex):
    """The index at ``path`` (in memory when None). Raises StoreError when it cannot be opened."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, "the OAI index")
        self._named: dict[str, tuple[str | None, str | None]] = {}  # set names written
        self._writes = 0  # transactions committed through this object
        self._summary: tuple[str, Summary] | None = None  # (version, totals) last computed
        self._counts: OrderedDict[tuple[Selection, str], int] = OrderedDict()
        version = self._writer.execute("PRAGMA user_version").fetchone()[0]
        if version in MIGRATIONS:
            self._migrate()
        elif version != SCHEMA_VERSION:
            self._create()

    # -- schema ----------------------------------------------------------------------------

    def _create(self) -> None:
        """(Re)creates the tables; an index of another schema version is dropped first."""
        with self._writing() as db:
            for table in ("records", "memberships", "sets", "changes"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
        self._writer.executescript(SCHEMA)

    def _migrate(self) -> None:
        """Brings an index of an older schema version to the current one in one transaction,
        its rows kept (another process may have done it meanwhile: the version is read again
        under the write lock). Raises StoreError."""
        with self._writing() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            while version in MIGRATIONS:
                for statement in MIGRATIONS[version]:
                    db.execute(statement)
                if version == 2:
                    _fill_titles(db)
                version += 1
            db.execute(f"PRAGMA user_version = {version}")

    def _committed(self) -> None:
        self._writes += 1

    def generation(self) -> tuple[int, int]:
        """A value that changes whenever the index does: with each transaction committed
        through this object, and (SQLite's ``data_version`` of the writer connection) with
        each one committed by any other connection or process. Raises StoreError."""
        with self._lock:
            try:
                version = self._writer.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as error:
                raise StoreError(f"the OAI index failed: {error}") from error
            return self._writes, version

    # -- writing ---------------------------------------------------------------------------

    def put(self, rows: Iterable[Dissemination]) -> None:
        """Adds or replaces ``rows`` (of a local id given twice, the last), their memberships
        and set names, in one transaction.

        The rows go in a few multi-row statements rather than three statements a row: every
        statement releases the GIL, and a writer thread that must win it back hundreds of times
        a batch from a busy importing thread waited up to the switch interval each time.
        """
        rows = list(rows)
        latest = list({row.local_id: row for row in rows}.values())
        with self._writing() as db:
            for start in range(0, len(latest), ROWS_PER_STATEMENT):
                _put_rows(db, latest[start:start + ROWS_PER_STATEMENT])
            named = self._name_sets(db, [s for row in rows for s in row.sets])
            _count_change(db)
        self._named.update(named)  # only once committed

    def _name_sets(self, db: sqlite3.Connection, sets: Iterable[OaiSet],
                   ) -> dict[str, tuple[str | None, str | None]]:
        """Writes the names of sets this process has not written yet (or that were renamed;
        the last names given win); a set without names (from a tombstone) is only added, never
        unnamed."""
        changed: dict[str, tuple[str | None, str | None]] = {}
        for oai_set in sets:
            names = (oai_set.name_zh, oai_set.name_en)
            if oai_set.spec in PARENTS or self._named.get(oai_set.spec) == names:
                continue
            if any(names) or oai_set.spec not in changed:
                changed[oai_set.spec] = names
        named = [(spec, *names) for spec, names in changed.items() if any(names)]
        unnamed = [(spec,) for spec, names in changed.items() if not any(names)]
        if named:
            db.executemany("INSERT INTO sets (spec, name_zh, name_en) VALUES (?, ?, ?) ON "
                           "CONFLICT (spec) DO UPDATE SET name_zh = excluded.name_zh, "
                           "name_en = excluded.name_en", named)
        if unnamed:
            db.executemany("INSERT OR IGNORE INTO sets (spec) VALUES (?)", unnamed)
        return {spec: names for spec, names in changed.items() if any(names)}

    def retain(self, local_ids: Iterable[str]) -> None:
        """Removes every row whose local id is not in ``local_ids`` (after a rebuild), with
        its memberships, in one transaction."""
        with self._writing() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS kept (local_id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM kept")
            db.executemany("INSERT OR IGNORE INTO kept VALUES (?)", ((i,) for i in local_ids))
            for table in ("records", "memberships"):
                db.execute(f"DELETE FROM {table} WHERE local_id NOT IN (SELECT local_id FROM kept)")
            db.execute("DELETE FROM kept")
            _count_change(db)

    def remove(self, local_ids: Iterable[str]) -> None:
        """Removes the rows of ``local_ids`` (unknown ones are ignored) with their memberships,
        in one transaction."""
        ids = [(local_id,) for local_id in local_ids]
        with self._writing() as db:
            for table in ("records", "memberships"):
                db.executemany(f"DELETE FROM {table} WHERE local_id = ?", ids)

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._reading() as db:
            return db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def get(self, local_id: str, prefix: str | None = None) -> Row | None:
        """The row of ``local_id`` with the fragment of ``prefix`` (None: no fragment)."""
        column = _column(prefix)
        with self._reading() as db:
            found = db.execute(f"SELECT local_id, datestamp, deleted, set_specs, {column}, about "
                               "FROM records WHERE local_id = ?", (local_id,)).fetchone()
        return _row(found) if found else None

    def rendered(self, local_id: str) -> tuple | None:
        """What the index serves for ``local_id`` (see :func:`rendering`), or None when it does
        not hold it."""
        columns = ", ".join(PREFIXES)
        with self._reading() as db:
            found = db.execute(f"SELECT deleted, set_specs, {columns}, about FROM records "
                               "WHERE local_id = ?", (local_id,)).fetchone()
        return None if found is None else (bool(found[0]), *found[1:])

    def prefixes_of(self, local_id: str) -> list[str] | None:
        """The formats ``local_id`` can be had in (every one for a tombstone); None when the
        index does not hold it."""
        columns = ", ".join(f"{prefix} IS NOT NULL" for prefix in PREFIXES)
        with self._reading() as db:
            found = db.execute(f"SELECT deleted, {columns} FROM records WHERE local_id = ?",
                               (local_id,)).fetchone()
        if found is None:
            return None
        return [p for p, present in zip(PREFIXES, found[1:], strict=True) if present or found[0]]

    def page(self, selection: Selection, after: tuple[str, str] | None, limit: int, *,
             with_metadata: bool = True) -> list[Row]:
        """Up to ``limit`` rows of ``selection`` ordered by (datestamp, local id), starting
        after the key ``after``; the fragment of ``selection.prefix`` when ``with_metadata``."""
        where, params = _where(selection)
        if after is not None:
            where.append("(datestamp, local_id) > (?, ?)")
            params.extend(after)
        column = _column(selection.prefix if with_metadata else None)
        sql = (f"SELECT local_id, datestamp, deleted, set_specs, {column}, "
               f"{'about' if with_metadata else 'NULL'} FROM records {_clause(where)} "
               "ORDER BY datestamp, local_id LIMIT ?")
        with self._reading() as db:
            return [_row(found) for found in db.execute(sql, (*params, limit))]

    def count(self, selection: Selection) -> int:
        """How many rows ``selection`` holds now: counted once per :meth:`version` of the
        index (the last COUNTS_KEPT selections are remembered), since a count reads every
        row of the selection. Raises StoreError."""
        key = (selection, self.version())
        with self._lock:
            if key in self._counts:
                self._counts.move_to_end(key)
                return self._counts[key]
        where, params = _where(selection)
        with self._reading() as db:
            found = db.execute(f"SELECT COUNT(*) FROM records {_clause(where)}",
                               params).fetchone()[0]
        with self._lock:
            self._counts[key] = found
            while len(self._counts) > COUNTS_KEPT:
                self._counts.popitem(last=False)
        return found

    def live_ids(self, offset: int, limit: int) -> list[str]:
        """Local ids of the records that are not deleted, in local-id order: ``limit`` of them
        from position ``offset``."""
        with self._reading() as db:
            found = db.execute("SELECT local_id FROM records WHERE NOT deleted "
                               "ORDER BY local_id LIMIT ? OFFSET ?", (limit, offset))
            return [row[0] for row in found]

    def live_listings(self, offset: int, limit: int) -> list[Listing]:
        """The records of :meth:`live_ids` with their datestamps and titles."""
        with self._reading() as db:
            found = db.execute("SELECT local_id, datestamp, titles FROM records WHERE NOT "
                               "deleted ORDER BY local_id LIMIT ? OFFSET ?", (limit, offset))
            return [Listing(local_id, datestamp, tuple(json.loads(titles)) if titles else ())
                    for local_id, datestamp, titles in found]

    def headers(self, batch: int = 10_000) -> Iterator[tuple[str, str, bool]]:
        """(local id, datestamp, deleted) of every row in local-id order, read ``batch`` rows
        at a time (by keyset on the local id). Raises StoreError."""
        after = ""
        while True:
            with self._reading() as db:
                found = db.execute("SELECT local_id, datestamp, deleted FROM records WHERE "
                                   "local_id > ? ORDER BY local_id LIMIT ?",
                                   (after, batch)).fetchall()
            yield from ((local_id, datestamp, bool(deleted))
                        for local_id, datestamp, deleted in found)
            if len(found) < batch:
                return
            after = found[-1][0]

    def live_count(self) -> int:
        """How many records are not deleted (all rows, counted on the smallest index, less
        the deleted ones, on theirs: no scan of the rows and their fragments)."""
        with self._reading() as db:
            rows = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            return rows - db.execute("SELECT COUNT(*) FROM records WHERE deleted").fetchone()[0]

    def latest(self, before: tuple[str, str] | None, limit: int) -> list[Listing]:
        """Up to ``limit`` live records, latest datestamp first (then local id, descending),
        starting after the key ``before`` (a :attr:`Listing.key`). One keyset query on a
        partial index: the same cost on any page of any size of index."""
        where, params = ["NOT deleted"], []
        if before is not None:
            where.append("(datestamp, local_id) < (?, ?)")
            params.extend(before)
        with self._reading() as db:
            found = db.execute(
                f"SELECT local_id, datestamp, titles FROM records {_clause(where)} "
                "ORDER BY datestamp DESC, local_id DESC LIMIT ?", (*params, limit)).fetchall()
        return [Listing(local_id, datestamp, tuple(json.loads(titles)) if titles else ())
                for local_id, datestamp, titles in found]

    def version(self) -> str:
        """The version of the data: ``{epoch}.{transactions committed}``, the same in every
        process that reads this index, and never the same for two states of it (a recreated
        index gets a new random epoch). Raises StoreError."""
        with self._reading() as db:
            epoch, count = db.execute("SELECT epoch, count FROM changes").fetchone()
        return f"{epoch}.{count}"

    def latest_datestamp(self) -> str | None:
        """The latest datestamp of any row (a record or a tombstone), None when empty."""
        with self._reading() as db:
            return db.execute("SELECT MAX(datestamp) FROM records").fetchone()[0]

    def summary(self) -> Summary:
        """The totals of the index (live records; live sets per family), computed once per
        :meth:`version`. Raises StoreError."""
        version = self.version()
        known = self._summary
        if known is not None and known[0] == version:
            return known[1]
        families: dict[str, int] = {}
        for oai_set in self.sets():
            family, _, rest = oai_set.spec.partition(":")
            if rest:
                families[family] = families.get(family, 0) + 1
        summary = Summary(self.live_count(), families)
        self._summary = (version, summary)
        return summary

    def set_counts(self) -> dict[str, int]:
        """Records not deleted in each set that has any (``language:nan`` → 1,204 …), the
        facet counts a SPARQL COUNT cannot give fast: every membership counted, less those of
        deleted records (found through their own small index)."""
        with self._reading() as db:
            counts = dict(db.execute(
                "SELECT spec, COUNT(*) FROM memberships GROUP BY spec").fetchall())
            for spec, deleted in db.execute(
                    "SELECT m.spec, COUNT(*) FROM records AS r CROSS JOIN memberships AS m"
                    " ON m.local_id = r.local_id WHERE r.deleted GROUP BY m.spec"):
                counts[spec] -= deleted
        return {spec: n for spec, n in sorted(counts.items()) if n > 0}

    def live_datestamps(self, prefix: str) -> tuple[str, str] | None:
        """The earliest and the latest datestamp of the records that are not deleted and have
        a rendering in ``prefix``; None when there is none."""
        column = _column(prefix)
        with self._reading() as db:
            found = db.execute(f"SELECT MIN(datestamp), MAX(datestamp) FROM records "
                               f"WHERE NOT deleted AND {column} IS NOT NULL").fetchone()
        return None if found[0] is None else (found[0], found[1])

    def members(self, spec: str, *, after: str | None = None, before: str | None = None,
                limit: int) -> list[str]:
        """Local ids of the records of the set ``spec`` (that set alone, not its subsets) that
        are not deleted, in local-id order: the first ``limit`` after ``after``, or with
        ``before`` the last ``limit`` before it. A page walks the set's own memberships on
        their primary key and looks each record up by its key, so it costs the same in a set
        of ten records and in one of a million."""
        if before is not None:
            bound, order = "m.local_id < ?", "DESC"
        else:
            bound, order = "m.local_id > ?", "ASC"
        sql = ("SELECT m.local_id FROM memberships AS m JOIN records AS r"
               f" ON r.local_id = m.local_id WHERE m.spec = ? AND {bound} AND NOT r.deleted"
               f" ORDER BY m.local_id {order} LIMIT ?")
        with self._reading() as db:
            found = [row[0] for row in db.execute(sql, (spec, before or after or "", limit))]
        return found[::-1] if before is not None else found

    def count_members(self, spec: str, *, cap: int) -> int:
        """How many records of the set ``spec`` are not deleted, counting no further than
        ``cap`` (a bounded walk of the set's memberships, like :meth:`members`)."""
        with self._reading() as db:
            return db.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM memberships AS m JOIN records AS r"
                " ON r.local_id = m.local_id WHERE m.spec = ? AND NOT r.deleted LIMIT ?)",
                (spec, cap)).fetchone()[0]

    def earliest_datestamp(self) -> str | None:
        with self._reading() as db:
            return db.execute("SELECT MIN(datestamp) FROM records").fetchone()[0]

    def sample_id(self) -> str | None:
        """A record that exists and is not deleted (the first by local id), for Identify."""
        with self._reading() as db:
            found = db.execute("SELECT MIN(local_id) FROM records WHERE NOT deleted").fetchone()
        return found[0]

    def sets(self) -> list[OaiSet]:
        """Every set with at least one record that is not deleted, with the parent sets."""
        with self._reading() as db:
            found = db.execute(
                "SELECT s.spec, s.name_zh, s.name_en FROM sets AS s WHERE EXISTS ("
                " SELECT 1 FROM memberships AS m JOIN records AS r ON r.local_id = m.local_id"
                " WHERE m.spec = s.spec AND NOT r.deleted)").fetchall()
        return with_parents(OaiSet(*columns) for columns in found)

    def set_names(self) -> dict[str, OaiSet]:
        """Every named set (with parents), listed or not, by spec."""
        with self._reading() as db:
            found = db.execute("SELECT spec, name_zh, name_en FROM sets").fetchall()
        return {s.spec: s for s in with_parents(OaiSet(*columns) for columns in found)}


def rendering(row: Dissemination) -> tuple:
    """What a client of the provider sees of ``row`` apart from its datestamp: deletion, sets,
    every fragment and the provenance block (compare with :meth:`Disseminations.rendered`)."""
    return (row.deleted, " ".join(row.set_specs),
            *(row.metadata.get(prefix) for prefix in PREFIXES), row.about)


def _put_rows(db: sqlite3.Connection, rows: list[Dissemination]) -> None:
    """Replaces ``rows`` (distinct local ids, at most :data:`ROWS_PER_STATEMENT`) and their
    memberships: one statement for the rows, one to drop their old memberships and one per
    :data:`ROWS_PER_STATEMENT` memberships for the new ones."""
    columns = ", ".join(PREFIXES)
    values = _marks(6 + len(PREFIXES))
    db.execute(
        f"INSERT OR REPLACE INTO records (local_id, datestamp, deleted, set_specs, {columns}, "
        f"about, titles) VALUES {', '.join([values] * len(rows))}",
        [value for row in rows for value in (
            row.local_id, row.datestamp, int(row.deleted), " ".join(row.set_specs),
            *(row.metadata.get(prefix) for prefix in PREFIXES), row.about,
            _titles_text(row.titles))])
    db.execute(f"DELETE FROM memberships WHERE local_id IN {_marks(len(rows))}",
               [row.local_id for row in rows])
    members = [(spec, row.local_id) for row in rows for spec in row.set_specs]
    for start in range(0, len(members), ROWS_PER_STATEMENT):
        chunk = members[start:start + ROWS_PER_STATEMENT]
        db.execute("INSERT OR IGNORE INTO memberships (spec, local_id) VALUES "
                   f"{', '.join([_marks(2)] * len(chunk))}", [v for pair in chunk for v in pair])


def _titles_text(titles: tuple[str, ...] | list[str]) -> str | None:
    """The titles column: a JSON list, sorted; None for none."""
    return json.dumps(sorted(titles), ensure_ascii=False) if titles else None


def _count_change(db: sqlite3.Connection) -> None:
    """One more transaction in the ``changes`` row (inside the transaction itself)."""
    db.execute("UPDATE changes SET count = count + 1")


def _fill_titles(db: sqlite3.Connection) -> None:
    """The titles of every live row of an index of version 2, read from its OLAC fragment
    (``dc:title``, which holds every ``dct:title`` of the record), batch by batch."""
    after = ""
    while True:
        found = db.execute("SELECT local_id, olac FROM records WHERE local_id > ? AND NOT "
                           "deleted ORDER BY local_id LIMIT ?", (after, FILL_BATCH)).fetchall()
        if not found:
            return
        db.executemany("UPDATE records SET titles = ? WHERE local_id = ?",
                       [(_olac_titles(olac), local_id) for local_id, olac in found])
        after = found[-1][0]


def _olac_titles(fragment: bytes | None) -> str | None:
    if fragment is None:
        return None
    return _titles_text([title.text for title in parse_xml(fragment, "the OAI index").iter(DC_TITLE)
                         if title.text])


def _marks(count: int) -> str:
    """``(?, ?, …)`` with ``count`` parameters."""
    return f"({', '.join('?' * count)})"


def _column(prefix: str | None) -> str:
    """The fragment column of ``prefix`` (checked against PREFIXES), or NULL."""
    if prefix is None:
        return "NULL"
    if prefix not in PREFIXES:
        raise ValueError(f"not an indexed metadata format: {prefix!r}")
    return prefix


def _where(selection: Selection) -> tuple[list[str], list[str]]:
    where: list[str] = []
    params: list[str] = []
    if selection.prefix is not None:
        where.append(f"({_column(selection.prefix)} IS NOT NULL OR deleted)")
    if selection.since is not None:
        where.append("datestamp >= ?")
        params.append(selection.since)
    if selection.until is not None:
        where.append("datestamp <= ?")
        params.append(selection.until)
    if selection.set_spec is not None:
        where.append("EXISTS (SELECT 1 FROM memberships AS m WHERE m.local_id = records.local_id"
                     " AND (m.spec = ? OR (m.spec > ? AND m.spec < ?)))")
        params.extend((selection.set_spec, f"{selection.set_spec}:", f"{selection.set_spec};"))
    return where, params


def _clause(where: list[str]) -> str:
    return f"WHERE {' AND '.join(where)}" if where else ""


def _row(found: tuple) -> Row:
    local_id, datestamp, deleted, specs, metadata, about = found
    return Row(local_id, datestamp, bool(deleted), tuple(specs.split()), metadata, about)
