"""The harvester's exceptions: one root, each carrying the request it concerns and, where there
is one, the HTTP status or the OAI-PMH error code.

requests, lxml and sickle errors are translated into these where those libraries are called,
with ``raise … from``.
"""

from __future__ import annotations


class HarvestError(Exception):
    """Root of every error a harvest raises; ``url`` names the request (or file)."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 code: str | None = None) -> None:
        self.url, self.status, self.code, self.reason = url, status, code, message
        where = f"{url}: " if url else ""
        super().__init__(f"{where}{message}")


class FetchError(HarvestError):
    """A request that failed for good: refused, timed out, too big, too slow, redirected in a
    loop, or answered with an error status after every retry."""


class ProtocolError(HarvestError):
    """A response that is not what the protocol promises: not XML, not OAI-PMH, or an OAI
    ``<error>`` (``code`` holds the OAI error code, such as ``badResumptionToken``)."""
