"""What the back office and ``yuliao review`` call: save a draft, take a record through its
reviews, list what waits for whom.

Every action runs the same way (:meth:`Workflow.act`): with the record held
(:mod:`.locks`), its row of the transition table is found for the actor, the state and the
agency (403 NotAllowed, 409 WrongState), the revision the actor saw is compared with the
stored one (409 StaleRevision), the inputs are checked (400 InputError), a submission is
validated (422 ValidationError), and then one journaled change of the repository writes the
record, its history event (and, when a published revision is replaced, that revision's
statements) in one update of the work area, the public area and the indexes after it. The
event is then handed to the ``audit`` callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from rdflib import Graph, Literal, URIRef

from vocab.namespaces import DCAT, DCT, RDF_, YL

from ..actors import Actor, Role, WorkflowEvent
from ..core import Additions, Repository
from ..crosswalks.olac import graph_to_olac
from ..errors import (
    ConflictError,
    Gone,
    InputError,
    NotAllowed,
    NotFound,
    RepositoryError,
    ValidationError,
)
from ..quality import olac_quality
from ..records import STATES, Record, now_utc, restore_byte_sizes
from ..validation import Validator, Violation
from .history import (
    Event,
    event_statements,
    history_graph,
    new_event,
    read_history,
    superseded_statements,
)
from .index import Entry, agency_of
from .locks import record_locks
from .table import (
    Action,
    Effect,
    Transition,
    queue_states,
    roles_on,
    row_of,
    transition_for,
)

#: The local id a form gives a record that does not exist yet: saving it allocates a real one
#: (never handed out: ids start at 00000001) and renames the record's IRIs.
NEW_ID = "00000000"
#: The classes a shape targets (shapes/): a record typed with neither would conform vacuously.
SHAPED_CLASSES = (YL.CorpusDataset, YL.LanguageResource)
#: Longest reason kept (characters).
REASON_LIMIT = 2000
#: Largest page of a queue or list.
PAGE_LIMIT = 500

Audit = Callable[[WorkflowEvent], None]


class StaleRevision(ConflictError):
    """The record changed since the actor saw it (409): another revision was saved."""


@dataclass(frozen=True)
class Saved:
    """A saved draft: the record as stored, every SHACL result of it (the form shows each at
    its field; drafts may be invalid) and its OLAC quality score (None when the record cannot
    be rendered as OLAC yet)."""

    record: Record
    violations: list[Violation] = field(default_factory=list)
    quality: float | None = None

    @property
    def conforms(self) -> bool:
        """True when nothing stops it from being submitted."""
        return not any(v.is_failure for v in self.violations)


@cache
def _validator() -> Validator:
    return Validator()


class Workflow:
    """The workflow over ``repository``; ``audit`` receives every event once it is written
    (an exception it raises reaches the caller; the change stays made)."""

    def __init__(self, repository: Repository, *, audit: Audit | None = None) -> None:
        self.repository = repository
        self.audit = audit
        self.locks = record_locks(repository.work, repository.config.base_uri)

    # -- saving ----------------------------------------------------------------------------

    def save_draft(self, actor: Actor, record: Record,
                   expected_revision: int | None = None) -> Saved:
        """Save an edit of ``record`` (a draft, a record returned for revision, or a published
        record, whose edit becomes a new draft revision while the published one stays public),
        or create it when its id is :data:`NEW_ID`: a new local id, the actor's agency as its
        publisher. The record is saved whether it conforms or not.

        Raises NotFound for an unknown record, NotAllowed (403), WrongState and StaleRevision
        (409, when ``expected_revision`` is given and is not the stored one), InputError (400)
        for a graph that says nothing about the record's resource (``{base}id/{id}``),
        StoreError.
        """
        new = record.id == NEW_ID
        if new:  # refused before an id is spent on it
            transition_for(actor, Action.SAVE, "(new)", None, actor.agency)
        local_id = self.repository.new_local_id() if new else record.id
        with self.locks.held(local_id):
            current = None if new else self._current(local_id)
            agency = actor.agency if current is None else self._agency(current)
            row = transition_for(actor, Action.SAVE, local_id,
                                 current.state if current else None, agency)
            _check_revision(local_id, current, expected_revision)
            graph = self._prepared(record, local_id, agency, new=new)
            draft = (current.with_(graph=graph, state=row.target, raw=None) if current
                     else Record(id=local_id, graph=graph, state=row.target))
            event = self._event(actor, row, local_id, current, (current.revision if current
                                                               else 0) + 1)
            stored = self.repository.put(draft, add=self._history(local_id, event))
        self._audit(event, local_id)
        return Saved(stored, _validator().validate(local_id, stored.graph),
                     _quality(stored, self.repository.ids.resource(local_id)))

    def _prepared(self, record: Record, local_id: str, agency: str | None, *,
                  new: bool) -> Graph:
        """The graph to store: renamed to ``local_id`` when new (with that identifier and the
        dataset classes), ``agency`` as its only publisher when it has one, byte sizes typed
        as written (a graph read back from the store lost their type)."""
        graph = _renamed(record.graph, self.repository.ids, local_id) if new else record.graph
        restore_byte_sizes(graph)
        subject = self.repository.ids.resource(local_id)
        if (subject, None, None) not in graph:
            raise InputError(f"the record says nothing about {subject}: describe "
                             f"{self.repository.ids.resource(record.id)}", record=record.id)
        if new:
            graph.set((subject, DCT.identifier, Literal(local_id)))
            graph.add((subject, RDF_.type, DCAT.Dataset))
            if not any((subject, RDF_.type, c) in graph for c in SHAPED_CLASSES):
                graph.add((subject, RDF_.type, YL.CorpusDataset))
        if agency is not None:
            agency_iri = URIRef(f"{self.repository.ids.base}agency/{agency}")
            graph.set((subject, DCT.publisher, agency_iri))
        return graph

    # -- transitions -----------------------------------------------------------------------

    def submit(self, actor: Actor, local_id: str, *, expected_revision: int) -> Record:
        """送審: a draft or a record returned for revision to its agency admin. Raises as
        :meth:`act` does, ValidationError (422) with the violations when it does not conform."""
        return self.act(actor, local_id, Action.SUBMIT, expected_revision=expected_revision)

    def approve(self, actor: Actor, local_id: str, *, expected_revision: int) -> Record:
        """通過: the review of a publication or a takedown passes to its next step (the
        platform admin's approval publishes, or withdraws). Raises as :meth:`act` does."""
        return self.act(actor, local_id, Action.APPROVE, expected_revision=expected_revision)

    def return_(self, actor: Actor, local_id: str, *, reason: str,
                expected_revision: int) -> Record:
        """退回: back to the provider with ``reason`` (a publication to in revision; a
        takedown leaves the record published). Raises as :meth:`act` does."""
        return self.act(actor, local_id, Action.RETURN, expected_revision=expected_revision,
                        reason=reason)

    def request_takedown(self, actor: Actor, local_id: str, *, takedown_date: date,
                         reason: str, expected_revision: int) -> Record:
        """申請下架審查: ask for a published record to be taken down on ``takedown_date``,
        for ``reason``. Raises as :meth:`act` does."""
        return self.act(actor, local_id, Action.REQUEST_TAKEDOWN,
                        expected_revision=expected_revision, reason=reason,
                        takedown_date=takedown_date)

    def act(self, actor: Actor, local_id: str, action: Action, *, expected_revision: int,
            reason: str | None = None, takedown_date: date | None = None) -> Record:
        """``actor`` takes ``action`` on record ``local_id``, which they saw at revision
        ``expected_revision``; returns the record as it now is in the work area.

        Raises NotFound (404), Gone (410); NotAllowed (403): not their agency, or not their
        role; WrongState (409): not from this state (someone acted first); StaleRevision
        (409); RecordBusy (409): held by another action for too long; InputError (400): a
        reason or date missing or malformed; ValidationError (422): a submission that does not
        conform; StoreError. Nothing is written when it raises before the change (the
        change itself is journaled).
        """
        if action is Action.SAVE:
            raise InputError("saving takes a record: use save_draft", field="action")
        reason = _reason(reason)
        with self.locks.held(local_id):
            current = self._current(local_id)
            row = transition_for(actor, action, local_id, current.state, self._agency(current))
            _check_revision(local_id, current, expected_revision)
            _check_inputs(row, local_id, reason, takedown_date)
            if row.needs_conforming:
                self._require_conforming(current)
            event = self._event(actor, row, local_id, current, current.revision, reason=reason,
                                takedown_date=takedown_date)
            stored = self._apply(row, current, event)
        self._audit(event, local_id)
        return stored

    def replay(self, actor: Actor, local_id: str, action: Action, from_state: str, *,
               reason: str | None = None, takedown_date: date | None = None) -> Event:
        """Write to the history an event that happened before the record came here in the
        state it left (the demo records are loaded in their states): ``actor`` took
        ``action`` from ``from_state`` to the record's state now. Raises NotFound,
        InputError when no row of the table leads so, StoreError."""
        with self.locks.held(local_id):
            current = self._current(local_id)
            row = row_of(action.value, from_state, current.state)
            if row is None:
                raise InputError(f"no {action} leads from {from_state} to {current.state}",
                                 record=local_id, field="action")
            event = self._event(actor, row, local_id, current.with_(state=from_state),
                                current.revision, reason=_reason(reason),
                                takedown_date=takedown_date)
            self.repository.set_state(local_id, current.state,
                                      add=self._history(local_id, event))
        return event

    def _apply(self, row: Transition, current: Record, event: Event) -> Record:
        """Write the transition through the repository (one journaled change)."""
        add = self._history(current.id, event)
        if row.effect is Effect.PUBLISH:
            return self.repository.publish(current.id,
                                           add=self._superseding(current, event, add))
        if row.effect is Effect.WITHDRAW:
            return self.repository.withdraw(current.id, add=add)
        return self.repository.set_state(current.id, row.target, add=add)

    def _superseding(self, current: Record, event: Event, add: Additions) -> Additions:
        """``add`` and, when an older published revision is public, what keeps it in the
        history once ``current`` replaces it."""
        try:
            public = self.repository.get(current.id, public=True)
        except (NotFound, Gone):
            return add
        if public.revision >= current.revision:
            return add
        kept = superseded_statements(self.repository.ids, public, current.revision, event.when)
        return {graph: [*add.get(graph, []), *kept.get(graph, [])]
                for graph in {**add, **kept}}

    # -- reading ---------------------------------------------------------------------------

    def queue(self, actor: Actor, *, after: str | None = None, limit: int = 20) -> list[Entry]:
        """The review queue (資料審核): what waits for ``actor``'s review (an agency admin:
        their agency's pending publications and takedowns; a platform admin: everyone's at the
        second step), the longest waiting first. Raises NotAllowed for an agency admin who
        acts for no agency, InputError for a bad cursor or limit, StoreError."""
        if not queue_states(actor.role):
            return []
        return self.repository.reviews.queue(actor.role, _scope(actor, None), after=after,
                                             limit=_limit(limit))

    def records(self, actor: Actor, *, keyword: str | None = None,
                identifier: str | None = None, state: str | None = None,
                agency: str | None = None, after: str | None = None,
                limit: int = 20) -> list[Entry]:
        """The dataset list (資料集列表): the records ``actor`` may see (their agency's; a
        platform admin's: all, or ``agency``'s), the latest changed first, filtered by
        keyword, identifier prefix and state. Raises NotAllowed (403) for another agency,
        InputError (400) for an unknown state, a bad cursor or limit, StoreError."""
        if state is not None and state not in STATES:
            raise InputError(f"unknown state {state!r}; expected one of {', '.join(STATES)}",
                             field="state")
        return self.repository.reviews.listing(agency=_scope(actor, agency), state=state,
                                               identifier=identifier, keyword=keyword,
                                               after=after, limit=_limit(limit))

    def entry(self, actor: Actor, local_id: str) -> Entry:
        """The list row of record ``local_id``. Raises NotFound (404), NotAllowed (403)."""
        found = self.repository.reviews.get(local_id)
        if found is None:
            self._current(local_id)  # NotFound, or Gone
            raise ConflictError(f"record {local_id} is not in the review index: run "
                                "`yuliao check --repair`")
        if not roles_on(actor, found.agency):
            raise NotAllowed(f"record {local_id} belongs to agency {found.agency}; "
                             f"{actor.role} {actor.account} acts for agency {actor.agency} only")
        return found

    def history(self, local_id: str, actor: Actor | None = None) -> list[Event]:
        """Every save and transition of ``local_id``, oldest first (``actor``: refused with
        NotAllowed unless they may see the record). Raises NotFound, StoreError."""
        if actor is not None:
            self.entry(actor, local_id)
        elif not self.repository.exists(local_id):
            self._current(local_id)
        return read_history(self.repository.work, self.repository.ids, local_id)

    # -- internals -------------------------------------------------------------------------

    def _require_conforming(self, record: Record) -> None:
        """Raises ValidationError (422) with every violation of ``record``, or when no shape
        targets it (typed neither yl:CorpusDataset nor yl:LanguageResource)."""
        subject = self.repository.ids.resource(record.id)
        if not any((subject, RDF_.type, c) in record.graph for c in SHAPED_CLASSES):
            raise ValidationError(record.id, [f"record {record.id} is typed neither "
                                              "yl:CorpusDataset nor yl:LanguageResource, so "
                                              "no shape checks it"])
        graph = restore_byte_sizes(record.graph)
        failures = [v for v in _validator().validate(record.id, graph) if v.is_failure]
        if failures:
            raise ValidationError(record.id, failures)

    def _current(self, local_id: str) -> Record:
        return self.repository.get(local_id)

    def _agency(self, record: Record) -> str | None:
        subject = self.repository.ids.resource(record.id)
        return agency_of((str(o) for o in record.graph.objects(subject, DCT.publisher)),
                         self.repository.ids.base)

    def _event(self, actor: Actor, row: Transition, local_id: str, current: Record | None,
               revision: int, *, reason: str | None = None,
               takedown_date: date | None = None) -> Event:
        sequence = self._next_sequence(local_id)
        return new_event(actor, sequence, now_utc(), row.action.value,
                         current.state if current else None, row.target, revision,
                         reason=reason, takedown_date=takedown_date)

    def _next_sequence(self, local_id: str) -> int:
        graph = history_graph(self.repository.ids, local_id)
        rows = self.repository.work.select(f"SELECT (MAX(?n) AS ?last) WHERE {{ "
                                           f"GRAPH {graph.n3()} {{ ?e <{YL.sequence}> ?n }} }}")
        last = rows[0].get("last") if rows else None
        return int(last) + 1 if last is not None else 1

    def _history(self, local_id: str, event: Event) -> dict[URIRef, list[str]]:
        graph = history_graph(self.repository.ids, local_id)
        return {graph: event_statements(self.repository.ids, local_id, event)}

    def _audit(self, event: Event, local_id: str) -> None:
        if self.audit is not None:
            self.audit(event.audit(local_id))


def _check_revision(local_id: str, current: Record | None, expected: int | None) -> None:
    """Raises StaleRevision when ``expected`` is given and is not ``current``'s revision."""
    if expected is None or current is None or current.revision == expected:
        return
    raise StaleRevision(f"record {local_id} is at revision {current.revision}, not "
                        f"{expected} as expected: it changed meanwhile; look at it again")


def _check_inputs(row: Transition, local_id: str, reason: str | None,
                  takedown_date: date | None) -> None:
    """Raises InputError (400) for a reason or date the row needs and did not get."""
    if row.needs_reason and not reason:
        raise InputError(f"{row.action} of a record {row.source} needs a reason",
                         record=local_id, field="reason")
    if row.needs_date and takedown_date is None:
        raise InputError(f"{row.action} needs the date to take the record down on "
                         "(YYYY-MM-DD)", record=local_id, field="takedown_date")


def _reason(reason: str | None) -> str | None:
    """``reason`` stripped (None when blank). Raises InputError when it is too long."""
    text = " ".join((reason or "").split())
    if len(text) > REASON_LIMIT:
        raise InputError(f"a reason has at most {REASON_LIMIT} characters, not {len(text)}",
                         field="reason")
    return text or None


def _quality(record: Record, subject: URIRef) -> float | None:
    """The OLAC quality score of ``record``; None when it cannot be rendered as OLAC yet."""
    try:
        return olac_quality(graph_to_olac(record.graph, subject))
    except (RepositoryError, ValueError, KeyError):
        return None


def _renamed(graph: Graph, ids, local_id: str) -> Graph:
    """A copy of ``graph`` with the IRIs of :data:`NEW_ID`'s resource (and its fragments)
    renamed to ``local_id``'s, and the download URLs of its files (``{base}record/{id}/…``)."""
    old, new = str(ids.resource(NEW_ID)), str(ids.resource(local_id))
    old_files, new_files = f"{ids.base}record/{NEW_ID}/", f"{ids.base}record/{local_id}/"

    def rename(term):
        text = str(term)
        if isinstance(term, URIRef) and (text == old or text.startswith(old + "#")):
            return URIRef(new + text[len(old):])
        if isinstance(term, URIRef) and text.startswith(old_files):
            return URIRef(new_files + text[len(old_files):])
        return term

    renamed = Graph()
    for s, p, o in graph:
        renamed.add((rename(s), p, rename(o)))
    return renamed


def _scope(actor: Actor, agency: str | None) -> str | None:
    """The agency whose records ``actor`` lists (None: every agency's, for a platform admin
    who asks for no one agency). Raises NotAllowed for an agency they do not act for, and
    for an actor other than a platform admin who acts for none."""
    if actor.role is Role.PLATFORM_ADMIN:
        return agency
    if actor.agency is None or agency not in (None, actor.agency):
        raise NotAllowed(f"{actor.role} {actor.account} acts for "
                         f"{f'agency {actor.agency}' if actor.agency else 'no agency'} only"
                         + (f", not agency {agency}" if agency else ""))
    return actor.agency


def _limit(limit: int) -> int:
    if not 1 <= limit <= PAGE_LIMIT:
        raise InputError(f"limit must be 1 to {PAGE_LIMIT}, not {limit}", field="limit")
    return limit


def save_draft(repository: Repository, actor: Actor, record: Record,
               expected_revision: int | None = None, *, audit: Audit | None = None) -> Saved:
    """:meth:`Workflow.save_draft` on ``repository``."""
    return Workflow(repository, audit=audit).save_draft(actor, record, expected_revision)


def history(repository: Repository, local_id: str) -> list[Event]:
    """:meth:`Workflow.history` of ``local_id`` on ``repository``."""
    return Workflow(repository).history(local_id)
