"""XML sources → :class:`~repository.formats.SourceRecord`, sniffed by the root element.

Understood roots: a bare ``olac:olac`` (OLAC 1.1, 1.0, 1.0b1), a bare ``oai_dc:dc``, a bare OAI
``<record>`` (in the OAI namespace or, as in the OLAC aggregator's 2011 dump, in none), an
OAI-PMH response (GetRecord, ListRecords; an ``<error>`` response raises InputError with the OAI
error code) and an OAI static repository (``<Repository>``: every record of
``<ListRecords metadataPrefix="olac">``). Everything is parsed with
:func:`repository.xmlsafe.parse_xml`.

Records from a response or a static repository also carry their OAI origin, for the provenance
block we re-expose them with: the base URL (the response's ``<request>``, the static
repository's ``Identify/baseURL``), the namespace of the metadata root and the responseDate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml import etree

from .crosswalks.olac import OLAC_LEGACY_NS, OLAC_NS
from .errors import InputError
from .formats import SourceRecord
from .provenance import PROVENANCE_NS
from .xmlsafe import parse_xml

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
STATIC_NS = "http://www.openarchives.org/OAI/2.0/static-repository"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OLAC_NAMESPACES = frozenset({OLAC_NS, *OLAC_LEGACY_NS})


def read_xml(data: bytes, origin: str) -> Iterator[SourceRecord]:
    """Every record in the XML document ``data``; ``origin`` names it in errors.

    Raises InputError (eagerly, before the first record) for XML that parse_xml refuses, an
    OAI-PMH error response (naming the OAI error code), a root that is none of the understood
    ones, and a record whose metadata is neither olac nor oai_dc (naming the format).
    """
    root = parse_xml(data, origin)
    return iter(list(_records(root, origin)))


def _records(root: etree._Element, origin: str) -> Iterator[SourceRecord]:
    qname = etree.QName(root)
    if qname.namespace in OLAC_NAMESPACES and qname.localname == "olac":
        yield _bare_metadata(root, "olac", origin)
    elif qname.namespace == OAI_DC_NS and qname.localname == "dc":
        yield _bare_metadata(root, "oai_dc", origin)
    elif qname.localname == "record" and qname.namespace in (OAI_NS, None):
        yield _record(root, origin, None)
    elif qname.namespace == OAI_NS and qname.localname == "OAI-PMH":
        yield from _oai_response(root, origin)
    elif qname.namespace == STATIC_NS and qname.localname == "Repository":
        yield from _static_repository(root, origin)
    else:
        raise InputError(
            f"unrecognised root element {root.tag}; expected olac:olac, oai_dc:dc, an OAI-PMH "
            "response, an OAI record or a static repository", origin=origin,
        )


def _bare_metadata(root: etree._Element, format_: str, origin: str) -> SourceRecord:
    return SourceRecord(
        identifier=None, datestamp=None, format=format_, metadata=root,
        raw=etree.tostring(root, encoding="UTF-8"), origin=origin,
    )


@dataclass(frozen=True)
class _Origin:
    """The OAI-PMH response or static repository a record was read from."""

    base_url: str | None = None
    harvest_date: str | None = None


def _oai_response(root: etree._Element, origin: str) -> Iterator[SourceRecord]:
    """The records of a GetRecord or ListRecords response; raises InputError for an error."""
    error = root.find(f"{{{OAI_NS}}}error")
    if error is not None:
        code = error.get("code", "unknown")
        message = " ".join((error.text or "").split())
        raise InputError(f"OAI-PMH error {code}: {message}", origin=origin)
    request = root.find(f"{{{OAI_NS}}}request")
    prefix = request.get("metadataPrefix") if request is not None else None
    source = _Origin(_text(request), _text(root.find(f"{{{OAI_NS}}}responseDate")))
    for verb in ("GetRecord", "ListRecords"):
        container = root.find(f"{{{OAI_NS}}}{verb}")
        if container is not None:
            for record in container.iterchildren(f"{{{OAI_NS}}}record"):
                yield _with_origin(_record(record, origin, prefix), source)
            return
    verbs = [etree.QName(child).localname for child in root if isinstance(child.tag, str)]
    raise InputError(f"an OAI-PMH response without records ({', '.join(verbs)})", origin=origin)


def _static_repository(root: etree._Element, origin: str) -> Iterator[SourceRecord]:
    """The records of ``<ListRecords metadataPrefix="olac">`` in a static repository."""
    lists = [
        element for element in root.iterchildren(f"{{{STATIC_NS}}}ListRecords")
        if element.get("metadataPrefix") == "olac"
    ]
    if not lists:
        raise InputError(
            'a static repository without <ListRecords metadataPrefix="olac">', origin=origin
        )
    base_url = _text(root.find(f"{{{STATIC_NS}}}Identify/{{{OAI_NS}}}baseURL"))
    for listing in lists:
        for record in listing.iterchildren(f"{{{OAI_NS}}}record"):
            yield _with_origin(_record(record, origin, "olac"), _Origin(base_url))


def _with_origin(record: SourceRecord, source: _Origin) -> SourceRecord:
    """``record`` with the base URL, response date and its metadata root's namespace."""
    namespace = etree.QName(record.metadata).namespace if record.metadata is not None else None
    return replace(record, base_url=source.base_url, harvest_date=source.harvest_date,
                   metadata_namespace=namespace)


