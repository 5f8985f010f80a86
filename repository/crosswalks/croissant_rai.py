"""What a record truly says of where its data came from, for its Croissant description: the
Croissant RAI 1.0 vocabulary (``rai:``) and PROV-O (Croissant 1.1, "Provenance
representation"). A property the record does not tell is left out, never guessed.

- ``rai:dataCollection``: the record's own account of it (``dct:provenance``, in English when
  it has one in English), else a statement made from its provenance in this repository:
  harvested (from which base URL, as which source record, on which day, and where the source
  had it from: its catalogue record names the harvest run), imported from another catalogue
  (a source but no harvest run) or deposited here by its publisher (no source), and the day it
  was first published here.
- ``rai:dataReleaseMaintenancePlan``: the update frequency its publisher states
  (``dct:accrualPeriodicity``), as given.
- ``prov:wasDerivedFrom``: the source record a harvested or imported record was derived from;
  ``prov:wasGeneratedBy``: the harvest run (a ``prov:Activity``) that brought it here.

Left out, since no record says them: ``rai:dataCollectionType`` (its recommended values name
ways of collecting data, such as surveys, web scraping or direct measurement; how a
*description* reached this repository is none of them), ``rai:personalSensitiveInformation``
and the annotation, bias, limitation and use-case properties. A deposited record's passage
through the review workflow is kept in the work area's history, not in the public record this
export reads, so the statement does not claim it.
"""

from __future__ import annotations

import re
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from repository.provenance import earlier_origins
from repository.records import Source
from vocab.namespaces import DCT, FOAF, PROV, YL

RAI_1_0 = "http://mlcommons.org/croissant/RAI/1.0"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: A JSON-LD value: a string (English, the context's language) or a language-tagged value.
TextValue = str | dict[str, str]


def provenance_properties(graph: Graph, subject: URIRef) -> dict[str, Any]:
    """The ``rai:`` and ``prov:`` properties the record of ``subject`` in ``graph`` (its
    description and catalogue record) supports; none that it does not."""
    record = graph.value(predicate=FOAF.primaryTopic, object=subject)
    properties = {
        "rai:dataCollection": (preferred_text(graph, subject, DCT.provenance)
                               or collection_statement(graph, subject, record)),
        "rai:dataReleaseMaintenancePlan": preferred_text(graph, subject,
                                                         DCT.accrualPeriodicity),
        "prov:wasDerivedFrom": _reference(graph, record, PROV.wasDerivedFrom),
        "prov:wasGeneratedBy": _activity(graph, record),
    }
    return {key: value for key, value in properties.items() if value}


def preferred_text(graph: Graph, node: Node, prop: URIRef) -> TextValue | None:
    """One value of ``prop`` as JSON-LD: an English (or untagged) literal as a string, else a
    literal of another language as ``{"@value", "@language"}``, else an IRI as a string."""
    values = sorted(graph.objects(node, prop))
    literals = sorted((v for v in values if isinstance(v, Literal)),
                      key=lambda v: (not _english(v), v.language or "", str(v)))
    if literals:
        best = literals[0]
        return str(best) if _english(best) else {"@value": str(best), "@language": best.language}
    iris = [str(v) for v in values if isinstance(v, URIRef)]
    return iris[0] if iris else None


def _english(literal: Literal) -> bool:
    return literal.language is None or literal.language.lower().split("-")[0] == "en"


def collection_statement(graph: Graph, subject: URIRef, record: Node | None) -> str | None:
    """How the record came to this repository and when it was first published here, from its
    catalogue record (None without one)."""
    if record is None:
        return None
    if graph.value(record, PROV.wasGeneratedBy) is not None:
        origin = _from_source(graph, record, "Harvested", graph.value(record, YL.harvestDate))
    elif graph.value(record, YL.sourceIdentifier) is not None:
        origin = _from_source(graph, record, "Imported", None)
    else:
        origin = _deposited(graph, subject)
    published = _day(graph.value(record, DCT.issued))
    return f"{origin}; first published in this repository on {published}." if published \
        else f"{origin}."


def _from_source(graph: Graph, record: Node, how: str, when: Node | None) -> str:
    """"Harvested from {base URL} as its record {source identifier} on {day}", each part
    that is known, and the repositories the source had the record from. Raises InputError
    when the source's own provenance is not an OAI ``originDescription``."""
    base = graph.value(record, YL.sourceBaseURL)
    identifier = str(graph.value(record, YL.sourceIdentifier))
    parts = [how, f"from {base}" if base is not None else "from another catalogue",
             f"as its record {identifier}"]
    day = _day(when)
    if day:
        parts.append(f"on {day}")
    prior = graph.value(record, YL.priorOrigin)
    earlier = earlier_origins(Source(identifier, prior_origin=str(prior))) if prior else []
    parts += [f"(which had it from {earlier_base} as its record {earlier_id})"
              for earlier_base, earlier_id in earlier]
    return " ".join(parts)


def _deposited(graph: Graph, subject: URIRef) -> str:
    """"Deposited in this repository by {publishers}" (their English names where given)."""
    names = [name for name in (preferred_text(graph, p, FOAF.name)
                               for p in sorted(graph.objects(subject, DCT.publisher)))
             if name is not None]
    texts = [name if isinstance(name, str) else name["@value"] for name in names]
    return "Deposited in this repository" + (f" by {' and '.join(texts)}" if texts else "")


def _day(value: Node | None) -> str | None:
    """The day (YYYY-MM-DD) a date or date-time literal starts with, else None."""
    match = _DAY.match(str(value)) if isinstance(value, Literal) else None
    return match.group(0) if match else None


def _reference(graph: Graph, record: Node | None, prop: URIRef) -> dict[str, str] | None:
    value = graph.value(record, prop) if record is not None else None
    return {"@id": str(value)} if isinstance(value, URIRef) else None


def _activity(graph: Graph, record: Node | None) -> dict[str, str] | None:
    """The harvest run that generated the record, as a ``prov:Activity``."""
    run = _reference(graph, record, PROV.wasGeneratedBy)
    return {**run, "@type": "prov:Activity"} if run else None
