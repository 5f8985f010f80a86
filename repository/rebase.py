"""The base URI a home was made with: checked when the home is opened, and moved on request.

Every IRI of a home is built from the base URI it was made with (``{base}id/{id}``,
``{base}record/{id}``, ``{base}graph/{id}``, ``{base}agency/{code}``, …). The store itself
remembers it: a catalogue record is ``{base}record/{id}`` with ``yl:localId "{id}"``, so the
first one found gives the base (one lookup on the predicate's index, as cheap in a store of a
million records as in one of ten; dumps and remote stores remember it the same way). Opening
a home under another configured base URI would make every record page 404 and every new
record a stranger to the old ones, so :func:`check_base_uri` refuses it, naming both and the
command that moves the home.

:func:`rebase_home` (``yuliao rebase NEW``) moves a home: every IRI under the old base, in
both areas and in graph names (and the IRIs inside ``rdf:JSON`` literals, such as a harvest
checkpoint's run), is rewritten under the new one, graph by graph, :data:`BATCH` graphs an
update; then the indexes are rebuilt (records whose OAI-PMH rendering changed get new
datestamps, so harvesters fetch them again) and ``yuliao.toml`` is made to name the new base.
Each graph moves atomically and moving one twice changes nothing, so an interrupted move is
finished by running the command again with ``--from OLD``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from vocab.namespaces import YL

from .backends import open_area
from .config import CONFIG_FILE, Config
from .errors import ConflictError, InputError

if TYPE_CHECKING:
    from .backends import Area, TripleStore
    from .core import Repository

#: Graphs moved in one update.
BATCH = 200
AREAS: tuple[Area, ...] = ("work", "public")
RDF_JSON = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")
FIRST_RECORD = f"SELECT ?r ?id WHERE {{ GRAPH ?g {{ ?r <{YL.localId}> ?id }} }} LIMIT 1"


class BaseURIMismatch(ConflictError):
    """The configured base URI is not the one the home was made with."""

    def __init__(self, home: Path | None, made_with: str, configured: str) -> None:
        self.made_with, self.configured = made_with, configured
        super().__init__(
            f"the home {home or '(in memory)'} was made with base URI {made_with} but "
            f"{configured} is configured (YULIAO_BASE_URI or base_uri in {CONFIG_FILE}); "
            f"configure {made_with} again, or move the home with `yuliao rebase {configured}`")


def made_with(work: TripleStore, public: TripleStore) -> str | None:
    """The base URI the records of a home were made with, from its public area (or its work
    area, for a home whose records are all drafts); None without any record.
    Raises StoreError."""
    for area in (public, work):
        found = _first_record_base(area)
        if found is not None:
            return found
    return None


def _first_record_base(area: TripleStore) -> str | None:
    rows = area.select(FIRST_RECORD)
    if not rows:
        return None
    iri, suffix = str(rows[0]["r"]), f"record/{rows[0]['id']}"
    return iri.removesuffix(suffix) if iri.endswith(suffix) else None


def check_base_uri(repository: Repository) -> None:
    """Raises BaseURIMismatch when the home of ``repository`` was made with another base URI
    than the configured one (a home without records takes any), and StoreError when the
    store cannot be read."""
    found = made_with(repository.work, repository.public)
    if found is not None and found != repository.config.base_uri:
        raise BaseURIMismatch(repository.config.home, found, repository.config.base_uri)


def check_dump(path: Path, configured: str) -> None:
    """Raises ConflictError when the dump at ``path`` (N-Quads, gzip when it ends in .gz) was
    made from a home with another base URI than ``configured``: restored as it is, its records
    would be strangers under the configured one. Reads up to its first catalogue record.
    Raises InputError when the file cannot be read."""
    found = _dump_base(path)
    if found is not None and found != configured:
        raise ConflictError(
            f"the dump {path} was made with base URI {found} but {configured} is configured; "
            f"restore it with YULIAO_BASE_URI={found}, then move the home with "
            f"`yuliao rebase {configured}`")


def _dump_base(path: Path) -> str | None:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as data:
            for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
                if quad.predicate.value == str(YL.localId):
                    iri, suffix = quad.subject.value, f"record/{quad.object.value}"
                    return iri.removesuffix(suffix) if iri.endswith(suffix) else None
    except (SyntaxError, OSError, ValueError) as error:
        raise InputError(f"not a Yuliao N-Quads dump: {error}", origin=str(path)) from error
    return None


# -- moving a home -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RebaseReport:
    """What a move did: from where to where, graphs rewritten per area, records reindexed,
    and the settings file written (None when it already named the new base)."""

    old: str
    new: str
    graphs: dict[str, int]
    records: int
    settings: Path | None


def rebase_home(config: Config, new_base: str, *, old_base: str | None = None,
                environment: Mapping[str, str] = os.environ) -> RebaseReport:
    """Move the home of ``config`` from the base URI it was made with (or ``old_base``) to
    ``new_base``: both areas, the indexes, and yuliao.toml.

    Raises InputError for a malformed base URI and when ``YULIAO_BASE_URI`` names a third
    one (the home would be refused once moved), StoreError when the store fails (a store
    another process holds open, for one).
    """
    from .core import Repository

    target = replace(config, base_uri=new_base)  # checks the new base URI
    configured = environment.get("YULIAO_BASE_URI")
    if configured and configured.strip() != new_base:
        raise InputError(f"YULIAO_BASE_URI is {configured.strip()}; the moved home would be "
                         f"refused: set it to {new_base} or unset it first",
                         field="YULIAO_BASE_URI")
    if old_base is not None:
        replace(config, base_uri=old_base)  # checks it
    with ExitStack() as opened:
        areas = {}
        for area in AREAS:  # the stores alone: a half-moved home is refused by Repository
            areas[area] = open_area(config, area)
            opened.callback(areas[area].close)
        old = old_base or made_with(areas["work"], areas["public"]) or new_base
        graphs = {area: move_area(store, old, new_base) if old != new_base else 0
                  for area, store in areas.items()}
    with Repository(target) as repository:
        records = repository.reindex()
    return RebaseReport(old, new_base, graphs, records,
                        name_base_uri(config.home / CONFIG_FILE, old, new_base))


def move_area(area: TripleStore, old: str, new: str) -> int:
    """Rewrite every graph of ``area`` naming or holding an IRI under ``old`` with that IRI
    under ``new`` (graph names included), :data:`BATCH` graphs an update; returns how many
    graphs were rewritten. Raises StoreError."""
    moved, pending = 0, {}
    for name in area.graph_names():
        graph = area.graph(name)
        rebased = [(rebase_term(s, old, new), rebase_term(p, old, new), rebase_term(o, old, new))
                   for s, p, o in graph]
        target = rebase_term(name, old, new)
        if target == name and set(rebased) == set(graph):
            continue
        pending[target] = rebased
        if target != name:
            pending[name] = None
        moved += 1
        if len(pending) >= BATCH:
            area.replace(pending)
            pending = {}
    if pending:
        area.replace(pending)
    return moved


def rebase_term(term: Node, old: str, new: str) -> Node:
    """``term`` with ``old`` replaced by ``new`` at the start of an IRI, or in the string
    values of an ``rdf:JSON`` literal; any other term as it is."""
    if isinstance(term, URIRef) and term.startswith(old):
        return URIRef(new + term[len(old):])
    if isinstance(term, Literal) and term.datatype == RDF_JSON:
        moved = json.dumps(_rebase_json(json.loads(str(term)), old, new), sort_keys=True)
        return term if moved == str(term) else Literal(moved, datatype=RDF_JSON)
    return term


def _rebase_json(value, old: str, new: str):
    if isinstance(value, str):
        return new + value[len(old):] if value.startswith(old) else value
    if isinstance(value, list):
        return [_rebase_json(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _rebase_json(item, old, new) for key, item in value.items()}
    return value


# -- yuliao.toml -------------------------------------------------------------------------------

_SETTING = r'^(\s*{key}\s*=\s*)"{value}"'


def name_base_uri(path: Path, old: str, new: str) -> Path | None:
    """Make the settings file at ``path`` name ``new`` as its base URI: its ``base_uri`` (and
    an ``archive_url`` that was the old base) rewritten in place, comments kept, or a
    ``base_uri`` line added at the top (the file made when there is none). Returns ``path``,
    or None when it already named ``new``."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(_SETTING.format(key="base_uri", value=r'[^"]*'), re.MULTILINE)
    current = pattern.search(text)
    if current is not None and current.group(0).endswith(f'"{new}"'):
        return None
    if current is not None:
        text = pattern.sub(lambda m: f'{m.group(1)}"{new}"', text, count=1)
    else:
        text = f'base_uri = "{new}"\n{text}'
    archive = re.compile(_SETTING.format(key="archive_url", value=re.escape(old)), re.MULTILINE)
    text = archive.sub(lambda m: f'{m.group(1)}"{new}"', text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
