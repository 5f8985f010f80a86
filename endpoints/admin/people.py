"""The people of the back office: the account application (帳號申請, ``/apply``, public) and
the accounts pages (``/admin/accounts``), where agency admins decide on their agency's data
providers and platform admins on everyone (seed 001).

Every rule is the repository's (:mod:`repository.accounts.accounts`): who may decide on whom
(:func:`~repository.accounts.accounts.may_administer`, asked again for every account in a URL,
on GET as on POST), which state allows what, and what a field must hold. A refusal answers
with the status of the repository's error (403, 404, 409); a field that is wrong is shown at
the field (400). Lists are pages of the accounts database's indexes, in e-mail order, with the
last e-mail as the cursor of the next page.
"""

from __future__ import annotations

import secrets

from flask import (
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext

from repository.accounts import Account, AuditEvent, State
from repository.accounts.accounts import may_administer
from repository.actors import Actor, Role
from repository.errors import ConflictError, InputError, NotAllowed

from . import ADMINS, bp, client, office, registered_agencies, require

#: Accounts on one page of the list.
PAGE = 50
#: The roles a person may apply for (a platform admin is made by an operator).
APPLYING_ROLES = (Role.PROVIDER, Role.AGENCY_ADMIN)
#: Characters of a password made by a reset (URL-safe base64: about 6 bits each).
RESET_LENGTH = 20

STATE_NAMES = {State.APPLIED: lazy_gettext("waiting for approval"),
               State.ACTIVE: lazy_gettext("active"),
               State.REJECTED: lazy_gettext("rejected"),
               State.DISABLED: lazy_gettext("disabled")}


@bp.app_template_global()
def account_state_name(state: State | str) -> str:
    """An account's state as the pages name it."""
    return str(STATE_NAMES[State(state)])


def agency_names() -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of every registered agency, for a picker."""
    return registered_agencies()


# -- the application ---------------------------------------------------------------------------


@bp.route("/apply", methods=["GET", "POST"])
def apply() -> Response:
    """The application form; a good application waits for approval (the same answer when the
    e-mail has an account already: the page does not tell who has one). A field that is wrong
    is shown at the field (400)."""
    if request.method == "GET":
        return make_response(render_template("admin/apply.html", form={}, errors={},
                                             agencies=agency_names(), roles=APPLYING_ROLES))
    form = {name: request.form.get(name, "") for name in ("email", "name", "role", "agency")}
    try:
        _apply(form, request.form.get("password", ""), request.form.get("password_again", ""))
    except InputError as error:
        return make_response(render_template(
            "admin/apply.html", form=form, errors={error.field or "form": error.reason},
            agencies=agency_names(), roles=APPLYING_ROLES), 400)
    return make_response(render_template("admin/applied.html",
                                         role=form["role"]), 200)


def _apply(form: dict[str, str], password: str, again: str) -> None:
    """Send the application ``form``. Raises InputError naming the field (also for a role
    that may not be applied for, and for passwords that differ); an e-mail with an account
    already is written to the audit log and otherwise answered like a new application."""
    if form["role"] not in {role.value for role in APPLYING_ROLES}:
        raise InputError("choose data provider or agency admin", field="role")
    if password != again:
        office().accounts.checked(form["email"], form["name"], form["role"], form["agency"])
        raise InputError("the two passwords differ", field="password_again")
    try:
        office().accounts.apply(form["email"], form["name"], form["role"], form["agency"],
                                password=password, client=client())
    except ConflictError:
        office().audit.append(AuditEvent("account.apply-refused", client=client(),
                                         details=form["email"].strip().lower()))


# -- the accounts ------------------------------------------------------------------------------


def scope(actor: Actor) -> dict[str, str | Role | None]:
    """The accounts ``actor`` may list: an agency admin its agency's data providers, a
    platform admin everyone."""
    if actor.role is Role.PLATFORM_ADMIN:
        return {}
    return {"agency": actor.agency, "role": Role.PROVIDER}


def chosen_state(text: str | None) -> State | None:
    """The state filter of the list (none for all). Raises InputError naming ``state``."""
    if not text:
        return None
    try:
        return State(text)
    except ValueError:
        raise InputError(f"{text!r}: expected one of {', '.join(s.value for s in State)}",
                         field="state") from None


@bp.get("/admin/accounts")
@require(*ADMINS)
def accounts(actor: Actor) -> str:
    """Applications waiting first (on the first page of the whole list), then the accounts
    ``actor`` may administer, in e-mail order, filtered by state, a page at a time."""
    state = chosen_state(request.args.get("state"))
    after = request.args.get("after") or None
    listed = office().accounts.list(**scope(actor), state=state, after=after, limit=PAGE + 1)
    waiting: list[Account] = []
    if state is None and after is None:
        waiting = office().accounts.list(**scope(actor), state=State.APPLIED, limit=PAGE)
    more = listed[PAGE - 1].email if len(listed) > PAGE else None
    return render_template("admin/accounts.html", waiting=waiting, listed=listed[:PAGE],
                           more=more, state=state, states=list(State),
                           now=office().accounts.clock())


def administered(actor: Actor, email: str) -> Account:
    """The account ``email`` if ``actor`` may administer it. Raises NotFound, NotAllowed."""
    account = office().accounts.get(email)
    may_administer(actor, account)
    return account


@bp.get("/admin/accounts/<path:email>")
@require(*ADMINS)
def account(actor: Actor, email: str) -> str:
    """One account and what ``actor`` may do to it. 403 for an account it may not
    administer."""
    return render_template("admin/account.html", account=administered(actor, email),
                           errors={}, now=office().accounts.clock())


#: The actions of the account page: form value → (method of Accounts, what is said after).
ACTIONS = {"approve": ("approve", lazy_gettext("The account is approved: it may sign in.")),
           "disable": ("disable", lazy_gettext("The account is disabled; its sessions ended.")),
           "enable": ("enable", lazy_gettext("The account is enabled again.")),
           "unlock": ("unlock", lazy_gettext("The account is unlocked."))}


@bp.post("/admin/accounts/<path:email>")
@require(*ADMINS)
def act_on_account(actor: Actor, email: str) -> Response:
    """Approve, reject (with a reason), disable, enable, unlock or reset the password of
    ``email`` (the form's ``action``). 403 when ``actor`` may not; 400 with the message at
    the field for a missing reason; 409 when the account's state does not allow it."""
    target = administered(actor, email)
    action = request.form.get("action", "")
    try:
        if action == "reject":
            office().accounts.reject(target.email, actor, request.form.get("reason", ""),
                                     client=client())
            flash(gettext("The application is rejected."))
        elif action == "reset-password":
            return _reset_password(actor, target)
        elif action in ACTIONS:
            method, said = ACTIONS[action]
            getattr(office().accounts, method)(target.email, actor, client=client())
            flash(str(said))
        else:
            raise InputError(f"{action!r} is not an action on an account", field="action")
    except InputError as error:
        return make_response(render_template(
            "admin/account.html", account=target, errors={error.field or "action": error.reason},
            now=office().accounts.clock()), 400)
    return redirect(url_for("admin.account", email=target.email))


def _reset_password(actor: Actor, target: Account) -> Response:
    """A new random password for ``target``, shown once to the platform admin (never stored
    in clear, never cached). Raises NotAllowed for another role."""
    if actor.role is not Role.PLATFORM_ADMIN:
        raise NotAllowed("only a platform admin may reset a password")
    password = secrets.token_urlsafe(RESET_LENGTH)[:RESET_LENGTH]
    office().accounts.set_password(target.email, password, actor, client=client())
    response = make_response(render_template("admin/account.html", account=target, errors={},
                                             new_password=password,
                                             now=office().accounts.clock()))
    response.headers["Cache-Control"] = "no-store"
    return response
