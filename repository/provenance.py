"""OAI-PMH provenance: the ``<about>`` container of a record harvested from elsewhere.

Follows the OAI "Guidelines for expressing provenance" (schema
``http://www.openarchives.org/OAI/2.0/provenance.xsd``): one ``originDescription`` with the
source's ``baseURL``, the record's ``identifier`` and ``datestamp`` there, the
``metadataNamespace`` it was harvested in, ``harvestDate`` (the source's responseDate) and
``altered="true"`` (we re-express every record through our canonical RDF). When the source
had itself harvested the record and said so in its own ``<about><provenance>``, that
``originDescription`` is nested inside ours, as the guidelines ask of every re-exposure, so
the chain back to the original repository is kept.

A record gets the block only when all four elements are known, which is the case for records
read from OAI-PMH responses and static repositories; records typed in here or imported from
loose files have no OAI origin to describe.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree

from .errors import InputError
from .records import Source, utc_text
from .xmlsafe import parse_xml

PROVENANCE_NS = "http://www.openarchives.org/OAI/2.0/provenance"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{PROVENANCE_NS} http://www.openarchives.org/OAI/2.0/provenance.xsd"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def provenance_fragment(source: Source | None, fallback_harvest_date: datetime | None,
                        ) -> bytes | None:
    """The ``<provenance>`` element (UTF-8, no XML declaration, its own namespace declarations),
    or None when ``source`` lacks a base URL, identifier, datestamp or namespace.

    ``fallback_harvest_date`` stands in when the source gave no responseDate (a static
    repository): the time the record was first published here.
    """
    if source is None:
        return None
    datestamp = utc_datestamp(source.datestamp)
    harvested = utc_datestamp(source.harvest_date) or (
        utc_text(fallback_harvest_date) if fallback_harvest_date else None)
    if not (source.base_url and source.metadata_namespace and datestamp and harvested):
        return None
    root = etree.Element(f"{{{PROVENANCE_NS}}}provenance", nsmap={None: PROVENANCE_NS,
                                                                   "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    origin = etree.SubElement(root, f"{{{PROVENANCE_NS}}}originDescription",
                              harvestDate=harvested, altered="true")
    for name, value in (("baseURL", source.base_url), ("identifier", source.identifier),
                        ("datestamp", datestamp),
                        ("metadataNamespace", source.metadata_namespace)):
        etree.SubElement(origin, f"{{{PROVENANCE_NS}}}{name}").text = value
    if source.prior_origin:
        origin.append(_prior(source))
    return etree.tostring(root, encoding="UTF-8")


def earlier_origins(source: Source) -> list[tuple[str | None, str | None]]:
    """(base URL, identifier) of each repository the record passed through before ``source``,
    nearest first, from the source's own provenance (empty without one). Raises InputError
    when that provenance is not an ``originDescription``."""
    if not source.prior_origin:
        return []
    ns = f"{{{PROVENANCE_NS}}}"
    return [(origin.findtext(f"{ns}baseURL"), origin.findtext(f"{ns}identifier"))
            for origin in _prior(source).iter(f"{ns}originDescription")]


def _prior(source: Source) -> etree._Element:
    """The source's own ``originDescription``. Raises InputError when it is not one."""
    prior = parse_xml(source.prior_origin.encode("utf-8"), f"provenance of {source.identifier}")
    if prior.tag != f"{{{PROVENANCE_NS}}}originDescription":
        raise InputError(f"expected a provenance originDescription, got <{prior.tag}>",
                         origin=f"provenance of {source.identifier}")
    return prior


def utc_datestamp(value: str | None) -> str | None:
    """``value`` as an OAI UTC datestamp (``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ``), converting
    ISO 8601 with an offset to UTC; None when it is not a date."""
    if not value:
        return None
    text = value.strip()
    if _DAY.fullmatch(text):
        return text
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return utc_text(parsed)

