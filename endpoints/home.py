"""The home page: the published records and the formats each can be had in.

Each row links to the record's page (``endpoints.records``: ``/record/{id}`` with content
negotiation, ``olac.xml``, ``croissant.json``, ``export/{format}``); this blueprint reads the
public area only.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from repository import Repository
from repository.export import FORMATS
from vocab.namespaces import DCT

bp = Blueprint("home", __name__, template_folder="templates")


def repository() -> Repository:
    return current_app.extensions["yuliao"]


@bp.get("/")
def index() -> str:
    """All published records with links to every export format."""
    rows = []
    for record in repository().published():
        subject = repository().ids.resource(record.id)
        rows.append({
            "id": record.id,
            "titles": sorted(str(t) for t in record.graph.objects(subject, DCT.title)),
            "datestamp": record.datestamp,
        })
    return render_template("home.html", records=rows, formats=list(FORMATS.values()),
                           config=current_app.config["YULIAO"])
