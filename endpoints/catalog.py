"""The VoID description at ``/.well-known/void`` and the DCAT catalogue at ``/catalog``.

Both read the public area only and answer Turtle by default, JSON-LD, RDF/XML or N-Triples by
``Accept`` (or ``format=``), with ``Vary: Accept``.

- **VoID**: one ``void:Dataset`` (``{base}void#dataset``) for everything public, with its SPARQL
  endpoint, counts (triples, records, datasets), vocabularies, URI space, an example resource,
  one subset per harvest source whose runs produced public records, and one subset per OAI-PMH
  set (``{base}void#set-licence:CC0-1.0``: its ``yl:setSpec``, names, ``void:entities`` and the
  ListRecords URL; for licence and text-type sets the statement that defines them). The set
  subsets are the facet counts (datasets per language, licence, text type, agency, source)
  that a SPARQL ``COUNT`` takes seconds to give at a million records: they come from the
  dissemination index in one scan. The description is recomputed in the background after a
  public change (:class:`VoidCache`). There is no whole-store dump to advertise (record dumps
  are per record).
- **DCAT**: the ``dcat:Catalog`` ``{base}catalog`` (header and dataset descriptions from
  :mod:`repository.crosswalks.dcat`), paged by ``?page=`` with :data:`PAGE_SIZE` datasets a
  page and a ``hydra:PartialCollectionView``, plus ``dcat:DataService`` entries for /sparql and
  /oai. Page 1 is ``{base}catalog``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request
from rdflib import Graph, Literal, URIRef

from repository import Repository
from repository.config import Config
from repository.crosswalks.dcat import catalogue, dcat_triples, record_subject
from repository.errors import RepositoryError
from repository.oai_sets import OaiSet, defining_statement
from repository.records import now_utc, utc_literal
from repository.sparql import QUERY_PREFIXES
from vocab.namespaces import DCAT, DCT, FOAF, PREFIXES, RDF_, XSD, YL, bind_prefixes

from .sparql.negotiation import GRAPH, Format, NotAcceptable, choose
from .sparql.results import CannotSerialise, serialise_graph

bp = Blueprint("catalog", __name__)

#: Datasets on one page of /catalog (at most 1000, the brief's bound).
PAGE_SIZE = 100
VOID = "http://rdfs.org/ns/void#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
OAI_PMH = URIRef("http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm")
#: The vocabularies the public records use (void:vocabulary).
VOCABULARIES = ("dct", "dcat", "foaf", "vcard", "prov", "skos", "odrl", "xsd", "yl", "rdfs")


def void(term: str) -> URIRef:
    return URIRef(VOID + term)


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


def source_subsets(repository: Repository) -> list[tuple[URIRef, int]]:
    """Each harvest source public records came from, with how many records."""
    rows = repository.public.select(f"""
        SELECT ?source (COUNT(DISTINCT ?r) AS ?n) WHERE {{
          GRAPH ?g {{ ?r <{FOAF.primaryTopic}> ?d ;
                        <http://www.w3.org/ns/prov#wasGeneratedBy> ?run }}
          GRAPH ?h {{ ?run <http://www.w3.org/ns/prov#used> ?source }}
          FILTER NOT EXISTS {{ GRAPH ?g {{ ?r a <{YL.Tombstone}> }} }}
        }} GROUP BY ?source ORDER BY ?source""")
    return [(row["source"], int(row["n"])) for row in rows if isinstance(row.get("source"),
                                                                      URIRef)]


def void_graph(repository: Repository) -> Graph:
    """The VoID description of the public area of ``repository``. Raises StoreError."""
    config = repository.config
    base = config.base_uri
    g = Graph(bind_namespaces="none")
    dataset = URIRef(f"{base}void#dataset")
    g.add((URIRef(f"{base}.well-known/void"), RDF_.type, void("DatasetDescription")))
    g.add((URIRef(f"{base}.well-known/void"), FOAF.primaryTopic, dataset))
    g.add((dataset, RDF_.type, void("Dataset")))
    g.add((dataset, DCT.title, Literal(config.repository_name)))
    g.add((dataset, DCT.description, Literal(
        "Metadata of the published records of this repository (DCAT, Dublin Core, OLAC "
        "roles, licences, harvest provenance); drafts and records under review are not in it.",
        lang="en")))
    g.add((dataset, FOAF.homepage, URIRef(base)))
    g.add((dataset, void("sparqlEndpoint"), URIRef(f"{base}sparql")))
    g.add((dataset, void("rootResource"), URIRef(f"{base}catalog")))
    g.add((dataset, void("uriSpace"), Literal(f"{base}id/")))
    g.add((dataset, DCT.rights, Literal(config.oai.archive.access, lang="en")))
    for prefix in VOCABULARIES:
        g.add((dataset, void("vocabulary"), URIRef(PREFIXES[prefix])))
    _void_counts(g, dataset, repository)
    _void_subsets(g, dataset, repository)
    _void_sets(g, dataset, repository)
    bind_prefixes(g)
    return g


def _void_counts(g: Graph, dataset: URIRef, repository: Repository) -> None:
    """Triples from the store (a scan); datasets and documents from the dissemination index,
    which holds exactly the public records and tombstones."""
    index = repository.disseminations
    g.add((dataset, void("triples"), Literal(len(repository.public), datatype=XSD.integer)))
    g.add((dataset, void("entities"), Literal(index.live_count(), datatype=XSD.integer)))
    g.add((dataset, void("documents"), Literal(len(index), datatype=XSD.integer)))
    sample = index.sample_id()
    if sample is not None:
        g.add((dataset, void("exampleResource"), repository.ids.resource(sample)))


def _void_subsets(g: Graph, dataset: URIRef, repository: Repository) -> None:
    for index, (source, records) in enumerate(source_subsets(repository), start=1):
        subset = URIRef(f"{repository.config.base_uri}void#source-{index}")
        g.add((dataset, void("subset"), subset))
        g.add((subset, RDF_.type, void("Dataset")))
        g.add((subset, DCT.source, source))
        g.add((subset, void("entities"), Literal(records, datatype=XSD.integer)))


def _void_sets(g: Graph, dataset: URIRef, repository: Repository) -> None:
    """One subset per OAI-PMH set with public records, with its size (the facet counts)."""
    index = repository.disseminations
    names = index.set_names()
    for spec, records in index.set_counts().items():
        subset = URIRef(f"{repository.config.base_uri}void#set-{spec}")
        g.add((dataset, void("subset"), subset))
        g.add((subset, RDF_.type, void("Dataset")))
        g.add((subset, YL.setSpec, Literal(spec)))
        g.add((subset, void("entities"), Literal(records, datatype=XSD.integer)))
        g.add((subset, FOAF.page, URIRef(_set_list(repository.config, spec))))
        _set_names(g, subset, names.get(spec))
        defined = defining_statement(spec)
        if defined is not None:
            g.add((subset, *defined))


def _set_list(config: Config, spec: str) -> str:
    return f"{config.oai_base_url}?verb=ListRecords&metadataPrefix=olac&set={spec}"


def _set_names(g: Graph, subset: URIRef, named: OaiSet | None) -> None:
    if named is not None and named.name_zh:
        g.add((subset, DCT.title, Literal(named.name_zh, lang="zh-Hant")))
    if named is not None and named.name_en:
        g.add((subset, DCT.title, Literal(named.name_en, lang="en")))


class VoidCache:
    """The VoID description, computed once per state of the public area.

    Its statistics scan the store (about 10 s for 26 million quads), so a request never waits
    for them but the first: when the dissemination index shows a change, the description is
    recomputed on a background thread and the previous one is served meanwhile (its
    ``dct:modified`` says when it was computed). Raises StoreError (the first computation).
    """

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self._lock = threading.Lock()
        self._state: tuple | None = None
        self._graph: Graph | None = None
        self.refreshing: threading.Thread | None = None

    def graph(self) -> Graph:
        state = self.repository.disseminations.state()
        with self._lock:
            if self._graph is None:
                self._compute(state)
            elif state != self._state and self.refreshing is None:
                self.refreshing = threading.Thread(target=self._refresh, args=(state,),
                                                   name="void-refresh", daemon=True)
                self.refreshing.start()
            return self._graph

    def _compute(self, state: tuple) -> None:
        self._graph, self._state = self._described(), state

    def _described(self) -> Graph:
        graph = void_graph(self.repository)
        dataset = URIRef(f"{self.repository.config.base_uri}void#dataset")
        graph.add((dataset, DCT.modified, utc_literal(now_utc())))
        return graph

    def _refresh(self, state: tuple) -> None:
        """Recompute for ``state`` off the request; on a store error keep the stale graph
        (the next request after a change tries again)."""
        try:
            graph = self._described()
            with self._lock:
                self._graph, self._state = graph, state
        except RepositoryError:
            pass
        finally:
            with self._lock:
                self.refreshing = None


def void_cache() -> VoidCache:
    """The application's VoID cache (made on first use)."""
    cache = current_app.extensions.get("yuliao.void")
    if cache is None:
        cache = current_app.extensions["yuliao.void"] = VoidCache(repository())
    return cache


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
    """The negotiated RDF format (before any work). Raises NotAcceptable."""
    return choose(GRAPH, request.accept_mimetypes, request.args.getlist("format"), html=False)


def rdf_response(graph: Graph, fmt: Format) -> Response:
    """``graph`` in ``fmt``. Raises CannotSerialise."""
    for prefix in ("void", "hydra"):
        graph.bind(prefix, QUERY_PREFIXES[prefix])
    response = Response(serialise_graph(graph, fmt.name), content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def text_error(error: Exception) -> Response:
    return Response(f"{error}\n", status=getattr(error, "status", 500),
                    content_type="text/plain; charset=utf-8")


@bp.get("/.well-known/void")
def void_description() -> Response:
    """The VoID description (503 when the store fails, 406 for an unknown format)."""
    try:
        fmt = rdf_format()
        return rdf_response(void_cache().graph(), fmt)
    except (RepositoryError, NotAcceptable, CannotSerialise) as error:
        return text_error(error)


@bp.get("/catalog")
def catalog() -> Response:
    """One page of the DCAT catalogue (400/404 for a bad page, 406, 503)."""
    try:
        fmt = rdf_format()
        page = page_of(request.args.get("page"), repository().disseminations.live_count())
        return rdf_response(catalog_graph(config().base_uri, page), fmt)
    except (RepositoryError, NotAcceptable, CannotSerialise, PageError) as error:
        return text_error(error)
