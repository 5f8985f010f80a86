"""One record in the back office (``/admin/records/{id}``): the record as the public will see
it, its SHACL results and OLAC quality score, what changed since the published version, its
history, and the actions the transition table gives this actor now (approve, return with a
reason, submit, request a takedown).

Every action is a POST carrying the CSRF token and the revision the actor saw
(``expected_revision``), handed to the workflow (:mod:`repository.workflow.service`), which
checks role, agency, state and revision under the record's lock. Its refusals are answered in
the page's language, on the record page as it now is: 400 (a reason or date missing), 403 (not
this actor's record or role), 409 (someone acted first, or the record is not in a state this
action starts from), 422 (a submission that does not conform).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from flask import Response, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext

from repository.actors import Actor
from repository.crosswalks.olac import graph_to_olac
from repository.errors import (
    ConflictError,
    Gone,
    InputError,
    NotAllowed,
    NotFound,
    RepositoryError,
    ValidationError,
)
from repository.quality import olac_quality
from repository.records import PUBLIC_STATES, Record, restore_byte_sizes
from repository.validation import Validator, Violation
from repository.workflow.index import Entry
from repository.workflow.table import Action, WrongState

from .. import record_view as view
from ..i18n import locale
from . import bp, require, workflow
from .listing import (
    agency_names,
    available_actions,
    is_return,
    is_takedown,
    may_edit,
    repository,
    state_name,
)

#: The actions posted to ``admin.act`` (a takedown request has a page of its own).
POSTED_ACTIONS = {action.value: action for action in (Action.SUBMIT, Action.APPROVE,
                                                       Action.RETURN)}


@cache
def validator() -> Validator:
    """The one SHACL validator of the process (built at its first use)."""
    return Validator()


@dataclass(frozen=True)
class Change:
    """One field that differs from the published version: its name in the page's language
    and the values added and removed (each as the page shows it)."""

    name: str
    added: list[view.Value]
    removed: list[view.Value]


@dataclass(frozen=True)
class Checks:
    """The SHACL results of a record (failures first) and its OLAC quality score (None when
    it cannot be written as OLAC yet)."""

    violations: list[Violation]
    quality: float | None

    @property
    def conforms(self) -> bool:
        return not any(v.is_failure for v in self.violations)


# -- what the page shows ---------------------------------------------------------------------


def checks_of(record: Record) -> Checks:
    """The SHACL results and OLAC quality score of ``record``. Raises nothing for a record
    that cannot be written as OLAC (its score is then None)."""
    subject = repository().ids.resource(record.id)
    graph = restore_byte_sizes(record.graph)
    violations = sorted(validator().validate(record.id, graph),
                        key=lambda v: (not v.is_failure, v.path))
    try:
        quality = olac_quality(graph_to_olac(graph, subject))
    except (RepositoryError, ValueError, KeyError):
        quality = None
    return Checks(violations, quality)


def field_name(item: view.Field) -> str:
    """A description field's name in the page's language."""
    return item.en if locale() == "en" else item.zh


def changes(published: Record, current: Record) -> list[Change]:
    """Field by field, what ``current`` adds to and removes from ``published`` (both
    descriptions of one resource), in the order the record page lists fields."""
    subject = repository().ids.resource(current.id)
    before = {f.predicate: f for f in view.description_fields(published.graph, subject)}
    after = {f.predicate: f for f in view.description_fields(current.graph, subject)}
    found = []
    for predicate in [*after, *(p for p in before if p not in after)]:
        old, new = before.get(predicate), after.get(predicate)
        old_values = list(old.values) if old else []
        new_values = list(new.values) if new else []
        added = [v for v in new_values if v not in old_values]
        removed = [v for v in old_values if v not in new_values]
        if added or removed:
            found.append(Change(field_name(new or old), added, removed))
    return found


def published_version(entry: Entry, current: Record) -> Record | None:
    """The published revision a new revision under review would replace (None when the
    record has none, or the published revision is the one under review). Raises
    StoreError."""
    if entry.public_revision is None or entry.public_revision == current.revision \
            or current.state in PUBLIC_STATES:
        return None
    try:
        return repository().get(current.id, public=True)
    except (NotFound, Gone):
        return None


def visible_entry(actor: Actor, local_id: str) -> Entry:
    """The list row of ``local_id`` for ``actor``. Aborts with 403 when the record is another
    agency's; raises NotFound (404), Gone (410), StoreError."""
    try:
        return workflow().entry(actor, local_id)
    except NotAllowed:
        abort(403)


def record_page(actor: Actor, local_id: str, *, notice: str | None = None,
                status: int = 200, reason: str = "") -> Response:
    """The record page of ``local_id`` for ``actor``, with ``notice`` (what went wrong with
    the action just tried) at its top. Aborts with 403 for another agency's record; raises
    NotFound, Gone, StoreError."""
    entry = visible_entry(actor, local_id)
    current = repository().get(local_id)
    subject = repository().ids.resource(local_id)
    published = published_version(entry, current)
    body = render_template(
        "admin/record.html", entry=entry, record=current, notice=notice, reason=reason,
        done=request.args.get("done") if status == 200 else None,
        titles=view.titles(current.graph, subject),
        fields=view.description_fields(current.graph, subject),
        checks=checks_of(current), published=published,
        changes=changes(published, current) if published else [],
        history=list(reversed(workflow().history(local_id, actor))),
        actions=available_actions(actor, entry), may_edit=may_edit(actor, entry),
        agencies=agency_names(actor), is_return=is_return, is_takedown=is_takedown,
        public=entry.public_revision is not None, Action=Action)
    return make_response(body, status)


