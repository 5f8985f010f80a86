"""The ``yuliao sources`` and ``yuliao harvest`` commands (registered by app.py)."""

from __future__ import annotations

import sys
import time

import click

from repository import Config, Repository, RepositoryError
from repository.importer import counted
from repository.records import now_utc

from .fetch import Fetcher
from .log import due, runs
from .run import Harvest, RunReport
from .sources import (
    KINDS,
    REQUEST_SETTINGS,
    HarvestSource,
    Registry,
    limit_text,
    new_source,
    schedule_text,
)


def _fail(message: str) -> None:
    """app.fail: a one-line reason, exit 1 (imported late: app.py registers these commands)."""
    from app import fail

    fail(message)


def _open(config: Config) -> Repository:
    """app.open_home: the repository, or a one-line reason and exit 1."""
    from app import open_home

    return open_home(config)


NO_SOURCES = "no harvest sources yet (add one with: yuliao sources add NAME --kind … --url …)"


@click.group()
def sources() -> None:
    """Register and inspect harvest sources."""


@sources.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--url", required=True, help="OAI-PMH base URL, or a file/URL of a static "
                                          "repository or catalogue export, or an API base.")
@click.option("--prefix", "metadata_prefix", default="olac", show_default=True,
              help="OAI-PMH metadata prefix (olac, else oai_dc).")
@click.option("--set", "sets", multiple=True, help="OAI-PMH set to harvest (repeatable).")
@click.option("--schedule", default="manual", show_default=True, help="30m, 6h, 1d, 1w or manual.")
@click.option("--delete-missing/--keep-missing", default=None,
              help="Withdraw records a full harvest no longer lists (default: yes for static "
                   "repositories and catalogues, no for OAI-PMH).")
@click.option("--licence", "default_licence", help="Licence code for records that state none.")
@click.option("--connect-timeout", metavar="SECONDS",
              help="Seconds each request may take to connect (default 10).")
@click.option("--timeout", metavar="SECONDS",
              help="Seconds each read of a response may wait (default 60).")
@click.option("--total-time", metavar="SECONDS",
              help="Seconds a whole response may take to arrive (default 300).")
@click.option("--max-bytes", metavar="SIZE",
              help="Largest response taken: bytes, or 512k, 64M, 1G (default 64M).")
@click.option("--retries", metavar="N",
              help="Attempts after the first on connection errors, 429 and 5xx (default 4).")
@click.pass_obj
def add(config: Config, name: str, **options) -> None:
    """Register source NAME."""
    limits = {setting.name: options.pop(setting.name) for setting in REQUEST_SETTINGS}
    try:
        checked = new_source(name, limits=limits, **options)
    except RepositoryError as error:
        _fail(str(error))
    with _open(config) as repository:
        try:
            source = Registry(repository).add(checked)
        except RepositoryError as error:
            _fail(str(error))
        click.echo(f"added {source.name} ({source.kind}) {source.url}")


@sources.command("list")
@click.pass_obj
def list_(config: Config) -> None:
    """List the sources and how far each is harvested."""
    with _open(config) as repository:
        registered = Registry(repository).all()
        if not registered:
            click.echo(NO_SOURCES)
        for source in registered:
            state = "interrupted run" if source.checkpoint else (
                f"harvested until {source.harvested_until}" if source.harvested_until
                else "never harvested")
            click.echo(f"{source.name:<20} {source.kind:<11} {schedule_text(source.schedule):<7} "
                       f"{state}  {source.url}")


@sources.command("show")
@click.argument("name")
@click.pass_obj
def show(config: Config, name: str) -> None:
    """Show source NAME and its runs."""
    with _open(config) as repository:
        try:
            source = Registry(repository).get(name)
        except RepositoryError as error:
            _fail(str(error))
        for line in _describe(source):
            click.echo(line)
        for info in runs(repository, name):
            click.echo("  " + info.line())


def _describe(source: HarvestSource) -> list[str]:
    return [
        f"name:            {source.name}", f"kind:            {source.kind}",
        f"url:             {source.url}", f"metadata prefix: {source.metadata_prefix}",
        f"sets:            {', '.join(source.sets) or '(whole repository)'}",
        f"schedule:        {schedule_text(source.schedule)}",
        f"delete missing:  {'yes' if source.delete_missing else 'no'}",
        f"default licence: {source.default_licence or '-'}",
        *_limit_lines(source),
        f"harvested until: {source.harvested_until or '-'}",
        f"checkpoint:      {_checkpoint(source)}", "runs:",
    ]


