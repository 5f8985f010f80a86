"""The VoID description of the public area: what it holds, how big it is, and its facets.

One ``void:Dataset`` (``{base}void#dataset``) for everything public, with the SPARQL endpoint,
counts (triples, records, datasets), vocabularies, URI space and an example resource; one
subset per harvest source whose runs produced public records (``dct:source``); and one subset
per OAI-PMH set with public records, ``{base}void#set-licence:CC0-1.0``: its ``yl:setSpec``,
names, ``void:entities`` (records not deleted), the ListRecords URL as ``foaf:page`` and, for
licence and text-type sets, the statement that defines them (``dct:license``,
``yl:textType``). These set subsets are the facet counts (datasets per language, licence, text
type, agency and source) that a SPARQL ``COUNT`` takes seconds to give at a million records;
they come from the dissemination index in one scan.

:meth:`Repository.store_description` keeps a copy in the public area, in the graph
``{base}.well-known/void``, so that SPARQL queries can read the counts
(``?s yl:setSpec "licence:CC0-1.0" ; void:entities ?n``). Computing the description scans
the public area (about 10 s at 26 million quads): :class:`VoidCache` computes it off the
request path.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef

from vocab.namespaces import DCT, FOAF, PREFIXES, RDF_, XSD, YL, bind_prefixes

from .config import Config
from .disseminations import Disseminations
from .errors import RepositoryError
from .oai_sets import OaiSet, defining_statement
from .records import now_utc, parse_datestamp, utc_literal

if TYPE_CHECKING:
    from pathlib import Path

    from .core import Repository
    from .reader import PublicReader

log = logging.getLogger(__name__)

VOID = "http://rdfs.org/ns/void#"
#: The vocabularies the public records use (void:vocabulary).
VOCABULARIES = ("dct", "dcat", "foaf", "vcard", "prov", "skos", "odrl", "xsd", "yl", "rdfs")


def void(term: str) -> URIRef:
    return URIRef(VOID + term)


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


def describe(repository: Repository) -> Graph:
    """The VoID description of the public area of ``repository``, dated now. Raises
    StoreError."""
    config = repository.config
    base = config.base_uri
    g = Graph(bind_namespaces="none")
    dataset = URIRef(f"{base}void#dataset")
    g.add((repository.ids.description, RDF_.type, void("DatasetDescription")))
    g.add((repository.ids.description, FOAF.primaryTopic, dataset))
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
    set_subsets(g, dataset, repository.disseminations, repository.config)
    g.add((dataset, DCT.modified, utc_literal(now_utc())))
    bind_prefixes(g)
    return g


def _void_counts(g: Graph, dataset: URIRef, repository: Repository) -> None:
    """Triples from the store (a scan; the stored description itself not counted); datasets
    and documents from the dissemination index, which holds exactly the public records and
    tombstones."""
    index = repository.disseminations
    triples = len(repository.public) - len(repository.public.graph(repository.ids.description))
    g.add((dataset, void("triples"), Literal(triples, datatype=XSD.integer)))
    g.add((dataset, void("entities"), Literal(index.live_count(), datatype=XSD.integer)))
    g.add((dataset, void("documents"), Literal(len(index), datatype=XSD.integer)))
    g.add((dataset, YL.tokenCount, Literal(repository.text_index.token_total(),
                                           datatype=XSD.integer)))
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


def set_subsets(g: Graph, dataset: URIRef, index: Disseminations, config: Config) -> None:
    """Adds to ``g`` one subset of ``dataset`` per OAI-PMH set of ``index`` with records not
    deleted, with its size (the facet counts). Raises StoreError when the index fails."""
    names = index.set_names()
    for spec, records in index.set_counts().items():
        subset = URIRef(f"{config.base_uri}void#set-{spec}")
        g.add((dataset, void("subset"), subset))
        g.add((subset, RDF_.type, void("Dataset")))
        g.add((subset, YL.setSpec, Literal(spec)))
        g.add((subset, void("entities"), Literal(records, datatype=XSD.integer)))
        g.add((subset, FOAF.page, URIRef(_set_list(config, spec))))
        _set_names(g, subset, names.get(spec))
        defined = defining_statement(spec)
        if defined is not None:
            g.add((subset, *defined))


def _set_list(config: Config, spec: str) -> str:
    """Where the provider lists the set's records."""
    return f"{config.oai_base_url}?verb=ListRecords&metadataPrefix=olac&set={spec}"


def _set_names(g: Graph, subset: URIRef, named: OaiSet | None) -> None:
    if named is not None and named.name_zh:
        g.add((subset, DCT.title, Literal(named.name_zh, lang="zh-Hant")))
    if named is not None and named.name_en:
        g.add((subset, DCT.title, Literal(named.name_en, lang="en")))


