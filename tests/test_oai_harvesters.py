"""Independent harvesters take everything the demo repository publishes, over real HTTP:
sickle, the ``oaipmh`` 4.x client (it sends POST), and Debian's ``oai_pmh`` (libhttp-oai-perl).

Pages hold 7 records, so every list runs over several resumption tokens. Identifiers and counts
are compared with the public area (published records and tombstones).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace

import pytest
from oaipmh.client import Client as OaipmhClient
from oaipmh.metadata import MetadataReader, MetadataRegistry, oai_dc_reader
from sickle import Sickle

from repository import Repository
from repository.config import OaiSettings
from tests.oai_support import demo_repository, serving
from vocab.namespaces import DCT, LEXVO

PREFIXES = ("olac", "oai_dc", "dcat")
OAI_PMH = shutil.which("oai_pmh") or shutil.which("oai_pmh.pl")
NAMESPACES = {"olac": "http://www.language-archives.org/OLAC/1.1/",
              "dc": "http://purl.org/dc/elements/1.1/",
              "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Iterator[Repository]:
    """The demo repository: published, withdrawn, draft and in-review records."""
    with demo_repository(tmp_path_factory.mktemp("demo") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def url(repo: Repository) -> Iterator[str]:
    with serving(repo, replace(repo.config, oai=OaiSettings(page_size=7))) as base:
        yield base


@pytest.fixture(scope="module")
def public(repo: Repository) -> dict[str, bool]:
    """OAI identifier → deleted, for everything in the public area."""
    live = {record.id for record in repo.published()}
    return {repo.ids.oai(i): i not in live for i in repo.local_ids(public=True)}


@pytest.fixture(scope="module")
def expected_sets(repo: Repository) -> dict[str, set[str]]:
    """The language sets as the public area defines them (content or subject language)."""
    members: dict[str, set[str]] = {}
    for record in repo.published():
        subject = repo.ids.resource(record.id)
        for predicate in (DCT.language, DCT.subject):
            for value in record.graph.objects(subject, predicate):
                if str(value).startswith(LEXVO):
                    spec = f"language:{str(value)[len(LEXVO):]}"
                    members.setdefault(spec, set()).add(repo.ids.oai(record.id))
    return members


def test_the_demo_has_deleted_and_unpublished_records(repo, public) -> None:
    assert any(public.values()) and not all(public.values())
    assert len(repo.local_ids()) > len(public)  # drafts and records in review exist
    assert len(public) > 7 * 3


# -- sickle ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sickle_harvests_every_record_in_every_format(url, public, prefix) -> None:
    sickle = Sickle(url, timeout=30)
    records = list(sickle.ListRecords(metadataPrefix=prefix))
    harvested = {r.header.identifier: r.header.deleted for r in records}
    assert len(records) == len(public) and harvested == public
    assert all(r.metadata for r in records if not r.header.deleted)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sickle_harvests_every_set_in_every_format(url, public, expected_sets, prefix) -> None:
    sickle = Sickle(url, timeout=30)
    headers = list(sickle.ListIdentifiers(metadataPrefix=prefix))
    specs = [s.setSpec for s in sickle.ListSets()]
    assert {"language", "text-type", "licence", "agency", "source"} <= set(specs)
    for spec in specs:
        members = {r.header.identifier
                   for r in sickle.ListRecords(metadataPrefix=prefix, set=spec)}
        listed = {h.identifier for h in headers
                  if any(s == spec or s.startswith(f"{spec}:") for s in h.setSpecs)}
        assert members == listed and members, spec
        if spec in expected_sets:
            live = {i for i in members if not public[i]}
            assert live == expected_sets[spec], spec
    assert set(expected_sets) <= set(specs)


# -- oaipmh 4.x (POST) -------------------------------------------------------------------------


def _oaipmh(url: str) -> OaipmhClient:
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    registry.registerReader("olac", MetadataReader(
        fields={"title": ("textList", "olac:olac/dc:title/text()")}, namespaces=NAMESPACES))
    registry.registerReader("dcat", MetadataReader(
        fields={"about": ("textList", "rdf:RDF/rdf:Description/@rdf:about")},
        namespaces=NAMESPACES))
    return OaipmhClient(url, registry)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_oaipmh_client_harvests_every_record_in_every_format(url, public, prefix) -> None:
    client = _oaipmh(url)
    records = list(client.listRecords(metadataPrefix=prefix))
    assert {h.identifier(): h.isDeleted() for h, _, _ in records} == public
    assert len(records) == len(public)
    field = {"olac": "title", "oai_dc": "title", "dcat": "about"}[prefix]
    assert all(m.getField(field) for h, m, _ in records if not h.isDeleted())
    headers = list(client.listIdentifiers(metadataPrefix=prefix))
    assert [h.identifier() for h in headers] == [h.identifier() for h, _, _ in records]


def test_oaipmh_client_reads_identify_sets_and_single_records(url, public) -> None:
    client = _oaipmh(url)
    identify = client.identify()
    assert identify.baseURL() == "https://yuliao.example.org/oai"
    assert identify.deletedRecord() == "persistent"
    sets = [spec for spec, _, _ in client.listSets()]
    for spec in sets:
        assert list(client.listIdentifiers(metadataPrefix="olac", set=spec)), spec
    live = next(i for i, deleted in sorted(public.items()) if not deleted)
    header, metadata, _ = client.getRecord(identifier=live, metadataPrefix="oai_dc")
    assert header.identifier() == live and metadata.getField("title")
    formats = [prefix for prefix, _, _ in client.listMetadataFormats(identifier=live)]
    assert formats == list(PREFIXES)


# -- Debian's oai_pmh (HTTP::OAI, Perl) --------------------------------------------------------

needs_perl = pytest.mark.skipif(
    OAI_PMH is None, reason="oai_pmh (Debian package libhttp-oai-perl) is not installed; "
    "`apt-get install libhttp-oai-perl` (.ci/run does it when it runs as root)")


def _perl(url: str, *arguments: str) -> str:
    """oai_pmh's output: per item ``name: value`` lines, items separated by form feeds."""
    done = subprocess.run([OAI_PMH, *arguments, url], capture_output=True, timeout=120,
                          check=False, env={"PATH": "/usr/bin:/bin", "PERL_UNICODE": "SO"})
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode("utf-8").replace("\f", "\n")


@needs_perl
@pytest.mark.parametrize("prefix", PREFIXES)
def test_perl_oai_pmh_harvests_every_record_in_every_format(url, public, prefix) -> None:
    out = _perl(url, "-X", "ListRecords", "--metadataPrefix", prefix)
    identifiers = re.findall(r"^identifier: (.+)$", out, re.MULTILINE)
    statuses = re.findall(r"^status: (.*)$", out, re.MULTILINE)
    assert len(identifiers) == len(public)
    assert dict(zip(identifiers, (s == "deleted" for s in statuses), strict=True)) == public


@needs_perl
def test_perl_oai_pmh_harvests_a_set_and_lists_formats(url, expected_sets) -> None:
    spec, members = sorted(expected_sets.items())[0]
    out = _perl(url, "-X", "ListIdentifiers", "--metadataPrefix", "olac", "--set", spec)
    assert members <= set(re.findall(r"^identifier: (.+)$", out, re.MULTILINE))
    formats = _perl(url, "-X", "ListMetadataFormats")
    assert re.findall(r"^metadataPrefix: (.+)$", formats, re.MULTILINE) == list(PREFIXES)
