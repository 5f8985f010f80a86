"""What every reader yields: one record as it came from its source, before the crosswalk.

Readers (``repository.readers_xml``, ``repository.crosswalks.govtw``) turn files and
responses into :class:`SourceRecord`; :func:`to_graph` turns one into canonical RDF.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, URIRef

from .errors import InputError
from .records import Source


@dataclass(frozen=True)
class SourceRecord:
    """One record as read from a source.

    ``metadata`` is an lxml element (``olac``/``oai_dc``) or a dict (``datagovtw``);
    it is None for a deleted record. ``raw`` is the record's own payload, kept verbatim.
    ``base_url``, ``metadata_namespace`` and ``harvest_date`` (the responseDate) describe the
    OAI-PMH origin when the record came from a response or a static repository.
    """

    identifier: str | None
    datestamp: str | None
    format: str
    metadata: Any
    raw: bytes
    origin: str
    deleted: bool = False
    set_specs: tuple[str, ...] = field(default=())
    base_url: str | None = None
    metadata_namespace: str | None = None
    harvest_date: str | None = None
    prior_origin: str | None = None  # the source's own provenance of it (XML), if it had one

    def provenance(self, activity: URIRef | None = None) -> Source:
        """Where the record came from, as stored on its catalogue record: its identifier (or
        the file it was read from when it has none), its OAI-PMH origin, and the harvest run
        ``activity`` when there is one."""
        return Source(self.identifier or self.origin, self.datestamp, self.format, activity,
                      base_url=self.base_url, metadata_namespace=self.metadata_namespace,
                      harvest_date=self.harvest_date, prior_origin=self.prior_origin)


def to_graph(record: SourceRecord, subject: URIRef) -> Graph:
    """The canonical RDF of ``record`` about ``subject``.

    Raises InputError when the record's format is unknown or its metadata cannot be mapped.
    """
    if record.format == "olac":
        from .crosswalks.olac import olac_to_graph

        return olac_to_graph(record.metadata, subject)
    if record.format == "oai_dc":
        from .crosswalks.oai_dc import oaidc_to_graph

        return oaidc_to_graph(record.metadata, subject)
    if record.format == "datagovtw":
        from .crosswalks.govtw import govtw_to_graph

        return govtw_to_graph(record.metadata, subject)
    raise InputError(
        f"unknown metadata format {record.format!r}; expected olac, oai_dc or datagovtw",
        origin=record.origin, record=record.identifier,
    )


def read_bytes(data: bytes, origin: str) -> Iterator[SourceRecord]:
    """Every record in ``data`` (XML or JSON, sniffed); ``origin`` names it in errors.

    Raises InputError for an empty file or one that is neither XML nor JSON.
    """
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise InputError("the file is empty; expected an XML or JSON document", origin=origin)
    if origin.lower().endswith(".csv"):
        from .crosswalks.govtw import read_csv

        return read_csv(data, origin)
    if head in (b"{", b"["):
        from .crosswalks.govtw import read_json

        return read_json(data, origin)
    if head == b"<":
        from .readers_xml import read_xml

        return read_xml(data, origin)
    raise InputError("not an XML or JSON document", origin=origin)
