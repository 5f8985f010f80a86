"""Passwords: the policy they must meet, and their Argon2id hashes (argon2-cffi).

A password is checked against :func:`check_password` when it is set, hashed at once and
never kept, logged or shown: errors name the rule broken, never the password. The hash (PHC
string, ``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) carries its own parameters, so hashes made
with other parameters still verify, and are made again with the current ones at the next
login (:meth:`Hasher.needs_rehash`).

Verifying takes the same time whether or not an account exists: for an unknown account (or
one without a password) the password is verified against :attr:`Hasher.dummy`, a hash of a
random secret made with the same parameters, so every login costs exactly one verification.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import InputError

#: The policy: at least this many characters (seed 004 asks for 6 with mixed case and
#: digits; length is what makes a password hard to guess, so we ask for more) and at most
#: this many (a bound on the work one login can ask for).
MIN_LENGTH = 12
MAX_LENGTH = 1024


def check_password(password: str) -> None:
    """Raises InputError (field ``password``) naming the rule ``password`` breaks: too short,
    too long, or only blanks. The message never contains the password."""
    if not isinstance(password, str):
        raise InputError("a password must be text", field="password")
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password needs at least {MIN_LENGTH} characters",
                         field="password")
    if len(password) > MAX_LENGTH:
        raise InputError(f"a password may have at most {MAX_LENGTH} characters",
                         field="password")
    if not password.strip():
        raise InputError("a password cannot be only spaces", field="password")


class Hasher:
    """Argon2id hashing with ``hasher``'s parameters (argon2-cffi's defaults, RFC 9106's
    low-memory profile: 64 MiB, 3 passes, 4 lanes, unless another is given; tests give
    cheaper ones, still Argon2id)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self.dummy = self._hasher.hash(secrets.token_urlsafe(32))

    def hash(self, password: str) -> str:
        """The Argon2id hash of ``password``, checked first. Raises InputError naming the
        rule the password breaks."""
        check_password(password)
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches the hash ``stored``. With no hash (an unknown account,
        or one without a password) the dummy is verified instead, and the answer is False:
        the cost is one verification either way. A malformed stored hash is a mismatch."""
        try:
            matches = self._hasher.verify(stored or self.dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matches and stored is not None

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with other parameters than this hasher's."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True
