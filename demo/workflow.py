"""What the demo records' history says of how they reached their states (seed 001): the
return of 00009128 with the seed's own reason, and the takedown asked for 00009205 with the
seed's date and reason. ``yuliao init --demo`` writes them with
:meth:`repository.workflow.service.Workflow.replay`, so that the back office's lists show the
reason and the takedown date, and the record histories start with them.

The demo actors are the demo accounts ``init --demo`` adds (demo/backoffice.py), acting
for 數位發展部.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from repository.actors import Actor, Role
from repository.core import Repository
from repository.workflow.service import Workflow
from repository.workflow.table import Action

from .backoffice import ACCOUNTS

#: The agency of seed 001's walkthrough (數位發展部).
AGENCY = "A29000000G"


def demo_account(role: Role, agency: str | None = AGENCY) -> str:
    """The e-mail address of the demo account of ``role`` (for ``agency``)."""
    return next(account.email for account in ACCOUNTS if account.role is role
                and (role is Role.PLATFORM_ADMIN or account.agency == agency))


def demo_actor(role: Role) -> Actor:
    """The demo account of ``role`` for 數位發展部 (or the platform), as an actor."""
    account = next(a for a in ACCOUNTS if a.email == demo_account(role))
    return Actor(account.email, role, account.agency, account.name)


@dataclass(frozen=True)
class PastEvent:
    """One event of a demo record's past: who took which action from which state."""

    local_id: str
    actor: Actor
    action: Action
    from_state: str
    reason: str
    takedown_date: date | None = None


PAST = (
    PastEvent("00009128", demo_actor(Role.AGENCY_ADMIN), Action.RETURN,
              "pending-agency-review", "請調整資料集描述勿與標題相似"),
    PastEvent("00009205", demo_actor(Role.PROVIDER), Action.REQUEST_TAKEDOWN,
              "published", "實進行檔案整理，暫時下架處理。", date(2026, 1, 1)),
)


def replay(repository: Repository) -> int:
    """Write :data:`PAST` into the histories of the demo records; how many events. Raises
    NotFound when a demo record is missing, StoreError."""
    workflow = Workflow(repository)
    for past in PAST:
        workflow.replay(past.actor, past.local_id, past.action, past.from_state,
                        reason=past.reason, takedown_date=past.takedown_date)
    return len(PAST)
