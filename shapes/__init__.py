"""The SHACL shapes records are validated against, shipped as Turtle beside this module.

:func:`load` parses every ``*.ttl`` here once and returns the same rdflib Graph on every call.
That graph is shared and NOT thread-safe: pyshacl writes "system triples" into the shapes graph
it is given (pySHACL #314), so whoever passes it to pyshacl holds :data:`LOCK` while doing so
(``repository.validation.Validator`` does).
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from rdflib import Graph, Namespace, URIRef

from repository.errors import RepositoryError
from vocab.namespaces import bind_prefixes

HERE = Path(__file__).resolve().parent
SHAPES = Namespace("https://w3id.org/yuliao/shapes#")

DATASET_SHAPE: URIRef = SHAPES.DatasetShape
LANGUAGE_RESOURCE_SHAPE: URIRef = SHAPES.LanguageResourceShape

#: Held by every caller that hands the shared shapes graph to pyshacl.
LOCK = threading.RLock()


def shape_files() -> list[Path]:
    """The Turtle files that make up the shapes graph, in a stable order."""
    return sorted(HERE.glob("*.ttl"))


@cache
def load() -> Graph:
    """Every shape in one rdflib Memory graph, parsed on the first call only.

    Raises RepositoryError when a shapes file is missing or is not valid Turtle (a packaging
    defect, not bad input).
    """
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("sh", "http://www.w3.org/ns/shacl#")
    graph.bind("ylsh", str(SHAPES))
    files = shape_files()
    if not files:
        raise RepositoryError(f"no SHACL shapes (*.ttl) found in {HERE}")
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except (SyntaxError, ValueError, OSError) as exc:
            raise RepositoryError(f"cannot read the SHACL shapes in {path.name}: {exc}") from exc
    return graph
