"""Files of the datasets: stored content-addressed (:mod:`.storage`) and checked before they
are accepted (:mod:`.checks`): issue 15, seed 001's upload step.

A file is known by the SHA-256 of its bytes; a record's distributions point to it. Nothing
here does network I/O; the web form and ``yuliao files add`` stream bytes into
:meth:`~.storage.DiskStore.put` and ask :func:`~.checks.check_file` about what arrived.
"""

from __future__ import annotations

from .checks import ALLOWED_KINDS, Checked, FileRefused, check_file
from .storage import MAX_FILE_BYTES, DiskStore, FileStore, FileTooLarge, Stored

__all__ = ["ALLOWED_KINDS", "MAX_FILE_BYTES", "Checked", "DiskStore", "FileRefused",
           "FileStore", "FileTooLarge", "Stored", "check_file"]
