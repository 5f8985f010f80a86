"""``yuliao review``: the review workflow from the terminal (registered by app.py).

A command acts as the back-office account ``--as EMAIL`` (or ``YULIAO_AS``) names: an active
account of the accounts database, whose role, agency and name are the account's. What it
does is written to the audit log as the web's actions are (who: the account; client:
``cli:{operating-system user}``). Every error is one line on standard error, exit status 1.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable, Iterator
from datetime import date
from typing import TypeVar

import click

from ..accounts import AccountServices, State
from ..actors import Actor
from ..config import Config
from ..core import Repository
from ..errors import NotAllowed, RepositoryError
from .history import Event
from .index import Entry
from .service import Workflow
from .table import Action

T = TypeVar("T")


def _fail(message: str) -> None:
    """app.fail: a one-line reason, exit 1 (imported late: app.py registers these commands)."""
    from app import fail

    fail(message)


def _open(config: Config) -> Repository:
    """app.open_home: the repository, or a one-line reason and exit 1."""
    from app import open_home

    return open_home(config)


def actor_options(command: Callable) -> Callable:
    """The option that says who acts (see the module documentation)."""
    return click.option("--as", "account", envvar="YULIAO_AS", required=True, metavar="EMAIL",
                        help="The active back-office account acting ($YULIAO_AS).")(command)


def acting(office: AccountServices, email: str) -> Actor:
    """The actor of the account ``email``. Raises NotFound (no such account), InputError (not
    an e-mail), NotAllowed (the account is not active: applied, rejected or disabled)."""
    account = office.accounts.get(email)
    if account.state is not State.ACTIVE:
        raise NotAllowed(f"{account.email} is {account.state.value}: only an active account "
                         "may act")
    return account.actor()


def terminal() -> str:
    """Where a command's actions come from, as the audit log's client: the system user."""
    return f"cli:{getpass.getuser()}"


@contextlib.contextmanager
def opened(config: Config) -> Iterator[tuple[Repository, AccountServices]]:
    """The repository and the accounts database of the home, or a one-line reason, exit 1."""
    with _open(config) as repository:
        try:
            office = AccountServices.open(config)
        except RepositoryError as error:
            _fail(str(error))
            raise  # unreachable
        with office:
            yield repository, office


def _run(config: Config, account: str, action: Callable[[Workflow, Actor], T]) -> T:
    """``action`` on the workflow of the home, as the account ``account``, its saves and
    transitions written to the audit log; a RepositoryError ends the command with its one-line
    reason."""
    with opened(config) as (repository, office):
        try:
            actor = acting(office, account)
            client = terminal()
            flow = Workflow(repository,
                            audit=lambda event: office.audit.workflow_event(event, client))
            return action(flow, actor)
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
def queue(config: Config, account: str, after: str | None, limit: int) -> None:
    """What waits for your review, the longest waiting first."""
    entries = _run(config, account,
                   lambda flow, actor: flow.queue(actor, after=after, limit=limit))
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
def list_(config: Config, account: str, keyword: str | None, identifier: str | None,
          state: str | None, of_agency: str | None, after: str | None, limit: int) -> None:
    """The records you may see, the latest changed first."""
    entries = _run(config, account, lambda flow, actor: flow.records(
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
    def command(config: Config, account: str, local_id: str, revision: int | None,
                **inputs: str | None) -> None:
        takedown = _date(inputs.get("takedown_date"))

        def act(flow: Workflow, actor: Actor):
            before = flow.repository.get(local_id)
            expected = before.revision if revision is None else revision
            after = flow.act(actor, local_id, action, expected_revision=expected,
                             reason=inputs.get("reason"), takedown_date=takedown)
            return before, after

        before, after = _run(config, account, act)
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
def history(config: Config, account: str, local_id: str) -> None:
    """Every save and transition of a record, oldest first."""
    events = _run(config, account, lambda flow, actor: flow.history(local_id, actor))
    if not events:
        click.echo(f"{local_id}: no workflow events yet")
    for event in events:
        click.echo(_event_line(event))


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
