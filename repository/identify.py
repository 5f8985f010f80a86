"""The descriptions an OAI-PMH Identify carries about this repository: ``oai-identifier`` and
OLAC's ``olac-archive`` (OLAC Repositories §2.1), built from the settings.

Both the provider's Identify (``endpoints/oai``) and the OLAC static repository export
(:mod:`repository.static_repository`) embed them, each as a standalone element carrying its
own namespace declarations and ``xsi:schemaLocation``.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from .config import OlacArchive

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OLAC_ARCHIVE_NS = "http://www.language-archives.org/OLAC/1.1/olac-archive"
OLAC_ARCHIVE_SCHEMA = "http://www.language-archives.org/OLAC/1.1/olac-archive.xsd"


def oai_identifier_element(repository_id: str, sample: str) -> etree._Element:
    """The ``oai-identifier`` description (scheme oai, delimiter ":"); ``sample`` is the OAI
    identifier of a record that exists."""
    ns = OAI_IDENTIFIER_NS
    root = _described(ns, "oai-identifier", f"{ns} {ns}.xsd")
    for name, value in (("scheme", "oai"), ("repositoryIdentifier", repository_id),
                        ("delimiter", ":"), ("sampleIdentifier", sample)):
        etree.SubElement(root, f"{{{ns}}}{name}").text = value
    return root


def olac_archive_element(archive: OlacArchive, current_as_of: date) -> etree._Element:
    """The ``olac-archive`` description, elements in schema order; ``current_as_of`` stands
    in when the settings do not say when the description was last checked."""
    ns = OLAC_ARCHIVE_NS
    root = _described(ns, "olac-archive", f"{ns} {OLAC_ARCHIVE_SCHEMA}")
    root.set("type", archive.type)
    root.set("currentAsOf", (archive.current_as_of or current_as_of).isoformat())
    _optional_child(root, ns, "archiveURL", archive.archive_url)
    for participant in archive.participants:
        etree.SubElement(root, f"{{{ns}}}participant", name=participant.name,
                         role=participant.role, email=participant.email)
    etree.SubElement(root, f"{{{ns}}}institution").text = archive.institution
    _optional_child(root, ns, "institutionURL", archive.institution_url)
    for name, value in (("shortLocation", archive.short_location),
                        ("synopsis", archive.synopsis), ("access", archive.access)):
        etree.SubElement(root, f"{{{ns}}}{name}").text = value
    _optional_child(root, ns, "archivalSubmissionPolicy", archive.archival_submission_policy)
    return root


def _described(ns: str, name: str, schema_location: str) -> etree._Element:
    root = etree.Element(f"{{{ns}}}{name}", nsmap={None: ns, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", schema_location)
    return root


def _optional_child(root: etree._Element, ns: str, name: str, value: str | None) -> None:
    if value:
        etree.SubElement(root, f"{{{ns}}}{name}").text = value
