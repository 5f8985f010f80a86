"""What a public record is filtered and counted by on the search pages.

A record's facets are terms ``{facet}:{code}`` (:data:`FACETS`):

- ``language``, ``text-type``, ``licence``, ``agency``, ``source``: its OAI-PMH sets
  (:mod:`repository.oai_sets`: content and subject languages alike, agency slugs), and
  ``source:local`` for a record made here rather than harvested;
- ``domain`` (``yl:applicationDomain``), ``theme`` (``yl:portalTheme``), ``access``
  (``dct:accessRights``, the EU access-right codes): the codes of their concepts;
- ``ai``: ``yes`` when its licence's ODRL policy permits AI training (:func:`trainable`),
  else ``no``;
- ``decade``: each decade its time coverage (``dct:temporal``) overlaps, ``1990`` for the
  1990s; the first and last year are kept too, for filtering by a range of years.

It also carries what results are sorted by: the date issued, the datestamp, and the OLAC
metadata quality score (:mod:`repository.quality`), which search can also filter by.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from rdflib import Literal, URIRef

from vocab.namespaces import DCAT, DCT, FOAF, ODRL, SKOS, YL

#: The facets, in the order the search page shows them.
FACETS = ("text-type", "domain", "theme", "language", "licence", "ai", "access", "agency",
          "decade", "source")
#: Facets taken from the record's OAI-PMH sets.
SET_FACETS = ("language", "text-type", "licence", "agency", "source")
#: Facets whose code is the last part of a concept IRI, by property.
CONCEPT_FACETS = {"domain": YL.applicationDomain, "theme": YL.portalTheme,
                  "access": DCT.accessRights}
#: ODRL actions that, permitted, allow training a model on the data.
TRAINING_ACTIONS = (YL.aiTraining, ODRL.use, ODRL.derive)
#: The years a time coverage may span (a wider one is taken as unknown).
YEARS = (1, 9999)


@dataclass(frozen=True)
class Facets:
    """A record's facet terms, years covered and sort keys."""

    terms: tuple[str, ...] = ()
    first_year: int | None = None
    last_year: int | None = None
    issued: date | None = None
    quality: float | None = None  # the OLAC metadata quality score, 0 to 10
    #: tokens of the record's files, by the repository's tokenizer (repository.files.text)
    tokens: int = 0
    #: the SHA-256 of each of its stored files (whose kept text the text index searches)
    files: tuple[str, ...] = ()


def record_facets(graph, subject: URIRef, set_specs: Iterable[str],
                  quality: float | None = None) -> Facets:
    """The facets of ``subject`` described in ``graph`` (an rdflib Graph or a TripleIndex)
    whose OAI-PMH sets are ``set_specs`` and OLAC quality score ``quality``."""
    years = _years(graph, subject)
    terms = [*_set_terms(set_specs), *_concept_terms(graph, subject),
             f"ai:{'yes' if _any_trainable(graph, subject) else 'no'}",
             *(f"decade:{d}" for d in _decades(years))]
    return Facets(tuple(sorted(set(terms))), *(years or (None, None)),
                  issued=_issued(graph, subject), quality=quality,
                  tokens=file_tokens(graph, subject), files=file_digests(graph, subject))


def file_tokens(graph, subject: URIRef) -> int:
    """The tokens of ``subject``'s files counted by our tokenizer (counts by another are not
    comparable, and left out)."""
    from ..files.text import TOKENIZER

    total = 0
    for node in graph.objects(subject, DCAT.distribution):
        count, tokenizer = graph.value(node, YL.tokenCount), graph.value(node, YL.tokenizer)
        if count is not None and str(tokenizer) == TOKENIZER and str(count).isdigit():
            total += int(count)
    return total


def file_digests(graph, subject: URIRef) -> tuple[str, ...]:
    """The SHA-256 of each stored file of ``subject`` (its distributions with a checksum)."""
    from ..files.distributions import stored_files

    return tuple(sorted(file.sha256 for file in stored_files(graph, subject)))


def record_names(graph, subject: URIRef) -> tuple[str, ...]:
    """The names a person may search a record by besides its texts: every name our
    vocabulary gives its content and subject languages (``nan``: 臺灣台語, 台語, 閩南語,
    Taiwanese Hokkien, …) and its publishers' names."""
    from vocab.schemes import load

    vocabulary = load()
    names = [str(label) for predicate in (DCT.language, DCT.subject)
             for language in graph.objects(subject, predicate) if isinstance(language, URIRef)
             for kind in (SKOS.prefLabel, SKOS.altLabel)
             for label in vocabulary.objects(language, kind)]
    names += [str(name) for publisher in graph.objects(subject, DCT.publisher)
              for name in graph.objects(publisher, FOAF.name) if isinstance(name, Literal)]
    return tuple(dict.fromkeys(names))


def _set_terms(set_specs: Iterable[str]) -> Iterator[str]:
    specs = list(set_specs)
    yield from (s for s in specs if s.split(":", 1)[0] in SET_FACETS and ":" in s)
    if not any(s.startswith("source:") for s in specs):
        yield "source:local"


def _concept_terms(graph, subject: URIRef) -> Iterator[str]:
    for facet, predicate in CONCEPT_FACETS.items():
        for value in graph.objects(subject, predicate):
            if isinstance(value, URIRef):
                yield f"{facet}:{str(value).rstrip('/').rsplit('/', 1)[-1]}"


def _any_trainable(graph, subject: URIRef) -> bool:
    return any(trainable(str(value)) for value in graph.objects(subject, DCT.license)
               if isinstance(value, URIRef))


@cache
def trainable(licence: str) -> bool:
    """Whether the licence ``licence`` (an IRI of vocab/licences.ttl) permits training an AI
    model on the data: its policy permits ``yl:aiTraining``, ``odrl:use`` or ``odrl:derive``.
    An unknown licence does not."""
    from vocab.schemes import load

    graph = load()
    policies = [URIRef(licence), *graph.objects(URIRef(licence), ODRL.hasPolicy)]
    return any(action in TRAINING_ACTIONS
               for policy in policies for permission in graph.objects(policy, ODRL.permission)
               for action in graph.objects(permission, ODRL.action))


def _years(graph, subject: URIRef) -> tuple[int, int] | None:
    found = [_year(value) for period in graph.objects(subject, DCT.temporal)
             for predicate in (DCAT.startDate, DCAT.endDate)
             for value in graph.objects(period, predicate)]
    known = [y for y in found if y is not None]
    return (min(known), max(known)) if known else None


def _year(value) -> int | None:
    text = str(value) if isinstance(value, Literal) else ""
    digits = text[:4]
    if digits.isdigit() and YEARS[0] <= int(digits) <= YEARS[1]:
        return int(digits)
    return None


def _decades(years: tuple[int, int] | None) -> range:
    if years is None:
        return range(0)
    return range(years[0] // 10 * 10, years[1] // 10 * 10 + 1, 10)


def _issued(graph, subject: URIRef) -> date | None:
    for value in graph.objects(subject, DCT.issued):
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            continue
    return None
