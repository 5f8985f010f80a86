"""Import: files of records → crosswalk → SHACL validation in batches → the store.

Each record is mapped, validated and written on its own merits: a bad record is reported with
its reason and skipped, the others go on. Writes happen per batch of valid records, each record
graph replaced atomically, so a failure part-way through a file leaves every record either as
it was or fully written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from vocab.namespaces import DCAT, DCT, RDF_, YL

from .core import PreparedBatch, Repository
from .crosswalks.olac import olac_to_graph
from .errors import InputError, RepositoryError
from .formats import SourceRecord, read_bytes, to_graph
from .records import TAKEDOWN_UNDER_REVIEW, Record, local_id_for_source
from .triples import TripleIndex

DEFAULT_SOURCE = {"datagovtw": "data.gov.tw"}


@dataclass(frozen=True)
class Outcome:
    """What happened to one record (or to a whole file that could not be read)."""

    origin: str
    record: str | None
    status: str  # new | updated | unchanged | deleted | invalid
    reason: str | None = None
    raw: bytes | None = field(default=None, compare=False, repr=False)  # of an invalid record
    #: the dct:identifier and dcat:landingPage values of a stored record (duplicate linking)
    keys: tuple[Node, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        what = f"{self.origin}: record {self.record}" if self.record else self.origin
        return f"{what}: {self.status}" + (f" — {self.reason}" if self.reason else "")


@dataclass
class ImportReport:
    """Every outcome of an import or a validation run."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(o.status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not any(o.status == "invalid" for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "invalid"]

    def summary(self) -> str:
        """One line naming only what happened: ``12 records: 10 new, 1 updated, 1 invalid``,
        ``1 record: 1 unchanged``, ``2 records: 2 valid`` (validation), ``no records``."""
        c = self.counts
        total = sum(c.values())
        if not total:
            return "no records"
        parts = ", ".join(f"{c[s]} {s}" for s in SUMMARY_ORDER if c[s])
        return f"{counted(total, 'record')}: {parts}"


#: The order statuses appear in a summary (``valid`` only comes from validation runs).
SUMMARY_ORDER = ("new", "updated", "unchanged", "valid", "deleted", "invalid")


