"""``yuliao review``: the review workflow from the terminal (registered by app.py).

Until the back office's accounts exist, a command acts as the person its options describe:
``--as EMAIL --role ROLE [--agency CODE] [--name NAME]`` (or ``YULIAO_AS``, ``YULIAO_ROLE``,
``YULIAO_AGENCY``, ``YULIAO_NAME``). Once accounts land, ``--as`` will name an account and its
role and agency will be looked up instead of given. Every error is one line on standard error,
exit status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import click

from ..actors import Actor, Role
from ..config import Config
from ..core import Repository
from ..errors import InputError, RepositoryError
from .history import Event
from .index import Entry
from .service import Workflow
from .table import Action

T = TypeVar("T")
ROLES = ", ".join(role.value for role in Role)


def _fail(message: str) -> None:
    """app.fail: a one-line reason, exit 1 (imported late: app.py registers these commands)."""
    from app import fail

    fail(message)


def _open(config: Config) -> Repository:
    """app.open_home: the repository, or a one-line reason and exit 1."""
    from app import open_home

    return open_home(config)


def actor_options(command: Callable) -> Callable:
    """The options that say who acts (see the module documentation)."""
    for option in reversed((
        click.option("--as", "account", envvar="YULIAO_AS", required=True, metavar="EMAIL",
                     help="The account acting ($YULIAO_AS)."),
        click.option("--role", envvar="YULIAO_ROLE", required=True, metavar="ROLE",
                     help=f"Its role: {ROLES} ($YULIAO_ROLE)."),
        click.option("--agency", envvar="YULIAO_AGENCY", metavar="CODE",
                     help="The agency it acts for (not for a platform admin; $YULIAO_AGENCY)."),
        click.option("--name", envvar="YULIAO_NAME", default="",
                     help="The name the history shows ($YULIAO_NAME)."),
    )):
        command = option(command)
    return command


def _actor(account: str, role: str, agency: str | None, name: str) -> Actor:
    """Raises InputError for an unknown role, or an agency missing or given where it must not."""
    try:
        chosen = Role(role)
    except ValueError:
        raise InputError(f"unknown role {role!r}; expected one of {ROLES}",
                         field="--role") from None
    if chosen is Role.PLATFORM_ADMIN and agency:
        raise InputError("a platform-admin acts for no agency: leave --agency out",
                         field="--agency")
    if chosen is not Role.PLATFORM_ADMIN and not agency:
        raise InputError(f"the {chosen} role acts for an agency: give --agency CODE",
                         field="--agency")
    return Actor(account=account, role=chosen, agency=agency or None, name=name)


def _run(config: Config, action: Callable[[Workflow], T]) -> T:
    """``action`` on the workflow of the home; a RepositoryError ends the command with its
    one-line reason."""
    with _open(config) as repository:
        try:
            return action(Workflow(repository))
        except RepositoryError as error:
            _fail(str(error))
            raise  # unreachable


@click.group()
def review() -> None:
    """The review workflow: queues, submissions, approvals, returns, takedowns, history."""


@review.command()
@actor_options
@click.option("--after", metavar="CURSOR", help="Continue after this entry (the last line of "
              "the previous page says it).")
@click.option("--limit", default=20, show_default=True, help="Entries a page (1 to 500).")
@click.pass_obj
def queue(config: Config, account: str, role: str, agency: str | None, name: str,
          after: str | None, limit: int) -> None:
    """What waits for your review, the longest waiting first."""
    actor = _checked_actor(account, role, agency, name)
    entries = _run(config, lambda flow: flow.queue(actor, after=after, limit=limit))
    _show(entries, limit, empty="nothing waits for your review")


@review.command("list")
@actor_options
@click.option("--keyword", help="Titles, keywords or identifiers containing it.")
@click.option("--identifier", help="Local ids starting with it.")
@click.option("--state", help="Records in this state (draft, pending-agency-review, …).")
@click.option("--in-agency", "of_agency", metavar="CODE", help="Only this agency's records.")
@click.option("--after", metavar="CURSOR", help="Continue after this entry.")
@click.option("--limit", default=20, show_default=True, help="Entries a page (1 to 500).")
@click.pass_obj
def list_(config: Config, account: str, role: str, agency: str | None, name: str,
          keyword: str | None, identifier: str | None, state: str | None,
          of_agency: str | None, after: str | None, limit: int) -> None:
    """The records you may see, the latest changed first."""
    actor = _checked_actor(account, role, agency, name)
    entries = _run(config, lambda flow: flow.records(
        actor, keyword=keyword, identifier=identifier, state=state, agency=of_agency,
        after=after, limit=limit))
    _show(entries, limit, empty="no records")


def _transition_command(action: Action, summary: str, *, reason: bool = False,
                        when: bool = False) -> None:
    """Register ``yuliao review {command} ID`` for ``action``."""
    @actor_options
    @click.argument("local_id", metavar="ID")
    @click.option("--revision", type=int, help="The revision you looked at (default: the "
                  "current one); refused if it changed since.")
    @click.pass_obj
    def command(config: Config, account: str, role: str, agency: str | None, name: str,
                local_id: str, revision: int | None, **inputs: str | None) -> None:
        actor = _checked_actor(account, role, agency, name)
        takedown = _date(inputs.get("takedown_date"))

        def act(flow: Workflow):
            before = flow.repository.get(local_id)
            expected = before.revision if revision is None else revision
            after = flow.act(actor, local_id, action, expected_revision=expected,
                             reason=inputs.get("reason"), takedown_date=takedown)
            return before, after

        before, after = _run(config, act)
        click.echo(f"{local_id}: {before.state} → {after.state} (revision {after.revision})")

    command.__doc__ = summary
    if when:  # required by the workflow, which says so in one line
        command = click.option("--date", "takedown_date", metavar="YYYY-MM-DD",
                               help="The day to take it down on (required).")(command)
    if reason:
        command = click.option("--reason",
                               help="Why, for the provider to see (required).")(command)
    review.command(action.value if action is not Action.REQUEST_TAKEDOWN else "takedown")(
        command)


_transition_command(Action.SUBMIT, "Send a draft, or a record returned for revision, to its "
                    "agency admin (it must conform to its shapes).")
_transition_command(Action.APPROVE, "Pass a publication or takedown review on to the next "
                    "step (the platform admin's approval publishes, or withdraws).")
_transition_command(Action.RETURN, "Send it back to its provider with a reason.", reason=True)
_transition_command(Action.REQUEST_TAKEDOWN, "Ask for a published record to be taken down on "
                    "a date, for a reason.", reason=True, when=True)


@review.command()
@actor_options
@click.argument("local_id", metavar="ID")
@click.pass_obj
def history(config: Config, account: str, role: str, agency: str | None, name: str,
            local_id: str) -> None:
    """Every save and transition of a record, oldest first."""
    actor = _checked_actor(account, role, agency, name)
    events = _run(config, lambda flow: flow.history(local_id, actor))
    if not events:
        click.echo(f"{local_id}: no workflow events yet")
    for event in events:
        click.echo(_event_line(event))


def _checked_actor(account: str, role: str, agency: str | None, name: str) -> Actor:
    try:
        return _actor(account, role, agency, name)
    except RepositoryError as error:
        _fail(str(error))
        raise  # unreachable


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--date {text!r} is not a date: expected YYYY-MM-DD")
        raise  # unreachable


def _show(entries: list[Entry], limit: int, *, empty: str) -> None:
    if not entries:
        click.echo(empty)
    for entry in entries:
        click.echo(_entry_line(entry))
        if entry.note is not None:
            click.echo(f"    {_note_text(entry)}")
    if len(entries) == limit:
        click.echo(f"more: --after '{entries[-1].cursor}'")


def _entry_line(entry: Entry) -> str:
    public = (f", public revision {entry.public_revision}"
              if entry.public_revision not in (None, entry.revision) else "")
    return (f"{entry.local_id:<12} {entry.state:<26} {entry.agency or '-':<11} "
            f"{entry.updated or '-':<20} rev {entry.revision}{public}  {entry.title}")


def _note_text(entry: Entry) -> str:
    note = entry.note
    assert note is not None
    if note.action == Action.REQUEST_TAKEDOWN:
        return f"takedown on {note.takedown_date}: {note.reason}"
    return f"returned: {note.reason}"


def _event_line(event: Event) -> str:
    who = ", ".join(part for part in (event.role, event.agency) if part)
    name = f" {event.name}" if event.name else ""
    arrow = f"{event.from_state or 'new'} → {event.to_state}"
    extra = "".join((f" on {event.takedown_date}" if event.takedown_date else "",
                     f": {event.reason}" if event.reason else ""))
    return (f"#{event.sequence} {event.when:%Y-%m-%dT%H:%M:%SZ} {event.account}{name} ({who}) "
            f"{event.action} {arrow} (revision {event.revision}){extra}")
