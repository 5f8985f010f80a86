"""What the tests of the back office's pages share: a home with agencies A and B, its
application, the accounts database opened on a clock the test moves, the cast of accounts
(tests/accounts_support.py), and signing in through the real login form.

The application is the real one (``create_app`` over the home's embedded store); only its
accounts services are opened by the test, so that they hash cheaply and tell the test's time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from endpoints.admin import OFFICE
from repository import Config, Repository
from repository.accounts import AccountServices, AgencyRegister, new_agency
from repository.config import AccountSettings, FileSettings, LimitSettings
from tests.accounts_support import AGENCY_A, AGENCY_B, PASSWORD, Cast, Clock, cast, open_office

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next"')


@dataclass
class Office:
    """A home's repository, application, accounts services, cast and clock."""

    repository: Repository
    app: Flask
    services: AccountServices
    cast: Cast
    clock: Clock

    def client(self) -> FlaskClient:
        """A new browser: no cookies."""
        return self.app.test_client()


@contextmanager
def office_home(home: Path, *, base_uri: str | None = None,
                files: FileSettings | None = None, **accounts) -> Iterator[Office]:
    """A new home at ``home`` (its base URI ``base_uri``, else the default; ``files``: its
    [files] settings) with agencies A and B and the cast (``accounts``: settings of
    [accounts]); closed on exit."""
    settings = AccountSettings(hash_memory_kib=1024, hash_passes=1, **accounts)
    config = Config(home=home, limits=LimitSettings.unlimited(), accounts=settings,
                    files=files or FileSettings(),
                    **({"base_uri": base_uri} if base_uri else {}))
    home.mkdir(parents=True, exist_ok=True)
    with Repository(config) as repository:
        register = AgencyRegister.of(repository)
        register.add(new_agency(AGENCY_A, "數位發展部", "Ministry of Digital Affairs"))
        register.add(new_agency(AGENCY_B, "數位產業署", "Administration for Digital Industries",
                                parent=AGENCY_A))
        clock = Clock()
        with open_office(config, register, clock, **accounts) as services:
            app = create_app(config, repository)
            app.extensions[OFFICE] = services
            yield Office(repository, app, services, cast(services), clock)


def csrf_token(page: bytes | str) -> str:
    """The CSRF token of the first form of ``page``. Raises AssertionError without one."""
    text = page.decode() if isinstance(page, bytes) else page
    found = CSRF.search(text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def next_page(page: bytes | str) -> str:
    """The target of the ``rel="next"`` link of ``page``. Raises AssertionError without one."""
    text = page.decode() if isinstance(page, bytes) else page
    found = NEXT.search(text)
    assert found, "the page has no link to a next page"
    return html.unescape(found.group(1))


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **query):
    """Fill in and send the login form as a browser would; the response to the POST."""
    form = client.get("/login", query_string=query)
    return client.post("/login", query_string=query, data={
        "email": email, "password": password, "csrf_token": csrf_token(form.data)})


def signed_in(office: Office, email: str) -> FlaskClient:
    """A browser signed in as ``email`` (with PASSWORD)."""
    client = office.client()
    response = sign_in(client, email)
    assert response.status_code == 302, response.data
    return client
