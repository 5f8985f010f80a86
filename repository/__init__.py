"""The repository core: records as RDF in an embedded Oxigraph store. No HTTP here."""

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

__all__ = [
    "Config", "ConflictError", "Gone", "Identifiers", "InputError", "NotFound", "Record",
    "Repository", "RepositoryError", "Source", "StoreError", "ValidationError", "open_repository",
]
