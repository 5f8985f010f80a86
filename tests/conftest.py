"""Shared test fixtures: where ../shared is, a skip for tests that need it, and the two store
backends (embedded Oxigraph, and Oxigraph server processes for the remote backend)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
import requests

from repository import Config, Repository
from repository.accounts import AccountServices, AgencyRegister, new_agency
from repository.config import AccountSettings, RemoteEndpoints, StoreSettings
from tests.accounts_support import AGENCY_A, AGENCY_B, DATABASES, Clock, open_office

# Cheap password hashes for the whole suite, and every command it starts (the suite hashes
# hundreds; each costs 0.15 s of 64 MiB at the production cost). Still Argon2id.
os.environ.setdefault("YULIAO_HASH_MEMORY_KIB", "1024")
os.environ.setdefault("YULIAO_HASH_PASSES", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
#: Seconds an Oxigraph server may take to start answering.
SERVER_START_S = 20.0
BACKENDS = ("embedded", "remote")
PR_SET_PDEATHSIG = 1  # prctl(2)
BACKEND_AREAS = ("work", "public")


def shared_path(*parts: str) -> Path:
    """A file under ../shared; skips the calling test with a reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        where = "/".join(parts)
        pytest.skip(f"needs ../shared/{where} (the shared folder is not beside the project)")
    return path


class CountingStore:
    """A store (the real one) that records the name of every method called on it."""

    def __init__(self, store) -> None:
        self.store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        found = getattr(self.store, name)
        if not callable(found):
            return found

        def counted(*args, **kwargs):
            self.calls.append(name)
            return found(*args, **kwargs)
        return counted

    def __len__(self) -> int:
        self.calls.append("__len__")
        return len(self.store)


# -- Oxigraph server processes -----------------------------------------------------------------


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command (PyPI package ``oxigraph``): beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"


