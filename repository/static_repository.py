"""The public catalogue as an OLAC static repository: one XML file OLAC harvests from archives
that run no OAI-PMH server (OAI "Static Repository" guidelines; OLAC Repositories §4).

The file is ``<Repository>`` in the static-repository namespace holding ``<Identify>`` (with
the ``oai-identifier`` and ``olac-archive`` descriptions the provider's Identify carries, from
:mod:`repository.identify`), ``<ListMetadataFormats>`` (``olac`` only: OLAC's static-repository
schema allows no other) and one ``<ListRecords metadataPrefix="olac">`` with every published
record. What the static-repository schema forbids is left out: deleted records (tombstones),
sets, ``about`` blocks, and datestamps finer than a day.

It is written from the dissemination index, where every public record is already rendered as
OLAC, page by page in (datestamp, local id) order, so memory stays flat however large the
catalogue is. Nothing in it comes from the clock: the earliest datestamp and, unless
``yuliao.toml`` sets ``current_as_of``, the olac-archive's ``currentAsOf`` (the day of the
latest change) are read from the records, so the same store always gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from itertools import chain
from typing import BinaryIO
from xml.sax.saxutils import escape

from lxml import etree

from .config import Config
from .core import Repository
from .disseminations import Disseminations, Row, Selection
from .errors import InputError
from .identify import XSI_NS, oai_identifier_element, olac_archive_element
from .readers_xml import OAI_NS, STATIC_NS
from .renderings import METADATA_FORMATS

#: OLAC requires a static repository to cite its own schema (which restricts the OAI one).
OLAC_STATIC_SCHEMA = "http://www.language-archives.org/OLAC/1.1/static-repository.xsd"
PREFIX = "olac"
HTTP_URL = re.compile(r"https?://[^/\s]+(/\S*)?")
#: Index rows read at a time.
PAGE_ROWS = 1000
_CLOSING_ROOT = b"</Repository>"
TAIL = b"  </ListRecords>\n</Repository>\n"


def default_base_url(config: Config) -> str:
    """Where the file is assumed to be published when no URL is given."""
    return f"{config.base_uri}olac-static-repository.xml"


def check_base_url(url: str) -> str:
    """``url`` when it is an http(s) URL; raises InputError naming --base-url otherwise."""
    if not HTTP_URL.fullmatch(url):
        raise InputError(f"{url!r} is not an http(s) URL (the address the static repository "
                         "will be published at)", field="--base-url")
    return url


def write_static_repository(repository: Repository, out: BinaryIO, base_url: str) -> int:
    """Write every published record of ``repository`` to ``out`` as an OLAC static repository
    whose ``baseURL`` is ``base_url``; returns the number of records written.

    Raises InputError (before writing anything) when ``base_url`` is not an http(s) URL or no
    published record has an OLAC rendering (the schema needs at least one record), and
    StoreError when the index cannot be read.
    """
    check_base_url(base_url)
    index = repository.disseminations
    span = index.live_datestamps(PREFIX)
    rows = _live_rows(index)
    first = next(rows, None)
    if span is None or first is None:
        raise InputError("no published record to export: a static repository needs at least "
                         "one", field="format")
    out.write(_head(repository, base_url, span, repository.ids.oai(first.local_id)))
    count = 0
    for row in chain([first], rows):
        out.write(_record(repository.ids.oai(row.local_id), row))
        count += 1
    out.write(TAIL)
    return count


def _live_rows(index: Disseminations) -> Iterator[Row]:
    """The rows of the published records with an OLAC rendering, in (datestamp, local id)
    order, :data:`PAGE_ROWS` at a time (tombstones skipped)."""
    selection, after = Selection(prefix=PREFIX), None
    while True:
        rows = index.page(selection, after, PAGE_ROWS)
        yield from (row for row in rows if not row.deleted and row.metadata is not None)
        if len(rows) < PAGE_ROWS:
            return
        after = (rows[-1].datestamp, rows[-1].local_id)


def _head(repository: Repository, base_url: str, span: tuple[str, str], sample: str) -> bytes:
    """Everything before the first record: the XML declaration, the root, Identify,
    ListMetadataFormats and the start tag of ListRecords."""
    root = etree.Element(f"{{{STATIC_NS}}}Repository",
                         nsmap={None: STATIC_NS, "oai": OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{STATIC_NS} {OLAC_STATIC_SCHEMA}")
    root.append(_identify(repository.config, base_url, span, sample))
    root.append(_metadata_formats())
    # the root has children, so lxml ends it with its closing tag: records go before that
    text = etree.tostring(root, encoding="UTF-8", pretty_print=True).rstrip()
    return b"".join((b'<?xml version="1.0" encoding="UTF-8"?>\n', text.removesuffix(_CLOSING_ROOT),
                     f'  <ListRecords metadataPrefix="{PREFIX}">\n'.encode()))


def _identify(config: Config, base_url: str, span: tuple[str, str],
              sample: str) -> etree._Element:
    """``Identify`` (OAI-PMH elements restricted as static repositories require) with the
    oai-identifier and olac-archive descriptions; ``span`` is the earliest and the latest
    datestamp of the records, ``sample`` the identifier of one of them."""
    identify = etree.Element(f"{{{STATIC_NS}}}Identify")
    earliest, latest = (_day(stamp) for stamp in span)
    fields = [("repositoryName", config.repository_name), ("baseURL", base_url),
              ("protocolVersion", "2.0"),
              *(("adminEmail", email) for email in config.oai.admin_emails),
              ("earliestDatestamp", earliest), ("deletedRecord", "no"),
              ("granularity", "YYYY-MM-DD")]
    for name, value in fields:
        etree.SubElement(identify, f"{{{OAI_NS}}}{name}").text = value
    for description in (oai_identifier_element(config.oai_repository_id, sample),
                        olac_archive_element(config.oai.archive, date.fromisoformat(latest))):
        etree.SubElement(identify, f"{{{OAI_NS}}}description").append(description)
    return identify


def _metadata_formats() -> etree._Element:
    """``ListMetadataFormats`` with the one format written, as the provider describes it."""
    formats = etree.Element(f"{{{STATIC_NS}}}ListMetadataFormats")
    olac = next(f for f in METADATA_FORMATS if f.prefix == PREFIX)
    entry = etree.SubElement(formats, f"{{{OAI_NS}}}metadataFormat")
    for name, value in (("metadataPrefix", olac.prefix), ("schema", olac.schema),
                        ("metadataNamespace", olac.namespace)):
        etree.SubElement(entry, f"{{{OAI_NS}}}{name}").text = value
    return formats


def _record(identifier: str, row: Row) -> bytes:
    """One ``oai:record``: a header with the identifier and the day, and the OLAC fragment."""
    return b"".join((
        f"    <oai:record><oai:header><oai:identifier>{escape(identifier)}</oai:identifier>"
        f"<oai:datestamp>{_day(row.datestamp)}</oai:datestamp></oai:header>".encode(),
        b"<oai:metadata>", row.metadata, b"</oai:metadata></oai:record>\n",
    ))


def _day(datestamp: str) -> str:
    """The day of an OAI datestamp (static repositories have day granularity)."""
    return datestamp[:10]
