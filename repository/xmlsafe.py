"""The one way the repository parses untrusted XML: a hardened lxml parser.

No DTD is loaded, no entity is resolved, nothing is fetched from the network and libxml2's
``huge_tree`` safety limits stay on. A document whose DOCTYPE declares entities (XXE, "billion
laughs") is refused outright, even though the parser would not expand them. Library errors are
translated into one-line :class:`~repository.errors.InputError` messages naming the origin.
"""

from __future__ import annotations

import re

from lxml import etree

from .errors import InputError

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"
_ENCODING_SYMPTOMS = ("not proper utf-8", "encoding", "bytes:", "char 0x")


def _hardened_parser() -> etree.XMLParser:
    """A fresh parser (lxml parsers are not thread-safe) with every risky feature off."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_xml(data: bytes, origin: str) -> etree._Element:
    """The root element of the XML document ``data``; ``origin`` names it in errors.

    Honours the declared encoding (an ISO-8859-1 document reads correctly).
    Raises InputError for empty input, a DOCTYPE that declares entities, bytes that do not
    match the declared encoding, and any well-formedness error (with line and column).
    """
    if not data or not data.strip(_BOM_AND_SPACE):
        raise InputError("the document is empty; expected XML", origin=origin)
    refuse_entity_declarations(data, origin)
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as error:
        raise InputError(_syntax_message(error), origin=origin) from error
    if root is None:
        raise InputError("the document has no root element", origin=origin)
    _refuse_declared_entities(root, origin)
    return root


def refuse_entity_declarations(data: bytes, origin: str) -> None:
    """Raises InputError when the raw bytes declare an entity (checked before parsing)."""
    if _ENTITY_DECLARATION.search(data):
        raise InputError("DTDs with entity declarations are not accepted", origin=origin)


def _refuse_declared_entities(root: etree._Element, origin: str) -> None:
    """Raises InputError when the parsed internal DTD subset declares entities.

    This catches declarations the byte scan cannot see (UTF-16 documents, for example).
    """
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InputError("DTDs with entity declarations are not accepted", origin=origin)


def _syntax_message(error: etree.XMLSyntaxError) -> str:
    """One line describing a well-formedness or encoding error, with line and column."""
    text = " ".join(str(error.msg or error).split())
    line, column = error.position if error.position else (None, None)
    where = f" (line {line}, column {column})" if line else ""
    if any(symptom in text.lower() for symptom in _ENCODING_SYMPTOMS):
        return f"the bytes do not match the declared encoding{where}: {text}"
    return f"not well-formed XML{where}: {text}"
