"""Assembly: ``create_app`` (the Flask application) and ``main`` (the ``yuliao`` command line).

Nothing heavy happens at import time; the repository is opened when a command or the
application needs it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import click
from flask import Flask

from repository import Config, Repository, RepositoryError
from repository.config import CONFIG_FILE, config_template
from repository.core import check_dump_file
from repository.importer import counted
from repository.outputs import check_writable, replacing
from repository.void import StoredVoid, VoidCache

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

T = TypeVar("T")


def create_app(config: Config | None = None, repository: Repository | None = None, *,
               reader: bool = False) -> Flask:
    """The web application over ``repository`` (opened from ``config`` when not given).

    ``reader``: open the home as a :class:`~repository.reader.PublicReader` (its public
    area's newest snapshot, read-only), as the web workers of ``yuliao serve`` do while the
    server's owner process holds the store.
    """
    from endpoints import (
        STATIC_FOLDER,
        addresses,
        admin,
        agencies,
        api,
        browse,
        catalog,
        files,
        home,
        i18n,
        limits,
        oai,
        page_cache,
        records,
        runs,
        search,
        security,
        sparql,
    )
    from repository.reader import PublicReader

    app = Flask(__name__, static_folder=STATIC_FOLDER)
    config = config or (repository.config if repository else Config.from_env())
    app.config["YULIAO"] = config
    if repository is None:
        repository = PublicReader(config) if reader else Repository(config)
    app.extensions["yuliao"] = repository
    app.extensions["yuliao.void"] = (StoredVoid(repository) if isinstance(repository, PublicReader)
                                     else VoidCache(repository))
    page_cache.install(app)
    app.url_map.converters.update(addresses.CONVERTERS)
    security.install(app)
    limits.install(app, config.limits)
    i18n.install(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(oai.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(agencies.bp)
    app.register_blueprint(runs.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(files.bp)
    home = repository.config.home if isinstance(repository, Repository) else None
    app.config["BACK_OFFICE"] = home is not None and home.is_dir()
    app.jinja_env.globals["back_office"] = lambda: app.config["BACK_OFFICE"]
    if app.config["BACK_OFFICE"]:  # it writes (not on a snapshot) and keeps its secret
        admin.install(app, repository)
    return app


def reader_app() -> Flask:
    """The application of one web worker of ``yuliao serve`` (the home from
    ``YULIAO_HOME``): a public reader when the store is embedded, the repository itself when
    it is on SPARQL servers (which any number of processes share)."""
    config = Config.from_env()
    return create_app(config, reader=not config.store.remote)


def served_app():
    """The ASGI application of one web worker of ``yuliao serve``: :func:`reader_app` behind
    :class:`endpoints.asgi.BufferedApp`, which reads each request whole within the server's
    limits before the application sees it."""
    from endpoints.asgi import BufferedApp, Limits
    from endpoints.owner_link import SOCKET_VARIABLE, OwnerLink
    from endpoints.render_pool import RenderPool
    from endpoints.server import mount_of
    from endpoints.sparql import EXTENSION as SPARQL_RUNNER

    app = reader_app()
    app.extensions[SPARQL_RUNNER].start()  # query processes ready before the first query
    config = app.config["YULIAO"]
    server, socket = config.server, os.environ.get(SOCKET_VARIABLE)
    app.config["BACK_OFFICE"] = bool(socket)  # the owner answers /login and /admin
    limits = Limits(body_seconds=server.body_timeout, body_bytes=config.limits.max_body,
                    send_seconds=server.send_timeout, threads=server.threads,
                    queue_seconds=server.queue_timeout, mount=mount_of(config))
    renderers = (RenderPool(server.render_processes, config.home, back_office=bool(socket))
                 if server.render_processes else None)
    return BufferedApp(app, limits, owner=OwnerLink(socket) if socket else None,
                       renderers=renderers)


# -- the command line ----------------------------------------------------------------------


def fail(message: str) -> None:
    """Print a one-line reason and exit non-zero."""
    click.echo(f"yuliao: {message}", err=True)
    sys.exit(1)


def open_home(config: Config, *, create: bool = False) -> Repository:
    """The repository of ``config``; exits with a one-line reason when it cannot be opened:
    a home that does not exist (unless ``create``: only ``init`` makes one), a store another
    process holds, a store that fails. Use it in a ``with`` block so that the store's lock is
    released on every exit."""
    try:
        repository = Repository(config, create=create)
    except RepositoryError as error:
        fail(str(error))
        raise  # unreachable
    for intent in repository.recovered:
        click.echo(f"yuliao: finished {intent}, left by a process that had ended", err=True)
    return repository


def attempt(action: Callable[[], T]) -> T:
    """``action()``; a RepositoryError it raises ends the command with its one-line reason."""
    try:
        return action()
    except RepositoryError as error:
        fail(str(error))
        raise  # unreachable


def on_home(config: Config, action: Callable[[Repository], T]) -> T:
    """``action`` on the repository of ``config`` (which must exist), closed afterwards; a
    RepositoryError ends the command with its one-line reason."""
    def run() -> T:
        with open_home(config) as repository:
            return action(repository)

    return attempt(run)


@contextlib.contextmanager
def output_stream(path: Path | None) -> Iterator[BinaryIO]:
    """Standard output, or the file ``path`` written whole or not at all
    (:func:`repository.outputs.replacing`; raises InputError naming a path it cannot write)."""
    if path is None:
        yield sys.stdout.buffer
        return
    with replacing(path) as out:
        yield out


@click.group()
@click.option("--home", type=click.Path(path_type=Path), envvar="YULIAO_HOME",
              help="Repository home (default ./var, or $YULIAO_HOME).")
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """Yuliao 語料: the linked-data catalogue of Taiwan's language resources."""
    try:
        ctx.obj = Config.from_env(home)
    except RepositoryError as error:
        fail(str(error))


@main.command()
@click.option("--demo", is_flag=True, help="Load the demo records.")
@click.option("--force", is_flag=True, help="Delete an existing store first.")
@click.pass_obj
def init(config: Config, demo: bool, force: bool) -> None:
    """Create the store under the home directory, or check that the remote store is empty
    (and load the demo data); write a commented yuliao.toml when there is none."""
    if config.store_dir.exists() and any(config.store_dir.iterdir()):
        if not force:
            fail(f"{config.store_dir} already holds a store; use --force to replace it")
        shutil.rmtree(config.store_dir)
        _remove_index(config)
    with open_home(config, create=True) as repository:
        if config.store.remote:
            _empty_remote(repository, force)
        if demo:
            _load_demo(repository)
        _prepare_backoffice(config, repository, demo)
    settings = config.home / CONFIG_FILE
    if not settings.exists():
        settings.write_text(config_template(date.today(), config.base_uri), encoding="utf-8")
        click.echo(f"wrote {settings} (edit it to describe your archive)")
    click.echo(f"initialised {config.home}")


def _empty_remote(repository: Repository, force: bool) -> None:
    """Refuse a remote store that holds data, or (``--force``) empty both of its areas and
    the dissemination index. Exits with the reason when a server cannot be reached."""
    try:
        if repository.work.is_empty() and repository.public.is_empty():
            return
        if not force:
            fail(f"the store {repository.work!r} already holds data; use --force to empty it "
                 "(both areas are cleared)")
        repository.work.clear()
        repository.public.clear()
        repository.reindex()
        repository.rebuild_reviews()
    except RepositoryError as error:
        fail(str(error))


def _remove_index(config: Config) -> None:
    """The dissemination and review indexes (with their WAL files), the text index and the
    journal of a store being replaced."""
    for index in (config.oai_index_path, config.review_index_path):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{index}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(config.text_index_path, ignore_errors=True)
    shutil.rmtree(config.journal_path, ignore_errors=True)


def _load_demo(repository: Repository) -> None:
    import demo as demo_data
    from demo.workflow import replay
    from repository.importer import load_records
    from repository.records import Record

    records = [Record(id=d.local_id, graph=demo_data.with_files(d, repository), state=d.state)
               for d in demo_data.records(repository.config.base_uri)]
    report = load_records(repository, records)
    click.echo(f"demo: {report.summary()}")
    for failure in report.failures:
        click.echo(f"  {failure}", err=True)
    replay(repository)


def _prepare_backoffice(config: Config, repository: Repository, demo: bool) -> None:
    """The session secret and the accounts database (and the demo's agencies and accounts)."""
    from backoffice.cli import prepare_home

    prepare_home(config, repository, demo=demo)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--draft", is_flag=True, help="Keep the records as drafts instead of publishing.")
@click.pass_obj
def import_(config: Config, paths: tuple[Path, ...], draft: bool) -> None:
    """Import OLAC, OAI-PMH, static-repository and data.gov.tw files (or folders of them)."""
    _run_import(config, paths, dry_run=False, publish=not draft)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def validate(config: Config, paths: tuple[Path, ...]) -> None:
    """Read, map and validate files without storing anything."""
    _run_import(config, paths, dry_run=True, publish=False)


def progress_bar(length: int, label: str) -> ProgressBar[int]:
    """A progress bar on standard error when that is a terminal; otherwise none at all (click
    would still print its label, a stray line in a log)."""
    return click.progressbar(length=length, label=label, file=sys.stderr,
                             hidden=not sys.stderr.isatty())


def _run_import(config: Config, paths: tuple[Path, ...], *, dry_run: bool, publish: bool) -> None:
    from repository.importer import Importer, ImportReport, iter_paths

    try:
        files = list(iter_paths(paths))
    except RepositoryError as error:
        fail(str(error))
    repository = Repository(config, in_memory=True) if dry_run else open_home(config)
    with repository, progress_bar(len(files), "files") as bar:
        importer = Importer(repository, publish=publish)
        outcomes = []
        for path in files:
            outcomes.extend(importer.import_file(path, dry_run=dry_run))
            bar.update(1)
    report = ImportReport(outcomes)
    for failure in report.failures:
        click.echo(str(failure), err=True)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", required=True, help="olac, oai_dc, dcat-ttl, dcat-jsonld, "
              "dcat-rdfxml, croissant or nquads.")
