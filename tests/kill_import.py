"""An import (or a harvest) that kills itself with SIGKILL right after a chosen step of a
chosen batch, for tests/test_crash_safety.py (run as a subprocess, ``python -m
tests.kill_import``; not a test module).

    python -m tests.kill_import HOME STEP BATCH FILE...
    python -m tests.kill_import HOME STEP BATCH --harvest SOURCE

STEP is the call after which the process dies: ``begin`` (the batch's intent is noted in the
journal), ``work`` (its work area is written), ``public`` (its public area), ``index`` (its
dissemination rows), ``text`` (its text documents) or ``end`` (its intent is ended); BATCH
counts the calls of that step, 1 being the first batch's. The local ids of each batch whose
intent was ended are appended to ``HOME/committed`` (a line a batch) as soon as it is. The
store is the one ``yuliao`` would use (``YULIAO_STORE``…); batches are of BATCH_SIZE records.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from harvest.run import Harvest
from harvest.sources import Registry
from repository import Config, Repository
from repository.importer import Importer
from repository.journal import Intent

BATCH_SIZE = 25
COMMITTED = "committed"


def steps(repository: Repository) -> dict[str, tuple[object, str]]:
    """Each step's object and method, in the order a batch calls them."""
    return {"begin": (repository.journal, "begin"), "work": (repository.work, "replace_statements"),
            "public": (repository.public, "replace_statements"),
            "index": (repository.disseminations, "put"), "text": (repository.text_index, "put"),
            "end": (repository.journal, "end")}


def log_commits(repository: Repository, log: Path) -> None:
    """Append the local ids of each intent to ``log`` once it is ended."""
    end = repository.journal.end

    def logged(intent: Intent) -> None:
        end(intent)
        with log.open("a", encoding="utf-8") as out:
            out.write(" ".join(intent.local_ids) + "\n")

    repository.journal.end = logged  # type: ignore[method-assign]


def die_after(target: object, name: str, call: int) -> None:
    """SIGKILL this process when ``target.name`` returns for the ``call``-th time."""
    original: Callable = getattr(target, name)
    calls = itertools.count(1)

    def dying(*args, **kwargs):
        result = original(*args, **kwargs)
        if next(calls) == call:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(target, name, dying)


def main(home: str, step: str, batch: str, *what: str) -> None:
    config = replace(Config.from_env(home), validation_batch=BATCH_SIZE)
    repository = Repository(config)
    log_commits(repository, config.home / COMMITTED)
    die_after(*steps(repository)[step], int(batch))
    if what[0] == "--harvest":
        source = Registry(repository).get(what[1])
        print(Harvest(repository, source).run().summary())
    else:
        print(Importer(repository).import_paths(Path(f) for f in what).summary())
    repository.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
