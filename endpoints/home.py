"""The home page: the published records and the formats each can be had in.

Each row links to the record's page (``endpoints.records``: ``/record/{id}`` with content
negotiation, ``olac.xml``, ``croissant.json``); this blueprint reads the public area only.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template

from repository import Gone, InputError, NotFound, Repository
from repository.export import FORMATS, export_record
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


@bp.get("/record/<path:local_id>/export/<fmt>")
def export(local_id: str, fmt: str) -> Response:
    """One published record in format ``fmt``: 404 unknown, 410 withdrawn."""
    try:
        record = repository().get(local_id, public=True)
        data = export_record(repository(), record, fmt)
    except (NotFound, InputError):
        abort(404)
    except Gone:
        abort(410)
    return Response(data, mimetype=FORMATS[fmt].media_type)
