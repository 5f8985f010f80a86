"""XML Schema validation for tests: the official OLAC, oai_dc and OAI-PMH schemas, offline.

``XML_CATALOG_FILES`` is pointed at ../shared/standards/catalog.xml when this module is
imported, before lxml compiles any schema: without it libxml2 silently skips the imports it
cannot fetch and compiles an empty schema (notes §5). Each loader proves its schema is not
empty by validating a known-good document; ``tests/test_olac_crosswalk.py`` proves the
content models bite (``olac:code`` without ``xsi:type`` and ``dcterms:W3C-DTF`` are rejected).

A standalone ``<olac:olac>`` or ``<oai_dc:dc>`` is validated against its own official schema
file (``olac/1.1/olac.xsd``, ``oai-pmh/2.0/oai_dc.xsd``): both declare the root as a global
element, so the whole metadata content model is checked. Whole responses use the driver
``oai-pmh-olac-all.xsd``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree, isoschematron

from tests.conftest import SHARED, shared_path

_CATALOG = SHARED / "standards" / "catalog.xml"
if _CATALOG.exists():
    os.environ["XML_CATALOG_FILES"] = str(_CATALOG)

_KNOWN_GOOD_OLAC = b"""<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <dc:title xml:lang="en">T</dc:title>
 <dc:language xsi:type="olac:language" olac:code="ami"/>
 <dcterms:created xsi:type="dcterms:W3CDTF">2020</dcterms:created></olac:olac>"""
_KNOWN_GOOD_OAIDC = b"""<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title xml:lang="en">T</dc:title></oai_dc:dc>"""


def _compile(path: Path, known_good: bytes | None) -> etree.XMLSchema:
    """The schema at ``path``; fails the test run when it compiled empty (catalog missing)."""
    schema = etree.XMLSchema(etree.parse(str(path)))
    if known_good is not None and not schema.validate(etree.fromstring(known_good)):
        pytest.fail(
            f"{path.name} compiled but rejects a known-good document (is the catalog used?): "
            f"{schema.error_log.last_error}"
        )
    return schema


@lru_cache(maxsize=1)
def _olac_schema() -> etree.XMLSchema:
    return _compile(shared_path("standards", "olac", "1.1", "olac.xsd"), _KNOWN_GOOD_OLAC)


@lru_cache(maxsize=1)
def _oaidc_schema() -> etree.XMLSchema:
    return _compile(shared_path("standards", "oai-pmh", "2.0", "oai_dc.xsd"), _KNOWN_GOOD_OAIDC)


@lru_cache(maxsize=1)
def _oai_pmh_schema() -> etree.XMLSchema:
    return _compile(shared_path("standards", "oai-pmh-olac-all.xsd"), None)


def olac_schema() -> etree.XMLSchema:
    """OLAC 1.1 ``olac.xsd`` (validates a standalone ``<olac:olac>``); skips without ../shared."""
    return _olac_schema()


def oaidc_schema() -> etree.XMLSchema:
    """OAI ``oai_dc.xsd`` (validates a standalone ``<oai_dc:dc>``); skips without ../shared."""
    return _oaidc_schema()


def oai_pmh_schema() -> etree.XMLSchema:
    """The driver ``oai-pmh-olac-all.xsd`` for whole OAI-PMH responses with olac/oai_dc."""
    return _oai_pmh_schema()


_TEST_DRIVER = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  targetNamespace="urn:x-local:yuliao-test-driver">
 <xs:import namespace="urn:x-local:oai-pmh-olac-driver" schemaLocation="{driver}"/>
 <xs:import namespace="http://www.w3.org/1999/02/22-rdf-syntax-ns#" schemaLocation="{rdf}"/>
</xs:schema>"""
#: A response that exercises the strict wildcards of OAI-PMH.xsd: an oai_dc record with a
#: provenance about block, an olac record, and a DCAT-AP rdf:RDF record.
_KNOWN_GOOD_RESPONSE = b"""<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><responseDate>2026-11-22T00:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="oai_dc">https://yuliao.example.org/oai</request>
<ListRecords><record><header><identifier>oai:yuliao.example.org:a.org:1</identifier>
<datestamp>2026-11-22T00:00:00Z</datestamp><setSpec>language:nan</setSpec></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title xml:lang="en">T</dc:title></oai_dc:dc>
</metadata><about><provenance xmlns="http://www.openarchives.org/OAI/2.0/provenance">
<originDescription harvestDate="2026-11-21T00:00:00Z" altered="true"><baseURL>https://a.org/oai</baseURL>
<identifier>oai:a.org:1</identifier><datestamp>2026-11-20</datestamp>
<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>
</originDescription></provenance></about></record>
<record><header><identifier>oai:yuliao.example.org:a.org:2</identifier>
<datestamp>2026-11-22T00:00:00Z</datestamp></header><metadata>""" + _KNOWN_GOOD_OLAC + b"""
</metadata></record><record><header><identifier>oai:yuliao.example.org:a.org:3</identifier>
<datestamp>2026-11-22T00:00:00Z</datestamp></header><metadata>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
 rdf:about="https://yuliao.example.org/id/a.org:3"/></rdf:RDF></metadata></record>
<resumptionToken cursor="0" completeListSize="3"/></ListRecords></OAI-PMH>"""


