"""``yuliao serve`` for real: an owner process holding the store, granian web workers reading
its snapshot, and the limits every client gets (slow headers and bodies cut off, large bodies
refused before they are read)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import main
from repository.config import CONFIG_FILE

from .server_support import Server, descendants, get, serving

LIMITS = """
[server]
header_timeout = 1
body_timeout = 1

[limits]
max_body = 65536
"""


def make_home(root: Path, settings: str = "") -> Path:
    home = root / "home"
    result = CliRunner().invoke(main, ["--home", str(home), "init", "--demo"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (home / CONFIG_FILE).write_text(settings, encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("serve"), LIMITS)
    with serving(home, "--workers", "2") as running:
        yield running


def command_lines(pids: list[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                         .decode())
        except OSError:
            continue
    return lines


def test_two_web_workers_answer_while_the_owner_holds_the_store(server: Server) -> None:
    status, _, body = get(f"{server.url}record/00001174", Accept="text/turtle")
    assert status == 200 and b"00001174" in body
    granian = [line for line in command_lines(server.tree()) if "granian" in line]
    assert len(granian) == 3  # the supervisor and two workers
    exported = CliRunner().invoke(main, ["--home", str(server.home), "export", "--format",
                                         "olac"])
    assert exported.exit_code != 0  # the store is the server's


def test_no_response_names_the_server_software_version(server: Server) -> None:
    _, headers, _ = get(f"{server.url}oai?verb=Identify")
    assert not any(character.isdigit() for character in headers.get("server", ""))


def slow_socket(server: Server) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1].rstrip("/"))
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def received_before_close(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (raises on a 10 s silence)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_client_slow_to_send_its_headers_is_cut_off(server: Server) -> None:
    with slow_socket(server) as sock:
        sock.sendall(b"GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        received_before_close(sock)
        assert time.monotonic() - started < 5  # header_timeout = 1


def test_a_body_that_does_not_arrive_in_time_gets_408(server: Server) -> None:
    with slow_socket(server) as sock:
        sock.sendall(b"POST /oai HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nverb=")
        answer = received_before_close(sock)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"did not arrive within 1 s" in answer


def test_a_body_over_the_limit_is_refused_before_it_is_sent(server: Server) -> None:
    with slow_socket(server) as sock:
        sock.sendall(b"POST /oai HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/x-www-form-urlencoded\r\nContent-Length: 52428800\r\n\r\n")
        answer = received_before_close(sock)  # not one byte of the 50 MB was sent
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"over 65536 bytes" in answer


def test_requests_with_a_small_body_are_answered(server: Server) -> None:
    with slow_socket(server) as sock:
        body = b"verb=Identify"
        sock.sendall(b"POST /oai HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                     b"application/x-www-form-urlencoded\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        answer = received_before_close(sock)
    assert answer.startswith(b"HTTP/1.1 200") and b"<Identify>" in answer


def test_stopping_the_server_ends_every_process_it_started(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    with serving(home, "--workers", "1") as running:
        get(f"{running.url}sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")  # starts query processes
        tree = running.tree()
        assert len(tree) >= 4  # owner, granian, a worker, its query processes
    time.sleep(0.5)
    assert [pid for pid in tree if alive(pid)] == []
    assert descendants(running.process.pid) == [running.process.pid]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"
