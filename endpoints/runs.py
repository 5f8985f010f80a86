"""Harvest runs: ``/run/{source}/{start}``, the PROV activity a harvested record links to.

Every record a harvest stores says ``prov:wasGeneratedBy {base}run/{source}/{start}``
(harvest/run.py); the run's description (source, start and end, status, counts) is public,
in the graph ``{base}graph/run/{source}/{start}``. This is where that IRI dereferences: an
HTML page, or the graph as RDF, negotiated as record pages are; ``/graph/run/…`` answers
303 to it. The harvest source itself (``prov:used``) is admin data of the work area and is
shown without a link.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import URIRef

from repository import StoreError
from vocab.namespaces import PROV

from . import record_view as view
from .records import (
    missing,
    negotiate,
    negotiated,
    not_acceptable,
    repository,
    store_failed,
    variants,
)

bp = Blueprint("runs", __name__, template_folder="templates")
bp.register_error_handler(StoreError, store_failed)


@bp.get("/run/<path:name>", merge_slashes=False)
def page(name: str) -> Response:
    """The run in the negotiated variant: 404 when the public area holds no such run, 406
    when nothing acceptable is available, 400 for an unknown ``?format=``."""
    variant = negotiate()
    base = repository().ids.base
    iri = URIRef(f"{base}run/{name}")
    graph = repository().public.graph(URIRef(f"{base}graph/run/{name}"))
    if not len(graph):
        return missing(("查無此收割作業", "No such harvest run"),
                       (f"沒有名為 {name} 的收割作業。", f"There is no harvest run {name}."))
    links = variants("runs.page", name=name)
    if variant is None:
        return not_acceptable(links)
    fields = view.description_fields(graph, iri, {s: None for s in graph.objects(iri, PROV.used)})
    return negotiated(variant, links, lambda: render_template(
        "run.html", name=name, iri=str(iri), alternates=links, fields=fields,
        config=current_app.config["YULIAO"]), lambda: graph)


@bp.get("/graph/run/<path:name>", merge_slashes=False)
def named_graph(name: str) -> Response:
    """The graph holding a run's description: 303 See Other to the run's page."""
    response = redirect(url_for("runs.page", name=name, **request.args.to_dict()), code=303)
    response.vary.add("Accept")
    return response
