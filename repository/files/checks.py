"""What a file is, by its content, and whether it may be accepted (seed 001: PDF that is not
scanned, ODT, CSV, XML or JSON).

The kind is read from the bytes, never from the name: ``%PDF-`` is a PDF, a zip whose first
entry says ``application/vnd.oasis.opendocument.text`` is an ODT, and text (UTF-8, Big5 or
UTF-16, recognised and recorded) is XML when it starts with ``<``, JSON with ``{`` or ``[``,
else CSV when a delimiter can be found. Everything else is refused, an ``.exe`` renamed
``.pdf`` included. Then each kind is checked:

- PDF: it opens, and its first :data:`PDF_PAGES_LOOKED_AT` pages have at least
  :data:`MIN_PDF_TEXT` characters of text (a scanned PDF has none: refused, as seed 001 says);
- ODT: no more than :data:`MAX_UNZIPPED_BYTES` unpacked and :data:`MAX_ZIP_ENTRIES` entries
  (a zip bomb is refused before anything is unpacked), no macros (``Basic/``, ``Scripts/``),
  and its ``content.xml`` parses with the hardened parser;
- XML: parsed whole, streaming, with DTDs, entities and network access off;
- JSON: decoded and parsed (up to :data:`MAX_JSON_PARSED` bytes; a larger one is checked for
  its encoding only);
- CSV: decoded whole; a dialect found in its first :data:`SNIFF_BYTES`.

Each refusal is a :class:`FileRefused` with a ``reason`` code (:data:`REASONS`), which the
pages translate, and an English message naming the file.
"""

from __future__ import annotations

import codecs
import csv
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import InputError
from ..xmlsafe import refuse_entity_declarations

#: The kinds accepted, and their IANA media types.
MEDIA_TYPES = {"pdf": "application/pdf", "odt": "application/vnd.oasis.opendocument.text",
               "csv": "text/csv", "xml": "application/xml", "json": "application/json"}
ALLOWED_KINDS = tuple(MEDIA_TYPES)
#: Why a file is refused.
REASONS = ("empty", "type", "scanned", "encoding", "malformed", "zip-bomb", "macro",
           "malware")
PDF_PAGES_LOOKED_AT = 5
MIN_PDF_TEXT = 20
MAX_UNZIPPED_BYTES = 2 * 1000 * 1000 * 1000
MAX_ZIP_ENTRIES = 10_000
MAX_JSON_PARSED = 64 * 1000 * 1000
SNIFF_BYTES = 64 * 1024
HEAD_BYTES = 8192
CHUNK = 1 << 20
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
#: Where an ODF package keeps macros.
MACRO_FOLDERS = ("Basic/", "Scripts/")


class FileRefused(InputError):
    """A file that may not be accepted; ``reason`` is one of :data:`REASONS`."""

    status = 422

    def __init__(self, reason: str, message: str, *, origin: str | None = None) -> None:
        self.code = reason
        super().__init__(message, origin=origin, field="file")


@dataclass(frozen=True)
class Checked:
    """An accepted file: its kind, media type and, for text, its encoding."""

    kind: str
    media_type: str
    encoding: str | None = None


def check_file(path: Path, name: str = "") -> Checked:
    """What the file at ``path`` (called ``name``) is. Raises FileRefused naming it."""
    origin = name or path.name
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
    if not head:
        raise FileRefused("empty", "the file is empty", origin=origin)
    if head.startswith(b"%PDF-"):
        _check_pdf(path, origin)
        return Checked("pdf", MEDIA_TYPES["pdf"])
    if head.startswith(b"PK\x03\x04"):
        _check_odt(path, origin)
        return Checked("odt", MEDIA_TYPES["odt"])
    encoding = text_encoding(path, head, origin)
    kind = _text_kind(path, encoding, origin)
    return Checked(kind, MEDIA_TYPES[kind], encoding)


def _refused_type(origin: str) -> FileRefused:
    return FileRefused("type", "by its content the file is not PDF, ODT, CSV, XML or JSON",
                       origin=origin)


# -- PDF ---------------------------------------------------------------------------------------


def _check_pdf(path: Path, origin: str) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise FileRefused("malformed", "the PDF is encrypted; upload it without a password",
                              origin=origin)
        text = "".join((page.extract_text() or "") for page in
                       reader.pages[:PDF_PAGES_LOOKED_AT])
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise FileRefused("malformed", f"the PDF cannot be read: {error}",
                          origin=origin) from error
    if len("".join(text.split())) < MIN_PDF_TEXT:
        raise FileRefused("scanned", "the PDF has no text to extract (a scanned document?); "
                          "upload a PDF made from the text, or its text as ODT", origin=origin)


# -- ODT ---------------------------------------------------------------------------------------


