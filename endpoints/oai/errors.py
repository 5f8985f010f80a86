"""OAI-PMH errors (protocol §3.6): one exception carrying one or more error codes.

A request can break several rules at once (two repeated arguments, an unknown format and an
unknown identifier); the protocol asks for all of them, so an :class:`OAIError` carries the
first problem and ``also`` the others, and :func:`raise_all` raises a list of them as one.
"""

from __future__ import annotations

from collections.abc import Iterable

CODES = frozenset({
    "badArgument", "badResumptionToken", "badVerb", "cannotDisseminateFormat", "idDoesNotExist",
    "noRecordsMatch", "noMetadataFormats", "noSetHierarchy",
})
#: With these codes the response's <request> element carries no attributes (§3.2).
NO_ECHO = frozenset({"badVerb", "badArgument"})


class OAIError(Exception):
    """An OAI-PMH error: ``code`` (one of :data:`CODES`) and a human-readable ``message``.

    ``hidden`` names request arguments that must not be echoed in <request> (an invalid
    resumption token); ``also`` holds further errors reported in the same response.
    """

    def __init__(self, code: str, message: str, *, hidden: Iterable[str] = (),
                 also: Iterable[OAIError] = ()) -> None:
        if code not in CODES:
            raise ValueError(f"not an OAI-PMH error code: {code!r}")
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message
        self.hidden = frozenset(hidden)
        self.also = tuple(also)

    @property
    def all(self) -> tuple[OAIError, ...]:
        """This error and every one reported with it."""
        return (self, *self.also)

    @property
    def echoes_arguments(self) -> bool:
        """False when one of the errors forbids echoing arguments in <request>."""
        return not any(error.code in NO_ECHO for error in self.all)

    @property
    def hidden_arguments(self) -> frozenset[str]:
        return frozenset().union(*(error.hidden for error in self.all))


def raise_all(errors: list[OAIError]) -> None:
    """Raise ``errors`` as one OAIError (nothing when the list is empty)."""
    if errors:
        first, *rest = errors
        raise OAIError(first.code, first.message, hidden=first.hidden, also=rest)
