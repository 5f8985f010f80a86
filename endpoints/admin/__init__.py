"""The back office (``/admin``, ``/login``, ``/logout``): who is signed in, and the rule that
every page of it checks, on the server, the role and agency of the person asking.

The person is the :class:`~repository.actors.Actor` of the session named by the
:data:`SESSION_COOKIE` (:mod:`repository.accounts.sessions`: server-side, revocable, ending
when idle); pages ask for one with :func:`require`. Every state-changing request carries a
CSRF token (Flask-WTF, installed by :func:`install`). Under ``yuliao serve`` these paths are
answered by the owner process, which holds the store (endpoints/owner_link.py).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError, CSRFProtect

from repository import Repository
from repository.accounts import AccountServices, AgencyRegister
from repository.actors import Actor, Role, WorkflowEvent
from repository.errors import RepositoryError
from repository.signing_key import session_secret
from repository.workflow.service import Workflow

from ..limits import requesting_client

bp = Blueprint("admin", __name__, template_folder="../templates")

#: The cookie naming the back-office session (its value is an opaque random token).
SESSION_COOKIE = "yuliao_session"
#: The cookie of Flask's own session, which only carries the CSRF secret.
FORM_COOKIE = "yuliao_form"
OFFICE = "yuliao.office"
WORKFLOW = "yuliao.workflow"


def install(app: Flask, repository: Repository) -> None:
    """The back office on ``app`` (an application over the read-write repository): its
    blueprint, the secret key and CSRF protection of every state-changing request (but the
    public protocols' POSTs, /oai and /sparql, which any client may send)."""
    from . import agencies, audit, auth, form, home, licences, listing, people, review, uploads

    config = repository.config
    app.config.update(
        SECRET_KEY=session_secret(config.session_secret_path),
        SESSION_COOKIE_NAME=FORM_COOKIE, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure(config.base_uri),
        WTF_CSRF_TIME_LIMIT=None)  # the token lives as long as the session cookie
    csrf = CSRFProtect(app)
    for public in ("oai", "sparql"):
        csrf.exempt(app.blueprints[public])
    app.extensions[OFFICE] = None  # opened with the first request that needs it
    app.extensions[WORKFLOW] = Workflow(repository, audit=audited)
    app.jinja_env.globals.update(role_name=role_name, office_menu=menu)
    app.register_blueprint(bp)
    app.register_error_handler(CSRFError, expired_form)
    del agencies, audit, auth, form, home, licences, listing, people, review, uploads


EVERYONE = tuple(Role)
ADMINS = (Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN)
#: The back office's menu, in order: (endpoint, label, roles that see it). An entry whose
#: endpoint is not registered is left out, so each part of the office brings its own page.
MENU = (
    ("admin.home", lazy_gettext("Overview"), EVERYONE),
    ("admin.records", lazy_gettext("Datasets"), EVERYONE),
    ("admin.new_record", lazy_gettext("New dataset"), (Role.PROVIDER,)),
    ("admin.queue", lazy_gettext("Review queue"), ADMINS),
    ("admin.accounts", lazy_gettext("Accounts"), ADMINS),
    ("admin.agencies", lazy_gettext("Agencies"), (Role.PLATFORM_ADMIN,)),
    ("admin.audit", lazy_gettext("Audit log"), (Role.PLATFORM_ADMIN,)),
)


def menu(actor: Actor | None) -> list[tuple[str, str]]:
    """The menu entries (endpoint, label) ``actor`` sees; none without a session."""
    if actor is None:
        return []
    return [(endpoint, str(label)) for endpoint, label, roles in MENU
            if actor.role in roles and endpoint in current_app.view_functions]


#: The roles as the pages name them.
ROLE_NAMES = {Role.PROVIDER: lazy_gettext("data provider"),
              Role.AGENCY_ADMIN: lazy_gettext("agency admin"),
              Role.PLATFORM_ADMIN: lazy_gettext("platform admin")}


def role_name(role: Role | str) -> str:
    return str(ROLE_NAMES[Role(role)])


def expired_form(error: CSRFError) -> Response:
    """A state-changing request without a valid CSRF token: 400, saying to send it again."""
    return Response(render_template("admin/message.html", actor=None,
                                    message=gettext("The form has expired; please send it "
                                                    "again.")), 400)


@bp.app_errorhandler(403)
def forbidden(error) -> Response:
    """A page of the back office this actor may not open."""
    return Response(render_template("admin/message.html", actor=g.get("actor"),
                                    message=gettext("You may not open this page.")), 403)


def secure(base_uri: str) -> bool:
    """Whether cookies must be Secure: the site is served over HTTPS."""
    return base_uri.startswith("https://")


def office() -> AccountServices:
    """The accounts, logins, sessions and audit log (opened once per application). Raises
    StoreError when the accounts database cannot be opened."""
    services = current_app.extensions.get(OFFICE)
    if services is None:
        repository: Repository = current_app.extensions["yuliao"]
        services = AccountServices.open(repository.config,
                                        agencies=AgencyRegister.of(repository))
        current_app.extensions[OFFICE] = services
    return services


#: The register's agency names, kept this many seconds (edits through the back office forget
#: them at once; this bounds how long an edit made by another process takes to show).
AGENCY_NAMES_SECONDS = 30.0
AGENCY_NAMES = "yuliao.agency-names"


def registered_agencies() -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of every registered agency, by code: one query of
    the store at most every :data:`AGENCY_NAMES_SECONDS`. Raises StoreError."""
    kept = current_app.extensions.get(AGENCY_NAMES)
    now = time.monotonic()
    if kept is None or now - kept[0] > AGENCY_NAMES_SECONDS:
        repository: Repository = current_app.extensions["yuliao"]
        kept = (now, AgencyRegister.of(repository).names())
        current_app.extensions[AGENCY_NAMES] = kept
    return kept[1]


def forget_agency_names() -> None:
    """After an agency is added or changed: the next page reads the names again."""
    current_app.extensions.pop(AGENCY_NAMES, None)


def workflow() -> Workflow:
    """The workflow of the application's repository; its events go to the audit log."""
    return current_app.extensions[WORKFLOW]


def audited(event: WorkflowEvent) -> None:
    """Write a workflow event (a save or a transition) to the audit log, with the client of
    the request that made it."""
    office().audit.workflow_event(event, client())


@bp.errorhandler(RepositoryError)
def refused(error: RepositoryError) -> Response:
    """An error of the repository on a back-office page: its message, with its status (400
    bad input, 403 not allowed, 404, 409 conflict, 422 not conforming, 503 store)."""
    return Response(render_template("admin/message.html", message=str(error)), error.status)


def client() -> str:
    """The client's address, as rate limits and the audit log know it."""
    return requesting_client()


def current_actor() -> Actor | None:
    """Who the session cookie of this request belongs to; None without a live session."""
    if "actor" not in g:
        token = request.cookies.get(SESSION_COOKIE)
        g.actor = office().sessions.resolve(token) if token else None
    return g.actor


@bp.context_processor
def signed_in_actor() -> dict[str, Actor | None]:
    """Every back-office template knows who is signed in (``actor``)."""
    return {"actor": current_actor()}


def require(*roles: Role) -> Callable:
    """A view decorator: the view runs for a signed-in actor with one of ``roles`` (any role
    when none is given), given as its ``actor`` argument; others are sent to the login page
    (no session) or refused with 403 (another role)."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs) -> Response:
            actor = current_actor()
            if actor is None:
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            if roles and actor.role not in roles:
                abort(403)
            return view(*args, actor=actor, **kwargs)
        return guarded
    return decorate
