"""Which store each area of the repository lives in: embedded Oxigraph or a SPARQL server.

:class:`TripleStore` is the interface the rest of the code uses on ``Repository.work`` and
``Repository.public``; :class:`repository.store.Store` (embedded) and
:class:`repository.remote_store.RemoteStore` both implement it. :func:`open_area` picks one from
``config.store`` (``YULIAO_STORE`` / ``YULIAO_PUBLIC_STORE`` / ``[store]`` in yuliao.toml).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

if TYPE_CHECKING:
    from .config import Config
    from .sparql import Answer, Dataset, QueryLimits

Area = Literal["work", "public"]


class TripleStore(Protocol):
    """One area of the store: one named graph per record. Every method raises StoreError when
    the store fails; see :class:`repository.store.Store` for each method's contract."""

    def replace(self, graphs: dict[URIRef, Iterable[tuple[Node, Node, Node]] | None]) -> None:
        ...

    def replace_statements(self, graphs: dict[URIRef, list[str] | None], *,
                           new: frozenset[URIRef] = frozenset()) -> None: ...

    def update(self, sparql: str) -> None: ...

    def clear(self) -> None: ...

    def graph(self, name: URIRef) -> Graph: ...

    def subject_facts(self, subject: URIRef, graph: URIRef) -> dict[URIRef, Node]: ...

    def has_graph(self, name: URIRef) -> bool: ...

    def absent(self, names: Iterable[URIRef]) -> frozenset[URIRef]: ...

    def graph_names(self) -> list[URIRef]: ...

    def select(self, sparql: str, **options) -> list[dict[str, Node]]: ...

    def solutions(self, sparql: str, **options) -> Iterator[dict[str, Node]]: ...

    def values(self, sparql: str) -> Iterator[tuple[str | None, ...]]: ...

    def ask(self, sparql: str, **options) -> bool: ...

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer: ...

    def __len__(self) -> int: ...

    def is_empty(self) -> bool: ...

    def quads(self) -> Iterator[ox.Quad]: ...

    def dump(self, out: BinaryIO) -> None: ...

    def load_quads(self, quads: list[ox.Quad]) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def open_area(config: Config, area: Area, *, in_memory: bool = False) -> TripleStore:
    """The store of ``area`` ("work" or "public"): in memory, on a SPARQL server when
    ``config.store`` names one, else embedded under ``config.store_dir``.

    Raises StoreError when an embedded store cannot be opened (a remote one is only reached
    on its first request).
    """
    from .remote_store import RemoteStore, RequestLimits
    from .store import Store

    settings = config.store
    if in_memory:
        return Store()
    endpoints = settings.work if area == "work" else settings.public
    if endpoints is None:
        config.store_dir.mkdir(parents=True, exist_ok=True)
        return Store(config.store_dir / area)
    config.home.mkdir(parents=True, exist_ok=True)  # the OAI index and the secret stay there
    limits = RequestLimits(connect_timeout=settings.connect_timeout,
                           read_timeout=settings.read_timeout, retries=settings.retries)
    return RemoteStore(endpoints, limits)
