"""The ``yuliao users`` and ``yuliao agencies`` commands (registered by app.py), and what
``yuliao init`` prepares for the back office (the session secret, the accounts database, the
demo's agencies and accounts).

The command line acts as a platform admin named ``cli:{operating-system user}`` in the audit
log: whoever may run ``yuliao`` on the home may manage its accounts. Passwords are read from
the terminal (twice, hidden) or, for scripts, one line of standard input
(``--password-stdin``); never from an argument, which other users of the machine could read.
Accounts live in the accounts database, so ``users`` commands run while ``yuliao serve``
holds the store; one that must check an agency code reads the register from the store, or
from the server's snapshot of the public area while the server holds it.
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

import click

from repository import Config, Repository, RepositoryError
from repository.accounts import (
    Account,
    AccountServices,
    Agency,
    AgencyRegister,
    State,
    new_agency,
)
from repository.actors import Actor, Role
from repository.errors import NotFound, StoreBusy
from repository.signing_key import session_secret

T = TypeVar("T")
ROLES = [role.value for role in Role]
STATES = [state.value for state in State]


def _attempt(action: Callable[[], T]) -> T:
    """app.attempt: ``action()``, or its error's one-line reason and exit 1 (imported late:
    app.py registers these commands)."""
    from app import attempt

    return attempt(action)


def _fail(message: str) -> None:
    """app.fail: a one-line reason, exit 1."""
    from app import fail

    fail(message)


def operator() -> Actor:
    """Who the command line acts as: a platform admin named after the system user."""
    return Actor(account=f"cli:{getpass.getuser()}", role=Role.PLATFORM_ADMIN,
                 name="yuliao command line")


@contextlib.contextmanager
def _office(config: Config, *, register: AgencyRegister | None = None
            ) -> Iterator[AccountServices]:
    """The accounts database of an existing home, closed afterwards."""
    _attempt(config.check_home)
    office = _attempt(lambda: AccountServices.open(config, agencies=register))
    with office:
        yield office


@contextlib.contextmanager
def _reading_register(config: Config) -> Iterator[AgencyRegister]:
    """The agency register of the home: from the store, or, while another process (a
    running ``yuliao serve``) holds it, from the newest snapshot of its public area."""
    from repository.reader import PublicReader

    _attempt(config.check_home)
    try:
        source: Repository | PublicReader = Repository(config, create=False)
    except StoreBusy:
        source = _attempt(lambda: PublicReader(config))
    except RepositoryError as error:
        _fail(str(error))
        raise  # unreachable
    with source:
        yield AgencyRegister.of(source)


@contextlib.contextmanager
def _agency_office(config: Config, agency: str | None) -> Iterator[AccountServices]:
    """:func:`_office`, checking agency codes against the register when ``agency`` is given
    (an account of an agency); without one the store is not opened."""
    with contextlib.ExitStack() as stack:
        register = stack.enter_context(_reading_register(config)) if agency else None
        yield stack.enter_context(_office(config, register=register))


def _new_password(from_stdin: bool) -> str:
    """A password from one line of standard input, or typed twice on the terminal (hidden)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password",
                        err=True)


# -- yuliao users ------------------------------------------------------------------------------


@click.group()
def users() -> None:
    """Back-office accounts: add, list, approve, disable, unlock, reset passwords."""


PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                              help="Read the password from one line of standard input "
                                   "(for scripts) instead of the terminal.")


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The account's role.")
@click.option("--agency", help="The agency's code (data providers and agency admins).")
@click.option("--name", help="Display name (default: the e-mail's local part).")
@PASSWORD_STDIN
@click.pass_obj
def add_user(config: Config, email: str, role: str, agency: str | None, name: str | None,
             password_stdin: bool) -> None:
    """Add the active account EMAIL; its password is asked for (never an argument)."""
    shown = name or email.split("@")[0]
    with _agency_office(config, agency) as office:
        _attempt(lambda: office.accounts.checked(email, shown, role, agency))
        if _exists(office, email):
            _fail(f"{email.strip().lower()} has an account already")
        password = _new_password(password_stdin)
        account = _attempt(lambda: office.accounts.create(
            email, shown, role, agency, password, by=operator().account))
    click.echo(f"added {account.email} ({_role_text(account)})")


