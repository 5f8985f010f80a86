"""The VoID description at ``/.well-known/void`` and the DCAT catalogue at ``/catalog``.

Both read the public area only and answer Turtle by default, JSON-LD, RDF/XML or N-Triples by
``Accept`` (or ``format=``), with ``Vary: Accept``; a browser (``text/html`` preferred, or
``format=html``) gets a page that says what is there and links the RDF.

- **VoID**: the description :func:`repository.void.describe` makes (``/void``, the document
  of ``{base}void#dataset`` and its subsets, answers 303 to it) (counts, subsets per
  harvest source and per OAI-PMH set: the facet counts), cached and recomputed in the
  background after a public change (:class:`VoidCache`), which also keeps a copy in the public
  area for SPARQL. There is no whole-store dump to advertise (record dumps are per record).
- **DCAT**: the ``dcat:Catalog`` ``{base}catalog`` (header and dataset descriptions from
  :mod:`repository.crosswalks.dcat`), paged by ``?page=`` with :data:`PAGE_SIZE` datasets a
  page and a ``hydra:PartialCollectionView``, plus ``dcat:DataService`` entries for /sparql and
  /oai. Page 1 is ``{base}catalog``.

Both carry a weak ETag and a Last-Modified from the dissemination index (its version and
latest datestamp; for VoID, those the served description was computed from) and answer a
conditional request for what the client holds with 304 before building anything
(:mod:`endpoints.conditional`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import Graph, Literal, Namespace, URIRef

from repository import Repository
from repository.config import Config
from repository.crosswalks.dcat import catalogue, dcat_triples, record_subject
from repository.errors import RepositoryError
from repository.records import parse_datestamp
from repository.sparql import QUERY_PREFIXES
from repository.void import StoredVoid, VoidCache
from vocab.namespaces import DCAT, DCT, FOAF, RDF_, XSD, YL, bind_prefixes

from .conditional import Validators
from .i18n import LANGUAGE_VARY, language_code, locale, vary_by_language
from .page_cache import PAGES, NotCached, built_once, only_cached
from .search import facet_title
from .sparql.negotiation import GRAPH, HTML, Format, NotAcceptable, choose
from .sparql.results import CannotSerialise, serialise_graph

bp = Blueprint("catalog", __name__)

#: Datasets on one page of /catalog (at most 1000, the brief's bound).
PAGE_SIZE = 100
HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID = Namespace("http://rdfs.org/ns/void#")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
OAI_PMH = URIRef("http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm")


def hydra(term: str) -> URIRef:
    return URIRef(HYDRA + term)


class PageError(Exception):
    """A ``page`` that is not a page of the catalogue; carries its HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def repository() -> Repository:
    return current_app.extensions["yuliao"]


def config() -> Config:
    return current_app.config["YULIAO"]


# -- VoID --------------------------------------------------------------------------------------


def void_cache() -> VoidCache | StoredVoid:
    """The application's VoID cache (``create_app`` makes it)."""
    return current_app.extensions["yuliao.void"]