@dataclass(frozen=True)
class Description:
    """A computed VoID description and the state of the dissemination index it describes:
    its :meth:`~repository.disseminations.Disseminations.version` and latest datestamp (what
    HTTP validators of the description are made from), both read before computing."""

    graph: Graph
    version: str
    latest: str | None


def stored_is_current(repository: Repository) -> bool:
    """True when the description kept in the public area was computed after the latest
    change the dissemination index records (every public change dates its record, so a
    description dated later describes the area as it is). Raises StoreError."""
    stored = repository.public.graph(repository.ids.description)
    computed = [parse_datestamp(o) for o in stored.objects(None, DCT.modified)]
    latest = parse_datestamp(repository.disseminations.latest_datestamp())
    return bool(computed) and latest is not None and max(computed) > latest


class VoidCache:
    """The VoID description (:func:`describe`), computed once per state of
    the dissemination index, and kept in the public area for SPARQL.

    Its statistics scan the store (about 10 s for 26 million quads), so a request never waits
    for them but the first request for the description: when the index's generation shows a
    change, :meth:`refresh` recomputes it on a background thread while the previous one is
    served (its ``dct:modified`` says when it was computed). Each computed description is
    also written to the public area (:meth:`Repository.store_description`), where /sparql can
    query its counts; /sparql asks for a refresh with every query, which costs nothing when
    nothing changed.
    """

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self._lock = threading.Lock()
        self._state: tuple | None = None
        self._description: Description | None = None
        self.refreshing: threading.Thread | None = None

    def graph(self) -> Graph:
        """The description; computed now the first time. Raises StoreError then."""
        return self.description().graph

    def description(self) -> Description:
        """The description with the index state it describes; computed now the first time.
        Raises StoreError then."""
        state = self.repository.disseminations.generation()
        with self._lock:
            if self._description is None:
                self._description, self._state = self._described(), state
            else:
                self._start_refresh(state)
            return self._description

    def refresh(self) -> None:
        """Recompute in the background when the index changed (or nothing was computed yet);
        never waits, never raises (an index that cannot be read is logged)."""
        try:
            state = self.repository.disseminations.generation()
        except RepositoryError as error:
            log.warning("the VoID description was not refreshed: %s", error)
            return
        with self._lock:
            self._start_refresh(state)

    def _start_refresh(self, state: tuple) -> None:
        if state != self._state and self.refreshing is None:
            self.refreshing = threading.Thread(target=self._refresh, args=(state,),
                                               name="void-refresh", daemon=True)
            self.refreshing.start()

    def _described(self) -> Description:
        """A new description, stored in the public area (a failed write is logged: the
        description is still served)."""
        index = self.repository.disseminations
        version, latest = index.version(), index.latest_datestamp()
        graph = describe(self.repository)
        try:
            self.repository.store_description(graph)
        except RepositoryError as error:
            log.warning("the VoID description could not be stored for SPARQL: %s", error)
        return Description(graph, version, latest)

    def _refresh(self, state: tuple) -> None:
        """Recompute for ``state`` off the request. Whatever fails (the store, or the
        repository closed under it) keeps the previous description and is logged; the next
        change tries again."""
        try:
            description = self._described()
            with self._lock:
                self._description, self._state = description, state
        except Exception:  # noqa: BLE001 - a background thread must not die silently
            log.exception("the VoID description could not be recomputed")
        finally:
            with self._lock:
                self.refreshing = None


class StoredVoid:
    """The VoID description as the owner of a served home keeps it in the public area, read
    from the snapshot a :class:`~repository.reader.PublicReader` has open: the web workers of
    ``yuliao serve`` never compute it, since its statistics scan the whole store while
    holding the interpreter (seconds at 100,000 records, in which the worker answers
    nothing). Only a home whose owner has not stored one yet gets it computed here, once.
    The same interface as :class:`VoidCache`."""

    def __init__(self, reader: PublicReader) -> None:
        self.reader = reader
        self._lock = threading.Lock()
        self._read: tuple[Path, Description] | None = None

    def graph(self) -> Graph:
        return self.description().graph

    def description(self) -> Description:
        """The description in the current snapshot, with the snapshot's name as its version.
        Raises StoreError."""
        snapshot = self.reader.public_snapshot()
        with self._lock:
            if self._read is None or self._read[0] != snapshot:
                self._read = snapshot, self._load(snapshot)
            return self._read[1]

    def _load(self, snapshot: Path) -> Description:
        graph = self.reader.public.graph(self.reader.ids.description)
        if not len(graph):
            graph = describe(self.reader)
        bind_prefixes(graph)
        index = self.reader.disseminations
        return Description(graph, f"{snapshot.name}.{index.version()}",
                           index.latest_datestamp())

    def refresh(self) -> None:
        """Nothing to do: the owner computes the description and takes a new snapshot."""
