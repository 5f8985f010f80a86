"""OAI-PMH requests for harvesting: sickle's page iteration over our :class:`Fetcher`.

sickle walks the resumption tokens; every request goes through :class:`Fetcher` (timeouts,
retries, size and time limits) and every page is parsed once with the hardened parser (no
DTDs, entities or network; sickle's own parser recovers from malformed XML, which would hide
a broken page). An OAI ``<error>`` is understood whatever the HTTP status (Zenodo sends 422);
``noRecordsMatch`` is an empty list, anything else a :class:`ProtocolError` with its code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from sickle import Sickle, oaiexceptions
from sickle.iterator import OAIResponseIterator
from sickle.response import OAIResponse

from repository.errors import InputError
from repository.xmlsafe import parse_xml

from .errors import ProtocolError
from .fetch import Fetcher, Response

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
MALFORMED_PAGE_ATTEMPTS = 3
#: sickle raises one class per OAI error code, not all derived from oaiexceptions.OAIError
OAI_ERRORS = tuple(
    cls for cls in vars(oaiexceptions).values()
    if isinstance(cls, type) and issubclass(cls, Exception)
)


@dataclass(frozen=True)
class Page:
    """One response page: where it came from, its bytes, and what the list says next."""

    url: str
    body: bytes
    response_date: str | None
    token: str | None
    complete_list_size: int | None
    failures: tuple = ()  # Outcomes of records the source refused to describe

    @property
    def origin(self) -> str:
        """The name the importer reads the page under: a CSV export is marked as such."""
        lowered = self.url.lower().rstrip("/")
        return self.url + "#export.csv" if lowered.endswith("/export/csv") else self.url


class _Response(OAIResponse):
    """A sickle response over a fetched body, parsed once with the hardened parser."""

    def __init__(self, fetched: Response, params: dict[str, str], root: etree._Element) -> None:
        super().__init__(http_response=None, params=params)
        self.fetched, self.root = fetched, root

    @property
    def raw(self) -> str:
        return self.fetched.body.decode("utf-8", errors="replace")

    @property
    def xml(self) -> etree._Element:
        return self.root


class _Sickle(Sickle):
    """sickle with every request made by our Fetcher (GET, limits, retries)."""

    def __init__(self, endpoint: str, fetcher: Fetcher) -> None:
        super().__init__(endpoint, iterator=OAIResponseIterator, max_retries=0)
        self.fetcher = fetcher
        self.last_url = endpoint

    def harvest(self, **params: str) -> _Response:
        """One request; a malformed or non-OAI page is fetched again, then refused.

        Raises FetchError or ProtocolError naming the request.
        """
        problem: ProtocolError | None = None
        for _attempt in range(MALFORMED_PAGE_ATTEMPTS):
            fetched = self.fetcher.get(self.endpoint, params)
            self.last_url = fetched.url
            try:
                return _Response(fetched, params, _oai_root(fetched))
            except ProtocolError as error:
                problem = error
        raise ProtocolError(f"{problem.reason} (after {MALFORMED_PAGE_ATTEMPTS} attempts)",
                            url=problem.url, status=problem.status) from problem


def _oai_root(fetched: Response) -> etree._Element:
    """The OAI-PMH root of a response. Raises ProtocolError when it is not one."""
    try:
        root = parse_xml(fetched.body, fetched.url)
    except InputError as error:
        raise ProtocolError(f"malformed XML (HTTP {fetched.status}): {error.reason}",
                            url=fetched.url, status=fetched.status) from error
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise ProtocolError(f"not an OAI-PMH response (root <{etree.QName(root).localname}>, "
                            f"HTTP {fetched.status})", url=fetched.url, status=fetched.status)
    if fetched.status != 200 and root.find(f"{{{OAI_NS}}}error") is None:
        raise ProtocolError(f"HTTP {fetched.status} without an OAI-PMH error",
                            url=fetched.url, status=fetched.status)
    return root


class Client:
    """The OAI-PMH requests a harvest makes to one base URL."""

    def __init__(self, base_url: str, fetcher: Fetcher) -> None:
        self.base_url = base_url
        self._sickle = _Sickle(base_url, fetcher)

    def identify(self) -> etree._Element:
        """The Identify element. Raises FetchError or ProtocolError."""
        response = self._sickle.harvest(verb="Identify")
        _raise_error(response)
        identify = response.xml.find(f"{{{OAI_NS}}}Identify")
        if identify is None:
            raise ProtocolError("an Identify response without <Identify>", url=response.fetched.url)
        return identify

    def pages(self, params: dict[str, str]) -> Iterator[Page]:
        """The pages of a ListRecords (or resumed list), in order; none for noRecordsMatch.

        Raises FetchError or ProtocolError (with the OAI error code) naming the request.
        """
        yield from self._walk(self._sickle.ListRecords, params)

    def headers(self, params: dict[str, str]) -> Iterator[tuple[str, bool]]:
        """(identifier, deleted) of every header of a ListIdentifiers, page after page.

        Raises FetchError or ProtocolError (with the OAI error code) naming the request.
        """
        for page in self._walk(self._sickle.ListIdentifiers, params):
            root = parse_xml(page.body, page.url)
            for header in root.iter(f"{{{OAI_NS}}}header"):
                identifier = (header.findtext(f"{{{OAI_NS}}}identifier") or "").strip()
                if identifier:
                    yield identifier, header.get("status") == "deleted"

    def _walk(self, verb, params: dict[str, str]) -> Iterator[Page]:
        try:
            for response in verb(**params):
                yield _page(response)
        except oaiexceptions.NoRecordsMatch:
            return
        except OAI_ERRORS as error:
            raise _protocol_error(error, self._sickle.last_url) from error


def _page(response: _Response) -> Page:
    root = response.xml
    token_element = root.find(f".//{{{OAI_NS}}}resumptionToken")
    token = (token_element.text or "").strip() if token_element is not None else ""
    size = token_element.get("completeListSize") if token_element is not None else None
    return Page(
        url=response.fetched.url, body=response.fetched.body,
        response_date=(root.findtext(f"{{{OAI_NS}}}responseDate") or "").strip() or None,
        token=token or None, complete_list_size=int(size) if size and size.isdigit() else None,
    )


def _raise_error(response: _Response) -> None:
    error = response.xml.find(f"{{{OAI_NS}}}error")
    if error is not None:
        raise ProtocolError(f"OAI-PMH error {error.get('code')}: {(error.text or '').strip()}",
                            url=response.fetched.url, code=error.get("code"))


def _protocol_error(error: Exception, url: str) -> ProtocolError:
    name = type(error).__name__
    code = name[0].lower() + name[1:] if name != "OAIError" else "unknown"
    return ProtocolError(f"OAI-PMH error {code}: {error}", url=url, code=code)