# -- DCAT --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of the catalogue: its number, the ids on it and how many pages there are."""

    number: int
    ids: list[str]
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def page_of(argument: str | None, total: int) -> Page:
    """The page ``argument`` (1 when absent) of the ``total`` published datasets, its ids read
    from the dissemination index. Raises PageError: 400 for a page that is not a whole number
    from 1, 404 for one past the last; StoreError when the index fails."""
    try:
        number = int(argument) if argument is not None else 1
    except ValueError:
        raise PageError(f"page={argument!r} is not a whole number", 400) from None
    if number < 1:
        raise PageError(f"page={number}: pages start at 1", 400)
    last = max(1, -(-total // PAGE_SIZE))
    if number > last:
        raise PageError(f"page={number}: the catalogue has {last} pages", 404)
    ids = repository().disseminations.live_ids((number - 1) * PAGE_SIZE, PAGE_SIZE)
    return Page(number, ids, total)


def catalog_graph(base: str, page: Page) -> Graph:
    """The catalogue page: the catalogue, the datasets of ``page`` in DCAT-AP, the data
    services and the hydra paging view."""
    store, ids = repository().public, repository().ids
    graph = catalogue([], base)  # the catalogue's own description
    catalog = URIRef(f"{base}catalog")
    for local_id in page.ids:
        _add_dataset(graph, catalog, store.graph(ids.graph(local_id)))
    _services(graph, catalog, base)
    _paging(graph, catalog, page)
    bind_prefixes(graph)
    graph.bind("hydra", HYDRA)
    return graph


def _add_dataset(out: Graph, catalog: URIRef, record: Graph) -> None:
    """What :func:`repository.crosswalks.dcat.catalogue` adds for one record, through the
    cheaper :func:`dcat_triples` (no intermediate Graph per record)."""
    subject = record_subject(record)
    for triple in dcat_triples(record, subject):
        out.add(triple)
    out.add((catalog, DCAT.dataset, subject))
    catalogue_record = record.value(predicate=FOAF.primaryTopic, object=subject)
    if catalogue_record is not None:
        out.add((catalog, DCAT.record, catalogue_record))


def _services(g: Graph, catalog: URIRef, base: str) -> None:
    """The data services; a dcat:Catalog is a dcat:Dataset (DCAT 3), said explicitly because
    the DCAT-AP shapes check ``dcat:servesDataset`` without inference."""
    g.add((catalog, RDF_.type, DCAT.Dataset))
    for path, title, standard in (("sparql", "SPARQL 1.1 endpoint", SPARQL_PROTOCOL),
                                  ("oai", "OAI-PMH 2.0 data provider", OAI_PMH)):
        service = URIRef(f"{base}{path}#service")
        g.add((catalog, DCAT.service, service))
        g.add((service, RDF_.type, DCAT.DataService))
        g.add((service, DCT.title, Literal(title, lang="en")))
        g.add((service, DCAT.endpointURL, URIRef(f"{base}{path}")))
        g.add((service, DCT.conformsTo, standard))
        g.add((standard, RDF_.type, DCT.Standard))
        g.add((service, DCAT.servesDataset, catalog))


def page_iri(catalog: URIRef, number: int) -> URIRef:
    return catalog if number == 1 else URIRef(f"{catalog}?page={number}")


def _paging(g: Graph, catalog: URIRef, page: Page) -> None:
    view = URIRef(f"{catalog}?page={page.number}")
    g.add((catalog, hydra("totalItems"), Literal(page.total, datatype=XSD.integer)))
    g.add((catalog, hydra("view"), view))
    g.add((view, RDF_.type, hydra("PartialCollectionView")))
    g.add((view, hydra("first"), page_iri(catalog, 1)))
    g.add((view, hydra("last"), page_iri(catalog, page.last)))
    if page.number > 1:
        g.add((view, hydra("previous"), page_iri(catalog, page.number - 1)))
    if page.number < page.last:
        g.add((view, hydra("next"), page_iri(catalog, page.number + 1)))


# -- answering ---------------------------------------------------------------------------------


def rdf_format() -> Format:
    """The negotiated format, an RDF one or the HTML page (before any work). Raises
    NotAcceptable."""
    return choose(GRAPH, request.accept_mimetypes, request.args.getlist("format"))


#: The RDF formats a page links to: (format= value, name shown).
RDF_LINKS = (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML"),
             ("ntriples", "N-Triples"))


def html_page(template: str, **context) -> Response:
    """A page for browsers, in the reader's language."""
    response = Response(render_template(template, rdf_links=RDF_LINKS,
                                        family_name=facet_title, **context),
                        mimetype="text/html")
    response.vary.add("Accept")
    return vary_by_language(response)


def rdf_response(graph: Graph, fmt: Format) -> Response:
    """``graph`` in ``fmt``. Raises CannotSerialise."""
    for prefix in ("void", "hydra"):
        graph.bind(prefix, QUERY_PREFIXES[prefix])
    response = Response(serialise_graph(graph, fmt.name), content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def void_view(described) -> dict:
    """What the VoID page shows: the totals and each family's subsets (spec, name, records)."""
    graph, base = described.graph, config().base_uri
    dataset = URIRef(f"{base}void#dataset")
    totals = {name: int(graph.value(dataset, VOID[name]) or 0)
              for name in ("triples", "entities", "documents")}
    families: dict[str, list[tuple[str, str, int]]] = {}
    for subset in graph.objects(dataset, VOID.subset):
        spec = graph.value(subset, YL.setSpec)
        if spec is None or ":" not in str(spec):
            continue
        names = {n.language: str(n) for n in graph.objects(subset, DCT.title)}
        name = (names.get("en") if language_code() == "en" else names.get("zh-Hant")) \
            or next(iter(names.values()), str(spec))
        count = int(graph.value(subset, VOID.entities) or 0)
        families.setdefault(str(spec).split(":", 1)[0], []).append((str(spec), name, count))
    for values in families.values():
        values.sort(key=lambda v: (-v[2], v[0]))
    return {"totals": totals, "families": families}


def text_error(error: Exception) -> Response:
    return Response(f"{error}\n", status=getattr(error, "status", 500),
                    content_type="text/plain; charset=utf-8")


@bp.get("/.well-known/void")
def void_description() -> Response:
    """The VoID description (304 when the client holds it, 503 when the store fails, 406 for
    an unknown format)."""
    try:
        fmt = rdf_format()
        described = void_cache().description()
        validators = Validators.of("void", described.version, fmt.name, weak=True,
                                   last_modified=parse_datestamp(described.latest))
        if fmt is HTML:
            validators = Validators.of("void", described.version, fmt.name, locale(),
                                       weak=True, last_modified=parse_datestamp(described.latest))
            return validators.answer(lambda: html_page("void.html", void=void_view(described)),
                                     vary=("Accept", *LANGUAGE_VARY))
        return validators.answer(lambda: rdf_response(described.graph, fmt), vary=("Accept",))
    except (RepositoryError, NotAcceptable, CannotSerialise) as error:
        return text_error(error)


@bp.get("/void")
def void_subsets() -> Response:
    """``{base}void#dataset`` and its subsets (``#set-…``) are described in the VoID
    description: 303 See Other to it."""
    response = redirect(url_for("catalog.void_description", **request.args.to_dict()), code=303)
    response.vary.add("Accept")
    return response


@bp.get("/catalog")
def catalog() -> Response:
    """One page of the DCAT catalogue (304 when the client holds it, 400/404 for a bad page,
    406, 503)."""
    try:
        fmt = rdf_format()
        index = repository().disseminations
        validators = Validators.of("catalog", index.version(), request.args.get("page"),
                                   fmt.name, weak=True,
                                   last_modified=parse_datestamp(index.latest_datestamp()))
        page = page_of(request.args.get("page"), index.summary().records)
        if fmt is HTML:
            if only_cached():  # built each time (a page of the index): not on the event loop
                raise NotCached("catalog")
            return html_page("catalog.html", page=page, page_size=PAGE_SIZE,
                             last=max(1, -(-page.total // PAGE_SIZE)),
                             listings=index.live_listings((page.number - 1) * PAGE_SIZE,
                                                          PAGE_SIZE))
        key = (f"catalog?page={page.number}&size={PAGE_SIZE}", fmt.name, index.version(),
               request.script_root)
        return validators.answer(lambda: built_once(
            current_app.extensions[PAGES], key,
            lambda: rdf_response(catalog_graph(config().base_uri, page), fmt)), vary=("Accept",))
    except (RepositoryError, NotAcceptable, CannotSerialise, PageError) as error:
        return text_error(error)
