"""Configuration: where the repository lives and the names it publishes under.

Every IRI is built from ``base_uri``, never from the host a request arrived on.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

DEFAULT_BASE_URI = "https://yuliao.example.org/"
DEFAULT_OAI_ID = "yuliao.example.org"
OAI_ID_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")


@dataclass(frozen=True)
class Config:
    """Settings of one repository home. Build with :meth:`from_env` or directly in tests."""

    home: Path
    base_uri: str = DEFAULT_BASE_URI
    oai_repository_id: str = DEFAULT_OAI_ID
    repository_name: str = "Yuliao 語料 — Taiwan language resources"
    admin_email: str = "admin@yuliao.example.org"
    validation_batch: int = 200
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^/\s]+/(\S*/)?$", self.base_uri):
            raise InputError(
                f"base URI {self.base_uri!r} must be an http(s) URI ending in '/'",
                field="YULIAO_BASE_URI",
            )
        if not OAI_ID_PATTERN.fullmatch(self.oai_repository_id):
            raise InputError(
                f"OAI repository identifier {self.oai_repository_id!r} must be a domain name",
                field="YULIAO_OAI_ID",
            )

    @classmethod
    def from_env(cls, home: str | Path | None = None) -> Config:
        """Settings from ``YULIAO_HOME`` (default ./var), ``YULIAO_BASE_URI``, ``YULIAO_OAI_ID``.

        Raises InputError for a malformed base URI or repository identifier.
        """
        env = os.environ
        return cls(
            home=Path(home or env.get("YULIAO_HOME") or "var").resolve(),
            base_uri=env.get("YULIAO_BASE_URI", DEFAULT_BASE_URI),
            oai_repository_id=env.get("YULIAO_OAI_ID", DEFAULT_OAI_ID),
            admin_email=env.get("YULIAO_ADMIN_EMAIL", "admin@yuliao.example.org"),
        )

    @property
    def store_dir(self) -> Path:
        return self.home / "store"
