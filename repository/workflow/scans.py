"""The review index rebuilt from the areas without reading a graph: a few streamed scans of
each area (lexical values, :meth:`repository.store.Store.values`), staged in a temporary
SQLite database, then one record at a time in local-id order, so memory stays flat however
many records there are (the way :mod:`repository.integrity` compares the areas).

Description values are kept only from a record's own graph (``{base}graph/{id}`` about
``{base}id/{id}``): the snapshot graphs of superseded revisions describe the same resource.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef

from vocab.namespaces import DCAT, DCT, PROV, RDF_, YL

from ..errors import StoreError
from ..records import Identifiers, parse_datestamp
from .history import Event, local_id_of_history, state_code
from .index import Progress, Row, follow, row_of_parts

if TYPE_CHECKING:
    from ..backends import TripleStore

STAGING = """
CREATE TABLE records (local_id TEXT PRIMARY KEY, state TEXT, revision INTEGER, stamp TEXT);
CREATE TABLE facts (local_id TEXT, kind TEXT, value TEXT, lang TEXT);
CREATE INDEX facts_by_id ON facts (local_id);
CREATE TABLE events (local_id TEXT, sequence INTEGER, action TEXT, changed TEXT, account TEXT,
                     to_state TEXT, from_state TEXT, reason TEXT, taken TEXT);
CREATE INDEX events_by_id ON events (local_id, sequence);
CREATE TABLE public (local_id TEXT PRIMARY KEY, revision INTEGER);
"""
RECORDS = f"""SELECT ?g ?id ?state ?revision ?stamp WHERE {{ GRAPH ?g {{
    ?r <{YL.localId}> ?id ; <{YL.state}> ?state .
    OPTIONAL {{ ?r <{YL.revision}> ?revision }} OPTIONAL {{ ?r <{YL.datestamp}> ?stamp }} }} }}"""
#: The description values a row is made of, by kind.
FACTS = {"title": DCT.title, "keyword": DCAT.keyword, "identifier": DCT.identifier,
         "publisher": DCT.publisher}
EVENTS = f"""SELECT ?g ?sequence ?action ?when ?account ?to ?from ?reason ?date WHERE {{
    GRAPH ?g {{ ?e <{RDF_.type}> <{YL.WorkflowEvent}> ; <{YL.sequence}> ?sequence ;
        <{YL.action}> ?action ; <{PROV.startedAtTime}> ?when ; <{YL.account}> ?account ;
        <{YL.toState}> ?to .
      OPTIONAL {{ ?e <{YL.fromState}> ?from }} OPTIONAL {{ ?e <{YL.reason}> ?reason }}
      OPTIONAL {{ ?e <{YL.takedownDate}> ?date }} }} }}"""
PUBLIC = f"SELECT ?g ?revision WHERE {{ GRAPH ?g {{ ?r <{YL.revision}> ?revision }} }}"


def values_query(predicate: URIRef) -> str:
    """Every (graph, subject, value, language) of ``predicate`` in an area."""
    return (f"SELECT ?g ?d ?v (LANG(?v) AS ?l) WHERE {{ GRAPH ?g {{ ?d <{predicate}> ?v }} }}")


def scanned_rows(work: TripleStore, public: TripleStore, ids: Identifiers,
                 ) -> Iterator[tuple[Row, Progress | None]]:
    """Every record of the work area as its review row and progress, in local-id order.
    Raises StoreError."""
    try:
        db = sqlite3.connect("", isolation_level=None)
        db.execute("PRAGMA journal_mode = OFF")
        db.executescript(STAGING)
    except sqlite3.Error as error:
        raise StoreError(f"cannot make the review index's temporary database: {error}") \
            from error
    try:
        _stage(db, work, public, ids)
        yield from _rows(db, ids.base)
    except sqlite3.Error as error:
        raise StoreError(f"the review index's temporary database failed: {error}") from error
    finally:
        db.close()


def _stage(db: sqlite3.Connection, work: TripleStore, public: TripleStore,
           ids: Identifiers) -> None:
    graph_prefix, resource_prefix = f"{ids.base}graph/", f"{ids.base}id/"

    def own(graph: str, subject: str | None = None) -> str | None:
        """The local id of a record graph (about its resource, when ``subject`` is given)."""
        local_id = graph[len(graph_prefix):] if graph.startswith(graph_prefix) else None
        if local_id is None or (subject is not None and subject != resource_prefix + local_id):
            return None
        return local_id

    _insert(db, "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
            ((i, state_code(state), revision, stamp or "")
             for g, i, state, revision, stamp in work.values(RECORDS) if own(g) == i))
    for kind, predicate in FACTS.items():
        _insert(db, "INSERT INTO facts VALUES (?, ?, ?, ?)",
                ((local_id, kind, value, lang) for g, d, value, lang in
                 work.values(values_query(predicate)) if (local_id := own(g, d))))
    _insert(db, "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((local_id, *rest) for g, *rest in work.values(EVENTS)
             if (local_id := local_id_of_history(ids, g))))
    _insert(db, "INSERT OR REPLACE INTO public VALUES (?, ?)",
            ((local_id, revision) for g, revision in public.values(PUBLIC)
             if (local_id := own(g))))


def _insert(db: sqlite3.Connection, sql: str, rows: Iterable[tuple]) -> None:
    db.execute("BEGIN")
    db.executemany(sql, rows)
    db.execute("COMMIT")


def _rows(db: sqlite3.Connection, base: str) -> Iterator[tuple[Row, Progress | None]]:
    records = db.execute("SELECT r.local_id, r.state, r.revision, r.stamp, p.revision FROM "
                         "records AS r LEFT JOIN public AS p USING (local_id) "
                         "ORDER BY r.local_id")
    for local_id, state, revision, stamp, public_revision in records:
        facts: dict[str, list] = {kind: [] for kind in FACTS}
        for kind, value, lang in db.execute("SELECT kind, value, lang FROM facts WHERE "
                                            "local_id = ?", (local_id,)):
            facts[kind].append(Literal(value, lang=lang or None) if kind == "title" else value)
        row = row_of_parts(local_id, state, int(revision or 0), stamp, base,
                           titles=facts["title"], texts=facts["keyword"] + facts["identifier"],
                           publishers=facts["publisher"],
                           public_revision=int(public_revision) if public_revision else None)
        yield row, _progress(db, local_id)


def _progress(db: sqlite3.Connection, local_id: str) -> Progress | None:
    progress = None
    for sequence, action, changed, account, to_state, from_state, reason, taken in db.execute(
            "SELECT sequence, action, changed, account, to_state, from_state, reason, taken "
            "FROM events WHERE local_id = ? ORDER BY sequence", (local_id,)):
        event = Event(sequence=int(sequence), when=parse_datestamp(changed), account=account,
                      name="", role="", agency=None, action=action,
                      from_state=state_code(from_state), to_state=state_code(to_state),
                      revision=0, reason=reason,
                      takedown_date=date.fromisoformat(taken) if taken else None)
        progress = follow(progress, event)
    return progress
