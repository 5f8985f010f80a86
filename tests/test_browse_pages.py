"""Browsing by language and by licence (``/language/{code}``, ``/licence/{code}``) over the
demo records: names, Glottolog, the licence's policy, the datasets with the search's facets and
counts, paging that stays on the page, 404 for codes that name nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from lxml import html

from app import create_app
from tests.oai_support import demo_in_memory


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    with demo_in_memory() as repository:
        yield create_app(repository=repository).test_client()


def page(client: FlaskClient, path: str) -> html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.fromstring(response.data)


def ids(tree: html.HtmlElement) -> set[str]:
    return {c.text_content() for c in tree.xpath("//ol[@class='hits']//p[@class='id']/code")}


@pytest.mark.parametrize("code", ["nan", "hak", "ami", "tss", "eng"])
def test_a_language_page_lists_what_the_search_finds_for_its_facet(client, code):
    tree = page(client, f"/language/{code}")
    expected = client.get(f"/search?facet=language:{code}&size=100&format=json").json
    assert ids(tree) == {hit["id"] for hit in expected["hits"]}
    assert tree.xpath("string(//h1/code)") == code


def test_a_language_page_names_the_language_and_links_glottolog(client):
    tree = page(client, "/language/nan")
    assert "臺灣台語" in tree.xpath("string(//h1)")
    assert "閩南語" in tree.xpath("string(//dl)")
    assert any("glottolog.org" in href for href in tree.xpath("//dl//a/@href"))
    client.get("/lang/en?next=/")
    try:
        assert "Taiwanese Hokkien" in page(client, "/language/nan").xpath("string(//h1)")
    finally:
        client.get("/lang/zh-Hant?next=/")


def test_a_language_without_datasets_still_has_its_page(client):
    tree = page(client, "/language/fra")
    assert tree.xpath("string(//h1/code)") == "fra" and ids(tree) == set()


@pytest.mark.parametrize("path", ["/language/xx", "/language/qaa", "/language/zzz",
                                  "/licence/no-such-licence"])
def test_a_code_that_names_nothing_is_404(client, path):
    assert client.get(path).status_code == 404


def test_a_licence_page_explains_the_licence_and_lists_its_datasets(client):
    tree = page(client, "/licence/SAITDL-1.0")
    policy = tree.xpath("string(//section[@class='policy'])")
    assert "AI" in policy and "人工智慧生成產出" in policy
    expected = client.get("/search?facet=licence:SAITDL-1.0&size=100&format=json").json
    assert ids(tree) == {hit["id"] for hit in expected["hits"]}


def test_paging_stays_on_the_browse_page_and_facets_lead_to_the_search(client):
    first = page(client, "/language/cmn?size=5")
    next_link = first.xpath("//nav[@class='paging']/a[@rel='next']/@href")[0]
    assert next_link.startswith("/language/cmn?") and "facet=" not in next_link
    second = page(client, next_link)
    assert ids(first) and not ids(first) & ids(second)
    facet = first.xpath("//aside//a/@href")[0]
    assert facet.startswith("/search?") and "language%3Acmn" in facet


# -- /browse: every way in ------------------------------------------------------------------


def counts_of(tree: html.HtmlElement, facet: str) -> dict[str, int]:
    """href → count of the values listed under ``facet``."""
    return {li.find("a").get("href"): int(li.findtext("span").replace(",", ""))
            for li in tree.xpath(f"//section[@aria-labelledby='browse-{facet}']//li")}


def test_browse_lists_every_facet_with_the_searchs_counts(client):
    tree = page(client, "/browse")
    answer = client.get("/search?format=json").get_json()
    for facet, values in answer["facets"].items():
        listed = counts_of(tree, facet)
        assert sorted(listed.values()) == sorted(v["count"] for v in values), facet


@pytest.mark.parametrize(("facet", "prefix"), [
    ("language", "/language/"), ("licence", "/licence/"), ("agency", "/agency/"),
    ("text-type", "/search?facet=text-type:"), ("decade", "/search?facet=decade:")])
def test_each_value_leads_to_its_page_or_to_the_search_with_it_chosen(client, facet, prefix):
    links = counts_of(page(client, "/browse"), facet)
    assert links and all(href.startswith(prefix) for href in links)
    for href, count in list(links.items())[:3]:
        response = client.get(href, headers={"Accept": "text/html"})
        assert response.status_code == 200, href
        if href.startswith("/search"):
            assert client.get(f"{href}&format=json").get_json()["total"] == count


def test_every_page_has_browse_in_its_header(client):
    for path in ("/", "/search", "/record/00001174", "/api"):
        header = page(client, path).xpath("//header//a[@href='/browse']")
        assert header and header[0].text == "瀏覽", path
