"""Pages built in child processes of a web worker (endpoints/render_pool.py): which requests
go there, that a page built there is the page the worker would build, and that a child that
dies costs nothing but the request's speed (it is built by the worker, and the pool is made
anew)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app
from endpoints.asgi import BufferedApp, Limits
from endpoints.render_pool import RenderPool, renders
from repository import Config, Repository
from tests.test_owner_link import call


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("GET", "/record/00000014", True), ("HEAD", "/record/00000014", True),
    ("GET", "/agency/A29000000G", True), ("GET", "/language/nan", True),
    ("GET", "/licence/SAITDL-1.0", True), ("GET", "/browse", True),
    ("GET", "/record/00000014/files/five-language-phrasebook.csv", False),  # a download
    ("POST", "/record/00000014", False), ("GET", "/", False), ("GET", "/search", False),
    ("GET", "/oai", False), ("GET", "/sparql", False),
])
def test_the_costly_pages_are_built_in_the_children(method, path, expected) -> None:
    assert renders(method, path) is expected


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BufferedApp, object]]:
    from tests.conftest import yuliao

    home = tmp_path_factory.mktemp("render") / "home"
    assert yuliao(home, "init", "--demo").exit_code == 0
    with Repository(Config.from_env(home)) as repository:  # as the owner does at start
        repository.public_snapshot()
    app = create_app(Config.from_env(home), reader=True)
    app.config["BACK_OFFICE"] = True  # as served_app sets it when an owner serves it
    pool = RenderPool(1, home, back_office=True)
    try:
        yield BufferedApp(app, Limits(), renderers=pool), app
    finally:
        pool.close()


def page(app: BufferedApp, path: bytes) -> tuple[int, bytes]:
    status, _headers, body = call(app, "GET", path, headers=[(b"accept", b"text/html")])
    return status, body


def test_a_page_built_in_a_child_is_the_page_the_worker_builds(served) -> None:
    buffered, app = served
    status, body = page(buffered, b"/record/00000014")
    assert status == 200 and b"/login" in body  # it links to the back office, as the worker
    assert body == app.test_client().get("/record/00000014",
                                         headers={"Accept": "text/html"}).data
    assert list(buffered.renderers.executor._processes)  # noqa: SLF001 - a child built it


def test_a_child_that_dies_costs_only_the_speed_of_one_request(served) -> None:
    buffered, _app = served
    assert page(buffered, b"/record/00000014")[0] == 200
    first = buffered.renderers.executor
    for pid in list(first._processes):  # noqa: SLF001
        os.kill(pid, signal.SIGKILL)
    status, body = page(buffered, b"/record/00000001")
    assert status == 200 and "中華民國外交年鑑" in body.decode()
    assert buffered.renderers.executor is not first  # made anew
    assert page(buffered, b"/record/00000001")[0] == 200


def test_children_end_when_their_worker_is_gone(tmp_path: Path) -> None:
    """A child watches its worker's pid: one started for a pid that is gone ends itself."""
    import multiprocessing

    from endpoints.render_pool import _watch

    gone = multiprocessing.get_context("fork").Process(target=lambda: None)
    gone.start()
    gone.join()
    watcher = multiprocessing.get_context("fork").Process(target=_watch, args=(gone.pid,))
    watcher.start()
    watcher.join(5)
    assert watcher.exitcode == 71