@lru_cache(maxsize=1)
def _oai_response_schema() -> etree.XMLSchema:
    driver = shared_path("standards", "oai-pmh-olac-all.xsd")
    rdf = Path(__file__).resolve().parent / "data" / "schemas" / "rdf-envelope.xsd"
    document = _TEST_DRIVER.format(driver=driver.as_uri(), rdf=rdf.as_uri())
    schema = etree.XMLSchema(etree.fromstring(document.encode(), base_url=str(rdf)))
    if not schema.validate(etree.fromstring(_KNOWN_GOOD_RESPONSE)):
        pytest.fail("oai-pmh-olac-all.xsd compiled but rejects a known-good response (is the "
                    f"catalog used?): {schema.error_log.last_error}")
    return schema


def oai_response_schema() -> etree.XMLSchema:
    """The driver ``oai-pmh-olac-all.xsd`` plus an envelope declaration for ``rdf:RDF``
    (tests/data/schemas/rdf-envelope.xsd), for whole responses in every format we serve."""
    return _oai_response_schema()


def _known_good_static_repository() -> etree._Element:
    """OLAC's own example static repository, without the trailing space in its
    metadataNamespace (an upstream defect, see ../shared/standards/README.md)."""
    data = shared_path("standards", "olac", "1.1", "static-repository.xml").read_bytes()
    return etree.fromstring(data.replace(b"/OLAC/1.1/ </", b"/OLAC/1.1/</"))


def _compile_static(path: Path) -> etree.XMLSchema:
    """A static-repository schema; fails the test run when it rejects the known-good file."""
    schema = etree.XMLSchema(etree.parse(str(path)))
    if not schema.validate(_known_good_static_repository()):
        pytest.fail(f"{path.name} compiled but rejects OLAC's example static repository (is "
                    f"the catalog used?): {schema.error_log.last_error}")
    return schema


@lru_cache(maxsize=1)
def _oai_static_repository_schema() -> etree.XMLSchema:
    return _compile_static(shared_path("standards", "oai-static-repository-all.xsd"))


@lru_cache(maxsize=1)
def _olac_static_repository_schema() -> etree.XMLSchema:
    return _compile_static(shared_path("standards", "olac", "1.1", "static-repository.xsd"))


def oai_static_repository_schema() -> etree.XMLSchema:
    """The driver ``oai-static-repository-all.xsd``: the OAI static-repository schema with the
    oai-identifier, olac-archive, olac and oai_dc namespaces loaded; skips without ../shared."""
    return _oai_static_repository_schema()


def olac_static_repository_schema() -> etree.XMLSchema:
    """OLAC's ``static-repository.xsd`` (records must be olac:olac, Identify descriptions
    oai-identifier or olac-archive); skips without ../shared."""
    return _olac_static_repository_schema()


def _as_element(element_or_bytes: etree._Element | bytes) -> etree._Element:
    if isinstance(element_or_bytes, bytes):
        return etree.fromstring(element_or_bytes, etree.XMLParser(resolve_entities=False))
    return element_or_bytes


def schema_errors(schema: etree.XMLSchema, element_or_bytes: etree._Element | bytes) -> list[str]:
    """The schema's error messages for the document (empty when it is valid)."""
    if schema.validate(_as_element(element_or_bytes)):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def assert_valid(schema: etree.XMLSchema, element_or_bytes: etree._Element | bytes) -> None:
    """Fails the calling test with the schema's error log when the document is invalid."""
    errors = schema_errors(schema, element_or_bytes)
    if errors:
        pytest.fail("schema-invalid:\n" + "\n".join(errors), pytrace=False)


SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@lru_cache(maxsize=4)
def _olac_schematron(name: str) -> isoschematron.Schematron:
    """An OLAC registration rule file, moved from ASCC Schematron 1.5 to ISO (notes §5)."""
    data = shared_path("standards", "olac", "schematron", name).read_bytes()
    iso = data.replace(b"http://www.ascc.net/xml/schematron",
                       b"http://purl.oclc.org/dsdl/schematron")
    return isoschematron.Schematron(etree.fromstring(iso), validate_schema=False,
                                    store_report=True)


def schematron_messages(name: str, element_or_bytes: etree._Element | bytes) -> list[str]:
    """Every message (failed assertion or report) the OLAC rule file ``name`` gives; OLAC's
    convention is that a message containing ERROR is a failure."""
    schematron = _olac_schematron(name)
    schematron.validate(_as_element(element_or_bytes))
    report = schematron.validation_report
    return [" ".join("".join(node.itertext()).split())
            for node in report.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report")]


def olac_schematron_errors(element_or_bytes: etree._Element | bytes) -> list[str]:
    """The ERROR messages of ``olac-dynamic-repository.xml`` for one response."""
    messages = schematron_messages("olac-dynamic-repository.xml", element_or_bytes)
    return [message for message in messages if "ERROR" in message]
