"""How the paths of minted IRIs are matched and written: ``/id/{id}``, ``/record/{id}``,
``/graph/{id}`` and ``/agency/{code}``.

A minted identifier is percent-encoded in its IRI
(``scholarspace.manoa.hawaii.edu:10125%2F32707``, ``agency/%E6%95%B8%E4%BD%8D``). Servers
and proxies decode a path before routing, some only ``%3A``, Werkzeug every escape, ``%2F``
included; so a view cannot rely on what the client wrote. :class:`MintedConverter` takes the
rest of the path (slashes included, up to the route's own suffix such as ``/olac.xml``) and
hands the view the decoded text, which the view encodes again canonically
(:func:`repository.records.canonical_local_id`, :func:`repository.agencies.canonical_code`).
Building a URL, it writes the identifier as it was minted, without encoding its ``%`` a
second time, so every link is exactly the minted IRI's path. Routes using it set
``merge_slashes=False``: an identifier may hold ``//`` once decoded (``http%3A%2F%2F…``).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from werkzeug.routing import PathConverter

#: What a minted identifier may contain unencoded in a path: unreserved characters,
#: sub-delimiters, ``:`` and ``@`` (RFC 3986 pchar), and ``%`` (it is already encoded).
PATH_SAFE = "%!$&'()*+,;=:@-._~"


class MintedConverter(PathConverter):
    """A minted identifier in a path: matched like ``<path:…>``, written without encoding it
    twice (anything outside :data:`PATH_SAFE` is still encoded)."""

    def to_url(self, value: str) -> str:
        return quote(str(value), safe=PATH_SAFE)


#: Converters for ``app.url_map.converters``: ``<minted:local_id>``.
CONVERTERS = {"minted": MintedConverter}


#: Hosts that are this machine: a base URI on one of them must be where the server listens.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})
#: The base URI of the examples and the test suite: nobody's address.
PLACEHOLDER_HOST = "yuliao.example.org"


def listening_note(base_uri: str, host: str, port: int) -> str | None:
    """Why links built from ``base_uri`` would not reach a server listening on ``host`` and
    ``port`` (None when they can): a base URI on this machine but another port or host, or
    the placeholder of the examples. A public base URI elsewhere is a proxy's and fine."""
    address = urlsplit(base_uri)
    here = f"http://{host}:{port}/"
    fix = (f"set base_uri in yuliao.toml (or YULIAO_BASE_URI) and move the home with "
           f"`yuliao rebase {here}`")
    if address.hostname == PLACEHOLDER_HOST:
        return f"the base URI {base_uri} is the examples' placeholder, not this server: {fix}"
    if address.hostname in LOOPBACK:
        default_port = 443 if address.scheme == "https" else 80
        same_port = (address.port or default_port) == port
        if not (same_port and host in LOOPBACK | {address.hostname}):
            return f"the base URI {base_uri} is this machine but not where it listens: {fix}"
    return None
