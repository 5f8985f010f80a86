"""Past harvest runs, read back from their PROV descriptions in the work area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from repository import Repository
from repository.records import parse_datestamp
from vocab.namespaces import PROV, YL

from .sources import HarvestSource


@dataclass(frozen=True)
class RunInfo:
    """One run as the log shows it."""

    run: str
    source: str
    started: datetime | None
    ended: datetime | None
    status: str
    full: bool
    pages: int
    counts: dict[str, int]
    error: str | None

    def line(self) -> str:
        started = self.started.strftime("%Y-%m-%d %H:%M:%SZ") if self.started else "?"
        took = f"{(self.ended - self.started).total_seconds():.0f} s" if (
            self.ended and self.started) else "-"
        counts = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        kind = "full" if self.full else "incremental"
        tail = f" — {self.error}" if self.error else ""
        return (f"{started}  {self.source:<20} {self.status:<9} {kind:<11} {took:>6}  "
                f"{self.pages} pages; {counts}{tail}")


_COUNTS = ("New", "Updated", "Unchanged", "Deleted", "Quarantined")


def runs(repository: Repository, source: str | None = None) -> list[RunInfo]:
    """Every run (of ``source`` when given), oldest first."""
    counts = " ".join(f"OPTIONAL {{ ?run <{YL[f'records{c}']}> ?{c.lower()} }}" for c in _COUNTS)
    rows = repository.work.select(f"""
        SELECT * WHERE {{ GRAPH ?g {{
          ?run a <{YL.HarvestRun}> ; <{PROV.used}> ?source ; <{YL.runStatus}> ?status ;
               <{YL.fullHarvest}> ?full ; <{YL.pagesHarvested}> ?pages .
          OPTIONAL {{ ?run <{PROV.startedAtTime}> ?start }}
          OPTIONAL {{ ?run <{PROV.endedAtTime}> ?end }}
          OPTIONAL {{ ?run <{YL.errorMessage}> ?error }} {counts} }} }}""")
    found = [_info(row) for row in rows]
    if source is not None:
        found = [info for info in found if info.source == source]
    return sorted(found, key=lambda info: (info.started or datetime.min.astimezone(), info.run))


def _info(row: dict) -> RunInfo:
    return RunInfo(
        run=str(row["run"]), source=str(row["source"]).rsplit("/", 1)[-1],
        started=parse_datestamp(row.get("start")), ended=parse_datestamp(row.get("end")),
        status=str(row["status"]), full=bool(row["full"].toPython()), pages=int(row["pages"]),
        counts={c.lower(): int(row[c.lower()]) for c in _COUNTS if c.lower() in row},
        error=str(row["error"]) if "error" in row else None,
    )


def due(sources: list[HarvestSource], history: list[RunInfo], now: datetime) -> list[str]:
    """Names of the scheduled sources whose interval has passed since their last run ended
    (or that never ran), in name order. Manual sources are never due."""
    last: dict[str, datetime] = {}
    for info in history:
        when = info.ended or info.started
        if when and (info.source not in last or when > last[info.source]):
            last[info.source] = when
    return [s.name for s in sorted(sources, key=lambda s: s.name)
            if s.schedule is not None and (s.name not in last or now - last[s.name] >= s.schedule)]