@bp.get("/admin/records/<local_id>")
@require()
def record(local_id: str, actor: Actor) -> Response:
    """The review page of one record (any role, for their agency's records; 403 for
    another's; 404 unknown)."""
    return record_page(actor, local_id)


# -- acting ------------------------------------------------------------------------------------


def expected_revision() -> int:
    """The revision the form was shown at. Raises InputError (400) when missing or not a
    number."""
    text = request.form.get("expected_revision", "")
    if not text.isdigit():
        raise InputError("the form must carry the revision it was shown at",
                         field="expected_revision")
    return int(text)


def refusal(actor: Actor, local_id: str, error: RepositoryError, reason: str) -> Response:
    """The record page with the reason ``error`` refused the action, in the page's language
    and with its status (403 aborts to the back office's refusal page)."""
    if isinstance(error, NotAllowed):
        abort(403)
    if isinstance(error, (NotFound, Gone)):
        raise error
    if isinstance(error, ConflictError):
        entry = visible_entry(actor, local_id)
        if request.form.get("shown_state") == entry.state and isinstance(error, WrongState):
            notice = gettext("This action is not possible while the record is “%(state)s”.",
                             state=state_name(entry.state))
            return record_page(actor, local_id, notice=notice, status=error.status,
                               reason=reason)
        notice = gettext("Someone acted on this record before you: it is now “%(state)s”. "
                         "Nothing was changed by your action; look at the record again.",
                         state=state_name(entry.state))
    elif isinstance(error, ValidationError):
        notice = gettext("The record does not conform yet: correct what the checks below "
                         "list, then submit it again.")
    elif isinstance(error, InputError) and error.field == "reason":
        notice = gettext("Give a reason: the provider reads it in the list and the form.")
    elif isinstance(error, InputError) and error.field == "takedown_date":
        notice = gettext("Give the date to take the record down on.")
    else:
        notice = gettext("The action was refused: %(reason)s", reason=str(error))
    return record_page(actor, local_id, notice=notice, status=error.status, reason=reason)


@bp.post("/admin/records/<local_id>/act")
@require()
def act(local_id: str, actor: Actor) -> Response:
    """Take the action the form names (``action``: submit, approve, return with ``reason``)
    on ``local_id``, which the actor saw at ``expected_revision``; back to the record page
    (303), or the page with the refusal (400, 403, 409, 422)."""
    visible_entry(actor, local_id)
    action = POSTED_ACTIONS.get(request.form.get("action", ""))
    if action is None:
        return record_page(actor, local_id, status=400,
                           notice=gettext("Choose an action the page offers."))
    reason = request.form.get("reason", "")
    try:
        workflow().act(actor, local_id, action, expected_revision=expected_revision(),
                       reason=reason if action is Action.RETURN else None)
    except RepositoryError as error:
        return refusal(actor, local_id, error, reason)
    return redirect(url_for("admin.record", local_id=local_id, done=action.value), code=303)


@bp.route("/admin/records/<local_id>/takedown", methods=["GET", "POST"])
@require()
def takedown(local_id: str, actor: Actor) -> Response:
    """下架資料集申請頁: the takedown request of a published record (a date and a reason);
    sent, it goes to the agency admin's queue (303 to the record page). 400 without a date or
    reason, 403 for another agency's record or a role that may not ask, 409 for a record that
    is not published (or changed meanwhile)."""
    entry = visible_entry(actor, local_id)
    if request.method == "GET" and Action.REQUEST_TAKEDOWN not in available_actions(actor,
                                                                                    entry):
        if entry.state != "published":
            return record_page(actor, local_id, status=409, notice=gettext(
                "Only a published record can be taken down; this one is “%(state)s”.",
                state=state_name(entry.state)))
        abort(403)
    form = {"reason": request.form.get("reason", ""),
            "takedown_date": request.form.get("takedown_date", "")}
    if request.method == "GET":
        return make_response(render_template("admin/takedown.html", entry=entry, form=form,
                                             notice=None))
    try:
        workflow().request_takedown(actor, local_id, takedown_date=takedown_date(),
                                    reason=form["reason"],
                                    expected_revision=expected_revision())
    except (InputError, ConflictError) as error:
        return takedown_refused(actor, local_id, error, form)
    except NotAllowed:
        abort(403)
    return redirect(url_for("admin.record", local_id=local_id,
                            done=Action.REQUEST_TAKEDOWN.value), code=303)


def takedown_date() -> date:
    """The takedown date of the form. Raises InputError (400) when missing or malformed."""
    try:
        return date.fromisoformat(request.form.get("takedown_date", ""))
    except ValueError:
        raise InputError("the takedown date is YYYY-MM-DD", field="takedown_date") from None


def takedown_refused(actor: Actor, local_id: str, error: RepositoryError,
                     form: dict[str, str]) -> Response:
    """The takedown page again, saying in the page's language why the request was refused
    (400 a date or reason missing; 409 the record changed or is not published)."""
    if isinstance(error, ConflictError):
        return refusal(actor, local_id, error, "")
    notice = (gettext("Give the date to take the record down on.")
              if getattr(error, "field", None) == "takedown_date" else
              gettext("Give a reason: the provider reads it in the list and the form."))
    entry = visible_entry(actor, local_id)
    return make_response(render_template("admin/takedown.html", entry=entry, form=form,
                                         notice=notice), error.status)
