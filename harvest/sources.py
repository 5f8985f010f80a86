"""The registry of harvest sources, kept in the repository's work area as RDF.

A source is ``{base}source/{name}``, a ``yl:HarvestSource`` (and ``dcat:DataService``) in its
own named graph ``{base}graph/source/{name}``: what to harvest (kind, endpoint, metadata
prefix, sets), how (schedule, deletion by absence, default licence) and how far it got (the
date up to which it is harvested, and the checkpoint of an unfinished run, an ``rdf:JSON``
literal). Each change is one atomic graph replacement.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from repository import Repository
from repository.errors import InputError, NotFound
from vocab import schemes
from vocab.namespaces import DCAT, DCT, YL

KINDS = ("oai-pmh", "olac-static", "datagovtw")
NAME = re.compile(r"[a-z0-9][a-z0-9.\-]{0,62}")
SCHEDULE = re.compile(r"(\d+)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
RDF_JSON = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")


@dataclass(frozen=True)
class Checkpoint:
    """How far an unfinished run got: enough to go on from there and nowhere else.

    ``token`` is the last resumption token whose page was fully committed (None before the
    first page); ``response_date`` is the first page's responseDate, the date the source is
    harvested up to once the run completes.
    """

    run: str
    full: bool
    params: dict[str, str]
    token: str | None = None
    response_date: str | None = None
    pages: int = 0
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    started: str | None = None


@dataclass(frozen=True)
class HarvestSource:
    """One source and its harvest state. Build with :func:`new_source` to get checks."""

    name: str
    kind: str
    url: str
    metadata_prefix: str = "olac"
    sets: tuple[str, ...] = ()
    schedule: timedelta | None = None
    delete_missing: bool = False
    default_licence: str | None = None
    harvested_until: str | None = None
    checkpoint: Checkpoint | None = field(default=None, compare=False)

    def with_(self, **changes) -> HarvestSource:
        return replace(self, **changes)


def new_source(name: str, kind: str, url: str, *, metadata_prefix: str = "olac",
               sets: tuple[str, ...] = (), schedule: str | None = None,
               delete_missing: bool | None = None,
               default_licence: str | None = None) -> HarvestSource:
    """A checked source. ``delete_missing`` defaults to True for static repositories and
    catalogues (a whole file says what exists) and False for OAI-PMH. Raises InputError naming
    the field that is wrong."""
    if not NAME.fullmatch(name):
        raise InputError(f"source name {name!r} must be lower-case letters, digits, '.' or '-'",
                         field="name")
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
                         field="kind")
    _check_location(kind, url)
    if not re.fullmatch(r"[A-Za-z0-9\-_.!~*'()]+", metadata_prefix):
        raise InputError(f"metadata prefix {metadata_prefix!r} is not an OAI-PMH prefix",
                         field="metadata_prefix")
    if default_licence and default_licence not in schemes.LICENCE:
        raise InputError(f"unknown licence {default_licence!r}; expected one of "
                         f"{', '.join(schemes.LICENCE)}", field="default_licence")
    if delete_missing is None:
        delete_missing = kind != "oai-pmh"
    return HarvestSource(name, kind, url, metadata_prefix, tuple(sets), parse_schedule(schedule),
                         delete_missing, default_licence)


def _check_location(kind: str, url: str) -> None:
    if re.match(r"https?://[^/\s]+", url):
        return
    if kind == "oai-pmh":
        raise InputError(f"an OAI-PMH source needs an http(s) base URL, not {url!r}", field="url")
    if not Path(url).exists():
        raise InputError(f"no such file: {url}", field="url")


def parse_schedule(text: str | None) -> timedelta | None:
    """``"6h"`` → 6 hours (units m, h, d, w); None or ``"manual"`` → None.

    Raises InputError for anything else.
    """
    if text in (None, "", "manual"):
        return None
    match = SCHEDULE.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise InputError(f"schedule {text!r} must be like 30m, 6h, 1d, 1w or manual",
                         field="schedule")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def schedule_text(every: timedelta | None) -> str:
    """The inverse of :func:`parse_schedule`."""
    if every is None:
        return "manual"
    seconds = int(every.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


class Registry:
    """The harvest sources of ``repository``."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.base = repository.config.base_uri

    def iri(self, name: str) -> URIRef:
        return URIRef(f"{self.base}source/{name}")

    def graph_name(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/source/{name}")

    def add(self, source: HarvestSource) -> HarvestSource:
        """Register ``source``. Raises InputError when the name is taken."""
        if self.repository.work.has_graph(self.graph_name(source.name)):
            raise InputError(f"a source named {source.name!r} exists already", field="name")
        return self.save(source)

    def save(self, source: HarvestSource) -> HarvestSource:
        """Write ``source`` (settings and state) in one atomic update."""
        self.repository.work.replace({self.graph_name(source.name): self._triples(source)})
        return source

    def get(self, name: str) -> HarvestSource:
        """The source ``name``. Raises NotFound."""
        graph = self.repository.work.graph(self.graph_name(name))
        if not len(graph):
            raise NotFound(f"no harvest source named {name!r}")
        return self._read(name, graph)

    def all(self) -> list[HarvestSource]:
        """Every source, by name."""
        prefix = f"{self.base}graph/source/"
        names = sorted(str(g)[len(prefix):] for g in self.repository.work.graph_names()
                       if str(g).startswith(prefix))
        return [self.get(name) for name in names]

    def remove(self, name: str) -> None:
        """Forget source ``name`` (its records and runs stay). Raises NotFound."""
        self.get(name)
        self.repository.work.replace({self.graph_name(name): None})

    # -- RDF -------------------------------------------------------------------------------

    def _triples(self, source: HarvestSource) -> Graph:
        node, g = self.iri(source.name), Graph(bind_namespaces="none")
        g.add((node, RDF.type, YL.HarvestSource))
        g.add((node, RDF.type, DCAT.DataService))
        g.add((node, DCT.title, Literal(source.name)))
        g.add((node, YL.harvestKind, Literal(source.kind)))
        g.add((node, DCAT.endpointURL, _location_iri(source.url)))
        g.add((node, YL.metadataPrefix, Literal(source.metadata_prefix)))
        for spec in source.sets:
            g.add((node, YL.setSpec, Literal(spec)))
        if source.schedule is not None:
            g.add((node, YL.schedule, Literal(source.schedule)))
        g.add((node, YL.deleteMissing, Literal(source.delete_missing)))
        if source.default_licence:
            g.add((node, DCT.license, schemes.LICENCE[source.default_licence]))
        if source.harvested_until:
            g.add((node, YL.harvestedUntil, Literal(source.harvested_until)))
        if source.checkpoint:
            text = json.dumps(asdict(source.checkpoint), sort_keys=True)
            g.add((node, YL.checkpoint, Literal(text, datatype=RDF_JSON)))
        return g

    def _read(self, name: str, g: Graph) -> HarvestSource:
        node = self.iri(name)

        def one(predicate: URIRef) -> Literal | URIRef | None:
            return g.value(node, predicate)

        schedule = one(YL.schedule)
        licence = one(DCT.license)
        checkpoint = one(YL.checkpoint)
        return HarvestSource(
            name=name, kind=str(one(YL.harvestKind)), url=_location_text(one(DCAT.endpointURL)),
            metadata_prefix=str(one(YL.metadataPrefix)),
            sets=tuple(sorted(str(s) for s in g.objects(node, YL.setSpec))),
            schedule=schedule.toPython() if schedule is not None else None,
            delete_missing=bool(one(YL.deleteMissing).toPython()),
            default_licence=schemes.LICENCE.code(licence) if licence is not None else None,
            harvested_until=str(one(YL.harvestedUntil)) if one(YL.harvestedUntil) else None,
            checkpoint=Checkpoint(**json.loads(str(checkpoint))) if checkpoint else None,
        )


def _location_iri(url: str) -> URIRef:
    """An http(s) URL as is; a file path as a file: IRI."""
    if re.match(r"https?://", url):
        return URIRef(url)
    return URIRef(Path(url).resolve().as_uri())


def _location_text(iri) -> str:
    text = str(iri)
    if text.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(text).path)
    return text
