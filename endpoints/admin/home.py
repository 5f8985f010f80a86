"""The back office's first page: who is signed in and what waits for them.

A reviewer sees the first records of their review queue; a data provider sees the records
returned to them for revision and their drafts; each list links to the full one. Every list
is one short query of the review index (:mod:`repository.workflow.index`), whatever the size
of the catalogue.
"""

from __future__ import annotations

from flask import render_template

from repository.actors import Actor, Role
from repository.workflow.index import Entry

from . import bp, require, workflow
from .auth import LogoutForm

#: Records each list of the page shows.
SHOWN = 5


@bp.get("/admin")
@require()
def home(actor: Actor) -> str:
    return render_template("admin/home.html", actor=actor, logout=LogoutForm(),
                           waiting=waiting(actor))


def waiting(actor: Actor) -> list[tuple[str, str, list[Entry]]]:
    """(list name, the full list's state filter or '' for the queue, its first entries) for
    what waits for ``actor``."""
    flow = workflow()
    if actor.role is Role.PROVIDER:
        return [(state, state, flow.records(actor, state=state, limit=SHOWN))
                for state in ("in-revision", "draft")]
    return [("queue", "", flow.queue(actor, limit=SHOWN))]
