"""``/search`` over the demo records through the real application: the HTML page in zh-Hant and
English, facets as links that keep the search, highlighting, paging, the JSON for programs,
and 400s that name the parameter."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from lxml import html

from app import create_app
from tests.oai_support import demo_in_memory


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    with demo_in_memory() as repository:
        yield create_app(repository=repository).test_client()


def page(client: FlaskClient, url: str) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return html.fromstring(response.data)


def hit_ids(tree: html.HtmlElement) -> list[str]:
    return [c.text_content() for c in tree.xpath("//ol[@class='hits']//p[@class='id']/code")]


def test_a_chinese_query_lists_its_hits_with_the_words_marked(client):
    tree = page(client, "/search?q=語料庫")
    assert tree.get("lang") == "zh-Hant"
    assert hit_ids(tree)
    marks = [m.text_content() for m in tree.xpath("//ol[@class='hits']//mark")]
    assert marks and all(m in ("語料庫", "語料", "料庫") for m in marks)
    assert "共" in tree.xpath("string(//h2[@id='found'])")


def test_a_facet_link_keeps_the_query_and_adds_its_term(client):
    tree = page(client, "/search?q=語料")
    link = tree.xpath("//aside//a[contains(@href, 'facet=language')]")[0]
    query = parse_qs(urlsplit(link.get("href")).query)
    assert query["q"] == ["語料"] and query["facet"][0].startswith("language:")
    narrowed = page(client, link.get("href"))
    count = int(link.getnext().text_content().replace(",", ""))
    assert len(hit_ids(narrowed)) == count
    chosen = narrowed.xpath("//aside//a[@aria-current='true']")
    assert len(chosen) == 1
    again = page(client, chosen[0].get("href"))  # the chosen link takes the term away
    assert hit_ids(again) == hit_ids(page(client, "/search?q=語料"))


def test_the_pages_of_a_search_follow_each_other(client):
    first = page(client, "/search?sort=title&size=5")
    next_link = first.xpath("//nav[@class='paging']/a[@rel='next']")[0].get("href")
    second = page(client, next_link)
    assert "page=2" in next_link and "sort=title" in next_link
    assert not set(hit_ids(first)) & set(hit_ids(second))
    assert second.xpath("//ol[@class='hits']")[0].get("start") == "6"


def test_the_page_is_english_after_the_switch(client):
    client.get("/lang/en?next=/search")
    try:
        tree = page(client, "/search?q=語料")
        assert tree.get("lang") == "en"
        assert "Search the datasets" in tree.xpath("string(//h1)")
        assert "Mandarin Chinese" in tree.xpath("string(//aside)")
    finally:
        client.get("/lang/zh-Hant?next=/search")


def test_programs_get_the_same_search_as_json(client):
    answer = client.get("/search?q=語料&facet=ai:yes&format=json").json
    assert answer["query"] == {"q": "語料", "facet": ["ai:yes"], "from": None, "until": None,
                               "sort": "relevance", "page": 1, "size": 20, "quality": None}
    tree = page(client, "/search?q=語料&facet=ai:yes")
    assert [h["id"] for h in answer["hits"]] == hit_ids(tree)
    assert answer["total"] == len(answer["hits"])
    languages = answer["facets"]["language"]
    assert {"term", "count", "label"} <= set(languages[0])
    assert set(languages[0]["label"]) == {"zh-Hant", "en"}
    by_accept = client.get("/search?q=語料&facet=ai:yes",
                           headers={"Accept": "application/json"}).json
    assert by_accept["hits"] == answer["hits"]


@pytest.mark.parametrize("query, parameter", [
    ("page=x", "page"), ("size=1000", "size"), ("sort=random", "sort"),
    ("facet=colour:red", "facet"), ("from=19", "from"), ("from=2000&until=1990", "until")])
def test_bad_parameters_answer_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    assert f"{parameter}:" in html.fromstring(response.data).xpath("string(//p[@role='alert'])")
    assert client.get(f"/search?{query}&format=json").json["parameter"] == parameter


def test_a_search_that_finds_nothing_says_so(client):
    tree = page(client, "/search?q=量子色動力學")
    assert hit_ids(tree) == []
    assert "沒有符合" in tree.xpath("string(//ol[@class='hits'])")


@pytest.mark.parametrize("accept, lang", [
    ("en-US,en;q=0.9", "en"), ("zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant"),
    ("en;q=0.5,zh-Hant;q=0.9", "zh-Hant"), ("fr", "zh-Hant"), (None, "zh-Hant")])
def test_a_first_visit_gets_the_language_its_browser_prefers(client, accept, lang):
    fresh = client.application.test_client()
    headers = {"Accept-Language": accept} if accept else {}
    response = fresh.get("/search?q=語料", headers=headers)
    assert html.fromstring(response.data).get("lang") == lang
    assert {"Cookie", "Accept-Language"} <= set(response.vary)


def test_the_switch_wins_over_the_browsers_language(client):
    fresh = client.application.test_client()
    fresh.get("/lang/zh-Hant?next=/search")
    response = fresh.get("/search", headers={"Accept-Language": "en"})
    assert html.fromstring(response.data).get("lang") == "zh-Hant"


def test_a_misspelt_search_offers_the_words_that_find(client):
    tree = page(client, "/search?q=dictionay")
    [offered] = tree.xpath("//ol[@class='hits']//a[@class='suggestion']")
    assert offered.text == "dictionary" and "您是不是要找" in offered.getparent().text_content()
    assert hit_ids(page(client, offered.get("href"))) != []
    answer = client.get("/search?q=dictionay&format=json").get_json()
    assert answer["total"] == 0 and answer["suggestion"] == "dictionary"
