"""Assembly: ``create_app`` (the Flask application) and ``main`` (the ``yuliao`` command line).

Nothing heavy happens at import time; the repository is opened when a command or the
application needs it.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask

from repository import Config, Repository, RepositoryError
from repository.config import CONFIG_FILE, config_template
from repository.void import VoidCache


def create_app(config: Config | None = None, repository: Repository | None = None) -> Flask:
    """The web application over ``repository`` (opened from ``config`` when not given)."""
    from endpoints import catalog, home, oai, records, sparql

    app = Flask(__name__)
    config = config or (repository.config if repository else Config.from_env())
    app.config["YULIAO"] = config
    app.extensions["yuliao"] = repository = repository or Repository(config)
    app.extensions["yuliao.void"] = VoidCache(repository)
    app.register_blueprint(home.bp)
    app.register_blueprint(oai.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(records.bp)
    return app


# -- the command line ----------------------------------------------------------------------


def fail(message: str) -> None:
    """Print a one-line reason and exit non-zero."""
    click.echo(f"yuliao: {message}", err=True)
    sys.exit(1)


def open_home(config: Config) -> Repository:
    """The repository of ``config``; exits with a one-line reason when it cannot be opened.
    Use it in a ``with`` block so that the store's lock is released on every exit."""
    try:
        repository = Repository(config)
    except RepositoryError as error:
        fail(str(error))
        raise  # unreachable
    for intent in repository.recovered:
        click.echo(f"yuliao: finished {intent}, left by a process that had ended", err=True)
    return repository


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
    with open_home(config) as repository:
        if config.store.remote:
            _empty_remote(repository, force)
        if demo:
            _load_demo(repository)
    settings = config.home / CONFIG_FILE
    if not settings.exists():
        settings.write_text(config_template(date.today()), encoding="utf-8")
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
    except RepositoryError as error:
        fail(str(error))


def _remove_index(config: Config) -> None:
    """The dissemination index (with its WAL files), the text index and the journal of a
    store being replaced."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{config.oai_index_path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(config.text_index_path, ignore_errors=True)
    shutil.rmtree(config.journal_path, ignore_errors=True)


def _load_demo(repository: Repository) -> None:
    import demo as demo_data
    from repository.importer import load_records
    from repository.records import Record

    records = [Record(id=d.local_id, graph=d.graph, state=d.state)
               for d in demo_data.records(repository.config.base_uri)]
    report = load_records(repository, records)
    click.echo(f"demo: {report.summary()}")
    for failure in report.failures:
        click.echo(f"  {failure}", err=True)


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


def _run_import(config: Config, paths: tuple[Path, ...], *, dry_run: bool, publish: bool) -> None:
    from repository.importer import Importer, ImportReport, iter_paths

    try:
        files = list(iter_paths(paths))
    except RepositoryError as error:
        fail(str(error))
    repository = Repository(config, in_memory=True) if dry_run else open_home(config)
    with repository, click.progressbar(length=len(files), label="files", file=sys.stderr) as bar:
        importer = Importer(repository, publish=publish)
        outcomes = []
        for path in files:
            outcomes.extend(importer.import_file(path, dry_run=dry_run))
            bar.update(1)
    report = ImportReport(outcomes)
    for failure in report.failures:
        click.echo(f"invalid: {failure}", err=True)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", required=True, help="olac, oai_dc, dcat-ttl, dcat-jsonld, "
              "dcat-rdfxml, croissant or nquads.")
@click.option("--id", "local_id", help="One record; all published records when left out.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default stdout).")
@click.pass_obj
def export(config: Config, fmt: str, local_id: str | None, output: Path | None) -> None:
    """Export published records."""
    from repository.export import export_public, export_record, get_format

    try:
        get_format(fmt)
        with open_home(config) as repository:
            if local_id:
                data = export_record(repository, repository.get(local_id, public=True), fmt)
            else:
                data = export_public(repository, fmt)
    except RepositoryError as error:
        fail(str(error))
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
def dump(config: Config, file: Path) -> None:
    """Write both areas of the store to an N-Quads file (gzip if it ends in .gz)."""
    with open_home(config) as repository:
        count = repository.dump(file)
    click.echo(f"dumped {count} quads to {file}")


@main.command()
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def restore(config: Config, file: Path) -> None:
    """Load a dump into an empty home."""
    try:
        with open_home(config) as repository:
            count = repository.restore(file)
    except RepositoryError as error:
        fail(str(error))
    click.echo(f"restored {count} quads from {file}")


@main.command()
@click.pass_obj
def reindex(config: Config) -> None:
    """Rebuild the OAI-PMH dissemination index from the public area."""
    try:
        with open_home(config) as repository:
            count = repository.reindex()
    except RepositoryError as error:
        fail(str(error))
    click.echo(f"reindexed {count} public records")


@main.command()
@click.option("--repair", is_flag=True, help="Fix every disagreement found, and say how.")
@click.pass_obj
def check(config: Config, repair: bool) -> None:
    """Compare the work area, the public area and both indexes record by record; report
    every disagreement (and fix it with --repair). Exit status 1 while any remains."""
    from repository.integrity import check_repository

    try:
        with Repository(config, recover=False) as repository:
            remaining = check_repository(repository, repair=repair, echo=click.echo)
    except RepositoryError as error:
        fail(str(error))
    if remaining:
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_obj
def serve(config: Config, host: str, port: int) -> None:
    """Serve the web interface."""
    app = create_app(config)
    click.echo(f"serving {config.home} on http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _add_harvest_commands() -> None:
    from harvest.cli import harvest, sources

    main.add_command(sources)
    main.add_command(harvest)


_add_harvest_commands()


if __name__ == "__main__":
    main()
