"""Agency pages: ``/agency/{code}``, the providing agency and its published datasets, paged.

``{base}agency/{code}`` is the IRI every record published by the agency names as its
``dct:publisher``; this is where it dereferences (and ``/graph/agency/{code}``, the graph
describing a registered agency, answers 303 to it). The page gives the agency's names and
identifiers, parent and contact (from the register when the agency is registered, else from the
records it publishes: :mod:`repository.agencies`), the contact points of its datasets, and its
datasets :data:`~repository.agencies.PAGE_SIZE` at a time (``?after={id}`` and ``?before={id}`` walk
the pages), read from the dissemination index, never by walking every record. Negotiation is
the record pages' (``Accept`` or ``?format=``): an agency named by an IRI is also served as
RDF (the statements about it and the ``dct:publisher`` links of the datasets listed). An
agency that is not registered and publishes no public dataset is 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from rdflib import Graph

from repository import NotFound, StoreError
from repository.agencies import COUNT_CAP, AgencyPage, agency_page, canonical_code
from vocab.namespaces import DCT, bind_prefixes

from . import record_view as view
from .i18n import N_
from .records import (
    HTML,
    missing,
    negotiate,
    negotiated,
    not_acceptable,
    repository,
    store_failed,
    variants,
)

bp = Blueprint("agencies", __name__, template_folder="templates")
bp.register_error_handler(StoreError, store_failed)


@bp.get("/agency/<minted:code>", merge_slashes=False)
def page(code: str) -> Response:
    """The agency in the negotiated variant: 404 when it is not registered and publishes no
    public dataset, 406
    when nothing acceptable is available (RDF only for an agency named by an IRI), 400 for an
    unknown ``?format=``."""
    variant = negotiate()
    found = find_agency(code)
    if found is None:
        return not_found(canonical_code(code))
    links = alternates(found)
    if variant is None or variant != HTML and not found.rdf:
        return not_acceptable(links)
    return negotiated(variant, links, lambda: agency_html(found), lambda: agency_graph(found))


@bp.get("/graph/agency/<minted:code>", merge_slashes=False)
def named_graph(code: str) -> Response:
    """The graph describing a registered agency: 303 See Other to the agency's page, whose RDF
    holds it."""
    response = redirect(url_for("agencies.page", code=code, **request.args.to_dict()), code=303)
    response.vary.add("Accept")
    return response


def find_agency(requested: str) -> AgencyPage | None:
    """The page asked for of the agency ``requested`` (decoded) names, canonical code first,
    then as given; None when neither publishes a public dataset."""
    after, before = request.args.get("after"), request.args.get("before")
    for code in dict.fromkeys((canonical_code(requested), requested)):
        try:
            return agency_page(repository(), code, after=after, before=before)
        except NotFound:
            continue
    return None


def alternates(found: AgencyPage) -> list[tuple[str, str, str]]:
    """(href, media type, label) of the variants of the agency page asked for."""
    query = {k: v for k, v in request.args.items() if k in ("after", "before")}
    return variants("agencies.page", rdf=found.rdf, code=found.code, **query)


def agency_graph(found: AgencyPage) -> Graph:
    """What the agency is in RDF: the statements about it, and which datasets of this page
    it publishes."""
    graph = Graph(bind_namespaces="none")
    graph += found.description
    for record in found.datasets:
        graph.add((repository().ids.resource(record.id), DCT.publisher, found.node))
    bind_prefixes(graph)
    return graph


def agency_html(found: AgencyPage) -> str:
    """The HTML page of the agency."""
    ids = repository().ids
    names = view.names(found.description, found.node)
    datasets = [(record.id, view.titles(record.graph, ids.resource(record.id)))
                for record in found.datasets]
    return render_template(
        "agency.html", agency=found, names=names, iri=str(found.node) if found.rdf else None,
        fields=view.description_fields(found.description, found.node), datasets=datasets,
        count_cap=COUNT_CAP, pages=page_links(found), alternates=alternates(found),
        set_list=url_for("oai.oai", verb="ListRecords", metadataPrefix="olac",
                         set=found.spec),
        config=current_app.config["YULIAO"])


def page_links(found: AgencyPage) -> dict[str, str]:
    """The addresses of the first, previous and next pages (those that exist)."""
    links = {}
    if found.previous_before is not None:
        links["first"] = url_for("agencies.page", code=found.code)
        links["previous"] = url_for("agencies.page", code=found.code,
                                    before=found.previous_before)
    if found.next_after is not None:
        links["next"] = url_for("agencies.page", code=found.code, after=found.next_after)
    return links


def not_found(code: str) -> Response:
    """404 naming the agency code."""
    return missing(N_("No such agency"),
                   N_("No agency with the code %(code)s is registered or publishes a public "
                      "dataset."), code=code)