@users.command("list")
@click.option("--agency", help="Only the accounts of this agency.")
@click.option("--state", type=click.Choice(STATES), help="Only accounts in this state.")
@click.pass_obj
def list_users(config: Config, agency: str | None, state: str | None) -> None:
    """List the accounts: e-mail, role, agency, state, and whether demo or locked."""
    with _office(config) as office:
        found = _attempt(lambda: office.accounts.list(
            agency=agency, state=State(state) if state else None))
        now = office.accounts.clock()
    if not found:
        click.echo("no accounts yet (add one with: yuliao users add EMAIL --role "
                   "platform-admin)")
    for account in found:
        flags = [flag for flag, on in (("demo", account.demo),
                                       ("locked", account.locked_at(now))) if on]
        click.echo(f"{account.email:<32} {account.role.value:<15} {account.agency or '-':<12} "
                   f"{account.state.value:<9} {' '.join(flags):<12} {account.name}".rstrip())


#: ``users`` commands that act on the account EMAIL as the operator: name, what is said after,
#: the method of :class:`~repository.accounts.Accounts`, help.
ACCOUNT_COMMANDS = (
    ("disable", "disabled", "disable", "Disable the account EMAIL: it cannot log in; its "
                                       "sessions end."),
    ("enable", "enabled", "enable", "Enable the disabled account EMAIL again."),
    ("unlock", "unlocked", "unlock", "End the lockout of EMAIL (after wrong passwords)."),
    ("approve", "approved", "approve", "Approve the application of EMAIL."),
)


def _account_command(name: str, verb: str, method: str, help_text: str) -> None:
    @users.command(name, help=help_text)
    @click.argument("email")
    @click.pass_obj
    def command(config: Config, email: str) -> None:
        with _office(config) as office:
            account = _attempt(lambda: getattr(office.accounts, method)(email, operator()))
        click.echo(f"{verb} {account.email} ({account.state.value})")


for _command in ACCOUNT_COMMANDS:
    _account_command(*_command)


@users.command("reject")
@click.argument("email")
@click.option("--reason", required=True, help="Why (the applicant is told).")
@click.pass_obj
def reject_user(config: Config, email: str, reason: str) -> None:
    """Reject the application of EMAIL, with a reason."""
    with _office(config) as office:
        account = _attempt(lambda: office.accounts.reject(email, operator(), reason))
    click.echo(f"rejected {account.email}: {account.rejection_reason}")


@users.command("reset-password")
@click.argument("email")
@PASSWORD_STDIN
@click.pass_obj
def reset_password(config: Config, email: str, password_stdin: bool) -> None:
    """Give EMAIL a new password (asked for); its sessions end and any lockout with them."""
    with _office(config) as office:
        _attempt(lambda: office.accounts.get(email))
        password = _new_password(password_stdin)
        account = _attempt(lambda: office.accounts.set_password(email, password, operator()))
    click.echo(f"new password set for {account.email}; its sessions have ended")


def _role_text(account: Account) -> str:
    return account.role.value + (f" of {account.agency}" if account.agency else "")


# -- yuliao agencies ---------------------------------------------------------------------------


@click.group()
def agencies() -> None:
    """The register of agencies (code, names, parent, contact)."""


def _agency_options(command: Callable) -> Callable:
    for option in reversed((
        click.option("--name-zh", help="Name in Chinese (數位發展部)."),
        click.option("--name-en", help="Name in English (Ministry of Digital Affairs)."),
        click.option("--parent", help="Code of the parent agency (上層機關), registered."),
        click.option("--contact-name", help="Contact point: a person or desk."),
        click.option("--contact-phone", help="Contact point: telephone (02-23800777)."),
        click.option("--contact-email", help="Contact point: e-mail."),
    )):
        command = option(command)
    return command


