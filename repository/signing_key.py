"""The per-home key that signs OAI-PMH resumption tokens (HMAC-SHA256).

Kept in ``{home}/secret`` as hex, created with mode 0600 at first use; two processes that race
to create it end up with the same key (exclusive create, then read). An in-memory repository
gets a random key that lives as long as the process.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import StoreError

KEY_BYTES = 32


def signing_key(path: Path | None) -> bytes:
    """The key stored at ``path`` (created when missing), or a fresh random key for None.

    Raises StoreError when the file cannot be read or written or does not hold a hex key.
    """
    if path is None:
        return secrets.token_bytes(KEY_BYTES)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        _create(path, secrets.token_bytes(KEY_BYTES))
    except FileExistsError:
        pass  # another process created it first: use theirs
    except OSError as error:
        raise StoreError(f"cannot create the token key {path}: {error.strerror}") from error
    return _read(path)


def _create(path: Path, key: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(key.hex() + "\n")


def _read(path: Path) -> bytes:
    try:
        key = bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as error:
        raise StoreError(f"cannot read the token key {path}: {error}") from error
    if len(key) < KEY_BYTES // 2:
        raise StoreError(f"the token key {path} is too short; delete it to make a new one")
    return key