@click.option("--id", "local_id", help="One record; all published records when left out "
              "(olac: an OLAC static repository; nquads; dcat-*: the DCAT catalogue).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default stdout); "
              "written whole or not at all.")
@click.option("--base-url", help="olac without --id: the URL the static repository will be "
              "published at (its baseURL; default {base URI}olac-static-repository.xml).")
@click.pass_obj
def export(config: Config, fmt: str, local_id: str | None, output: Path | None,
           base_url: str | None) -> None:
    """Export published records."""
    from repository.export import export_record, get_format, write_public
    from repository.static_repository import check_base_url

    try:
        get_format(fmt)
        if base_url is not None:
            check_base_url(base_url)
        if output is not None:
            check_writable(output)
        with open_home(config) as repository, output_stream(output) as out:
            if local_id:
                out.write(export_record(repository, repository.get(local_id, public=True), fmt))
            else:
                write_public(repository, fmt, out, base_url=base_url)
    except RepositoryError as error:
        fail(str(error))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
def dump(config: Config, file: Path) -> None:
    """Write both areas of the store to an N-Quads file (gzip if it ends in .gz)."""
    attempt(lambda: check_writable(file))
    count = on_home(config, lambda repository: repository.dump(file))
    click.echo(f"dumped {counted(count, 'quad')} to {file}")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
