"""The demo records: one Turtle file per record in ``demo/records``, written from the seeds.

Each file uses IRIs relative to the configured base URI (``<id/00001174>``,
``<agency/A29000000G>``, ``<record/00001174>``), so the same files load under any base.
A record that is not published says so with one triple on its catalogue record,
``<record/{id}> yl:state ylv:record-state/{state}``; :func:`records` takes that triple out
and reports the state separately. See ``demo/README.md`` for what each record is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError

from repository.errors import InputError
from vocab.namespaces import DCAT, RDF_, YL, concept

RECORDS_DIR = Path(__file__).resolve().parent / "records"
#: Files of the demo records, one folder a local id (``demo/files/00000014/…``).
FILES_DIR = Path(__file__).resolve().parent / "files"

STATES = (
    "draft", "pending-agency-review", "pending-platform-review", "published", "in-revision",
    "takedown-pending-agency", "takedown-pending-platform", "withdrawn",
)
_STATE_BY_IRI = {concept("record-state", code): code for code in STATES}


@dataclass(frozen=True)
class DemoRecord:
    """One demo record: its local id, its triples (without the state triple) and its state."""

    local_id: str
    graph: Graph
    state: str = "published"
    path: Path = field(kw_only=True)  # the Turtle file it was read from


def with_files(record: DemoRecord, repository, directory: Path = FILES_DIR) -> Graph:
    """The graph of ``record`` with its demo files (``demo/files/{id}/``) taken in: stored in
    the home's file store, checked and counted (their text kept), each a distribution (so that
    downloads, training manifests, Croissant record sets, token totals and searches of the
    files' text have something to show)."""
    from repository.files.deposit import FilePlaces
    from repository.files.distributions import add_file
    from repository.files.intake import read_in_chunks, take_in

    folder = directory / record.local_id
    if not folder.is_dir():
        return record.graph
    places = FilePlaces.of(repository.config)
    subject = repository.ids.resource(record.local_id)
    for path in sorted(folder.iterdir()):
        added = take_in(places.store, read_in_chunks(path), path.name, texts=places.texts)
        add_file(record.graph, subject, repository.ids.base, record.local_id, added)
    return record.graph


def records(base: str, directory: Path = RECORDS_DIR) -> Iterator[DemoRecord]:
    """Every demo record in ``directory`` (sorted by file name), IRIs resolved against ``base``.

    Each file is parsed once. Raises InputError naming the file when it is not Turtle, does not
    describe exactly one dataset under ``{base}id/``, or states an unknown or repeated state;
    raises InputError when ``base`` does not end with ``/``.
    """
    if not base.endswith("/"):
        raise InputError(f"the base URI {base!r} must end with '/'", field="base")
    for path in sorted(directory.glob("*.ttl")):
        yield load(path, base)


def load(path: Path, base: str) -> DemoRecord:
    """The demo record in the Turtle file ``path``; raises InputError as :func:`records` does."""
    graph = _parse(path, base)
    local_id = _local_id(graph, path, base)
    state = _take_state(graph, URIRef(f"{base}record/{local_id}"), path, local_id)
    return DemoRecord(local_id=local_id, graph=graph, state=state, path=path)


def _parse(path: Path, base: str) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle", publicID=base)
    except (ParserError, SyntaxError, ValueError) as error:
        raise InputError(f"not valid Turtle: {error}", origin=str(path)) from error
    return graph


def _local_id(graph: Graph, path: Path, base: str) -> str:
    """The local id from the one subject typed dcat:Dataset (more robust than the file name)."""
    datasets = sorted(set(graph.subjects(RDF_.type, DCAT.Dataset)))
    if len(datasets) != 1:
        raise InputError(
            f"expected exactly one subject typed dcat:Dataset, found {len(datasets)}",
            origin=str(path), field="rdf:type",
        )
    prefix = f"{base}id/"
    subject = str(datasets[0])
    local_id = subject[len(prefix):]
    if not subject.startswith(prefix) or not local_id or "#" in local_id or "/" in local_id:
        raise InputError(
            f"the dataset IRI <{subject}> is not of the form <{prefix}{{id}}>",
            origin=str(path), field="rdf:type",
        )
    return local_id


def _take_state(graph: Graph, catalogue_record: URIRef, path: Path, local_id: str) -> str:
    """Take the yl:state triple of ``catalogue_record`` out and return its code (or published)."""
    values = list(graph.objects(catalogue_record, YL.state))
    if len(values) > 1:
        raise InputError("more than one yl:state", origin=str(path), record=local_id,
                         field="yl:state")
    if not values:
        return "published"
    if values[0] not in _STATE_BY_IRI:
        raise InputError(f"unknown record state <{values[0]}>; expected one of {', '.join(STATES)}",
                         origin=str(path), record=local_id, field="yl:state")
    graph.remove((catalogue_record, YL.state, values[0]))
    return _STATE_BY_IRI[values[0]]
