"""A record's history in the work area: one PROV activity per save and transition, and the
statements of every published revision a later one replaced.

Graphs (work area only; nothing here is ever written to the public area):

- ``{base}graph/{id}/history``: the events, ``{base}admin/record/{id}/event/{n}`` typed
  ``yl:WorkflowEvent`` and ``prov:Activity`` (action, sequence, time, the actor's account,
  name, role and agency, from and to state, reason, takedown date, the revision it left), and
  the superseded published revisions as ``prov:Entity``
  ``{base}admin/record/{id}/revision/{n}`` (``prov:wasRevisionOf`` the one before,
  ``yl:snapshot`` the graph holding its statements);
- ``{base}graph/{id}/revision/{n}``: the description of published revision ``n`` as it was
  public, kept when a later revision replaced it.

Neither holds a catalogue record (``yl:localId``), so the scans of ``yuliao check`` and the
record listings never mistake them for records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from rdflib import Literal, URIRef
from rdflib.term import Node

from vocab.namespaces import PROV, RDF_, XSD, YL, concept

from ..actors import Actor, WorkflowEvent
from ..records import Identifiers, Record, parse_datestamp, statements, utc_literal

if TYPE_CHECKING:
    from ..backends import TripleStore


@dataclass(frozen=True)
class Event:
    """One save or transition of a record, as its history lists it."""

    sequence: int
    when: datetime
    account: str
    name: str
    role: str
    agency: str | None
    action: str
    from_state: str | None
    to_state: str
    revision: int
    reason: str | None = None
    takedown_date: date | None = None

    def audit(self, local_id: str) -> WorkflowEvent:
        """What the audit log is given of this event."""
        return WorkflowEvent(when=self.when, account=self.account, action=self.action,
                          record=local_id, from_state=self.from_state, to_state=self.to_state,
                          reason=self.reason)


def new_event(actor: Actor, sequence: int, when: datetime, action: str,
              from_state: str | None, to_state: str, revision: int, *,
              reason: str | None = None, takedown_date: date | None = None) -> Event:
    """The event ``actor`` makes."""
    return Event(sequence=sequence, when=when, account=actor.account, name=actor.name,
                 role=str(actor.role), agency=actor.agency, action=action,
                 from_state=from_state, to_state=to_state, revision=revision, reason=reason,
                 takedown_date=takedown_date)


# -- names ------------------------------------------------------------------------------------


def history_graph(ids: Identifiers, local_id: str) -> URIRef:
    return URIRef(f"{ids.base}graph/{local_id}/history")


def snapshot_graph(ids: Identifiers, local_id: str, revision: int) -> URIRef:
    return URIRef(f"{ids.base}graph/{local_id}/revision/{revision}")


def event_iri(ids: Identifiers, local_id: str, sequence: int) -> URIRef:
    return URIRef(f"{ids.base}admin/record/{local_id}/event/{sequence}")


def revision_iri(ids: Identifiers, local_id: str, revision: int) -> URIRef:
    return URIRef(f"{ids.base}admin/record/{local_id}/revision/{revision}")


def account_iri(ids: Identifiers, account: str) -> URIRef:
    return URIRef(f"{ids.base}admin/account/{quote(account, safe='@.-_~')}")


def local_id_of_history(ids: Identifiers, graph: str) -> str | None:
    """The local id whose history ``graph`` is, or None for another graph."""
    prefix, suffix = f"{ids.base}graph/", "/history"
    if graph.startswith(prefix) and graph.endswith(suffix):
        return graph[len(prefix):-len(suffix)]
    return None


# -- writing ----------------------------------------------------------------------------------


def event_statements(ids: Identifiers, local_id: str, event: Event) -> list[str]:
    """The statements of ``event`` (added to the record's history graph)."""
    node = event_iri(ids, local_id, event.sequence)
    agent = account_iri(ids, event.account)
    triples: list[tuple[Node, Node, Node]] = [
        (node, RDF_.type, PROV.Activity), (node, RDF_.type, YL.WorkflowEvent),
        (node, YL.action, Literal(event.action)), (node, YL.sequence, Literal(event.sequence)),
        (node, PROV.startedAtTime, utc_literal(event.when)),
        (node, PROV.endedAtTime, utc_literal(event.when)),
        (node, PROV.wasAssociatedWith, agent), (agent, RDF_.type, PROV.Agent),
        (node, YL.account, Literal(event.account)), (node, YL.actorName, Literal(event.name)),
        (node, YL.actorRole, Literal(event.role)), (node, YL.toState, _state(event.to_state)),
        (node, YL.revision, Literal(event.revision)),
    ]
    optional = ((YL.fromState, event.from_state and _state(event.from_state)),
                (YL.actorAgency, event.agency and Literal(event.agency)),
                (YL.reason, event.reason and Literal(event.reason)),
                (YL.takedownDate, event.takedown_date and Literal(event.takedown_date,
                                                                   datatype=XSD.date)))
    triples += [(node, predicate, value) for predicate, value in optional if value]
    return statements(triples)


def superseded_statements(ids: Identifiers, public: Record, successor: int,
                          when: datetime) -> dict[URIRef, list[str]]:
    """What keeps the published revision ``public`` once revision ``successor`` replaces it:
    its description in a snapshot graph of its own, and in the history graph the entities of
    both revisions (``prov:wasRevisionOf``)."""
    old = revision_iri(ids, public.id, public.revision)
    new = revision_iri(ids, public.id, successor)
    snapshot = snapshot_graph(ids, public.id, public.revision)
    triples: list[tuple[Node, Node, Node]] = [
        (old, RDF_.type, PROV.Entity), (old, YL.revision, Literal(public.revision)),
        (old, YL.snapshot, snapshot), (old, PROV.invalidatedAtTime, utc_literal(when)),
        (new, RDF_.type, PROV.Entity), (new, YL.revision, Literal(successor)),
        (new, PROV.wasRevisionOf, old), (new, PROV.generatedAtTime, utc_literal(when)),
    ]
    if public.datestamp:
        triples.append((old, YL.datestamp, utc_literal(public.datestamp)))
    return {snapshot: statements(public.graph),
            history_graph(ids, public.id): statements(triples)}


def _state(code: str) -> URIRef:
    return concept("record-state", code)


def state_code(value: Node | str | None) -> str | None:
    """The code of a record-state concept IRI (None stays None)."""
    return None if value is None else str(value).rsplit("/", 1)[-1]


# -- reading ----------------------------------------------------------------------------------

#: Every event of one history graph, with the variables :func:`event_from_row` reads.
EVENT_PATTERN = f"""?e a <{YL.WorkflowEvent}> ; <{YL.sequence}> ?sequence ;
      <{YL.action}> ?action ; <{PROV.startedAtTime}> ?when ; <{YL.account}> ?account ;
      <{YL.toState}> ?to ; <{YL.revision}> ?revision .
    OPTIONAL {{ ?e <{YL.actorName}> ?name }} OPTIONAL {{ ?e <{YL.actorRole}> ?role }}
    OPTIONAL {{ ?e <{YL.actorAgency}> ?agency }} OPTIONAL {{ ?e <{YL.fromState}> ?from }}
    OPTIONAL {{ ?e <{YL.reason}> ?reason }} OPTIONAL {{ ?e <{YL.takedownDate}> ?date }}"""


def events_query(graph: URIRef, *, latest: bool = False) -> str:
    """The events of history ``graph``, in order (``latest``: the last one only)."""
    order = "ORDER BY DESC(?sequence) LIMIT 1" if latest else "ORDER BY ?sequence"
    return f"SELECT * WHERE {{ GRAPH {graph.n3()} {{ {EVENT_PATTERN} }} }} {order}"


def event_from_row(row: dict[str, Node]) -> Event:
    """An Event from a solution of :func:`events_query`."""
    def text(name: str) -> str | None:
        return str(row[name]) if name in row else None

    taken = row.get("date")
    return Event(
        sequence=int(row["sequence"]), when=parse_datestamp(row["when"]),
        account=str(row["account"]), name=text("name") or "", role=text("role") or "",
        agency=text("agency"), action=str(row["action"]), from_state=state_code(row.get("from")),
        to_state=state_code(row["to"]), revision=int(row["revision"]), reason=text("reason"),
        takedown_date=date.fromisoformat(str(taken)) if taken is not None else None)


def read_history(work: TripleStore, ids: Identifiers, local_id: str) -> list[Event]:
    """Every event of record ``local_id``, oldest first. Raises StoreError."""
    rows = work.select(events_query(history_graph(ids, local_id)))
    return [event_from_row(row) for row in rows]


def latest_event(work: TripleStore, ids: Identifiers, local_id: str) -> Event | None:
    """The last event of record ``local_id`` (None before any). Raises StoreError."""
    rows = work.select(events_query(history_graph(ids, local_id), latest=True))
    return event_from_row(rows[0]) if rows else None
