"""Signing in and out of the back office.

A login goes through the accounts' identity provider (local passwords today;
:mod:`repository.accounts.login`), which answers one message whatever was wrong. A successful
one starts a new session (a new token: any session the browser had is ended first) and sets
:data:`~endpoints.admin.SESSION_COOKIE`: HttpOnly, SameSite=Lax, Secure over HTTPS, for the
site's path, without an expiry (the server ends it when idle).
"""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from repository.errors import LoginFailed

from ..i18n import local_target
from . import SESSION_COOKIE, bp, client, current_actor, office, secure

#: Longest e-mail and password a login form takes (the accounts' own limits are lower).
MAX_EMAIL, MAX_PASSWORD = 320, 1024


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=MAX_EMAIL)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class LogoutForm(FlaskForm):
    """No fields: the CSRF token alone."""


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """The login form; a good login starts a session and goes to ``next`` (a path of this
    site) or the back office; a bad one shows the one message (401)."""
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return make_response(render_template("admin/login.html", form=form), status)
    try:
        actor = office().authenticate(form.email.data.strip(), form.password.data, client())
    except LoginFailed:  # one message, in the reader's language, whatever was wrong
        return make_response(render_template("admin/login.html", form=form,
                                             failure=gettext("Wrong account or password")),
                             401)
    response = redirect(local_target(request.args.get("next")) if request.args.get("next")
                        else url_for("admin.home"))
    _end_current()
    token = office().sessions.start(actor, client=client())
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                        secure=secure(office_base()), path=request.script_root or "/")
    return response


@bp.post("/logout")
def logout() -> Response:
    """End the session (CSRF-checked) and go to the login page."""
    LogoutForm().validate_on_submit()  # the token was checked by CSRFProtect already
    _end_current()
    response = redirect(url_for("admin.login"))
    response.delete_cookie(SESSION_COOKIE, path=request.script_root or "/")
    return response


def _end_current() -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token and current_actor() is not None:
        office().sessions.end(token, client=client())


def office_base() -> str:
    from flask import current_app

    return current_app.config["YULIAO"].base_uri