def restore(config: Config, file: Path) -> None:
    """Load a dump into an empty home (made by yuliao init)."""
    from repository.rebase import check_dump

    attempt(lambda: check_dump_file(file))
    attempt(config.check_home)
    attempt(lambda: check_dump(file, config.base_uri))
    count = on_home(config, lambda repository: repository.restore(file))
    click.echo(f"restored {counted(count, 'quad')} from {file}")


@main.command()
@click.pass_obj
def reindex(config: Config) -> None:
    """Rebuild the OAI-PMH dissemination index from the public area."""
    count = on_home(config, lambda repository: repository.reindex())
    click.echo(f"reindexed {counted(count, 'public record')}")


@main.command()
@click.argument("new_base_uri")
@click.option("--from", "old_base_uri", help="The base URI to move from (default: the one "
              "the home was made with); give it to finish an interrupted move.")
@click.pass_obj
def rebase(config: Config, new_base_uri: str, old_base_uri: str | None) -> None:
    """Move the home to another base URI: rewrite every IRI of both areas, rebuild the
    indexes and make yuliao.toml name it."""
    from repository.rebase import rebase_home

    try:
        report = rebase_home(config, new_base_uri, old_base=old_base_uri)
    except RepositoryError as error:
        fail(str(error))
    moved = ", ".join(f"{count} {area}" for area, count in report.graphs.items())
    click.echo(f"moved {report.old} to {report.new}: graphs rewritten {moved}; "
               f"reindexed {report.records} public records")
    if report.settings:
        click.echo(f"wrote base_uri = \"{report.new}\" to {report.settings}")


@main.command()
@click.option("--repair", is_flag=True, help="Fix every disagreement found, and say how.")
@click.pass_obj
def check(config: Config, repair: bool) -> None:
    """Compare the work area, the public area and both indexes record by record; report
    every disagreement (and fix it with --repair). Exit status 1 while any remains."""
    from repository.integrity import check_repository

    def run() -> int:
        with Repository(config, create=False, recover=False) as repository:
            return check_repository(repository, repair=repair, echo=click.echo)

    remaining = attempt(run)
    if remaining:
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 64),
              help="Web worker processes (default: [server] workers, else one per core).")
@click.pass_obj
def serve(config: Config, host: str, port: int, workers: int | None) -> None:
    """Serve the web interface (granian, one web worker per core; see docs/deployment.md)."""
    from endpoints.addresses import listening_note
    from endpoints.server import Owner, worker_count
    from endpoints.server import serve as run

    if workers:
        config = dataclasses.replace(
            config, server=dataclasses.replace(config.server, workers=workers))
    owner = attempt(lambda: Owner(config))
    back_office = None if owner.repository is None else create_app(config, owner.repository)
    click.echo(f"serving {config.home} on http://{host}:{port}/ as {config.base_uri} "
               f"(OAI-PMH baseURL {config.oai_base_url}; {worker_count(config)} web workers)")
    note = listening_note(config.base_uri, host, port)
    if note:
        click.echo(f"yuliao: warning: {note}", err=True)
    sys.exit(run(owner, host, port, back_office))


def _add_harvest_commands() -> None:
    from harvest.cli import harvest, sources

    main.add_command(sources)
    main.add_command(harvest)


def _add_backoffice_commands() -> None:
    from backoffice.cli import agencies, users

    main.add_command(users)
    main.add_command(agencies)


_add_harvest_commands()
_add_backoffice_commands()


def _add_review_commands() -> None:
    from repository.files.cli import files
    from repository.workflow.cli import review

    main.add_command(review)
    main.add_command(files)


_add_review_commands()


if __name__ == "__main__":
    main()