def counted(number: int, noun: str) -> str:
    """``1 record``, ``2 records``, ``0 records``: a count with its noun in the right number
    (nouns whose plural is the noun and "s")."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


@dataclass
class Candidate:
    """A record read and mapped, waiting for validation."""

    source: SourceRecord
    record: Record


class Importer:
    """Imports files into ``repository``; published at once unless ``publish`` is False.

    ``progress`` is called with the number of records handled after each batch; every stored
    record links to ``activity`` (a harvest run) when given; ``default_licence`` is the
    licence of records whose source states none.
    """

    def __init__(
        self, repository: Repository, *, publish: bool = True, validator=None,
        progress: Callable[[int], None] | None = None, activity: URIRef | None = None,
        default_licence: URIRef | None = None,
    ) -> None:
        self.repository = repository
        self.activity = activity
        self.default_licence = default_licence
        self.publish = publish
        self.batch_size = repository.config.validation_batch
        self.progress = progress or (lambda n: None)
        self._validator = validator

    @property
    def validator(self):
        if self._validator is None:
            from .validation import Validator

            self._validator = Validator()
        return self._validator

    # -- entry points ----------------------------------------------------------------------

    def import_paths(self, paths: Iterable[Path], *, dry_run: bool = False) -> ImportReport:
        """Import (or with ``dry_run`` only validate) every record in ``paths``."""
        report = ImportReport()
        for path in paths:
            report.outcomes.extend(self.import_file(path, dry_run=dry_run))
        return report

    def import_file(self, path: Path, *, dry_run: bool = False) -> list[Outcome]:
        """The outcomes of importing one file; a file that cannot be read is one outcome."""
        origin = str(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            return [Outcome(origin, None, "invalid", f"cannot read the file: {error.strerror}")]
        return self.import_bytes(data, origin, dry_run=dry_run)

    def import_bytes(self, data: bytes, origin: str, *, dry_run: bool = False) -> list[Outcome]:
        """The outcomes of importing the records in ``data`` (``origin`` names it).

        Each batch is read, mapped, validated and prepared for writing (statements, OAI-PMH
        rendering) in this thread; the writes run in order on two background threads while the
        next batch is prepared (Oxigraph releases the GIL while it writes): one notes a batch
        in the journal and writes its work area, the other then its public area and both
        indexes and ends the note, while the first goes on to the next batch. A record is not
        prepared while an earlier write of it is pending. Every write has finished when this
        returns.
        """
        parts: list[Future] = []
        batch: list[SourceRecord] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuliao-work") as work, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuliao-public") as public:
            writer = _Writer(work, public)
            try:
                for source in read_bytes(data, origin):
                    batch.append(source)
                    if len(batch) >= self.batch_size:
                        parts.extend(self._handle(batch, dry_run, writer))
                        batch = []
            except InputError as error:
                parts.extend(self._handle(batch, dry_run, writer))
                parts.append(_done([Outcome(origin, error.record, "invalid", error.reason)]))
            else:
                parts.extend(self._handle(batch, dry_run, writer))
        return [outcome for part in parts for outcome in part.result()]

    # -- one batch -------------------------------------------------------------------------

    def _handle(self, batch: list[SourceRecord], dry_run: bool, writer: _Writer) -> list[Future]:
        """Futures of the batch's outcomes, in record order: failures at once, deletions and
        writes queued on ``writer`` behind the earlier batches'."""
        parts: list[Future] = []
        candidates: list[Candidate] = []
        for source in batch:
            try:
                candidate = self._candidate(source)
            except InputError as error:
                parts.append(_done([Outcome(source.origin, source.identifier, "invalid",
                                            error.reason, source.raw)]))
                continue
            if candidate is None:
                parts.append(writer.submit([self._local_id(source)],
                                           lambda s=source: [self._delete(s, dry_run)]))
            else:
                candidates.append(candidate)
        parts.extend(self._validate_and_store(candidates, dry_run, writer))
        self.progress(len(batch))
        return parts
    def _candidate(self, source: SourceRecord) -> Candidate | None:
        local_id = self._local_id(source)
        if source.deleted:
            return None
        subject = self.repository.ids.resource(local_id)
        graph = _map(source, subject)
        _complete(graph, subject, source, local_id)
        if self.default_licence is not None and (subject, DCT.license, None) not in graph:
            graph.add((subject, DCT.license, self.default_licence))
        record = Record(
            id=local_id, graph=graph, state="draft", raw=source.raw,
            source=source.provenance(self.activity),
        )
        return Candidate(source, record)

    def _local_id(self, source: SourceRecord) -> str:
        if source.identifier:
            return local_id_for_source(source.identifier, DEFAULT_SOURCE.get(source.format))
        stem = Path(source.origin).stem
        return local_id_for_source(stem, "import")

    def _delete(self, source: SourceRecord, dry_run: bool) -> Outcome:
        local_id = self._local_id(source)
        if dry_run or not self.repository.exists(local_id):
            return Outcome(source.origin, local_id, "deleted", "not held here")
        self.repository.withdraw(local_id)
        return Outcome(source.origin, local_id, "deleted")

    def _validate_and_store(
        self, candidates: list[Candidate], dry_run: bool, writer: _Writer,
    ) -> list[Future]:
        if not candidates:
            return []
        violations = self.validator.validate_batch([(c.record.id, c.record.graph)
                                                   for c in candidates])
        outcomes, valid = [], []
        for c in candidates:
            errors = [v for v in violations.get(c.record.id, []) if v.severity == "Violation"]
            if errors:
                reason = "; ".join(str(v) for v in errors)
                outcomes.append(Outcome(c.source.origin, c.record.id, "invalid", reason,
                                        c.source.raw))
            else:
                valid.append(c)
        if dry_run:
            return [_done(outcomes + [Outcome(c.source.origin, c.record.id, "valid")
                                      for c in valid])]
        if not valid:
            return [_done(outcomes)]
        ids = [c.record.id for c in valid]
        writer.settle(ids)
        try:
            prepared = self.repository.prepare_batch([c.record for c in valid],
                                                     publish=self.publish)
        except RepositoryError as error:
            return [_done(outcomes), _done(_failed(valid, error))]
        return [_done(outcomes),
                writer.submit_batch(ids, lambda: self._store_work(valid, prepared),
                                    lambda: self._store_public(valid, prepared))]

    def _store_work(self, valid: list[Candidate], prepared: PreparedBatch,
                    ) -> list[Outcome] | None:
        """Note a prepared batch in the journal and write its work area; None when done, else
        the failure of each record (the public area is then not written)."""
        try:
            self.repository.write_work(prepared)
        except RepositoryError as error:
            return _failed(valid, error)
        return None

    def _store_public(self, valid: list[Candidate], prepared: PreparedBatch) -> list[Outcome]:
        """Write the public area and indexes of a batch whose work write succeeded; a failed
        write makes each record invalid."""
        try:
            saved = self.repository.write_public(prepared)
        except RepositoryError as error:
            return _failed(valid, error)
        return [Outcome(c.source.origin, c.record.id, saved[c.record.id],
                        keys=self._keys(c.record)) for c in valid]

    def _keys(self, record: Record) -> tuple[Node, ...]:
        """What duplicate linking matches ``record`` on (see :mod:`harvest.duplicates`)."""
        subject = self.repository.ids.resource(record.id)
        return tuple(value for predicate in (DCT.identifier, DCAT.landingPage)
                     for value in record.graph.objects(subject, predicate))


