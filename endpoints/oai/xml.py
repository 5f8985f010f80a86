"""The OAI-PMH response writer: concatenates escaped text and pre-rendered fragments.

Responses are UTF-8 with an XML declaration; the root ``OAI-PMH`` declares the OAI namespace
as default and ``xsi:schemaLocation`` pairs it with OAI-PMH.xsd (what validators check,
notes §4.2). Every value interpolated here goes through :func:`text` or :func:`attribute`,
which escape markup and drop characters XML 1.0 cannot carry. Metadata, about and description
fragments are spliced as bytes: each was serialised on its own, so it keeps its namespace
declarations and ``xsi:schemaLocation`` (OAI-PMH §3.4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from lxml import etree

from repository import identify
from repository.config import OlacArchive
from repository.disseminations import Row
from repository.oai_sets import OaiSet
from repository.records import utc_text

from .errors import OAIError

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" '
    f'xsi:schemaLocation="{OAI_NS} {OAI_NS}OAI-PMH.xsd">'
).encode()
TAIL = b"</OAI-PMH>\n"
#: Characters XML 1.0 does not allow (C0 controls except tab/LF/CR, surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_ESCAPING = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: At most this much of a client's text is repeated in an error message.
MAX_ECHO = 80


def text(value: str) -> str:
    """``value`` escaped for element content (most values need nothing: one search)."""
    if _NEEDS_ESCAPING.search(value) is None:
        return value
    cleaned = _NOT_XML.sub("\ufffd", value)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attribute(value: str) -> str:
    """``value`` escaped for a double-quoted attribute."""
    return text(value).replace('"', "&quot;").replace("\t", "&#9;").replace(
        "\n", "&#10;").replace("\r", "&#13;")


def quoted(value: str) -> str:
    """A client's value for an error message: shortened and repr-quoted (still to escape)."""
    return repr(value if len(value) <= MAX_ECHO else value[:MAX_ECHO] + "…")


def element(name: str, value: str) -> str:
    return f"<{name}>{text(value)}</{name}>"


def envelope(response_date: datetime, base_url: str, request: Mapping[str, str] | None,
             body: Iterable[bytes]) -> bytes:
    """The whole response: responseDate, the <request> echo (no attributes when ``request``
    is None) and the verb's ``body``."""
    attributes = "".join(f' {name}="{attribute(value)}"' for name, value in
                         sorted((request or {}).items()))
    start = (f"<responseDate>{utc_text(response_date)}</responseDate>"
             f"<request{attributes}>{text(base_url)}</request>").encode()
    return b"".join((HEAD, start, *body, TAIL))


def errors(error: OAIError) -> list[bytes]:
    """One <error> per problem."""
    return [f'<error code="{e.code}">{text(e.message)}</error>'.encode() for e in error.all]


def header(identifier: str, row: Row) -> bytes:
    status = ' status="deleted"' if row.deleted else ""
    specs = "".join(element("setSpec", spec) for spec in row.set_specs)
    return (f"<header{status}>{element('identifier', identifier)}"
            f"{element('datestamp', row.datestamp)}{specs}</header>").encode()


def record(identifier: str, row: Row) -> list[bytes]:
    """A <record>: the header, then (unless deleted) the metadata and the about block."""
    parts = [b"<record>", header(identifier, row)]
    if not row.deleted and row.metadata is not None:
        parts += [b"<metadata>", row.metadata, b"</metadata>"]
        if row.about is not None:
            parts += [b"<about>", row.about, b"</about>"]
    parts.append(b"</record>")
    return parts


def resumption_token(token: str, *, cursor: int, size: int | None,
                     expires: datetime | None) -> bytes:
    """A <resumptionToken> (empty ``token`` marks the last page of a list)."""
    attributes = f' cursor="{cursor}"'
    if size:
        attributes += f' completeListSize="{size}"'
    if expires is not None:
        attributes += f' expirationDate="{utc_text(expires)}"'
    return f"<resumptionToken{attributes}>{text(token)}</resumptionToken>".encode()


def oai_set(oai_set: OaiSet) -> bytes:
    """A <set> with its names and an oai_dc setDescription holding the zh-Hant and en titles."""
    description = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS,
                                                             "xsi": XSI_NS})
    description.set(f"{{{XSI_NS}}}schemaLocation",
                    f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    for lang, title in (("zh-Hant", oai_set.name_zh), ("en", oai_set.name_en)):
        if title:
            etree.SubElement(description, f"{{{DC_NS}}}title", {XML_LANG: lang}).text = title
    return b"".join((
        f"<set>{element('setSpec', oai_set.spec)}{element('setName', oai_set.name)}".encode(),
        b"<setDescription>", etree.tostring(description, encoding="UTF-8"),
        b"</setDescription></set>",
    ))


def description(fragment: etree._Element) -> bytes:
    """An Identify <description> around a standalone element."""
    return b"".join((b"<description>", etree.tostring(fragment, encoding="UTF-8"),
                     b"</description>"))


def oai_identifier(repository_id: str, sample: str) -> bytes:
    """The ``oai-identifier`` Identify description (scheme oai, delimiter ":")."""
    return description(identify.oai_identifier_element(repository_id, sample))


def olac_archive(archive: OlacArchive, today: date) -> bytes:
    """The ``olac-archive`` Identify description OLAC requires (``today`` is its currentAsOf
    when the settings give none)."""
    return description(identify.olac_archive_element(archive, today))
