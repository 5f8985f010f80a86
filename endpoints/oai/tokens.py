"""Resumption tokens that need no server memory (OAI-PMH §3.5).

A token is ``base64url(json) "." base64url(HMAC-SHA256)`` signed with the home's key. The JSON
holds the verb, the request's selection (metadataPrefix, from, until, set), the key of the last
record returned (datestamp, local id) — the next page starts strictly after it — the cursor,
the completeListSize estimate made on the first page, and the expiry. A token that does not
verify, has expired, is too long or belongs to another verb is a badResumptionToken.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from repository.disseminations import Selection

from .errors import OAIError

#: Longer tokens are refused unread (ours are about 250 characters).
MAX_TOKEN_LENGTH = 2000


@dataclass(frozen=True)
class ListState:
    """Where a list request stands: what it selects and how far it got."""

    verb: str
    selection: Selection
    after: tuple[str, str] | None = None
    cursor: int = 0
    size: int | None = None
    expires: datetime | None = None


def issue(state: ListState, key: bytes) -> str:
    """The signed token of ``state`` (it must carry ``after`` and ``expires``)."""
    selection = state.selection
    payload = {
        "v": state.verb, "p": selection.prefix, "f": selection.since, "u": selection.until,
        "s": selection.set_spec, "a": list(state.after), "c": state.cursor, "n": state.size,
        "e": int(state.expires.timestamp()),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_signature(body, key))}"


def redeem(token: str, key: bytes, verb: str, now: datetime) -> ListState:
    """The state a token carries. Raises OAIError badResumptionToken for a token that is
    malformed, tampered with, signed with another key, issued for another verb or expired."""
    try:
        body, signature = token.split(".") if len(token) <= MAX_TOKEN_LENGTH else ("", "")
        if not hmac.compare_digest(_unb64(signature), _signature(body, key)):
            raise ValueError("the signature does not match")
        state = _state(json.loads(_unb64(body)))
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise _bad("this resumptionToken is not one we issued") from error
    if state.verb != verb:
        raise _bad(f"this resumptionToken belongs to {state.verb}, not {verb}")
    if state.expires is None or state.expires < now:
        raise _bad("this resumptionToken has expired; start the list again")
    return state


def _state(payload: dict) -> ListState:
    after = payload["a"]
    if not (isinstance(after, list) and len(after) == 2 and all(isinstance(p, str)
                                                                  for p in after)):
        raise ValueError("malformed position")
    return ListState(
        verb=str(payload["v"]),
        selection=Selection(prefix=payload["p"], since=payload["f"], until=payload["u"],
                            set_spec=payload["s"]),
        after=(after[0], after[1]), cursor=int(payload["c"]),
        size=None if payload["n"] is None else int(payload["n"]),
        expires=datetime.fromtimestamp(int(payload["e"]), UTC),
    )


def _signature(body: str, key: bytes) -> bytes:
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _bad(message: str) -> OAIError:
    return OAIError("badResumptionToken", message, hidden={"resumptionToken"})
