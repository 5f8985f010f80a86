"""The same dataset harvested from two sources: found by a shared global identifier (a DOI, a
handle, a URN, an http(s) URL in ``dct:identifier`` or ``dcat:landingPage``) and linked with
``prov:alternateOf`` in a links graph of its own (``{base}graph/{id}/links``), so that the
records themselves, and their content hashes, stay as their sources sent them.

Links go to the work area, and to the public area when both records are published there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from repository import Repository
from vocab.namespaces import DCAT, DCT, PROV, YL

GLOBAL = re.compile(r"^(https?://\S+|doi:\S+|hdl:\S+|urn:\S+|10\.\d{4,9}/\S+)$", re.IGNORECASE)
PUBLISHED = "https://w3id.org/yuliao/vocab/record-state/published"
DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def variants(value: Node) -> set[Node]:
    """The terms another source may have written the same global identifier as."""
    text = str(value).strip()
    if not GLOBAL.match(text):
        return set()
    forms = {text}
    doi = DOI.match(text)
    if doi:
        suffix = doi.group(1)
        forms |= {suffix, f"doi:{suffix}", f"https://doi.org/{suffix}", f"http://dx.doi.org/{suffix}"}
    terms: set[Node] = set()
    for form in forms:
        terms.add(Literal(form))
        if re.match(r"^[a-z][a-z0-9+.\-]*:\S+$", form, re.IGNORECASE):
            terms.add(URIRef(form))
    return terms


def link(repository: Repository, local_ids: Iterable[str],
         keys: Mapping[str, Iterable[Node]] | None = None) -> int:
    """Link each of ``local_ids`` to the other records sharing a global identifier with it
    (one query for all of them); returns the number of records that got links. ``keys`` may
    give, per local id, its ``dct:identifier`` and ``dcat:landingPage`` values as just stored
    (saves reading its graph back)."""
    matches: dict[str, set[str]] = {}
    for mine, other in _pairs(repository, list(local_ids), keys or {}):
        if mine != other:
            matches.setdefault(mine, set()).add(other)
    for local_id, others in sorted(matches.items()):
        _write(repository, local_id, others)
    return len(matches)


def _pairs(repository: Repository, local_ids: list[str],
           keys: Mapping[str, Iterable[Node]]) -> list[tuple[str, str]]:
    """(one of ``local_ids``, a record sharing an identifier with it)."""
    rows = []
    for local_id in local_ids:
        for value in keys[local_id] if local_id in keys else _keys(repository, local_id):
            rows += [f"({Literal(local_id).n3()} {term.n3()})" for term in variants(value)]
    if not rows:
        return []
    found = repository.work.select(f"""
        SELECT DISTINCT ?mine ?id WHERE {{ VALUES (?mine ?v) {{ {" ".join(rows)} }}
          GRAPH ?g {{ ?b <{DCT.identifier}>|<{DCAT.landingPage}> ?v .
                      ?r <http://xmlns.com/foaf/0.1/primaryTopic> ?b ; <{YL.localId}> ?id }} }}""")
    return [(str(row["mine"]), str(row["id"])) for row in found]


def _keys(repository: Repository, local_id: str) -> list[Node]:
    """The identifiers and landing pages of ``local_id`` as stored in the work area."""
    record = repository.ids.resource(local_id)
    graph = repository.work.graph(repository.ids.graph(local_id))
    return [value for predicate in (DCT.identifier, DCAT.landingPage)
            for value in graph.objects(record, predicate)]


def _write(repository: Repository, local_id: str, others: set[str]) -> None:
    ids = repository.ids
    g = Graph(bind_namespaces="none")
    for other in sorted(others):
        g.add((ids.resource(local_id), PROV.alternateOf, ids.resource(other)))
    name = ids.links_graph(local_id)
    repository.work.replace({name: g})
    public = [t for t in g if _published(repository, t[2]) and _published(repository, t[0])]
    repository.public.replace({name: public or None})


def _published(repository: Repository, resource: Node) -> bool:
    local_id = repository.ids.local_id_of(str(resource))
    return local_id is not None and repository.public.ask(
        f"ASK {{ GRAPH {repository.ids.graph(local_id).n3()} {{ ?r <{YL.state}> "
        f"<{PUBLISHED}> }} }}")