def _die_with_parent() -> None:
    """In the child (Linux): SIGTERM when the test process dies, even when it is killed and
    cannot run the fixture's teardown. Elsewhere nothing."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class OxigraphServer:
    """``oxigraph serve`` on 127.0.0.1 and a free port, started at once; :meth:`stop` ends it.

    Raises RuntimeError when it does not answer within SERVER_START_S (its log in the message).
    """

    def __init__(self, binary: str, log: Path, location: Path | None, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._log_path = log
        command = [binary, "serve", "--bind", f"127.0.0.1:{self.port}", *extra]
        if location is not None:
            command += ["--location", str(location)]
        self._log: IO[bytes] = self._log_path.open("wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        preexec_fn=_die_with_parent)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        log = self._log_path.read_text(errors="replace")
        raise RuntimeError(f"oxigraph serve on port {self.port} did not start: {log}")

    def endpoints(self) -> RemoteEndpoints:
        return RemoteEndpoints(f"{self.url}query", f"{self.url}update", f"{self.url}store")

    def clear(self) -> None:
        """Drop every graph (one update, with timeouts)."""
        response = requests.post(f"{self.url}update", data=b"DROP ALL", timeout=(2, 30),
                                 headers={"Content-Type": "application/sparql-update"})
        with response:
            response.raise_for_status()

    def stop(self) -> None:
        """End the process and wait for it (killed when it ignores SIGTERM for 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


class OxigraphServers:
    """Pairs of servers (work, public), started when first asked for and kept for the session."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary, self.root = binary, root
        self._pairs: list[tuple[OxigraphServer, OxigraphServer]] = []
        self._others: list[OxigraphServer] = []

    def pair(self, index: int) -> tuple[OxigraphServer, OxigraphServer]:
        while len(self._pairs) <= index:
            work, public = (self.root / f"{area}-{len(self._pairs)}" for area in BACKEND_AREAS)
            self._pairs.append((self._start(work.with_suffix(".log"), work),
                                self._start(public.with_suffix(".log"), public)))
        return self._pairs[index]

    def server(self, *extra: str) -> OxigraphServer:
        """One more server (in memory) with its own options, stopped with the others."""
        server = self._start(self.root / f"memory-{len(self._others)}.log", None, *extra)
        self._others.append(server)
        return server

    def _start(self, log: Path, location: Path | None, *extra: str) -> OxigraphServer:
        """A started server; a second and third try on other ports when one was taken between
        probing and binding (other test sessions start servers too)."""
        for attempt in range(3):
            try:
                return OxigraphServer(self.binary, log, location, *extra)
            except RuntimeError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        for server in [*(s for pair in self._pairs for s in pair), *self._others]:
            server.stop()


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServers]:
    """The Oxigraph servers of this session; skips when the ``oxigraph`` binary is missing."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("needs the Oxigraph server binary (`pip install oxigraph`, in the test "
                    "extra) for the remote-store backend")
    servers = OxigraphServers(binary, tmp_path_factory.mktemp("oxigraph"))
    yield servers
    servers.stop()


def remote_settings(work: OxigraphServer, public: OxigraphServer) -> StoreSettings:
    """Settings for a repository on ``work`` and ``public`` (short timeouts for tests)."""
    return StoreSettings(work=work.endpoints(), public=public.endpoints(), connect_timeout=2.0,
                         read_timeout=30.0, retries=1)


RepositoryFactory = Callable[..., Repository]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each repository-level test runs on the embedded store and on Oxigraph servers."""
    return request.param


@pytest.fixture
def make_repository(backend: str, request: pytest.FixtureRequest) -> Iterator[RepositoryFactory]:
    """``make_repository(home, **config)``: a Repository on this test's backend; each one made
    gets its own (cleared) pair of servers. Every repository made is closed afterwards."""
    made: list[Repository] = []
    servers = request.getfixturevalue("oxigraph") if backend == "remote" else None

    def make(home: Path, **settings) -> Repository:
        if servers is not None:
            work, public = servers.pair(len(made))
            work.clear()
            public.clear()
            settings["store"] = remote_settings(work, public)
        repository = Repository(Config(home=home, **settings))
        made.append(repository)
        return repository

    yield make
    for repository in made:
        repository.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator:
    """A PostgreSQL server of this session (tests/postgres_server.py) for the accounts
    database's PostgreSQL backend; skips, saying why, when PostgreSQL is not installed."""
    from tests.postgres_server import PostgresServer, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    server = PostgresServer()
    yield server
    server.stop()


# -- the accounts database (tests/accounts_support.py) -----------------------------------------


@pytest.fixture(params=DATABASES)
def accounts_config(request: pytest.FixtureRequest, tmp_path: Path) -> Config:
    """A home whose accounts database is SQLite, or a new PostgreSQL database."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").new_database()
        return Config(home=tmp_path, accounts=AccountSettings(database=url))
    return Config(home=tmp_path)


@pytest.fixture
def register() -> Iterator[AgencyRegister]:
    """A real register (an in-memory store) with agencies A and B."""
    with Repository(Config(home=None), in_memory=True) as repository:
        agencies = AgencyRegister.of(repository)
        agencies.add(new_agency(AGENCY_A, "數位發展部", "Ministry of Digital Affairs"))
        agencies.add(new_agency(AGENCY_B, "數位產業署", "Administration for Digital Industries",
                                parent=AGENCY_A))
        yield agencies


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def office(accounts_config: Config, register: AgencyRegister,
           clock: Clock) -> Iterator[AccountServices]:
    with open_office(accounts_config, register, clock) as services:
        yield services


# -- the command line --------------------------------------------------------------------------


def yuliao(home: Path, *args: str):
    """``yuliao --home HOME ARGS…`` run in this process (click's CliRunner); an exception
    escaping the command, which a user would see as a traceback, fails the calling test."""
    from click.testing import CliRunner

    from app import main

    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def initialised_home(tmp_path: Path) -> Path:
    """A home made by ``yuliao init`` (every other command needs one)."""
    home = tmp_path / "home"
    result = yuliao(home, "init")
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def fresh_demo_home(tmp_path: Path) -> Path:
    """A home made by ``yuliao init --demo`` for this test alone (it may change it)."""
    home = tmp_path / "home"
    result = yuliao(home, "init", "--demo")
    assert result.exit_code == 0, result.output
    return home
