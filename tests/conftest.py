"""Shared test fixtures: where ../shared is, and a skip for tests that need it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; skips the calling test with a reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        where = "/".join(parts)
        pytest.skip(f"needs ../shared/{where} (the shared folder is not beside the project)")
    return path