def _limit_lines(source: HarvestSource) -> list[str]:
    """One line per request limit: the source's own, or the default (said so)."""
    effective = source.limits.fetch_limits()
    lines = []
    for setting in REQUEST_SETTINGS:
        own = getattr(source.limits, setting.name) is not None
        value = limit_text(setting, getattr(effective, setting.limit))
        label = f"{setting.option.lstrip('-')}:"
        lines.append(f"{label:<17}{value}{'' if own else ' (default)'}")
    return lines


def _checkpoint(source: HarvestSource) -> str:
    if not source.checkpoint:
        return "-"
    point = source.checkpoint
    return f"{point.pages} pages, {point.records} records committed of run {point.run}"


@sources.command("remove")
@click.argument("name")
@click.pass_obj
def remove(config: Config, name: str) -> None:
    """Forget source NAME (its records and runs stay)."""
    with _open(config) as repository:
        try:
            Registry(repository).remove(name)
        except RepositoryError as error:
            _fail(str(error))
        click.echo(f"removed {name}")


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Harvest every source.")
@click.option("--full", is_flag=True, help="Ignore the last harvest date; list everything.")
@click.option("--prune", is_flag=True,
              help="Withdraw records the source's ListIdentifiers no longer lists.")
@click.option("--log", "show_log", is_flag=True, help="List past runs.")
@click.option("--watch", is_flag=True, help="Run sources on their schedules until stopped.")
@click.option("--tick", default=60.0, show_default=True, hidden=True,
              help="Seconds between schedule checks in --watch.")
@click.option("--cycles", type=int, default=None, hidden=True,
              help="Stop --watch after this many checks (for tests).")
@click.pass_obj
def harvest(config: Config, names: tuple[str, ...], every: bool, full: bool, prune: bool,
            show_log: bool, watch: bool, tick: float, cycles: int | None) -> None:
    """Harvest SOURCE… (or --all); ends with a report per source, exit 1 if any failed.

    With --prune, list the source's identifiers instead and withdraw the records it no longer
    lists (for sources that do not report deletions)."""
    with _open(config) as repository:
        if show_log:
            for info in runs(repository):
                click.echo(info.line())
            return
        if watch:
            _watch(repository, tick, cycles)
            return
        chosen = _chosen(repository, names, every)
        failed = [r for r in (_run(repository, s, full, prune) for s in chosen) if not r.ok]
    if failed:
        sys.exit(1)


def _chosen(repository: Repository, names: tuple[str, ...], every: bool) -> list[HarvestSource]:
    """The sources named, or every one (--all: none is said, not an error)."""
    registry = Registry(repository)
    if every:
        registered = registry.all()
        if not registered:
            click.echo(NO_SOURCES)
        return registered
    if not names:
        _fail("name a source, or use --all (see: yuliao sources list)")
    try:
        return [registry.get(name) for name in names]
    except RepositoryError as error:
        _fail(str(error))
        raise  # unreachable


def _run(repository: Repository, source: HarvestSource, full: bool,
         prune: bool = False) -> RunReport:
    started = time.monotonic()

    def progress(report: RunReport) -> None:
        records = sum(report.counts.values())
        rate = records / max(time.monotonic() - started, 1e-6)
        click.echo(f"{source.name}: {counted(report.pages, 'page')}, "
                   f"{counted(records, 'record')} ({rate:,.0f} records/s)", err=True)

    fetcher = Fetcher(source.limits.fetch_limits())
    try:
        if prune:
            report = Harvest.pruning(repository, source, fetcher).prune()
        else:
            report = Harvest(repository, source, full=full, fetcher=fetcher,
                             progress=progress).run()
    finally:
        fetcher.close()
    if report.resumed:
        click.echo(f"{source.name}: resumed run {report.run}", err=True)
    click.echo(report.summary())
    for outcome in report.quarantined[:20]:
        click.echo(f"  quarantined {outcome}")
    return report


def _watch(repository: Repository, tick: float, cycles: int | None) -> None:
    """Check the schedules every ``tick`` seconds and run what is due."""
    done = 0
    while cycles is None or done < cycles:
        registry = Registry(repository)
        for name in due(registry.all(), runs(repository), now_utc()):
            _run(repository, registry.get(name), full=False)
        done += 1
        if cycles is None or done < cycles:
            time.sleep(tick)
