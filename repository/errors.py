"""The repository's exceptions: one root, each carrying what a caller needs to report it.

Library errors (lxml, rdflib, pyoxigraph, pyshacl) are translated into these at the
boundary of the module that calls the library, with ``raise … from``.
"""

from __future__ import annotations


class RepositoryError(Exception):
    """Root of every error the repository core raises."""

    #: HTTP status an endpoint should answer with when this escapes to it.
    status = 500


class InputError(RepositoryError):
    """Input that cannot be read: names the file, record and field, and what was expected."""

    status = 400

    def __init__(
        self, message: str, *, origin: str | None = None, record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.origin, self.record, self.field, self.reason = origin, record, field, message
        where = ", ".join(
            part for part in (
                origin, f"record {record}" if record else None, f"field {field}" if field else None
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class ValidationError(RepositoryError):
    """A record that violates a shape; ``violations`` holds the readable messages."""

    status = 422

    def __init__(self, record: str, violations: list) -> None:
        self.record, self.violations = record, violations
        first = str(violations[0]) if violations else "invalid"
        more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{first}{more}")


class NotFound(RepositoryError):
    """No record with that identifier."""

    status = 404


class Gone(RepositoryError):
    """The record was withdrawn or deleted; only its tombstone remains."""

    status = 410


class StoreError(RepositoryError):
    """The triple store failed (locked, corrupt, unreachable)."""

    status = 503


class StoreBusy(StoreError):
    """Another process holds the embedded store's lock (only one process may open it)."""


class ConflictError(RepositoryError):
    """The change does not fit the record's state (for example an illegal transition)."""

    status = 409


class NotAllowed(RepositoryError):
    """The actor may not do this (their role, or their agency, does not allow it); the
    message says who may."""

    status = 403
