"""A crawler for the tests: every internal link reachable from some pages, with its status.

Internal links are those under the site's base URI, written absolute or relative (paths
requested relative to the base, as the application is mounted there), in an ``href`` or
``src`` of an HTML page or in a ``Link`` header; redirects are followed. Links that leave the
site (another host, ``mailto:``, ``tel:``) are not followed.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from lxml import html
from werkzeug.test import TestResponse

from app import create_app
from repository import Config, Repository
from repository.config import LimitSettings


def crawled_app(config: Config, repository: Repository | None = None, *,
                reader: bool = False) -> Flask:
    """The application a crawl runs against: rate limits off, as a crawler is one client
    asking for every page (``reader``: as a web worker of ``yuliao serve`` sees the home)."""
    return create_app(replace(config, limits=LimitSettings.unlimited()), repository,
                      reader=reader)


#: What a browser asks for (the SPARQL endpoint shows its query page to a browser only).
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def internal(href: str, page: str, base: str) -> str | None:
    """The path (relative to ``base``, with its query) ``href`` on ``page`` names on the
    site, or None when it leads elsewhere."""
    target = urlsplit(urljoin(page, href))._replace(fragment="").geturl()
    if not target.startswith(base):
        return None
    return "/" + target[len(base):]


def links_of(response: TestResponse) -> Iterator[str]:
    """The links of a response: its Link headers and, in HTML, every href and src."""
    for value in response.headers.getlist("Link"):
        for part in value.split(","):
            yield part.split(";")[0].strip().strip("<>")
    if response.mimetype == "text/html" and response.data:
        yield from html.fromstring(response.data).xpath("//@href | //@src")


#: Pages checked but not followed, but for the bare one: a search page links to a search for
#: each facet value, which link to every combination of them; the bare search page holds
#: every facet and its links.
LEAVES = ("/search?",)


def crawl(client: FlaskClient, starts: Iterable[str], base: str) -> dict[str, int]:
    """The final status of every page reachable on the site at ``base`` from ``starts``
    (paths relative to ``base``), redirects followed, by path and query; of the pages of
    :data:`LEAVES`, the status only."""
    statuses: dict[str, int] = {}
    queue = deque((path, True) for path in starts)
    while queue:
        path, follow = queue.popleft()
        if path in statuses:
            continue
        response = client.get(path, base_url=base, follow_redirects=True, headers=BROWSER)
        with response:
            statuses[path] = response.status_code
            page = base + path.lstrip("/")
            links = links_of(response) if follow else ()
            queue.extend((target, not target.startswith(LEAVES)) for href in links
                         if (target := internal(href, page, base)) is not None
                         and target not in statuses)
    return statuses


def record_pages(local_ids: Iterable[str]) -> list[str]:
    return [f"/record/{local_id}" for local_id in local_ids]


def broken(statuses: dict[str, int]) -> dict[str, int]:
    """The pages that answered an error, but for the 410 of withdrawn records and the 403 of
    a file whose licence asks for an agreement first (its page says how to get it)."""
    return {path: status for path, status in statuses.items()
            if status >= 400 and status != 410 and not (status == 403 and _a_file(path))}


def _a_file(path: str) -> bool:
    """Whether ``path`` leads to a file of a record (itself, or a language switch going back
    to one)."""
    parts = urlsplit(path)
    targets = [parts.path, *parse_qs(parts.query).get("next", [])]
    return any(re.fullmatch(r"/record/[^/]+/files/.+", target) for target in targets)
