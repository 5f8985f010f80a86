"""The fields of a tabular file, read at intake: the columns of a CSV file and the members of
the objects of a JSON file, each with a simple type taken from its values (issue 15: what a
Croissant ``recordSet`` of the file says).

CSV: the column names are the first row as a CSV reader with the default dialect reads it
(comma-separated, the names as written: what mlcroissant's pandas reader calls the columns).
The types come from a sample, never the whole file: the rows in the first
:data:`SAMPLE_CHARS` characters. A column whose non-empty values in the sample are all
integers without a leading zero is ``integer`` (a leading zero makes a code, such as a postal
code: ``text``), all numbers ``decimal``, anything else ``text``; a column with no value in the
sample has no type.

JSON: a file is a table when it is an array of objects, or an object exactly one of whose
members is an array of objects (``{"total": 2, "records": [{…}, {…}]}``: that member's key is
kept as :attr:`Table.array_key`). Its fields are the members every object of the array has
whose values are strings, numbers, booleans or null, in the order the first object gives them;
a member some object lacks, or one holding an object or an array, is no field (a Croissant
field extracted by JSONPath must give one value a record). Types come from every value:
``boolean`` when all non-null values are true or false, ``integer`` when all are integers,
``decimal`` when all are numbers, ``text`` when they are strings or a mix; no type when all are
null. A file over :data:`~.checks.MAX_JSON_PARSED` bytes, which intake does not parse, has no
fields recorded.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checks import MAX_JSON_PARSED, Checked, decoded

TEXT, INTEGER, DECIMAL, BOOLEAN = "text", "integer", "decimal", "boolean"
#: The types a field may have.
TYPES = (TEXT, INTEGER, DECIMAL, BOOLEAN)
#: How much of a CSV file's text its column types are read from.
SAMPLE_CHARS = 1 << 20
_INTEGER = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"[+-]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Column:
    """One field of a tabular file: its name and type (one of :data:`TYPES`; None unknown)."""

    name: str
    datatype: str | None = None


@dataclass(frozen=True)
class Table:
    """The fields of a tabular file, in order."""

    columns: tuple[Column, ...]
    #: a JSON file's member holding the array of objects; None when the file is the array
    #: (and for CSV)
    array_key: str | None = None


def read_table(path: Path, checked: Checked) -> Table | None:
    """The fields of the accepted file at ``path`` (a CSV file, or a JSON file that is a table
    by the rule above); None for any other file. Raises OSError when it cannot be read."""
    if checked.kind == "csv":
        return csv_table(path, checked.encoding or "utf-8")
    if checked.kind == "json" and path.stat().st_size <= MAX_JSON_PARSED:
        return json_table(json.loads("".join(decoded(path, checked.encoding or "utf-8"))))
    return None


# -- CSV ---------------------------------------------------------------------------------------


def csv_table(path: Path, encoding: str) -> Table | None:
    """The columns of the CSV file at ``path`` (text in ``encoding``), typed from a sample;
    None when its first row is empty or the CSV reader refuses the sample (a NUL character, a
    cell over its field size limit). Raises OSError, UnicodeDecodeError."""
    try:
        rows = _sample_rows(path, encoding)
    except csv.Error:
        return None
    if not rows or not any(rows[0]):
        return None
    header, values = rows[0], rows[1:]
    return Table(tuple(Column(name, _csv_type(_column_values(values, index)))
                       for index, name in enumerate(header)))


def _sample_rows(path: Path, encoding: str) -> list[list[str]]:
    """The rows in the first :data:`SAMPLE_CHARS` characters of the file; when the file goes
    on, the sample's last row (perhaps cut) is left out."""
    sample = ""
    for part in decoded(path, encoding):
        sample += part
        if len(sample) > SAMPLE_CHARS:
            break
    rows = list(csv.reader(io.StringIO(sample[:SAMPLE_CHARS].removeprefix("\ufeff"),
                                       newline="")))
    return rows if len(sample) <= SAMPLE_CHARS or len(rows) < 2 else rows[:-1]


def _column_values(rows: list[list[str]], index: int) -> Iterable[str]:
    return (row[index] for row in rows if index < len(row))


def _csv_type(values: Iterable[str]) -> str | None:
    """``integer``, ``decimal`` or ``text`` for the non-empty ``values``; None for none."""
    found = None
    for value in values:
        if not value:
            continue
        if _INTEGER.fullmatch(value):
            kind = INTEGER
        elif _DECIMAL.fullmatch(value):
            kind = DECIMAL
        else:
            return TEXT
        found = DECIMAL if DECIMAL in (found, kind) else kind
    return found


# -- JSON --------------------------------------------------------------------------------------


def json_table(document: Any) -> Table | None:
    """The fields of a parsed JSON document that is a table by the rule above, else None."""
    key, objects = _array_of_objects(document)
    if not objects:
        return None
    names = [name for name in objects[0] if all(name in o for o in objects)]
    columns = []
    for name in names:
        values = [o[name] for o in objects]
        if all(_is_scalar(v) for v in values):
            columns.append(Column(name, _json_type(values)))
    return Table(tuple(columns), key) if columns else None


def _array_of_objects(document: Any) -> tuple[str | None, list[dict[str, Any]]]:
    """The array of objects the document is or holds (and the key holding it); no objects
    when it is neither."""
    if _is_objects(document):
        return None, document
    if isinstance(document, dict):
        arrays = [key for key, value in document.items() if _is_objects(value)]
        if len(arrays) == 1:
            return arrays[0], document[arrays[0]]
    return None, []


def _is_objects(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float))


def _json_type(values: list[Any]) -> str | None:
    """The type of a field from its values (null values say nothing)."""
    kinds = {_json_kind(value) for value in values if value is not None}
    if not kinds:
        return None
    if kinds in ({BOOLEAN}, {INTEGER}):
        return kinds.pop()
    return DECIMAL if kinds <= {INTEGER, DECIMAL} else TEXT


def _json_kind(value: str | int | float) -> str:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    return DECIMAL if isinstance(value, float) else TEXT
