"""A stored file as a ``dcat:Distribution`` of its dataset.

Each file is the node ``{dataset}#file-{first 16 hex digits of its SHA-256}`` (the same file
added twice is one distribution) with its name (``dct:title``), media type (``dcat:mediaType``,
an IANA IRI, and ``dct:format``), size (``dcat:byteSize``), checksum (``spdx:checksum``, a
``spdx:Checksum`` node of algorithm SHA-256), download URL
(``{base}record/{id}/files/{name}``), the encoding of a text file (``yl:textEncoding``), the
counts of its text (``yl:characterCount``, ``yl:tokenCount`` with ``yl:tokenizer``) and, for a
CSV or JSON table (:mod:`.fields`), its fields as a CSVW table schema (``csvw:tableSchema``:
each ``csvw:Column`` its ``csvw:name`` and, when known, ``csvw:datatype`` ``xsd:string``,
``xsd:integer``, ``xsd:decimal`` or ``xsd:boolean``; the key of a JSON array held in an object
is the schema's ``yl:jsonArrayKey``).
Licence and access rights are the dataset's unless the distribution says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from vocab.namespaces import CSVW, DCAT, DCT, RDF_, SPDX, XSD, YL

from ..errors import InputError
from .checks import Checked
from .fields import BOOLEAN, DECIMAL, INTEGER, TEXT, Column, Table
from .storage import Stored
from .text import TOKENIZER, Counts

IANA = "http://www.iana.org/assignments/media-types/"
#: Characters a file name may not have (it is the last segment of its download URL).
_UNSAFE_NAME = frozenset('/\\\0')
#: A field's type as its column's ``csvw:datatype``.
DATATYPES = {TEXT: XSD.string, INTEGER: XSD.integer, DECIMAL: XSD.decimal,
             BOOLEAN: XSD.boolean}
_COLUMN_NUMBER = re.compile(r"-column-([0-9]+)$")


@dataclass(frozen=True)
class AddedFile:
    """What is known of a file added to a dataset."""

    name: str
    stored: Stored
    checked: Checked
    counts: Counts
    #: the fields of a CSV or JSON table (:func:`.fields.read_table`)
    table: Table | None = None


def file_name(name: str) -> str:
    """``name`` as a distribution's file name (its last path segment). Raises InputError for
    an empty name, one with a slash, backslash or NUL, or one over 255 characters."""
    name = name.strip()
    if not name or set(name) & _UNSAFE_NAME or name in (".", "..") or len(name) > 255:
        raise InputError(f"expected a file name without slashes of at most 255 characters, "
                         f"got {name!r}", field="name")
    return name


def distribution_node(subject: URIRef, sha256: str) -> URIRef:
    return URIRef(f"{subject}#file-{sha256[:16]}")


def download_url(base: str, local_id: str, name: str) -> URIRef:
    return URIRef(f"{base}record/{quote(local_id, safe=':')}/files/{quote(name, safe='')}")


def add_file(graph: Graph, subject: URIRef, base: str, local_id: str,
             added: AddedFile) -> URIRef:
    """``added`` as a distribution of ``subject`` in ``graph`` (replacing what the same file
    had there); its node. Raises InputError when another file of the dataset has that name."""
    node = distribution_node(subject, added.stored.sha256)
    url = download_url(base, local_id, added.name)
    for other in graph.objects(subject, DCAT.distribution):
        if other != node and (other, DCAT.downloadURL, url) in graph:
            raise InputError(f"the dataset has another file named {added.name!r}",
                             record=local_id, field="name")
    remove_file(graph, subject, node)
    checksum = URIRef(f"{node}-sha256")
    media = URIRef(IANA + added.checked.media_type)
    triples = [
        (subject, DCAT.distribution, node), (node, RDF_.type, DCAT.Distribution),
        (node, DCT.title, Literal(added.name)), (node, DCAT.mediaType, media),
        (node, DCT.format, media),
        (node, DCAT.byteSize, Literal(added.stored.size, datatype=XSD.nonNegativeInteger)),
        (node, DCAT.downloadURL, url), (node, SPDX.checksum, checksum),
        (checksum, RDF_.type, SPDX.Checksum),
        (checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256),
        (checksum, SPDX.checksumValue, Literal(added.stored.sha256, datatype=XSD.hexBinary)),
        (node, YL.characterCount, _count(added.counts.characters)),
        (node, YL.tokenCount, _count(added.counts.tokens)),
        (node, YL.tokenizer, Literal(TOKENIZER)),
    ]
    if added.checked.encoding:
        triples.append((node, YL.textEncoding, Literal(added.checked.encoding)))
    triples.extend(_table_schema(node, added.table))
    for triple in triples:
        graph.add(triple)
    return node


def _table_schema(node: URIRef, table: Table | None) -> list[tuple]:
    """A table's fields as a CSVW table schema, in order (the column nodes are numbered:
    ``{file}-column-001``, …)."""
    if table is None:
        return []
    schema = URIRef(f"{node}-schema")
    triples: list[tuple] = [(node, CSVW.tableSchema, schema), (schema, RDF_.type, CSVW.Schema)]
    if table.array_key is not None:
        triples.append((schema, YL.jsonArrayKey, Literal(table.array_key)))
    for number, field in enumerate(table.columns, start=1):
        column = URIRef(f"{node}-column-{number:03d}")
        triples += [(schema, CSVW.column, column), (column, RDF_.type, CSVW.Column),
                    (column, CSVW.name, Literal(field.name))]
        if field.datatype is not None:
            triples.append((column, CSVW.datatype, DATATYPES[field.datatype]))
    return triples


def table_of(graph: Graph, node: URIRef) -> Table | None:
    """The fields the file ``node`` was found to have, in order (None without a table
    schema)."""
    schema = graph.value(node, CSVW.tableSchema)
    if schema is None:
        return None
    names = {iri: name for name, iri in DATATYPES.items()}
    columns = sorted(graph.objects(schema, CSVW.column), key=_column_number)
    key = graph.value(schema, YL.jsonArrayKey)
    return Table(tuple(Column(str(graph.value(column, CSVW.name)),
                              names.get(graph.value(column, CSVW.datatype)))
                       for column in columns), None if key is None else str(key))


def _column_number(column: Node) -> int:
    """The number of a column node (``…-column-012``: 12), so that a 1,000th column comes
    after the 999th."""
    match = _COLUMN_NUMBER.search(str(column))
    return int(match.group(1)) if match else 0


def remove_file(graph: Graph, subject: URIRef, node: URIRef) -> None:
    """The distribution ``node`` and its checksum node taken out of ``graph``."""
    for checksum in list(graph.objects(node, SPDX.checksum)):
        graph.remove((checksum, None, None))
    for schema in list(graph.objects(node, CSVW.tableSchema)):
        for column in list(graph.objects(schema, CSVW.column)):
            graph.remove((column, None, None))
        graph.remove((schema, None, None))
    graph.remove((node, None, None))
    graph.remove((subject, DCAT.distribution, node))


def _count(value: int) -> Literal:
    """A count as the store keeps it (Oxigraph reads xsd:nonNegativeInteger back as
    xsd:integer; a count typed so would read back changed)."""
    return Literal(value, datatype=XSD.integer)


@dataclass(frozen=True)
class StoredFile:
    """A stored file of a dataset as its description says it: the fragment of its node, its
    name, the SHA-256 of its bytes and its token count ("" when not counted)."""

    fragment: str
    name: str
    sha256: str
    tokens: str


def stored_files(graph: Graph, subject: URIRef) -> list[StoredFile]:
    """Each stored file of ``subject`` (its distributions with a checksum), by name."""
    found = []
    for node in graph.objects(subject, DCAT.distribution):
        value = next((graph.value(checksum, SPDX.checksumValue)
                      for checksum in graph.objects(node, SPDX.checksum)), None)
        if value is not None:
            tokens = graph.value(node, YL.tokenCount)
            found.append(StoredFile(str(node).partition("#")[2],
                                    str(graph.value(node, DCT.title) or ""), str(value),
                                    str(tokens) if tokens is not None else ""))
    return sorted(found, key=lambda file: (file.name, file.fragment))
