"""Who acts in the back office: the three roles of seed 001, scoped by agency.

An :class:`Actor` is what the workflow (:mod:`repository.workflow`) and the audit log are
given about the person acting, whatever proved who they are (a local account's password
today, the government single sign-on through OpenID Connect later): the workflow never sees
passwords, sessions or identity providers, only an actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """The roles of seed 001 (帳號角色)."""

    #: 資料提供者: creates and edits its agency's datasets, submits, requests takedowns
    PROVIDER = "data-provider"
    #: 機關管理者: first review for its agency; approves its agency's provider accounts
    AGENCY_ADMIN = "agency-admin"
    #: 後臺管理者: second review for all agencies; approves agency admins; manages agencies
    #: and accounts; reads the audit log
    PLATFORM_ADMIN = "platform-admin"


@dataclass(frozen=True)
class Actor:
    """A person acting: ``account`` identifies them (their e-mail for a local account),
    ``agency`` is the code of the agency they act for (None for a platform admin, who acts
    for the platform), ``name`` is what the audit log and the history show."""

    account: str
    role: Role
    agency: str | None = None
    name: str = ""

    def speaks_for(self, agency: str | None) -> bool:
        """True when this actor may act on a record of ``agency``: a platform admin for every
        agency, the others for their own only."""
        return self.role is Role.PLATFORM_ADMIN or (agency is not None and agency == self.agency)


@dataclass(frozen=True)
class WorkflowEvent:
    """One entry for the audit log, as the workflow hands it over after each save and
    transition it made (:mod:`repository.workflow`; the log may take it from other sources
    too). ``when`` is UTC to the second; ``account`` is :attr:`Actor.account`; ``action`` a
    workflow action (``save``, ``submit``, ``approve``, ``return``, ``request-takedown``);
    ``record`` a local id; ``from_state`` and ``to_state`` record states (``from_state`` None
    for a new record); ``reason`` the return or takedown reason, when there is one."""

    when: datetime
    account: str
    action: str
    record: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
