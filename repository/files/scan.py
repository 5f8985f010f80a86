"""The malware scanner hook (seed 004 asks for one): every file is given to the command
``[files] scan_command`` names before it is accepted, its path as the last argument.

Exit status 0 means clean; 1 means infected (the file is refused, reason ``malware``, with
what the scanner said); anything else, a missing command or a scan past ``scan_timeout``
means the file could not be scanned, and it is not accepted either (StoreError: fail closed).
ClamAV's ``clamdscan --no-summary --fdpass`` follows this convention (docs/deployment.md).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..config import FileSettings
from ..errors import StoreError
from .checks import FileRefused


@dataclass(frozen=True)
class Scanner:
    """A malware scanner command and how long a scan may take."""

    command: tuple[str, ...]
    timeout: float

    @classmethod
    def of(cls, settings: FileSettings) -> Scanner | None:
        """The configured scanner, or None when there is none."""
        return cls(settings.scan_command, settings.scan_timeout) if settings.scan_command \
            else None

    def scan(self, path: Path, name: str) -> None:
        """Raises FileRefused ("malware") when the scanner finds something in the file at
        ``path`` (called ``name``), StoreError when it cannot scan it."""
        try:
            done = subprocess.run([*self.command, str(path)], capture_output=True, text=True,
                                  timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise StoreError(f"the malware scanner could not scan {name}: {error}") from error
        said = " ".join((done.stdout + done.stderr).split())[:500]
        if done.returncode == 1:
            raise FileRefused("malware", f"the malware scanner found something: {said}",
                              origin=name)
        if done.returncode != 0:
            raise StoreError(f"the malware scanner could not scan {name} (exit status "
                             f"{done.returncode}): {said}")
