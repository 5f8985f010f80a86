"""The dataset list (資料集列表, ``/admin/records``) and the review queue (資料審核,
``/admin/queue``) of the back office.

Both are pages of the review index (:mod:`repository.workflow.index`) read through the
workflow, which scopes them to the actor (a provider or an agency admin sees their agency's
records; a platform admin every agency's, or one agency's by the filter) and pages them by
keyset cursors: a page costs the same at 20 records and at a million. Each page reads one row
more than it shows, to know whether there is a next page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, request, url_for
from flask_babel import lazy_gettext
from werkzeug.routing import BuildError

from repository import Repository
from repository.accounts import AgencyRegister
from repository.accounts.agencies import Agency
from repository.actors import Actor, Role
from repository.errors import InputError, NotFound
from repository.records import STATES
from repository.workflow.index import Entry, Note
from repository.workflow.table import TRANSITIONS, Action, roles_on
from vocab import RECORD_STATE, label

from ..i18n import language_code, locale
from . import ADMINS, bp, registered_agencies, require, workflow

#: Rows a page of the list or the queue shows.
PAGE_SIZE = 20
#: Longest keyword or identifier a filter takes (characters).
FILTER_LIMIT = 200

#: The workflow's actions as the pages name them.
ACTION_NAMES = {
    Action.SAVE: lazy_gettext("Saved"),
    Action.SUBMIT: lazy_gettext("Submitted for review"),
    Action.APPROVE: lazy_gettext("Approved"),
    Action.RETURN: lazy_gettext("Returned"),
    Action.REQUEST_TAKEDOWN: lazy_gettext("Takedown requested"),
}
#: The actions a record page offers as buttons (saving is the dataset form's).
PAGE_ACTIONS = (Action.SUBMIT, Action.APPROVE, Action.RETURN, Action.REQUEST_TAKEDOWN)


@dataclass(frozen=True)
class Filters:
    """The dataset list's filters as the reader gave them (None: not given)."""

    keyword: str | None = None
    identifier: str | None = None
    state: str | None = None
    agency: str | None = None

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for the next page's link)."""
        return {name: value for name, value in (("q", self.keyword), ("id", self.identifier),
                                                ("state", self.state),
                                                ("agency", self.agency)) if value}


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows and the cursor of the next page (None: the last)."""

    entries: list[Entry]
    after: str | None
    next_cursor: str | None


@bp.app_template_global()
def state_name(code: str | None) -> str:
    """The label of record state ``code`` in the page's language (vocab/record-states.ttl);
    the code itself for a state the vocabulary does not know."""
    if code not in STATES:
        return code or ""
    return label(RECORD_STATE[code], language_code()) or code


@bp.app_template_global()
def action_name(action: str) -> str:
    """The name of a workflow action in the page's language (its code when unknown)."""
    try:
        return str(ACTION_NAMES[Action(action)])
    except ValueError:
        return action


@bp.app_template_global()
def edit_link(local_id: str) -> str | None:
    """The address of the dataset form for ``local_id`` (None while no part of the back
    office provides ``admin.edit_record``)."""
    if "admin.edit_record" not in current_app.view_functions:
        return None
    try:
        return url_for("admin.edit_record", local_id=local_id)
    except BuildError:
        return None


@bp.app_template_global()
def when_text(stamp: str | None) -> str:
    """A UTC timestamp of the index (``2026-03-02T09:00:00Z``) as the lists show it
    (``2026-03-02 09:00 UTC``); '' for none."""
    if not stamp:
        return ""
    text = str(stamp).replace("T", " ").removesuffix("Z")
    return f"{text[:16]} UTC"


def is_return(note: Note | None) -> bool:
    """True when ``note`` is the reason a record was returned for revision."""
    return note is not None and note.action == Action.RETURN.value


def is_takedown(note: Note | None) -> bool:
    """True when ``note`` is the takedown a provider asked for (with its date)."""
    return note is not None and note.action == Action.REQUEST_TAKEDOWN.value


