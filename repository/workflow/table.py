"""The transition table of the review workflow (seed 001): which action, from which state, by
which role, leads to which state, what it needs, and what it does to the store.

Every decision about who may do what comes from :data:`TRANSITIONS` through
:func:`transition_for`; nothing else in the workflow tests states or roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..actors import Actor, Role
from ..errors import ConflictError, NotAllowed


class Action(StrEnum):
    """What an actor does to a record."""

    #: 暫存 / 編輯: save a new revision of the description (a new record: its first)
    SAVE = "save"
    #: 送審: send a draft, or a record returned for revision, to its agency admin
    SUBMIT = "submit"
    #: 通過: pass a review (publication or takedown) on to the next step
    APPROVE = "approve"
    #: 退回: send it back to its provider, with a reason
    RETURN = "return"
    #: 申請下架審查: ask for a published record to be taken down, with a date and a reason
    REQUEST_TAKEDOWN = "request-takedown"


class Effect(StrEnum):
    """What a transition writes (the :class:`repository.core.Repository` method it uses)."""

    REVISE = "revise"  # a new revision in the work area (put)
    STATE = "state"  # the state alone, in the work area (set_state)
    PUBLISH = "publish"  # the work revision becomes the public one (publish)
    WITHDRAW = "withdraw"  # a tombstone replaces the public revision (withdraw)


@dataclass(frozen=True)
class Transition:
    """One row of the table: ``action`` by ``role`` on a record in ``source`` (None: a record
    that does not exist yet) leaves it in ``target``."""

    action: Action
    source: str | None
    target: str
    role: Role
    effect: Effect
    needs_reason: bool = False
    needs_date: bool = False
    #: the record must conform to its shapes (SHACL), else the action is refused
    needs_conforming: bool = False
    #: the reason (and takedown date) the provider was last given stays on the record's list
    #: row: while it is edited after a return, while its takedown goes on to the platform
    keeps_note: bool = False

    @property
    def sets_note(self) -> bool:
        """True when the transition's reason becomes the note on the record's list row."""
        return self.needs_reason


_P, _A, _X = Role.PROVIDER, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN
_SAVE, _SUBMIT, _APPROVE, _RETURN, _TAKEDOWN = Action

#: The workflow, row by row. A published record edited gets a new revision in ``draft`` that
#: goes through both reviews while the published revision stays public; a returned takedown
#: leaves the record published, with the return reason kept for its provider.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(_SAVE, None, "draft", _P, Effect.REVISE),
    Transition(_SAVE, "draft", "draft", _P, Effect.REVISE),
    Transition(_SAVE, "in-revision", "in-revision", _P, Effect.REVISE, keeps_note=True),
    Transition(_SAVE, "published", "draft", _P, Effect.REVISE),
    Transition(_SUBMIT, "draft", "pending-agency-review", _P, Effect.STATE,
               needs_conforming=True),
    Transition(_SUBMIT, "in-revision", "pending-agency-review", _P, Effect.STATE,
               needs_conforming=True),
    Transition(_APPROVE, "pending-agency-review", "pending-platform-review", _A, Effect.STATE),
    Transition(_APPROVE, "pending-platform-review", "published", _X, Effect.PUBLISH),
    Transition(_RETURN, "pending-agency-review", "in-revision", _A, Effect.STATE,
               needs_reason=True),
    Transition(_RETURN, "pending-platform-review", "in-revision", _X, Effect.STATE,
               needs_reason=True),
    Transition(_TAKEDOWN, "published", "takedown-pending-agency", _P, Effect.STATE,
               needs_reason=True, needs_date=True),
    Transition(_APPROVE, "takedown-pending-agency", "takedown-pending-platform", _A,
               Effect.STATE, keeps_note=True),
    Transition(_APPROVE, "takedown-pending-platform", "withdrawn", _X, Effect.WITHDRAW,
               keeps_note=True),
    Transition(_RETURN, "takedown-pending-agency", "published", _A, Effect.STATE,
               needs_reason=True),
    Transition(_RETURN, "takedown-pending-platform", "published", _X, Effect.STATE,
               needs_reason=True),
)


class WrongState(ConflictError):
    """The record is not in a state this action by this role starts from (409): someone
    else acted on it first, or the action does not apply yet."""


def row_of(action: str, source: str | None, target: str) -> Transition | None:
    """The row an event of the history followed (None: an event the table does not know,
    such as one written by an older version)."""
    for row in TRANSITIONS:
        if (row.action, row.source, row.target) == (action, source, target):
            return row
    return None


def queue_states(role: Role) -> tuple[str, ...]:
    """The states of the records waiting for ``role`` to review them: those it approves."""
    return tuple(t.source for t in TRANSITIONS
                 if t.role is role and t.action is Action.APPROVE and t.source)


def roles_on(actor: Actor, agency: str | None) -> frozenset[Role]:
    """The roles ``actor`` holds on a record of ``agency`` (None: a record without one, such as
    an imported or harvested record): their own role when they speak for the agency
    (:meth:`repository.actors.Actor.speaks_for`); on a record without an agency, which no
    provider or agency admin can reach, a platform admin holds all three."""
    if not actor.speaks_for(agency):
        return frozenset()
    return frozenset(Role) if agency is None else frozenset({actor.role})


def transition_for(actor: Actor, action: Action, local_id: str, state: str | None,
                   agency: str | None) -> Transition:
    """The row ``actor`` follows taking ``action`` on record ``local_id`` (in ``state``; None
    for a new record) of ``agency``.

    Raises NotAllowed (403) when the actor does not speak for the record's agency, or holds
    no role that ever takes this action; WrongState (409) when none of their rows for it
    starts from ``state``.
    """
    roles = roles_on(actor, agency)
    if not roles:
        raise NotAllowed(f"record {local_id} belongs to {_agency(agency)}; {_who(actor)} "
                         f"acts for {_agency(actor.agency)} only")
    rows = [t for t in TRANSITIONS if t.action is action and t.role in roles]
    if not rows:
        allowed = sorted({t.role.value for t in TRANSITIONS if t.action is action})
        raise NotAllowed(f"record {local_id}: {action} is for {' and '.join(allowed)} only, "
                         f"not {_who(actor)}")
    for row in rows:
        if row.source == state:
            return row
    expected = " or ".join(row.source or "a new record" for row in rows)
    raise WrongState(f"record {local_id} is {state or 'new'}; {action} by {_who(actor)} needs "
                     f"{expected}")


def _who(actor: Actor) -> str:
    return f"{actor.role} {actor.account}"


def _agency(code: str | None) -> str:
    return f"agency {code}" if code else "no agency (the platform's)"
