"""The repository core: records as RDF in an embedded Oxigraph store. No HTTP here.

The names below are imported when first used (PEP 562), so that a process needing one module
(a SPARQL query process imports only the store) does not pay for the whole core.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Config
    from .core import Repository, open_repository
    from .errors import (
        ConflictError,
        Gone,
        InputError,
        NotFound,
        RepositoryError,
        StoreError,
        ValidationError,
    )
    from .records import Identifiers, Record, Source

#: Each public name and the module that defines it.
_HOMES = {
    "Config": "config", "Repository": "core", "open_repository": "core",
    **{name: "errors" for name in ("ConflictError", "Gone", "InputError", "NotFound",
                                   "RepositoryError", "StoreError", "ValidationError")},
    **{name: "records" for name in ("Identifiers", "Record", "Source")},
}

__all__ = [
    "Config", "ConflictError", "Gone", "Identifiers", "InputError", "NotFound", "Record",
    "Repository", "RepositoryError", "Source", "StoreError", "ValidationError", "open_repository",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value
