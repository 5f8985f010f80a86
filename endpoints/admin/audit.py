"""The audit log in the back office (``/admin/audit``, platform admins only; seed 004 §9):
filtered by who, what (an event or its family), record and days (UTC), newest first a page at
a time (the log's own cursor: the number of the last event shown), and exported as CSV
(``/admin/audit.csv``) with the same filters.

An export is itself an event of the log (``export``, saying what was exported), written before
the CSV is made: the CSV holds the events older than it, so it is the log as it stood at the
moment of the export, whatever is written while it streams. Nothing here is public: every
page requires a platform admin, and the log is in the accounts database, never in the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext

from repository.accounts import AuditEvent
from repository.accounts.audit import EVENTS, MAX_WHO, WHAT
from repository.actors import Actor, Role
from repository.errors import InputError

from . import bp, client, office, require

#: Events on one page.
PAGE = 100
#: The families of events a filter may choose (each ``family.…``), with their names.
FAMILIES = {"login": lazy_gettext("logins"), "logout": lazy_gettext("logouts"),
            "account": lazy_gettext("accounts"), "password": lazy_gettext("passwords"),
            "agency": lazy_gettext("agencies"), "record": lazy_gettext("records"),
            "export": lazy_gettext("exports"), "download": lazy_gettext("downloads")}
#: The filters of the page and the export, as the query string names them.
FILTERS = ("who", "what", "record", "since", "until")
#: The first bytes of the CSV: a byte order mark, so that spreadsheets read it as UTF-8.
BOM = "\ufeff"


def filters_of(args) -> dict[str, object]:
    """The log's query filters from the query string ``args``: ``since`` from the start of
    its day, ``until`` to the end of its day (UTC). Raises InputError naming the parameter."""
    chosen: dict[str, object] = {}
    for name in ("who", "record"):
        value = (args.get(name) or "").strip()
        if len(value) > MAX_WHO:
            raise InputError(f"{len(value)} characters; at most {MAX_WHO}", field=name)
        if value:
            chosen[name] = value.lower() if name == "who" and "@" in value else value
    what = (args.get("what") or "").strip()
    if what:
        if not WHAT.fullmatch(what):
            raise InputError(f"{what!r} is not an event or a family of events", field="what")
        chosen["what"] = what
    for name, shift in (("since", 0), ("until", 1)):
        text = (args.get(name) or "").strip()
        if text:
            chosen[name] = datetime.combine(day(text, name) + timedelta(days=shift), time(),
                                            tzinfo=UTC)
    return chosen


def day(text: str, field: str) -> date:
    """``text`` as a day (YYYY-MM-DD). Raises InputError naming ``field``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a day: expected YYYY-MM-DD", field=field) from None


def cursor(text: str | None) -> int | None:
    """The ``after`` cursor: an event's number. Raises InputError."""
    if not text:
        return None
    if not text.isdigit():
        raise InputError(f"{text!r} is not an event number", field="after")
    return int(text)


@bp.get("/admin/audit")
@require(Role.PLATFORM_ADMIN)
def audit(actor: Actor) -> Response:
    """A page of the log, newest first; 400 with the message at the filter that is wrong."""
    shown = {name: request.args.get(name, "") for name in FILTERS}
    query = {name: value for name, value in shown.items() if value}
    try:
        page = office().audit.query(**filters_of(request.args), limit=PAGE,
                                    after=cursor(request.args.get("after")))
    except InputError as error:
        return Response(render_template("admin/audit.html", events=[], more=None, shown=shown,
                                        query=query, errors={error.field or "what": error.reason},
                                        families=FAMILIES, events_known=EVENTS), 400)
    return Response(render_template("admin/audit.html", events=page.events,
                                    more=page.next_after, shown=shown, query=query, errors={},
                                    families=FAMILIES, events_known=EVENTS))


@bp.get("/admin/audit.csv")
@require(Role.PLATFORM_ADMIN)
def audit_csv(actor: Actor) -> Response:
    """The events the filters find, as CSV, streamed a page of the log at a time; the export
    is written to the log first. 400 for a filter that is wrong (nothing is written)."""
    filters = filters_of(request.args)
    described = " ".join(f"{k}={request.args[k]}" for k in FILTERS if request.args.get(k))
    written = office().audit.append(AuditEvent(
        "export", who=actor.account, client=client(),
        details=f"audit log CSV{': ' + described if described else ''}"))
    stamp = written.at.strftime("%Y%m%dT%H%M%SZ") if written.at else "now"
    return Response(stream_with_context(_csv(filters, written.number)),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
                             "Cache-Control": "no-store"})


def _csv(filters: dict[str, object], before: int | None) -> Iterator[str]:
    """The CSV text of the events older than the event ``before``, a chunk at a time."""
    yield BOM
    for chunk, _count in office().audit.csv_chunks(**filters, after=before):
        yield chunk
