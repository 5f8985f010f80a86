"""The register of agencies: RDF in both areas (public facts only in the public one), checked
input, parents without loops; and ``/agency/{code}`` describing a registered agency by its
own graph, before it publishes anything. On the embedded store and on Oxigraph servers."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html
from rdflib import Graph, Literal, URIRef

from app import create_app
from repository import Repository
from repository.accounts import Agency, AgencyRegister, new_agency
from repository.errors import ConflictError, InputError, NotFound, StoreError
from tests.conftest import RepositoryFactory
from tests.oai_support import dataset
from vocab.namespaces import DCT, FOAF, ORG, VCARD

MODA, ADI = "A29000000G", "A29020000G"


def moda(**changes) -> Agency:
    fields = {"contact_name": "資料開放組", "contact_phone": "(02) 2380-0777",
              "contact_email": "Open.Data@Example.org", **changes}
    return new_agency(MODA, "數位發展部", "Ministry of Digital Affairs", **fields)


@pytest.fixture
def repository(make_repository: RepositoryFactory, tmp_path: Path) -> Repository:
    return make_repository(tmp_path / "home")


def test_an_agency_is_in_both_areas_and_only_its_public_facts_in_the_public_one(
        repository: Repository) -> None:
    register = AgencyRegister.of(repository)
    register.add(moda())
    name, node = register.graph_name(MODA), register.iri(MODA)
    public, work = repository.public.graph(name), repository.work.graph(name)
    assert (node, FOAF.name, Literal("數位發展部", lang="zh-Hant-TW")) in public
    assert (node, DCT.identifier, Literal(MODA)) in public
    assert (URIRef(f"{node}#contact"), VCARD.hasTelephone, URIRef("tel:02-2380-0777")) in public
    assert not list(public.objects(node, DCT.created))
    assert set(public) < set(work) and list(work.objects(node, DCT.created))
    agency = register.get(MODA)
    assert (agency.name_en, agency.contact.phone, agency.contact.email) == (
        "Ministry of Digital Affairs", "02-2380-0777", "open.data@example.org")
    assert agency.created is not None


def test_a_change_replaces_the_description_in_both_areas(repository: Repository) -> None:
    register = AgencyRegister.of(repository)
    created = register.add(moda()).created
    register.update(new_agency(MODA, "數位發展部", "MODA"))
    agency = register.get(MODA)
    assert (agency.name_en, agency.contact, agency.created) == ("MODA", None, created)
    public = repository.public.graph(register.graph_name(MODA))
    assert set(public.objects(register.iri(MODA), FOAF.name)) == {
        Literal("數位發展部", lang="zh-Hant-TW"), Literal("MODA", lang="en")}
    assert (None, VCARD.hasTelephone, None) not in public


def test_a_registered_code_is_not_registered_twice_and_an_unknown_one_not_updated(
        repository: Repository) -> None:
    register = AgencyRegister.of(repository)
    register.add(moda())
    with pytest.raises(ConflictError, match="registered already"):
        register.add(moda())
    with pytest.raises(NotFound, match="no agency A99999999Z"):
        register.update(new_agency("A99999999Z", "某機關", "Some agency"))


@pytest.mark.parametrize(("fields", "field"), [
    ({"code": "A29 000"}, "code"),
    ({"code": "A29/000"}, "code"),
    ({"code": "-x"}, "code"),
    ({"code": "x" * 65}, "code"),
    ({"name_zh": " "}, "name_zh"),
    ({"name_en": ""}, "name_en"),
    ({"name_en": "n" * 201}, "name_en"),
    ({"parent": "not a code"}, "parent"),
    ({"contact_phone": "call me"}, "contact_phone"),
    ({"contact_email": "not-an-address"}, "contact_email"),
])
def test_malformed_input_is_refused_naming_the_field(fields: dict, field: str) -> None:
    given = {"code": MODA, "name_zh": "數位發展部", "name_en": "Ministry of Digital Affairs",
             **fields}
    code, name_zh, name_en = given.pop("code"), given.pop("name_zh"), given.pop("name_en")
    with pytest.raises(InputError) as refused:
        new_agency(code, name_zh, name_en, **given)
    assert refused.value.field == field and "\n" not in str(refused.value)


def test_a_parent_must_be_registered_and_agencies_never_their_own_ancestors(
        repository: Repository) -> None:
    register = AgencyRegister.of(repository)
    adi = new_agency(ADI, "數位產業署", "Administration for Digital Industries", parent=MODA)
    with pytest.raises(InputError, match=f"no agency {MODA}") as refused:
        register.add(adi)
    assert refused.value.field == "parent"
    register.add(moda())
    register.add(adi)
    assert register.get(ADI).parent == MODA
    with pytest.raises(InputError, match="their own parents"):
        register.update(moda(parent=ADI))
    with pytest.raises(InputError, match="their own parents"):
        register.update(moda(parent=MODA))


def test_the_register_lists_registered_agencies_not_every_publisher(
        repository: Repository) -> None:
    repository.save_batch([dataset(repository, "00000001", agency="A42000000G",
                                   state="published")], publish=True)
    register = AgencyRegister.of(repository)
    register.add(new_agency("ntu", "國立臺灣大學", "National Taiwan University"))
    register.add(moda())
    assert [a.code for a in register.all()] == [MODA, "ntu"]
    assert register.exists("ntu") and not register.exists("A42000000G")
    assert not register.exists("not a code")


def test_the_register_pages_its_agencies_by_code_and_names_them_in_one_query(
        repository: Repository) -> None:
    register = AgencyRegister.of(repository)
    for code in ("ntu", MODA, "376570000A", ADI):
        register.add(new_agency(code, f"機關 {code}", f"Agency {code}"))
    assert [a.code for a in register.page(limit=3)] == ["376570000A", MODA, ADI]
    assert [a.code for a in register.page(after=ADI, limit=3)] == ["ntu"]
    assert register.page(after="ntu") == []
    assert register.page(limit=1)[0] == register.get("376570000A")
    assert register.names()[1] == (MODA, f"機關 {MODA}", f"Agency {MODA}")
    assert [code for code, _, _ in register.names()] == [a.code for a in register.all()]
    with pytest.raises(InputError, match="not an agency code"):
        register.page(after='x" } DROP ALL')
    with pytest.raises(InputError, match="1 to 500"):
        register.page(limit=0)


def test_a_public_reader_reads_the_public_facts_and_cannot_write(
        repository: Repository) -> None:
    AgencyRegister.of(repository).add(moda())
    reading = AgencyRegister(repository.config.base_uri, repository.public)
    agency = reading.get(MODA)
    assert agency.name_zh == "數位發展部" and agency.created is None
    with pytest.raises(StoreError, match="public reader"):
        reading.update(moda())


# -- /agency/{code} -----------------------------------------------------------------------------


def test_a_registered_agency_has_a_page_before_it_publishes_anything(
        repository: Repository) -> None:
    client = create_app(repository=repository).test_client()
    assert client.get(f"/agency/{MODA}").status_code == 404
    register = AgencyRegister.of(repository)
    register.add(moda())
    register.add(new_agency(ADI, "數位產業署", "Administration for Digital Industries",
                            parent=MODA))
    page = client.get(f"/agency/{ADI}")
    assert page.status_code == 200
    tree = html.fromstring(page.data)
    assert "數位產業署" in tree.xpath("string(//h1)")
    text = tree.text_content()
    assert "上層機關" in text and "數位發展部" in text
    assert f"{repository.config.base_uri}agency/{MODA}" in tree.xpath("//a/@href")
    moda_page = html.fromstring(client.get(f"/agency/{MODA}").data).text_content()
    assert "資料開放組" in moda_page and "02-2380-0777" in moda_page


def test_a_registered_agency_is_described_by_its_own_graph_over_its_datasets(
        repository: Repository) -> None:
    record = dataset(repository, "00000001", agency=MODA, state="published")
    repository.save_batch([record], publish=True)
    client = create_app(repository=repository).test_client()
    AgencyRegister.of(repository).add(new_agency(MODA, "數位發展部（登記）", "MODA (registered)"))
    page = html.fromstring(client.get(f"/agency/{MODA}").data)
    assert "數位發展部（登記）" in page.xpath("string(//h1)")
    assert page.xpath("//section[@aria-labelledby='datasets']//td[1]/a/code/text()") == ["00000001"]
    turtle = client.get(f"/agency/{MODA}", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.data, format="turtle")
    node = URIRef(f"{repository.config.base_uri}agency/{MODA}")
    assert (node, ORG.subOrganizationOf, None) not in graph
    assert (node, FOAF.name, Literal("MODA (registered)", lang="en")) in graph
    assert (repository.ids.resource("00000001"), DCT.publisher, node) in graph