@agencies.command("add")
@click.argument("code")
@_agency_options
@click.pass_obj
def add_agency(config: Config, code: str, **fields: str | None) -> None:
    """Register the agency CODE (--name-zh and --name-en are required)."""
    from app import open_home

    agency = _attempt(lambda: new_agency(code, fields["name_zh"] or "", fields["name_en"] or "",
                                         parent=fields["parent"],
                                         contact_name=fields["contact_name"],
                                         contact_phone=fields["contact_phone"],
                                         contact_email=fields["contact_email"]))
    with open_home(config) as repository:
        _attempt(lambda: AgencyRegister.of(repository).add(agency))
    click.echo(f"registered {agency.code} {agency.name_zh} / {agency.name_en}")


@agencies.command("update")
@click.argument("code")
@_agency_options
@click.pass_obj
def update_agency(config: Config, code: str, **fields: str | None) -> None:
    """Change the agency CODE: the options given replace what is registered."""
    from app import open_home

    with open_home(config) as repository:
        register = AgencyRegister.of(repository)
        before = _attempt(lambda: register.get(code))
        agency = _attempt(lambda: _changed(before, fields))
        _attempt(lambda: register.update(agency))
    click.echo(f"updated {agency.code} {agency.name_zh} / {agency.name_en}")


def _changed(before: Agency, fields: dict[str, str | None]) -> Agency:
    """``before`` with the fields given replaced, checked as a new agency is."""
    contact = before.contact
    kept = {"name_zh": before.name_zh, "name_en": before.name_en, "parent": before.parent,
            "contact_name": contact.name if contact else None,
            "contact_phone": contact.phone if contact else None,
            "contact_email": contact.email if contact else None}
    merged = {name: value if value is not None else kept[name] for name, value in fields.items()}
    return new_agency(before.code, merged.pop("name_zh") or "", merged.pop("name_en") or "",
                      **merged)


@agencies.command("list")
@click.pass_obj
def list_agencies(config: Config) -> None:
    """List the registered agencies: code, names, parent, contact."""
    with _reading_register(config) as register:
        found = _attempt(register.all)
    if not found:
        click.echo("no agencies registered yet (add one with: yuliao agencies add CODE "
                   "--name-zh … --name-en …)")
    for agency in found:
        line = f"{agency.code:<12} {agency.name_zh} / {agency.name_en}"
        if agency.parent:
            line += f" (under {agency.parent})"
        if agency.contact:
            contact = agency.contact
            line += "; contact: " + ", ".join(
                v for v in (contact.name, contact.phone, contact.email) if v)
        click.echo(line)


# -- yuliao init ---------------------------------------------------------------------------


def prepare_home(config: Config, repository: Repository, *, demo: bool) -> None:
    """What ``yuliao init`` makes for the back office: the session secret (owner-only), the
    accounts database, and with ``demo`` the demo's agencies and accounts (those that exist
    already are left as they are). Exits with a one-line reason on failure."""
    _attempt(lambda: session_secret(config.session_secret_path))
    register = AgencyRegister.of(repository)
    with _office(config, register=register) as office:
        if demo:
            _load_demo(repository, register, office)


def _load_demo(repository: Repository, register: AgencyRegister,
               office: AccountServices) -> None:
    from demo.backoffice import ACCOUNTS
    from demo.backoffice import agencies as demo_agencies

    made = [a for a in demo_agencies(repository.config.base_uri) if not register.exists(a.code)]
    for agency in made:
        _attempt(lambda agency=agency: register.add(agency))
    created = 0
    for account in ACCOUNTS:
        if _exists(office, account.email):
            continue
        _attempt(lambda account=account: office.accounts.create(
            account.email, account.name, account.role, account.agency, account.password,
            by=operator().account, demo=True))
        created += 1
    click.echo(f"demo: {len(made)} agencies registered, {created} accounts added "
               "(README.md lists them and their passwords)")


def _exists(office: AccountServices, email: str) -> bool:
    """Whether ``email`` has an account. Exits with a one-line reason on failure."""
    try:
        office.accounts.get(email)
    except NotFound:
        return False
    except RepositoryError as error:
        _fail(str(error))
    return True
