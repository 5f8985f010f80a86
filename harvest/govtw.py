"""data.gov.tw-style catalogues: the v1 API walked page by page, or a whole-catalogue export.

The API lists identifiers (``GET /api/v1/rest/dataset?limit=&offset=[&modified=]``) and
describes each (``GET /api/v1/rest/dataset/{identifier}``); both wrap their answer in
``{"success": …, "result": …}`` and report errors with HTTP 200 and ``"success": false``.
One listing page becomes one harvest page: the datasets found are joined into one v1 document
for the importer; a dataset the API refuses is a failure of that record alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

from repository.importer import Outcome

from .errors import ProtocolError
from .fetch import Fetcher, Response
from .oai import Page

API = "/api/v1/rest/dataset"


def api_pages(fetcher: Fetcher, base: str, *, offset: int = 0, page_size: int = 100,
              modified: str | None = None) -> Iterator[Page]:
    """The catalogue from ``offset`` on, one page per identifier listing; each page's
    ``token`` is the offset of the next listing (None after the last).

    Raises FetchError, or ProtocolError when a listing is not the API's JSON.
    """
    root = base.rstrip("/")
    while True:
        params = {"limit": str(page_size), "offset": str(offset)}
        if modified:
            params["modified"] = modified
        listing = fetcher.get(root + API, params)
        identifiers = _result(listing, list)
        if not identifiers:
            return
        offset += len(identifiers)
        datasets, failures = _describe(fetcher, root, identifiers)
        body = json.dumps({"success": True, "result": datasets}, ensure_ascii=False).encode() \
            if datasets else b""
        more = str(offset) if len(identifiers) >= page_size else None
        yield Page(listing.url, body, None, more, None, tuple(failures))
        if more is None:
            return


def _describe(fetcher: Fetcher, root: str, identifiers: list) -> tuple[list, list[Outcome]]:
    datasets, failures = [], []
    for identifier in identifiers:
        url = f"{root}{API}/{quote(str(identifier), safe='')}"
        response = fetcher.get(url)
        try:
            datasets.append(_result(response, dict))
        except ProtocolError as error:
            failures.append(Outcome(url, str(identifier), "invalid", error.reason, response.body))
    return datasets, failures


def _result(response: Response, kind: type) -> list | dict:
    """The ``result`` of an API answer. Raises ProtocolError naming the request."""
    try:
        document = json.loads(response.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"not JSON (HTTP {response.status}): {error}", url=response.url,
                            status=response.status) from error
    if not isinstance(document, dict) or document.get("success") is not True:
        error = document.get("error") if isinstance(document, dict) else None
        kind_of = (error or {}).get("error_type") if isinstance(error, dict) else None
        raise ProtocolError(f"the API refused: {kind_of or 'no success flag'}",
                            url=response.url, status=response.status, code=kind_of)
    result = document.get("result")
    if not isinstance(result, kind):
        raise ProtocolError(f"expected a {kind.__name__} as result", url=response.url)
    return result