def available_actions(actor: Actor, entry: Entry) -> list[Action]:
    """The actions the transition table lets ``actor`` take on ``entry`` in its state now."""
    roles = roles_on(actor, entry.agency)
    found = {row.action for row in TRANSITIONS
             if row.source == entry.state and row.role in roles}
    return [action for action in PAGE_ACTIONS if action in found]


def may_edit(actor: Actor, entry: Entry) -> bool:
    """True when the table lets ``actor`` save a new revision of ``entry`` now."""
    roles = roles_on(actor, entry.agency)
    return any(row.action is Action.SAVE and row.source == entry.state and row.role in roles
               for row in TRANSITIONS)


def repository() -> Repository:
    return current_app.extensions["yuliao"]


def agency_names(actor: Actor) -> dict[str, str]:
    """Code → name in the page's language of the agencies ``actor`` sees rows of (a platform
    admin: every registered agency; the others: their own). Raises StoreError."""
    register = AgencyRegister.of(repository())
    if actor.role is Role.PLATFORM_ADMIN:  # every name (a picker shows them), kept a while
        english = locale() == "en"
        return {code: (en if english else zh) or zh or en or code
                for code, zh, en in registered_agencies()}
    else:
        agencies = []
        if actor.agency:
            try:
                agencies = [register.get(actor.agency)]
            except NotFound:
                agencies = []
    return {agency.code: agency_name(agency) for agency in agencies}


def agency_name(agency: Agency) -> str:
    """``agency``'s name in the page's language."""
    return agency.name_en if locale() == "en" else agency.name_zh


def text_filter(name: str) -> str | None:
    """The query parameter ``name`` stripped (None when blank). Raises InputError (400) when
    it is longer than :data:`FILTER_LIMIT`."""
    value = " ".join(request.args.get(name, "").split())
    if len(value) > FILTER_LIMIT:
        raise InputError(f"{name} has at most {FILTER_LIMIT} characters", field=name)
    return value or None


def filters_of(actor: Actor) -> Filters:
    """The list's filters from the query (the agency filter only for a platform admin; the
    others always see their own agency's). Raises InputError (400) for an unknown state."""
    state = text_filter("state")
    if state is not None and state not in STATES:
        raise InputError(f"unknown state {state!r}", field="state")
    agency = text_filter("agency") if actor.role is Role.PLATFORM_ADMIN else None
    return Filters(keyword=text_filter("q"), identifier=text_filter("id"), state=state,
                   agency=agency)


def paged(entries: list[Entry], after: str | None) -> Page:
    """A page of at most :data:`PAGE_SIZE` of ``entries`` (read one more than that)."""
    shown = entries[:PAGE_SIZE]
    more = len(entries) > PAGE_SIZE
    return Page(shown, after, shown[-1].cursor if more and shown else None)


@bp.get("/admin/records")
@require()
def records(actor: Actor) -> str:
    """The dataset list: the records ``actor`` may see, the latest changed first, filtered by
    keyword, identifier, state and (for a platform admin) agency. 400 for an unknown state or
    a bad cursor."""
    filters = filters_of(actor)
    after = text_filter("after")
    entries = workflow().records(actor, keyword=filters.keyword,
                                 identifier=filters.identifier, state=filters.state,
                                 agency=filters.agency, after=after, limit=PAGE_SIZE + 1)
    return render_template("admin/records.html", page=paged(entries, after),
                           filters=filters, states=STATES, agencies=agency_names(actor),
                           is_return=is_return, is_takedown=is_takedown,
                           editable=lambda entry: may_edit(actor, entry),
                           may_request_takedown=lambda entry: Action.REQUEST_TAKEDOWN
                           in available_actions(actor, entry))


@bp.get("/admin/queue")
@require(*ADMINS)
def queue(actor: Actor) -> str:
    """The review queue: what waits for ``actor``'s review (an agency admin: their agency's
    publications and takedowns at the first step; a platform admin: every agency's at the
    second), the longest waiting first. 400 for a bad cursor."""
    after = text_filter("after")
    entries = workflow().queue(actor, after=after, limit=PAGE_SIZE + 1)
    return render_template("admin/queue.html", page=paged(entries, after),
                           agencies=agency_names(actor), is_return=is_return,
                           is_takedown=is_takedown)
