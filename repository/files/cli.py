"""``yuliao files``: the files of a dataset from the terminal (registered by app.py).

``yuliao files add ID PATH… --as EMAIL`` takes each file in (:func:`.intake.take_in`: stored
under its SHA-256 in the file store, ``{home}/files`` or ``[files] store = "s3"``'s bucket,
checked by its content, its text counted) and adds the
accepted ones to the record as distributions, in one new draft revision saved as the account
``--as`` names (a published record keeps its public revision until the new one is approved,
as in the back office). A file that would take the agency over its quota (``[files]
agency_quota``) is refused before it is read. A refused file is named on standard error with
its reason; the command then ends with status 1, after saving what was accepted.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..actors import Actor
from ..config import Config
from ..errors import InputError, RepositoryError, StoreError
from ..workflow.cli import acting, actor_options, opened, terminal
from ..workflow.service import Workflow
from .deposit import FilePlaces, deposit
from .distributions import AddedFile
from .intake import read_in_chunks, take_in
from .scan import Scanner


@click.group()
def files() -> None:
    """The files of the datasets: add them to a record (checked, counted, stored)."""


@files.command()
@actor_options
@click.argument("local_id", metavar="ID")
@click.argument("paths", metavar="PATH…", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def add(config: Config, account: str, local_id: str, paths: tuple[Path, ...]) -> None:
    """Add files to the record ID as a new draft revision."""
    from app import fail

    with opened(config) as (repository, office):
        try:
            actor = acting(office, account)
            record = repository.get(local_id)
            places = FilePlaces.of(config)
            accepted, refused = _taken_in(places, actor, paths, Scanner.of(config.files))
            if accepted:
                flow = Workflow(repository, audit=lambda event: office.audit.workflow_event(
                    event, terminal()))
                saved = deposit(flow, places, actor, local_id, accepted, record.revision)
                click.echo(f"{record.id}: {len(accepted)} file(s) added, revision "
                           f"{saved.record.revision} ({saved.record.state})")
        except RepositoryError as error:
            fail(str(error))
    if refused:
        raise SystemExit(1)


def _taken_in(places: FilePlaces, actor: Actor, paths: tuple[Path, ...],
              scanner: Scanner | None) -> tuple[list[AddedFile], int]:
    """Each file taken in (a line for each on standard output), and how many were refused
    (a line for each on standard error: refused by its content, or over the agency's
    quota)."""
    accepted, refused, promised = [], 0, 0
    for path in paths:
        try:
            size = path.stat().st_size
            places.check_quota(actor.agency, promised + size, path.name)
            added = take_in(places.store, read_in_chunks(path), path.name, scanner=scanner,
                            texts=places.texts)
            promised += size
        except (InputError, StoreError) as error:
            reason = error.reason if isinstance(error, InputError) else str(error)
            click.echo(f"refused {path.name}: {reason}", err=True)
            refused += 1
            continue
        accepted.append(added)
        encoding = f", {added.checked.encoding}" if added.checked.encoding else ""
        click.echo(f"{added.name}: {added.checked.kind}{encoding}, {added.stored.size:,} "
                   f"bytes, sha256 {added.stored.sha256}, {added.counts.tokens:,} tokens")
    return accepted, refused
