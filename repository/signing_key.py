"""Per-home keys: the one that signs OAI-PMH resumption tokens (HMAC-SHA256), and the back
office's session secret (the web layer's Flask ``SECRET_KEY``, which signs its CSRF tokens).

Each is kept in a file of the home as hex (``{home}/secret``, ``{home}/session-secret``),
created with mode 0600 (owner only) at first use; two processes that race to create one end
up with the same key (exclusive create, then read). An in-memory repository gets a random key
that lives as long as the process. Neither is ever in the repository's own files.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import StoreError

KEY_BYTES = 32


def signing_key(path: Path | None, what: str = "token key") -> bytes:
    """The key stored at ``path`` (created when missing), or a fresh random key for None;
    ``what`` names it in errors.

    Raises StoreError when the file cannot be read or written or does not hold a hex key.
    """
    if path is None:
        return secrets.token_bytes(KEY_BYTES)
    try:
        return _read(path, what)
    except FileNotFoundError:
        pass
    try:
        _create(path, secrets.token_bytes(KEY_BYTES))
    except FileExistsError:
        pass  # another process created it first: use theirs
    except OSError as error:
        raise StoreError(f"cannot create the {what} {path}: {error.strerror}") from error
    return _read(path, what)


def session_secret(path: Path) -> bytes:
    """The back office's session secret kept at ``path`` (``Config.session_secret_path``),
    created when missing. Raises StoreError as :func:`signing_key` does."""
    return signing_key(path, "session secret")


def _create(path: Path, key: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(key.hex() + "\n")


def _read(path: Path, what: str) -> bytes:
    try:
        key = bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as error:
        raise StoreError(f"cannot read the {what} {path}: {error}") from error
    if len(key) < KEY_BYTES // 2:
        raise StoreError(f"the {what} {path} is too short; delete it to make a new one")
    return key
