"""A throwaway PostgreSQL server for the tests of the accounts database's PostgreSQL backend.

The server binaries come from the system (Debian's ``postgresql``: ``initdb`` and ``postgres``
under ``/usr/lib/postgresql/{version}/bin``; ``.ci/run`` installs the package when it runs as
root). The server listens on a Unix socket in a temporary folder only (no TCP port to collide
with), trusts local connections, and skips durability (``fsync=off``): it holds test data for
one session. PostgreSQL refuses to run as root, so when the tests do, it runs as the system's
``postgres`` user. It dies with the test process (``PR_SET_PDEATHSIG``, set after the change
of user, which would clear it).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO

from tests.conftest import _die_with_parent

#: Seconds the server may take to accept connections.
START_S = 30.0
SERVER_USER = "postgres"


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``postgres``: the newest Debian cluster version's, else
    wherever PATH has ``initdb``; None when PostgreSQL is not installed."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                      else 0)
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def missing_reason() -> str | None:
    """Why no server can be started here (None: one can)."""
    if binaries() is None:
        return ("needs a PostgreSQL server (Debian: apt-get install postgresql; .ci/run "
                "installs it when it runs as root)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"runs as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
    return None


class PostgresServer:
    """A server started at once in a new temporary folder; :meth:`stop` ends it and removes
    the folder. Raises RuntimeError when it does not start (its log in the message)."""

    def __init__(self) -> None:
        bin_dir = binaries()
        assert bin_dir is not None, missing_reason()
        self.root = Path(tempfile.mkdtemp(prefix="yuliao-pg-"))
        self._user = pwd.getpwnam(SERVER_USER) if os.geteuid() == 0 else None
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        data = self.root / "data"
        self._run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                   "--auth=trust", "-E", "UTF8", "--no-sync"])
        self._log: IO[bytes] = (self.root / "server.log").open("wb")
        self.process = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-k", str(self.root),
             "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "shared_buffers=16MB",
             "-c", "max_connections=40"],
            stdout=self._log, stderr=subprocess.STDOUT, **self._as_server_user())
        self._wait()

    def _as_server_user(self) -> dict:
        options: dict = {"preexec_fn": _die_with_parent}
        if self._user is not None:
            options.update(user=self._user.pw_uid, group=self._user.pw_gid, extra_groups=[])
        return options

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                              **self._as_server_user())
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")

    def url(self, database: str = "postgres") -> str:
        """A libpq URL of ``database`` on this server (over its socket)."""
        return f"postgresql://postgres@/{database}?host={self.root}"

    def _wait(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("PostgreSQL did not start: "
                           + (self.root / "server.log").read_text(errors="replace"))

    def new_database(self) -> str:
        """The URL of a new, empty database of its own."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """End the server (killed when it ignores SIGTERM for 10 s) and remove its folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)