def _record(record: etree._Element, origin: str, prefix: str | None) -> SourceRecord:
    """One OAI ``<record>``: header, metadata and its own serialisation."""
    namespace = etree.QName(record).namespace
    header = _child(record, namespace, "header", origin, None)
    identifier = _text(_child(header, namespace, "identifier", origin, None))
    datestamp = _text(header.find(_tag(namespace, "datestamp")))
    set_specs = tuple(_text(spec) or "" for spec in header.iterchildren(_tag(namespace, "setSpec")))
    raw = etree.tostring(record, encoding="UTF-8")
    if header.get("status") == "deleted":
        return SourceRecord(
            identifier, datestamp, prefix or "oai_dc", None, raw, origin, True, set_specs
        )
    container = _child(record, namespace, "metadata", origin, identifier)
    metadata = next((child for child in container if isinstance(child.tag, str)), None)
    if metadata is None:
        raise InputError("the record has no metadata", origin=origin, record=identifier)
    format_ = _format(metadata, prefix, origin, identifier)
    return SourceRecord(identifier, datestamp, format_, metadata, raw, origin, False, set_specs,
                        prior_origin=_prior_origin(record, namespace))


def _prior_origin(record: etree._Element, namespace: str | None) -> str | None:
    """The ``originDescription`` of the record's own OAI provenance (``<about><provenance>``:
    the source had harvested it from elsewhere), as XML text, or None."""
    path = (f"{_tag(namespace, 'about')}/{{{PROVENANCE_NS}}}provenance"
            f"/{{{PROVENANCE_NS}}}originDescription")
    found = record.find(path)
    return None if found is None else etree.tostring(found, encoding="unicode", with_tail=False)


def _format(
    metadata: etree._Element, prefix: str | None, origin: str, identifier: str | None
) -> str:
    """"olac" or "oai_dc" by the metadata root's namespace; raises InputError otherwise."""
    qname = etree.QName(metadata)
    if qname.namespace in OLAC_NAMESPACES:
        return "olac"
    if qname.namespace == OAI_DC_NS:
        return "oai_dc"
    raise InputError(
        f"unsupported metadata format {prefix or qname.localname!r} (root {metadata.tag}); "
        "expected olac or oai_dc", origin=origin, record=identifier,
    )


def _tag(namespace: str | None, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _child(
    parent: etree._Element, namespace: str | None, name: str, origin: str,
    identifier: str | None,
) -> etree._Element:
    """The ``name`` child of ``parent``; raises InputError when it is missing."""
    child = parent.find(_tag(namespace, name))
    if child is None:
        raise InputError(f"an OAI record without <{name}>", origin=origin, record=identifier)
    return child


def _text(element: etree._Element | None) -> str | None:
    return (element.text or "").strip() or None if element is not None else None
