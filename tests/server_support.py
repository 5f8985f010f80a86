"""``yuliao serve`` run for real in tests: a subprocess on a free port of 127.0.0.1, stopped by
the test that started it, and the memory of its whole process tree."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .conftest import ROOT, free_port

#: Seconds the server may take to answer its first request.
START_S = 30.0
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Server:
    """A running ``yuliao serve``: its process and base URL."""

    process: subprocess.Popen
    url: str
    home: Path
    log: IO[bytes]

    def output(self) -> str:
        """What the server printed so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def tree(self) -> list[int]:
        """The server's process and all its descendants."""
        return descendants(self.process.pid)

    def resident_mib(self) -> float:
        """Resident memory of the whole process tree, in MiB."""
        return sum(resident_bytes(pid) for pid in self.tree()) / 2**20


def children_of() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    tree, found, pending = children_of(), [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(tree.get(current, []))
    return found


def resident_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def get(url: str, timeout: float = 30.0, **headers: str) -> tuple[int, dict, bytes]:
    """Status, headers and body of a GET (errors included)."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def serving(home: Path, *options: str) -> Iterator[Server]:
    """``yuliao --home HOME serve --port P OPTIONS`` until the block ends; then SIGTERM and a
    check that no process of it is left."""
    port = free_port()
    command = [sys.executable, "-m", "app", "--home", str(home), "serve", "--port", str(port),
               *options]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log,
                               stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}/", home, log)
    try:
        _wait(server, port)
        yield server
    finally:
        log.close()
        tree = server.tree()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        finally:
            _kill(tree)


def _wait(server: Server, port: int) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"yuliao serve exited with {server.process.returncode}: "
                               f"{server.output()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            if get(f"{server.url}oai?verb=Identify", timeout=5)[0] == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"yuliao serve did not answer on port {port} within {START_S} s")


def _kill(pids: list[int]) -> None:
    """Kill what is left of a server (the test then fails on it, see test_serve)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
