"""One harvest of one source: pages in, records validated and stored, provenance kept.

A :class:`Harvest` is a PROV activity ``{base}run/{source}/{start}`` (a ``yl:HarvestRun``)
written to both areas, so that the public can see where a record came from; every record it
stores links to it with ``prov:wasGeneratedBy``. Records that cannot be taken in are
quarantined in the work area with their reason and raw payload, and the harvest goes on.

Progress is committed page by page: after a page's records are stored, the source's
checkpoint is moved to that page's resumption token. An interrupted run (killed, or failed on
a page) resumes from the checkpoint, never from the start; the source is marked harvested up
to the first page's responseDate only when the run completes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from repository import Repository
from repository.importer import Importer, Outcome, counted
from repository.records import local_id_for_source, now_utc, utc_literal, utc_text
from vocab import schemes
from vocab.namespaces import DCT, PROV, YL

from . import duplicates
from .errors import FetchError, HarvestError, ProtocolError
from .fetch import Fetcher
from .govtw import api_pages
from .oai import OAI_NS, Client, Page
from .sources import Checkpoint, HarvestSource, Registry

COUNTED = ("new", "updated", "unchanged", "deleted", "quarantined")


@dataclass
class RunReport:
    """What a run did; ``error`` is set when it failed (its checkpoint then stays)."""

    source: str
    run: str
    counts: Counter = field(default_factory=Counter)
    pages: int = 0
    error: str | None = None
    resumed: bool = False
    linked: int = 0  # records linked to the same dataset from another source
    quarantined: list[Outcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        """One line: ``paradisec: 120 new, 3 updated, … in 2 pages``."""
        parts = ", ".join(f"{self.counts[k]} {k}" for k in COUNTED)
        tail = f"; FAILED: {self.error}" if self.error else ""
        return f"{self.source}: {parts} in {counted(self.pages, 'page')}{tail}"


class Harvest:
    """Harvests ``source`` into ``repository``; ``full`` ignores the last harvest date."""

    def __init__(self, repository: Repository, source: HarvestSource, *, full: bool = False,
                 fetcher: Fetcher | None = None,
                 progress: Callable[[RunReport], None] | None = None) -> None:
        self.repository, self.source, self.full = repository, source, full
        self.registry = Registry(repository)
        self.fetcher = fetcher or Fetcher(source.limits.fetch_limits())
        self.progress = progress or (lambda report: None)
        resume = source.checkpoint if source.checkpoint and source.checkpoint.full == full \
            else None
        self.checkpoint = resume or Checkpoint(run=self._new_run_iri(), full=full,
                                               params=self._params())
        self.run_iri = URIRef(self.checkpoint.run)
        self.report = RunReport(source.name, self.checkpoint.run, resumed=resume is not None,
                                counts=Counter(self.checkpoint.counts),
                                pages=self.checkpoint.pages)
        self.started = self.checkpoint.started or utc_text(now_utc())
        licence = schemes.LICENCE[source.default_licence] if source.default_licence else None
        self.importer = Importer(repository, activity=self.run_iri, default_licence=licence)

    # -- running ---------------------------------------------------------------------------

    def run(self) -> RunReport:
        """Harvest until the list ends; returns the report (``error`` set on failure)."""
        self._write_run("running")
        try:
            self._harvest_pages()
            self._finish()
        except HarvestError as error:
            self.report.error = str(error)
            self._write_run("failed")
            return self.report
        self._write_run("completed")
        return self.report

    @classmethod
    def pruning(cls, repository: Repository, source: HarvestSource,
                fetcher: Fetcher | None = None) -> Harvest:
        """A run of its own (never the checkpointed one) for :meth:`prune`."""
        return cls(repository, source.with_(checkpoint=None), full=True, fetcher=fetcher)

    def prune(self) -> RunReport:
        """Withdraw the records of this source that its ListIdentifiers no longer lists (or
        lists as deleted): deletion by absence without a full ListRecords, for sources that do
        not report deletions. Nothing is withdrawn unless the whole list was read. Build the
        run with :meth:`pruning`."""
        self._write_run("running")
        try:
            listed = self._listed()
        except HarvestError as error:
            self.report.error = str(error)
            self._write_run("failed")
            return self.report
        for local_id in self._records_of_source():
            if local_id not in listed:
                self.repository.withdraw(local_id)
                self.report.counts["deleted"] += 1
        self._write_run("completed")
        return self.report

    def _listed(self) -> set[str]:
        """Local ids of the live (not deleted) headers of every set harvested."""
        client = Client(self.source.url, self.fetcher)
        listed: set[str] = set()
        for spec in list(self.source.sets) or [None]:
            params = {"metadataPrefix": self.source.metadata_prefix}
            if spec:
                params["set"] = spec
            for identifier, deleted in client.headers(params):
                if not deleted and identifier.startswith("oai:"):
                    listed.add(local_id_for_source(identifier))
        return listed

    def _harvest_pages(self) -> None:
        """Every page of every set asked for (or of the whole repository), from the
        checkpoint on."""
        if self.source.kind == "datagovtw" and not _is_export(self.source.url):
            offset = int(self.checkpoint.token or 0)
            modified = None if self.full else (self.source.harvested_until or "")[:10] or None
            for page in api_pages(self.fetcher, self.source.url, offset=offset,
                                  modified=modified):
                self._take(page)
            return
        if self.source.kind != "oai-pmh":
            self._take(self._whole_file())
            return
        self._fit_granularity()
        sets = list(self.source.sets) or [None]
        start = sets.index(self.checkpoint.params.get("set"))
        for spec in sets[start:]:
            if spec != self.checkpoint.params.get("set"):
                params = {**self.checkpoint.params, "set": spec}
                self.checkpoint = replace(self.checkpoint, params=params, token=None)
            for page in self._pages():
                self._take(page)

    def _fit_granularity(self) -> None:
        """A fresh incremental run asks Identify for the source's granularity and cuts
        ``from`` to the day when the source only knows days (else: badArgument)."""
        since = self.checkpoint.params.get("from")
        if not since or self.checkpoint.token or len(since) <= 10:
            return
        identify = Client(self.source.url, self.fetcher).identify()
        granularity = (identify.findtext(f"{{{OAI_NS}}}granularity") or "").strip()
        if granularity == "YYYY-MM-DD":
            params = {**self.checkpoint.params, "from": since[:10]}
            self.checkpoint = replace(self.checkpoint, params=params)

    def _whole_file(self) -> Page:
        """A static repository or catalogue export, from a URL or a file, as one page."""
        location = self.source.url
        if location.startswith(("http://", "https://")):
            fetched = self.fetcher.get(location)
            if fetched.status != 200:
                raise FetchError(f"HTTP {fetched.status}", url=location, status=fetched.status)
            return Page(fetched.url, fetched.body, None, None, None)
        try:
            return Page(location, Path(location).read_bytes(), None, None, None)
        except OSError as error:
            raise FetchError(f"cannot read the file: {error.strerror}", url=location) from error

    def _pages(self) -> Iterator[Page]:
        """The pages from the checkpoint on; a source that cannot disseminate OLAC is asked
        for oai_dc instead (OLAC's own fallback)."""
        try:
            yield from self._pages_as_asked()
        except ProtocolError as error:
            params = self.checkpoint.params
            if not (error.code == "cannotDisseminateFormat" and self.checkpoint.pages == 0
                    and params.get("metadataPrefix") == "olac"):
                raise
            self.checkpoint = replace(self.checkpoint, params={**params,
                                                               "metadataPrefix": "oai_dc"})
            yield from self._pages_as_asked()

    def _pages_as_asked(self) -> Iterator[Page]:
        client = Client(self.source.url, self.fetcher)
        if self.checkpoint.token:
            params = {"verb": "ListRecords", "resumptionToken": self.checkpoint.token}
            try:
                yield from client.pages(params)
                return
            except ProtocolError as error:
                if error.code != "badResumptionToken":
                    raise
                # the token expired while we were away: list again from the same date
        yield from client.pages(dict(self.checkpoint.params))

    def _take(self, page: Page) -> None:
        """Store one page's records, quarantine the bad ones, then move the checkpoint."""
        outcomes = list(page.failures)
        if page.body:
            outcomes += self.importer.import_bytes(page.body, page.origin)
        stored = [o for o in outcomes if o.status in ("new", "updated")]
        self.report.linked += duplicates.link(self.repository, [o.record for o in stored],
                                              {o.record: o.keys for o in stored})
        self._record_seen(outcomes)
        for outcome in outcomes:
            if outcome.status == "invalid":
                self._quarantine(outcome)
            else:
                self.report.counts[outcome.status] += 1
        self.report.pages += 1
        self.checkpoint = replace(
            self.checkpoint, token=page.token, pages=self.checkpoint.pages + 1,
            response_date=self.checkpoint.response_date or page.response_date,
            records=self.checkpoint.records + len(outcomes), counts=dict(self.report.counts),
            started=self.started,
        )
        self.source = self.registry.save(self.source.with_(checkpoint=self.checkpoint))
        self.progress(self.report)

    def _finish(self) -> None:
        """Deletion by absence (full harvests of sources that ask for it), then the new
        harvested-until date; the checkpoint is cleared."""
        if self._deletes_by_absence():
            self._withdraw_missing()
        until = self.checkpoint.response_date or self.source.harvested_until
        self.source = self.registry.save(self.source.with_(harvested_until=until,
                                                           checkpoint=None))
        self._seen_path().unlink(missing_ok=True)

    # -- parameters and bookkeeping --------------------------------------------------------

    def _params(self) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": self.source.metadata_prefix}
        if not self.full and self.source.harvested_until:
            params["from"] = self.source.harvested_until
        if self.source.sets:
            params["set"] = self.source.sets[0]
        return params

    def _new_run_iri(self) -> str:
        stamp = now_utc().strftime("%Y%m%dT%H%M%SZ")
        return f"{self.repository.config.base_uri}run/{self.source.name}/{stamp}"

    def _seen_path(self) -> Path:
        name = self.checkpoint.run.rsplit("/", 1)[-1]
        home = self.repository.config.home or Path(".")
        return home / "harvest" / self.source.name / f"{name}.seen"

    def _record_seen(self, outcomes: list[Outcome]) -> None:
        """Append the local ids a full harvest listed (for deletion by absence)."""
        if not self._deletes_by_absence():
            return
        path = self._seen_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.writelines(f"{o.record}\n" for o in outcomes if o.record)

    def _deletes_by_absence(self) -> bool:
        """Static files and catalogue exports are always whole; an OAI-PMH list only when the
        harvest is full."""
        return self.source.delete_missing and (self.full or self.source.kind != "oai-pmh")

    def _withdraw_missing(self) -> None:
        path = self._seen_path()
        seen = set(path.read_text(encoding="utf-8").split()) if path.exists() else set()
        for local_id in self._records_of_source():
            if local_id not in seen:
                self.repository.withdraw(local_id)
                self.report.counts["deleted"] += 1

    def _records_of_source(self) -> list[str]:
        """Published records any run of this source stored."""
        prefix = f"{self.repository.config.base_uri}run/{self.source.name}/"
        rows = self.repository.work.select(f"""
            SELECT DISTINCT ?id WHERE {{ GRAPH ?g {{
              ?r <{YL.localId}> ?id ; <{PROV.wasGeneratedBy}> ?run ;
                 <{YL.state}> <https://w3id.org/yuliao/vocab/record-state/published> .
              FILTER STRSTARTS(STR(?run), "{prefix}") }} }}""")
        return sorted(str(row["id"]) for row in rows)

    def _quarantine(self, outcome: Outcome) -> None:
        self.report.counts["quarantined"] += 1
        self.report.quarantined.append(outcome)
        key = hashlib.sha256(f"{outcome.record}|{outcome.raw!r}".encode()).hexdigest()[:16]
        base = self.repository.config.base_uri
        node = URIRef(f"{base}quarantine/{self.source.name}/{key}")
        g = Graph(bind_namespaces="none")
        g.add((node, RDF.type, YL.QuarantinedRecord))
        g.add((node, PROV.wasGeneratedBy, self.run_iri))
        g.add((node, YL.errorMessage, Literal(outcome.reason or "invalid")))
        g.add((node, YL.sourceIdentifier, Literal(outcome.record or outcome.origin)))
        g.add((node, DCT.date, utc_literal(now_utc())))
        if outcome.raw is not None:
            g.add((node, YL.rawPayload, Literal(outcome.raw.decode("utf-8", errors="replace"))))
        self.repository.work.replace({URIRef(f"{base}graph/quarantine/{self.source.name}/{key}"):
                                      g})

    def _write_run(self, status: str) -> None:
        """The run's PROV description, in both areas."""
        node = self.run_iri
        g = Graph(bind_namespaces="none")
        g.add((node, RDF.type, PROV.Activity))
        g.add((node, RDF.type, YL.HarvestRun))
        g.add((node, PROV.used, self.registry.iri(self.source.name)))
        g.add((node, PROV.startedAtTime, Literal(self.started, datatype=XSD.dateTime)))
        g.add((node, YL.runStatus, Literal(status)))
        g.add((node, YL.fullHarvest, Literal(self.full)))
        g.add((node, YL.pagesHarvested, Literal(self.report.pages)))
        for key in COUNTED:
            g.add((node, YL[f"records{key.title()}"], Literal(self.report.counts[key])))
        if status != "running":
            g.add((node, PROV.endedAtTime, utc_literal(now_utc())))
        if self.report.error:
            g.add((node, YL.errorMessage, Literal(self.report.error)))
        name = URIRef(str(node).replace("/run/", "/graph/run/", 1))
        self.repository.work.replace({name: g})
        self.repository.public.replace({name: g})


def _is_export(location: str) -> bool:
    """A whole-catalogue export (a file, or a URL of a .json/.csv export), not the API."""
    lowered = location.lower().rstrip("/")
    return not location.startswith(("http://", "https://")) or lowered.endswith(
        (".json", ".csv", "/export/json", "/export/csv"))