def _check_odt(path: Path, origin: str) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            entries = package.infolist()
            if not entries or entries[0].filename != "mimetype" or \
                    package.read(entries[0]).strip() != ODT_MIMETYPE:
                raise _refused_type(origin)
            _refuse_bombs(entries, origin)
            if any(e.filename.startswith(MACRO_FOLDERS) for e in entries):
                raise FileRefused("macro", "the ODT document contains macros; save it without "
                                  "them", origin=origin)
            content = package.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise FileRefused("malformed", f"the ODT package cannot be read: {error}",
                          origin=origin) from error
    _parse_xml_stream([content], origin)


def _refuse_bombs(entries: list[zipfile.ZipInfo], origin: str) -> None:
    unpacked = sum(e.file_size for e in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNZIPPED_BYTES:
        raise FileRefused("zip-bomb", f"the package would unpack to {unpacked:,} bytes in "
                          f"{len(entries):,} entries (at most {MAX_UNZIPPED_BYTES:,} bytes and "
                          f"{MAX_ZIP_ENTRIES:,} entries)", origin=origin)


# -- text --------------------------------------------------------------------------------------


def text_encoding(path: Path, head: bytes, origin: str) -> str:
    """The encoding the text file at ``path`` is in: UTF-8 (with or without its BOM), UTF-16
    (by its BOM, or its zero bytes) or Big5, checked over the whole file. Raises
    FileRefused: "type" for binary content, "encoding" for text in none of them."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return _whole(path, encoding, origin)
    zeros = (head[1::2].count(0), head[0::2].count(0))
    if max(zeros) > len(head) // 4:
        return _whole(path, "utf-16-le" if zeros[0] > zeros[1] else "utf-16-be", origin)
    if 0 in head:
        raise _refused_type(origin)
    for encoding in ("utf-8", "big5"):
        try:
            return _whole(path, encoding, origin)
        except FileRefused:
            continue
    raise FileRefused("encoding", "the text is not UTF-8, UTF-16 or Big5", origin=origin)


def _whole(path: Path, encoding: str, origin: str) -> str:
    """``encoding`` when every byte of the file decodes in it. Raises FileRefused."""
    try:
        for _ in decoded(path, encoding):
            pass
    except UnicodeDecodeError as error:
        raise FileRefused("encoding", f"the text is not valid {encoding} ({error.reason} at "
                          f"byte {error.start})", origin=origin) from error
    return encoding


def decoded(path: Path, encoding: str) -> Iterator[str]:
    """The text of the file, :data:`CHUNK` bytes at a time. Raises UnicodeDecodeError."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _text_kind(path: Path, encoding: str, origin: str) -> str:
    start = _first_text(path, encoding)
    if start.startswith("<"):
        _parse_xml_stream(_encoded_for_xml(path, encoding), origin)
        return "xml"
    if start[:1] in ("{", "["):
        _check_json(path, encoding, origin)
        return "json"
    _check_csv(start, origin)
    return "csv"


def _first_text(path: Path, encoding: str) -> str:
    text = ""
    for part in decoded(path, encoding):
        text += part
        if len(text) >= SNIFF_BYTES:
            break
    return text.lstrip("\ufeff \t\r\n")


def _encoded_for_xml(path: Path, encoding: str) -> Iterator[bytes]:
    """The file as UTF-8 bytes for the parser (a Big5 or UTF-16 file re-encoded)."""
    if encoding in ("utf-8", "utf-8-sig"):
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
        return
    for text in decoded(path, encoding):
        yield text.encode("utf-8")


def _parse_xml_stream(chunks, origin: str) -> None:
    """Parse XML fed in ``chunks`` with DTDs, entities and the network off. Raises
    FileRefused ("malformed") for a DOCTYPE declaring entities or any well-formedness
    error."""
    parser = etree.XMLPullParser(events=(), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=False)
    try:
        first = True
        for chunk in chunks:
            if first:
                refuse_entity_declarations(chunk[:HEAD_BYTES * 8], origin)
                first = False
            parser.feed(chunk)
        parser.close()
    except (etree.XMLSyntaxError, InputError) as error:
        raise FileRefused("malformed", f"the XML is not well-formed: {error}",
                          origin=origin) from error


def _check_json(path: Path, encoding: str, origin: str) -> None:
    if path.stat().st_size > MAX_JSON_PARSED:
        return  # the encoding was checked whole; the structure of so large a file is not
    try:
        json.loads("".join(decoded(path, encoding)))
    except ValueError as error:
        raise FileRefused("malformed", f"the JSON cannot be parsed: {error}",
                          origin=origin) from error


def _check_csv(sample: str, origin: str) -> None:
    try:
        csv.Sniffer().sniff(sample[:SNIFF_BYTES], delimiters=",;\t|")
    except csv.Error as error:
        raise _refused_type(origin) from error
