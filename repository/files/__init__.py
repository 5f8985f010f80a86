"""Files of the datasets: stored content-addressed (:mod:`.storage`) and checked before they
are accepted (:mod:`.checks`): issue 15, seed 001's upload step.

A file is known by the SHA-256 of its bytes; a record's distributions point to it. The
store is :class:`~.storage.DiskStore`, or :class:`~.objectstore.S3Store` (an S3-compatible
object store, the only network I/O here), whichever :func:`~.storage.file_store` makes from
``[files]``; the web form and ``yuliao files add`` stream bytes into its ``put`` and ask
:func:`~.checks.check_file` about what arrived.
"""

from __future__ import annotations

from .checks import ALLOWED_KINDS, Checked, FileRefused, check_file
from .storage import MAX_FILE_BYTES, DiskStore, FileStore, FileTooLarge, Stored, file_store

__all__ = ["ALLOWED_KINDS", "MAX_FILE_BYTES", "Checked", "DiskStore", "FileRefused",
           "FileStore", "FileTooLarge", "Stored", "check_file", "file_store"]
