"""Harvest runs and sources: ``/run/{source}/{start}`` and ``/source/{name}``.

Every record a harvest stores says ``prov:wasGeneratedBy {base}run/{source}/{start}``
(harvest/run.py); the run's description (the source it used, start and end, status, counts)
is public, in the graph ``{base}graph/run/{source}/{start}``. This is where that IRI
dereferences: an HTML page, or the graph as RDF, negotiated as record pages are;
``/graph/run/…`` answers 303 to it. ``{base}source/{name}``, the source a run used, is
registered in the work area (its settings are admin data); its page lists what is public of
it, its runs, from their public descriptions alone (latest first, at most
:data:`RUNS_LISTED`).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import Graph, URIRef

from repository import StoreError
from vocab.namespaces import PROV, YL

from . import record_view as view
from .i18n import N_
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
        return missing(N_("No such harvest run"), N_("There is no harvest run %(name)s."),
                       name=name)
    links = variants("runs.page", name=name)
    if variant is None:
        return not_acceptable(links)
    fields = view.description_fields(graph, iri)
    return negotiated(variant, links, lambda: render_template(
        "run.html", name=name, iri=str(iri), alternates=links, fields=fields,
        config=current_app.config["YULIAO"]), lambda: graph)


@bp.get("/graph/run/<path:name>", merge_slashes=False)
def named_graph(name: str) -> Response:
    """The graph holding a run's description: 303 See Other to the run's page."""
    response = redirect(url_for("runs.page", name=name, **request.args.to_dict()), code=303)
    response.vary.add("Accept")
    return response


#: Runs listed on a source's page.
RUNS_LISTED = 100


@bp.get("/source/<path:name>", merge_slashes=False)
def source(name: str) -> Response:
    """A harvest source by its runs: 404 when no public run used it, 406 when nothing
    acceptable is available."""
    variant = negotiate()
    base = repository().ids.base
    iri = URIRef(f"{base}source/{name}")
    runs = repository().public.select(f"""
        SELECT ?run ?start ?status WHERE {{ GRAPH ?g {{
          ?run <{PROV.used}> {iri.n3()} ; <{PROV.startedAtTime}> ?start .
          OPTIONAL {{ ?run <{YL.runStatus}> ?status }} }} }}
        ORDER BY DESC(?start) LIMIT {RUNS_LISTED}""")
    if not runs:
        return missing(N_("No such harvest source"),
                       N_("No public harvest run used a source %(name)s."), name=name)
    links = variants("runs.source", name=name)
    if variant is None:
        return not_acceptable(links)
    graph = Graph(bind_namespaces="none")
    for row in runs:
        graph.add((row["run"], PROV.used, iri))
        graph.add((row["run"], PROV.startedAtTime, row["start"]))
    listed = [(str(row["run"]), str(row["run"]).removeprefix(f"{base}run/"),
               str(row["start"]), str(row.get("status", ""))) for row in runs]
    return negotiated(variant, links, lambda: render_template(
        "source.html", name=name, iri=str(iri), runs=listed, alternates=links,
        config=current_app.config["YULIAO"]), lambda: graph)