class _Writer:
    """The two background writers of one import (work area, then public area and indexes),
    and which records their pending writes touch."""

    def __init__(self, work: ThreadPoolExecutor, public: ThreadPoolExecutor) -> None:
        self.work, self.public = work, public
        self.pending: dict[str, Future] = {}

    def submit(self, local_ids: list[str], write: Callable[[], list[Outcome]]) -> Future:
        """Queue ``write`` (of the records ``local_ids``, writing both areas itself: a
        deletion) behind every earlier write."""
        return self._track(local_ids, self.public.submit(write))

    def submit_batch(self, local_ids: list[str], work: Callable[[], list[Outcome] | None],
                     public: Callable[[], list[Outcome]]) -> Future:
        """Queue the work write of a batch behind the earlier work writes, and its public
        write (skipped when ``work`` returns failures) behind the earlier public writes; the
        future of the batch's outcomes."""
        first = self.work.submit(work)
        return self._track(local_ids, self.public.submit(lambda: first.result() or public()))

    def _track(self, local_ids: list[str], future: Future) -> Future:
        for local_id in local_ids:
            self.pending[local_id] = future
        return future

    def settle(self, local_ids: list[str]) -> None:
        """Wait until no write of any of ``local_ids`` is pending (writes never raise: they
        turn failures into outcomes)."""
        wait({self.pending[i] for i in local_ids if i in self.pending})


def _failed(valid: list[Candidate], error: RepositoryError) -> list[Outcome]:
    return [Outcome(c.source.origin, c.record.id, "invalid", str(error)) for c in valid]


def _done(outcomes: list[Outcome]) -> Future:
    """A future already holding ``outcomes``."""
    future: Future = Future()
    future.set_result(outcomes)
    return future


def _map(source: SourceRecord, subject: URIRef) -> Graph | TripleIndex:
    """The canonical RDF of ``source``: OLAC records into a :class:`TripleIndex` (cheaper to
    fill and to read than an rdflib Graph; validation, storage and rendering only iterate and
    look up), other formats as an rdflib Graph. Raises InputError as the crosswalks do."""
    if source.format == "olac":
        return olac_to_graph(source.metadata, subject, into=TripleIndex())
    return to_graph(source, subject)


def _complete(graph: Graph | TripleIndex, subject, source: SourceRecord, local_id: str) -> None:
    """Add what every imported record needs: its types and an identifier."""
    graph.add((subject, RDF_.type, DCAT.Dataset))
    if (subject, RDF_.type, YL.CorpusDataset) not in graph:
        graph.add((subject, RDF_.type, YL.LanguageResource))
    if (subject, DCT.identifier, None) not in graph:
        graph.add((subject, DCT.identifier, Literal(source.identifier or local_id)))


def iter_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named by ``paths``; folders give their *.xml and *.json files, sorted.

    Raises InputError for a path that does not exist.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in
                              (".xml", ".json", ".csv"))
        elif path.exists():
            yield path
        else:
            raise InputError("no such file or folder", origin=str(path))


UNCHECKED_STATES = ("draft", "in-revision")



def load_records(repository: Repository, records: list[Record], validator=None) -> ImportReport:
    """Store ready-made records in their states (used for the demo data).

    Records in review or published must pass their shapes; drafts and records returned for
    revision may be incomplete and are stored as they are. Withdrawn records are published and
    then withdrawn, so that their tombstone is public; records whose takedown is under review
    are published and then put in that state, since they stay public until it is approved
    (BRIEF §4).
    """
    importer = Importer(repository, validator=validator)
    report = ImportReport()
    checked = [r for r in records if r.state not in UNCHECKED_STATES]
    violations = importer.validator.validate_batch([(r.id, r.graph) for r in checked])
    for record in records:
        errors = [v for v in violations.get(record.id, []) if v.severity == "Violation"]
        if errors:
            report.outcomes.append(Outcome(record.id, record.id, "invalid", str(errors[0])))
            continue
        publish = record.state in ("published", "withdrawn", *TAKEDOWN_UNDER_REVIEW)
        saved = repository.save_batch([record], publish=publish)
        if record.state == "withdrawn":
            repository.withdraw(record.id)
        elif record.state in TAKEDOWN_UNDER_REVIEW:
            repository.set_state(record.id, record.state)
        report.outcomes.append(Outcome(record.id, record.id, saved[record.id]))
    return report
