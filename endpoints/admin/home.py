"""The back office's first page: who is signed in and what they may do."""

from __future__ import annotations

from flask import render_template

from repository.actors import Actor

from . import bp, require
from .auth import LogoutForm


@bp.get("/admin")
@require()
def home(actor: Actor) -> str:
    return render_template("admin/home.html", actor=actor, logout=LogoutForm())
