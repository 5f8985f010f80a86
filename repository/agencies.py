"""Providing agencies: what the public area says of an agency, and its datasets page by page.

An agency is the ``dct:publisher`` of datasets, ``{base}agency/{code}`` (an agency code such
as ``A29000000G``, an OID, or a percent-encoded name, as the data.gov.tw crosswalk mints them).
A **registered** agency (:mod:`repository.accounts.agencies`) is described by its own graph in
the public area: its names, code, parent (whose names are added, so that the page names it)
and contact point; it has a page even before it publishes anything. Of any other agency what
is known is what the published records it publishes say of it (its ``foaf:name`` in each
language, its ``dct:identifier``\\ s, any contact it carries). The page also lists the contact
points of the datasets shown. Its datasets are the
members of the OAI-PMH set ``agency:{slug}`` (:func:`repository.oai_sets.agency_slug`) in the
dissemination index, read one page at a time on that set's own index: a page costs the same
for an agency with ten datasets and for one with a million, and so does its count, which
stops at :data:`COUNT_CAP`.

A slug reaches the same page: ``/agency/iri-…`` and ``/agency/name-…`` name the publishers
the set hierarchy names by a hash (another IRI; a harvested publisher that is a node of its
record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from vocab.namespaces import DCAT, DCT, FOAF, ORG, VCARD

from .accounts.agencies import CODE, AgencyRegister
from .errors import NotFound
from .oai_sets import agency_slug
from .records import Record, split_record_graph

if TYPE_CHECKING:
    from .core import Repository

#: Datasets listed on one page of an agency.
PAGE_SIZE = 20
#: How far an agency's datasets are counted (beyond it: "more than").
COUNT_CAP = 1000


def canonical_code(requested: str) -> str:
    """The code of ``{base}agency/{code}`` a path names once decoded: encoded again as the
    crosswalks mint it (every character but letters, digits and ``-._~`` percent-encoded)."""
    return quote(requested, safe="")


@dataclass(frozen=True)
class Contact:
    """A contact point of a dataset of the agency: name, telephone and e-mail (each may be
    missing), as ``tel:`` and ``mailto:`` IRIs for the last two."""

    name: str | None
    telephone: str | None
    email: str | None


@dataclass(frozen=True)
class AgencyPage:
    """One page of an agency: how it is described, its datasets on this page, and where the
    neighbouring pages start.

    ``node`` is the agency as the records name it (its IRI, or for a harvested publisher the
    node of the first record listed); ``description`` holds the statements about it merged
    from the records on the page; ``rdf`` is True when ``node`` is an IRI that can stand for
    the agency in RDF. ``next_after`` / ``previous_before`` are the cursors of the next and
    previous pages (None at either end).
    """

    code: str
    spec: str
    node: Node
    description: Graph
    datasets: list[Record]
    contacts: list[Contact]
    count: int
    next_after: str | None = None
    previous_before: str | None = None
    rdf: bool = False

    @property
    def more_than_counted(self) -> bool:
        return self.count >= COUNT_CAP


def agency_page(repository: Repository, code: str, *, after: str | None = None,
                before: str | None = None, size: int = PAGE_SIZE) -> AgencyPage:
    """The page of the agency ``code`` (canonical, or a set slug) starting after the local id
    ``after`` (or ending before ``before``).

    Raises NotFound when the agency is not registered and no dataset it publishes is public
    (withdrawn ones do not count): the repository knows nothing else of it. Raises
    StoreError when the store or the index fails.
    """
    base = repository.ids.base
    spec = f"agency:{agency_slug(URIRef(f'{base}agency/{code}'), [], URIRef(base), base)}"
    index = repository.disseminations
    found = index.members(spec, after=after, before=before, limit=size + 1)
    if before is not None:
        listed, has_previous, has_next = found[-size:], len(found) > size, True
    else:
        listed, has_previous, has_next = found[:size], after is not None, len(found) > size
    sample = listed or index.members(spec, limit=1)
    registered = registered_description(repository, code)
    if not sample and registered is None:
        raise NotFound(f"no agency {code} is registered or publishes a public dataset")
    records = [_record(repository, local_id) for local_id in sample]
    node, description = registered or _described(records, spec.removeprefix("agency:"), base)
    return AgencyPage(
        code=code, spec=spec, node=node, description=description,
        datasets=records if listed else [], contacts=_contacts(records if listed else [], base),
        count=index.count_members(spec, cap=COUNT_CAP),
        next_after=listed[-1] if listed and has_next else None,
        previous_before=listed[0] if listed and has_previous else None,
        rdf=isinstance(node, URIRef) and "#" not in node,
    )


def registered_description(repository: Repository, code: str) -> tuple[URIRef, Graph] | None:
    """The agency ``code`` as the register describes it in the public area, with its parent's
    names; None when it is not registered."""
    register = AgencyRegister(repository.ids.base, repository.public)
    if not CODE.fullmatch(code):
        return None
    graph = repository.public.graph(register.graph_name(code))
    if not len(graph):
        return None
    node = register.iri(code)
    for parent in list(graph.objects(node, ORG.subOrganizationOf)):
        code_of_parent = str(parent)[len(f"{repository.ids.base}agency/"):]
        for name in repository.public.graph(register.graph_name(code_of_parent)).objects(
                parent, FOAF.name):
            graph.add((parent, FOAF.name, name))
    return node, graph


def _record(repository: Repository, local_id: str) -> Record:
    stored = repository.public.graph(repository.ids.graph(local_id))
    return split_record_graph(local_id, stored, repository.ids)


def _described(records: list[Record], slug: str, base: str) -> tuple[Node, Graph]:
    """The agency node (from the first record that names it) and every statement about it in
    ``records`` (each record's own node mapped onto that one)."""
    description = Graph(bind_namespaces="none")
    node: Node | None = None
    for record in records:
        for publisher in _publishers(record, slug, base):
            node = node if node is not None else publisher
            for predicate, value in record.graph.predicate_objects(publisher):
                description.add((node, predicate, value))
    if node is None:  # the index and the public area disagree: the index is stale
        raise NotFound(f"the datasets of agency {slug} name no such publisher")
    return node, description


def _publishers(record: Record, slug: str, base: str) -> list[Node]:
    """The publishers of ``record`` whose set slug is ``slug``."""
    subject = URIRef(f"{base}id/{record.id}")
    return [p for p in record.graph.objects(subject, DCT.publisher)
            if not isinstance(p, Literal) and agency_slug(p, _names(record.graph, p), subject,
                                                          base) == slug]


def _names(graph: Graph, node: Node) -> list[Literal]:
    return [n for n in graph.objects(node, FOAF.name) if isinstance(n, Literal)]


def _contacts(records: list[Record], base: str) -> list[Contact]:
    """The distinct contact points of ``records``' datasets, in the order first met."""
    found: dict[Contact, None] = {}
    for record in records:
        subject = URIRef(f"{base}id/{record.id}")
        for point in sorted(record.graph.objects(subject, DCAT.contactPoint)):
            found.setdefault(_contact(record.graph, point))
    return list(found)


def _contact(graph: Graph, node: Node) -> Contact:
    def first(predicate: URIRef) -> str | None:
        values = sorted(str(v) for v in graph.objects(node, predicate))
        return values[0] if values else None

    return Contact(first(VCARD.fn), first(VCARD.hasTelephone), first(VCARD.hasEmail))
