"""The registry of harvest sources, kept in the repository's work area as RDF.

A source is ``{base}source/{name}``, a ``yl:HarvestSource`` (and ``dcat:DataService``) in its
own named graph ``{base}graph/source/{name}``: what to harvest (kind, endpoint, metadata
prefix, sets), how (schedule, deletion by absence, default licence, the limits of each request
when they are not the defaults of :class:`harvest.fetch.Limits`) and how far it got (the date
up to which it is harvested, and the checkpoint of an unfinished run, an ``rdf:JSON``
literal). Each change is one atomic graph replacement.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from repository import Repository
from repository.errors import InputError, NotFound
from vocab import schemes
from vocab.namespaces import DCAT, DCT, YL

from .fetch import Limits

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
class RequestSetting:
    """A limit of each request a source's harvest makes that the source may set: the field
    of :class:`RequestLimits` (and of :class:`~harvest.fetch.Limits` it overrides), the
    command-line option, the RDF property it is stored as, its bounds and its unit."""

    name: str
    option: str
    limit: str
    low: float
    high: float
    unit: str  # "s", "bytes" or "" (a count)


#: The per-source request limits, in the order ``sources show`` lists them.
REQUEST_SETTINGS = (
    RequestSetting("connect_timeout", "--connect-timeout", "connect_timeout", 0.1, 300, "s"),
    RequestSetting("timeout", "--timeout", "read_timeout", 0.1, 3600, "s"),
    RequestSetting("total_time", "--total-time", "max_seconds", 0.1, 86400, "s"),
    RequestSetting("max_bytes", "--max-bytes", "max_bytes", 1024, 16 * 1024 ** 3, "bytes"),
    RequestSetting("retries", "--retries", "retries", 0, 10, ""),
)
_PROPERTIES = {"connect_timeout": YL.connectTimeout, "timeout": YL.readTimeout,
               "total_time": YL.totalTime, "max_bytes": YL.maxBytes, "retries": YL.retries}
SIZE = re.compile(r"(\d+)\s*([kmg]?)(i?b)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


@dataclass(frozen=True)
class RequestLimits:
    """The request limits a source sets; None leaves the fetcher's default."""

    connect_timeout: float | None = None
    timeout: float | None = None
    total_time: float | None = None
    max_bytes: int | None = None
    retries: int | None = None

    def fetch_limits(self) -> Limits:
        """The fetcher's :class:`~harvest.fetch.Limits` with these settings applied."""
        chosen = {setting.limit: getattr(self, setting.name) for setting in REQUEST_SETTINGS
                  if getattr(self, setting.name) is not None}
        return replace(Limits(), **chosen)


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
    limits: RequestLimits = field(default_factory=RequestLimits)

    def with_(self, **changes) -> HarvestSource:
        return replace(self, **changes)


def new_source(name: str, kind: str, url: str, *, metadata_prefix: str = "olac",
               sets: tuple[str, ...] = (), schedule: str | None = None,
               delete_missing: bool | None = None,
               default_licence: str | None = None,
               limits: dict[str, str | float | None] | None = None) -> HarvestSource:
    """A checked source. ``delete_missing`` defaults to True for static repositories and
    catalogues (a whole file says what exists) and False for OAI-PMH; ``limits`` holds request
    limits by :data:`REQUEST_SETTINGS` name, as numbers or as the text of their option.
    Raises InputError naming the field (or the option) that is wrong."""
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
                         delete_missing, default_licence, limits=request_limits(limits or {}))


def request_limits(values: dict[str, str | float | None]) -> RequestLimits:
    """:class:`RequestLimits` from option values (None: not given). A size may carry a unit
    (``64M``, ``512k``, ``1G``: powers of 1024). Raises InputError naming the option when a
    value is not a number or out of its range."""
    unknown = set(values) - {setting.name for setting in REQUEST_SETTINGS}
    if unknown:
        raise InputError(f"unknown request limit {sorted(unknown)[0]!r}", field="limits")
    return RequestLimits(**{
        setting.name: _checked_limit(setting, values[setting.name])
        for setting in REQUEST_SETTINGS if values.get(setting.name) is not None})


def _checked_limit(setting: RequestSetting, value: str | float) -> float | int:
    """``value`` as the setting's number. Raises InputError naming the option."""
    number = _limit_number(setting, value)
    if number is None or not setting.low <= number <= setting.high:
        raise InputError(f"{value!r} is out of range: expected {_range_text(setting)}",
                         field=setting.option)
    return number


def _limit_number(setting: RequestSetting, value: str | float) -> float | int | None:
    """The number ``value`` stands for (bytes for a size with a unit); None when it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    text = value.strip()
    if setting.unit == "bytes":
        match = SIZE.fullmatch(text)
        return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()] if match else None
    try:
        return int(text) if setting.unit == "" else float(text)
    except ValueError:
        return None


def _range_text(setting: RequestSetting) -> str:
    if setting.unit == "bytes":
        return f"a size from {size_text(setting.low)} to {size_text(setting.high)} (64M, 512k…)"
    if setting.unit == "s":
        return f"seconds from {setting.low:g} to {setting.high:g}"
    return f"a whole number from {setting.low:g} to {setting.high:g}"


def size_text(number: float) -> str:
    """``1024`` → ``1K``, ``67108864`` → ``64M``; other sizes in bytes (``1,500 bytes``)."""
    for unit, size in (("G", 1024 ** 3), ("M", 1024 ** 2), ("K", 1024)):
        if number >= size and number % size == 0:
            return f"{int(number // size)}{unit}"
    return f"{int(number):,} bytes"


def limit_text(setting: RequestSetting, value: float) -> str:
    """A limit as ``sources show`` writes it: ``30 s``, ``64M``, ``4``."""
    if setting.unit == "bytes":
        return size_text(value)
    return f"{value:g} s" if setting.unit == "s" else f"{value:g}"


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
        for setting in REQUEST_SETTINGS:
            value = getattr(source.limits, setting.name)
            if value is not None:
                datatype = XSD.decimal if setting.unit == "s" else XSD.integer
                g.add((node, _PROPERTIES[setting.name], Literal(str(value), datatype=datatype)))
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
            limits=self._read_limits(g, node),
        )

    @staticmethod
    def _read_limits(g: Graph, node: URIRef) -> RequestLimits:
        values = {}
        for setting in REQUEST_SETTINGS:
            stored = g.value(node, _PROPERTIES[setting.name])
            if stored is not None:
                number = float(stored) if setting.unit == "s" else int(stored)
                values[setting.name] = number
        return RequestLimits(**values)


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
