"""Conditional GET for every page made from stored data: one set of validators per response.

A :class:`Validators` is an ETag (a hash of what the response is made of: a record's id,
datestamp, revision and variant; the dissemination index's version and the page asked for)
and a Last-Modified (the record's datestamp; the index's latest datestamp). :meth:`answer`
replies 304 Not Modified to a client that holds this version *before* the response is built,
so a conditional request for a catalogue page or the VoID description costs two index
lookups; :meth:`apply` adds them to a response already built (a record page) and makes it
conditional. Responses carry ``Cache-Control: no-cache``: caches keep them and revalidate
each time, which the validators make cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import Response, request
from werkzeug.http import is_resource_modified

#: Characters of the SHA-256 hex digest kept in an ETag.
ETAG_LENGTH = 32


@dataclass(frozen=True)
class Validators:
    """An ETag (weak when equal versions may differ in bytes) and a Last-Modified."""

    etag: str
    last_modified: datetime | None = None
    weak: bool = False

    @classmethod
    def of(cls, *parts: object, last_modified: datetime | None = None,
           weak: bool = False) -> Validators:
        """Validators whose ETag hashes ``parts`` (joined with ``|``)."""
        tag = "|".join(str(part) for part in parts)
        return cls(hashlib.sha256(tag.encode()).hexdigest()[:ETAG_LENGTH], last_modified, weak)

    def apply(self, response: Response) -> Response:
        """``response`` with these validators, answering 304 when the request's
        If-None-Match or If-Modified-Since shows the client holds this version."""
        response.set_etag(self.etag, weak=self.weak)
        if self.last_modified is not None:
            response.last_modified = self.last_modified
        response.cache_control.no_cache = True
        return response.make_conditional(request)

    def answer(self, build: Callable[[], Response], vary: Iterable[str] = ()) -> Response:
        """304 Not Modified (with ``vary``) when the client holds this version, without
        calling ``build``; otherwise the response ``build`` makes, with these validators."""
        if self.unchanged():
            response = Response(status=304)
            for header in vary:
                response.vary.add(header)
            return self.apply(response)
        return self.apply(build())

    def unchanged(self) -> bool:
        """True when the request is conditional and its conditions match this version."""
        if "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers:
            return False
        return not is_resource_modified(request.environ, etag=self.etag,
                                        last_modified=self.last_modified)

