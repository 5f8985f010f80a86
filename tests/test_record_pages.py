"""Record pages ``/record/{id}``: content negotiation over the public area only, every RDF
syntax isomorphic to the stored graph, bilingual HTML with embedded schema.org JSON-LD,
OLAC and Croissant per record, 303 from ``/id/{id}``, 404 for drafts and unknown ids, 410 with
a tombstone for withdrawn records, 406 when nothing is acceptable, conditional GET and HEAD.

The demo repository (published, withdrawn, draft and under-review records) is loaded once per
module into a real store in a temporary home; tests that change records make their own.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import mlcroissant
import pytest
from flask.testing import FlaskClient
from lxml import html
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic

import demo
from app import create_app
from repository import Config, Repository, Source
from repository.crosswalks.schemaorg import to_schemaorg
from repository.export import RDF_SYNTAXES
from repository.records import statements
from tests.oai_support import dataset, demo_repository
from tests.schemas import assert_valid, olac_schema
from vocab.namespaces import DCAT, DCT, FOAF, SCHEMA, XSD, YL

BASE = Config(home=None).base_uri
DEMO = list(demo.records(BASE))
PUBLISHED = [d.local_id for d in DEMO if d.state == "published"]
#: Drafts and records in (or returned from) review: never public.
HIDDEN = [d.local_id for d in DEMO if d.state in (
    "draft", "pending-agency-review", "pending-platform-review", "in-revision")]
WITHDRAWN = [d.local_id for d in DEMO if d.state == "withdrawn"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PARSE_AS = {"turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}

# rdflib 7's JSON-LD parser warns about its own ConjunctiveGraph (as in tests/test_croissant.py).
RDFLIB_JSONLD_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning:rdflib.plugins.parsers.jsonld"
)


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("record-pages") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def client(demo_repo: Repository) -> FlaskClient:
    return create_app(repository=demo_repo).test_client()


@pytest.fixture
def exact_literals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse literals in their lexical form, as the store keeps them (rdflib would otherwise
    rewrite ``…Z`` datestamps as ``…+00:00`` and the graphs would differ in form only)."""
    import rdflib

    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)


@pytest.fixture
def own_repo(tmp_path: Path) -> Iterator[Repository]:
    with Repository(Config(home=tmp_path / "home")) as repository:
        yield repository


def stored(repo: Repository, local_id: str) -> Graph:
    return decimals_by_value(repo.public.graph(repo.ids.graph(local_id)))


def parse(body: bytes, syntax: str) -> Graph:
    return decimals_by_value(Graph().parse(data=body, format=PARSE_AS[syntax]))


def decimals_by_value(graph: Graph) -> Graph:
    """``graph`` with each xsd:decimal in one form: Turtle writes the stored "9" as ``9.0``
    (the same value; the quality measurement's score is one)."""
    for s, p, o in list(graph):
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            graph.remove((s, p, o))
            graph.add((s, p, Literal(f"{o.toPython().normalize():f}", datatype=XSD.decimal)))
    return graph


def embedded_jsonld(body: bytes) -> Graph:
    scripts = html.fromstring(body).xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    return Graph().parse(data=scripts[0].text, format="json-ld")


# -- content negotiation -------------------------------------------------------------------------


@RDFLIB_JSONLD_DEPRECATION
@pytest.mark.parametrize("syntax", list(RDF_SYNTAXES))
@pytest.mark.parametrize("local_id", PUBLISHED)
def test_every_rdf_syntax_serves_the_stored_public_graph(
        client: FlaskClient, demo_repo: Repository, local_id: str, syntax: str,
        exact_literals: None) -> None:
    media_type = RDF_SYNTAXES[syntax].media_type
    response = client.get(f"/record/{local_id}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert isomorphic(parse(response.data, syntax), stored(demo_repo, local_id))


@pytest.mark.parametrize("syntax", list(RDF_SYNTAXES))
def test_format_parameter_overrides_accept(client: FlaskClient, syntax: str) -> None:
    extension = RDF_SYNTAXES[syntax].extension
    by_format = client.get(f"/record/00001174?format={extension}", headers={"Accept": BROWSER})
    by_accept = client.get("/record/00001174",
                           headers={"Accept": RDF_SYNTAXES[syntax].media_type})
    assert by_format.mimetype == RDF_SYNTAXES[syntax].media_type
    assert by_format.data == by_accept.data


@pytest.mark.parametrize("accept", [None, "*/*", BROWSER, "text/html", "text/*"])
def test_html_is_served_to_browsers_and_by_default(client: FlaskClient, accept: str | None) -> None:
    response = client.get("/record/00001174", headers={"Accept": accept} if accept else {})
    assert (response.status_code, response.mimetype) == (200, "text/html")


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/html;q=0.5, text/turtle", "text/turtle"),
    ("application/rdf+xml;q=0.9, application/ld+json", "application/ld+json"),
    ("application/n-triples, text/turtle;q=0.2", "application/n-triples"),
    ("text/turtle;q=0.1, */*;q=0.05", "text/turtle"),
    ("application/*", "application/ld+json"),
])
def test_accept_q_values_choose_the_variant(client: FlaskClient, accept: str,
                                            expected: str) -> None:
    response = client.get("/record/00001174", headers={"Accept": accept})
    assert (response.status_code, response.mimetype) == (200, expected)


def test_nothing_acceptable_is_406_listing_every_variant(client: FlaskClient) -> None:
    response = client.get("/record/00001174", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["Vary"] == "Accept"
    text = response.get_data(as_text=True)
    for media_type in ["text/html", *(s.media_type for s in RDF_SYNTAXES.values())]:
        assert media_type in text and f'type="{media_type}"' in response.headers["Link"]


def test_an_unknown_format_parameter_is_400(client: FlaskClient) -> None:
    response = client.get("/record/00001174?format=yaml")
    assert response.status_code == 400 and "ttl" in response.get_data(as_text=True)


def test_responses_vary_on_accept_and_link_their_alternates(client: FlaskClient) -> None:
    response = client.get("/record/paradisec.org.au:AC2", headers={"Accept": "text/turtle"})
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Content-Location"] == "/record/paradisec.org.au:AC2?format=ttl"
    link = response.headers["Link"]
    for target in ("?format=html", "?format=ttl", "?format=jsonld", "?format=rdf",
                   "?format=nt", "/olac.xml", "/croissant.json"):
        assert f'<{"/record/paradisec.org.au:AC2"}{target}>; rel="alternate"' in link


def test_resource_iri_redirects_303_to_its_page_keeping_the_query(client: FlaskClient) -> None:
    response = client.get("/id/00001174?format=ttl", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/record/00001174?format=ttl"
    assert "Accept" in response.headers["Vary"]
    followed = client.get("/id/paradisec.org.au:AC2", headers={"Accept": "text/turtle"},
                          follow_redirects=True)
    assert (followed.status_code, followed.mimetype) == (200, "text/turtle")


def test_the_catalogue_record_names_the_resource_it_describes(
        client: FlaskClient, demo_repo: Repository) -> None:
    graph = parse(client.get("/record/00001174?format=ttl").data, "turtle")
    page, resource = demo_repo.ids.catalogue_record("00001174"), demo_repo.ids.resource("00001174")
    assert (page, FOAF.primaryTopic, resource) in graph
    body = client.get("/record/00001174").get_data(as_text=True)
    assert f'href="{resource}"' in body


# -- what is not public ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/record/{}", "/record/{}?format=ttl", "/record/{}/olac.xml",
                                  "/record/{}/croissant.json", "/id/{}",
                                  "/record/{}/export/nquads"])
@pytest.mark.parametrize("local_id", HIDDEN)
def test_drafts_and_records_under_review_are_404(
        client: FlaskClient, demo_repo: Repository, local_id: str, path: str) -> None:
    assert demo_repo.exists(local_id)  # present in the work area, so the 404 is structural
    response = client.get(path.format(local_id))
    assert response.status_code == 404
    title = next(iter(demo_repo.get(local_id).graph.objects(None, DCT.title)))
    assert str(title) not in response.get_data(as_text=True)


@pytest.mark.parametrize("local_id", ["99999999", "nosuch.org:X1", "1234", "a:b:c", "x y"])
def test_unknown_and_malformed_ids_are_404_html_or_text(client: FlaskClient,
                                                        local_id: str) -> None:
    page = client.get(f"/record/{local_id}", headers={"Accept": BROWSER})
    assert (page.status_code, page.mimetype) == (404, "text/html")
    assert html.fromstring(page.data).get("lang") == "zh-Hant"
    text = client.get(f"/record/{local_id}", headers={"Accept": "text/turtle"})
    assert (text.status_code, text.mimetype) == (404, "text/plain")


def test_a_path_below_a_record_that_is_no_format_is_404(client: FlaskClient) -> None:
    assert client.get("/record/00001174/unknown.xml").status_code == 404


def page_in(client: FlaskClient, path: str, lang: str) -> html.HtmlElement:
    """The page at ``path`` as a reader who chose ``lang`` (zh-Hant or en) sees it."""
    reader = client.application.test_client()
    reader.set_cookie("lang", lang)
    return html.fromstring(reader.get(path, headers={"Accept": BROWSER}).data)


def text_in(client: FlaskClient, path: str, lang: str) -> str:
    return page_in(client, path, lang).text_content()


# -- withdrawn records ----------------------------------------------------------------------------


@pytest.mark.parametrize("local_id", WITHDRAWN)
def test_a_withdrawn_record_is_410_with_a_tombstone_page(
        client: FlaskClient, demo_repo: Repository, local_id: str) -> None:
    response = client.get(f"/record/{local_id}", headers={"Accept": BROWSER})
    assert (response.status_code, response.mimetype) == (410, "text/html")
    text = response.get_data(as_text=True)
    stamp = demo_repo.public.graph(demo_repo.ids.graph(local_id)).value(
        demo_repo.ids.catalogue_record(local_id), YL.datestamp)
    for expected in (local_id, demo_repo.ids.oai(local_id), str(stamp), "不會再恢復"):
        assert expected in text
    assert "will not come back" in text_in(client, f"/record/{local_id}", "en")
    demo_title = next(d for d in DEMO if d.local_id == local_id).graph.value(
        demo_repo.ids.resource(local_id), DCT.title)
    assert str(demo_title) not in text


@RDFLIB_JSONLD_DEPRECATION
@pytest.mark.parametrize("syntax", list(RDF_SYNTAXES))
@pytest.mark.parametrize("local_id", WITHDRAWN)
def test_a_withdrawn_record_under_rdf_negotiation_is_410_with_its_tombstone_triples(
        client: FlaskClient, demo_repo: Repository, local_id: str, syntax: str,
        exact_literals: None) -> None:
    media_type = RDF_SYNTAXES[syntax].media_type
    response = client.get(f"/record/{local_id}", headers={"Accept": media_type})
    assert (response.status_code, response.mimetype) == (410, media_type)
    graph = parse(response.data, syntax)
    assert isomorphic(graph, stored(demo_repo, local_id))
    assert (demo_repo.ids.catalogue_record(local_id), None, YL.Tombstone) in graph


@pytest.mark.parametrize("suffix", ["olac.xml", "croissant.json", "export/olac"])
@pytest.mark.parametrize("local_id", WITHDRAWN)
def test_the_exports_of_a_withdrawn_record_are_410(client: FlaskClient, local_id: str,
                                                   suffix: str) -> None:
    assert client.get(f"/record/{local_id}/{suffix}").status_code == 410


def test_withdrawing_a_published_record_turns_its_page_into_a_tombstone(
        own_repo: Repository) -> None:
    own_repo.put(dataset(own_repo, "00000042", "撤回的語料"))
    own_repo.publish("00000042")
    client = create_app(repository=own_repo).test_client()
    assert client.get("/record/00000042").status_code == 200
    own_repo.withdraw("00000042")
    response = client.get("/record/00000042")
    assert response.status_code == 410 and "撤回的語料" not in response.get_data(as_text=True)
    assert client.get("/id/00000042").status_code == 303


# -- the HTML page --------------------------------------------------------------------------------


def test_every_field_has_a_chinese_and_an_english_label(client: FlaskClient) -> None:
    labels = {}
    for lang in ("zh-Hant", "en"):
        page = page_in(client, "/record/00001174", lang)
        assert page.get("lang") == lang
        labels[lang] = [th.text_content().strip() for th in
                        page.xpath('//section[@aria-labelledby="fields"]//tbody/tr/th')]
    assert len(labels["zh-Hant"]) == len(labels["en"]) >= 15
    assert all(any("\u4e00" <= c <= "\u9fff" for c in label) for label in labels["zh-Hant"])
    assert all(label.isascii() and label for label in labels["en"])


@pytest.mark.parametrize(("local_id", "zh", "en"), [
    ("00000009", "臺灣台語", "Taiwanese Hokkien"),
    ("00001174", "政策與施政文件", "Policy and administrative documents"),
    ("00001174", "限制取用", "Restricted"),
    ("00001174", "永久", "permanent"),
    ("paradisec.org.au:AC2", "彙編者", "Compiler"),
])
def test_vocabulary_values_are_labelled_in_both_languages(client: FlaskClient, local_id: str,
                                                          zh: str, en: str) -> None:
    assert page_in(client, f"/record/{local_id}", "zh-Hant").xpath(
        '//span[@lang="zh-Hant"][.=$zh]', zh=zh)
    assert page_in(client, f"/record/{local_id}", "en").xpath('//span[@lang="en"][.=$en]',
                                                              en=en)


def test_the_source_wording_of_a_coded_value_is_shown_beside_it(client: FlaskClient) -> None:
    page = page_in(client, "/record/paradisec.org.au:AIT1", "en")
    item = page.xpath('//li[.//span[@lang="en"][.="Truku and Seediq"]][contains(., "Taroko")]')
    assert len(item) == 1  # the subject language only: the content language has no wording


def test_literals_keep_their_language_tags(client: FlaskClient) -> None:
    assert page_in(client, "/record/00001174", "zh-Hant").xpath(
        '//span[@lang="zh-Hant-TW"][.="領域資料標準"]')
    assert page_in(client, "/record/00001174", "en").xpath(
        '//span[@lang="en"][.="Domain data standards"]')


def test_the_licence_is_explained_with_its_permissions_duties_and_prohibitions(
        client: FlaskClient) -> None:
    sections = {lang: page_in(client, "/record/00001174", lang).xpath(
        '//section[@aria-labelledby="licence"]')[0] for lang in ("zh-Hant", "en")}
    assert sections["zh-Hant"].xpath('.//a[@href="https://taic.moda.gov.tw/content/license"]')
    for lang, expected in (("zh-Hant", ("臺灣主權AI訓練語料授權條款－第1版", "允許", "AI 訓練",
                                       "要求", "標示出處", "禁止", "散布", "轉讓")),
                           ("en", ("Taiwan Sovereign AI Training Corpus License", "Permits",
                                   "AI training", "Requires", "attribute the source",
                                   "Prohibits", "distribute", "transfer"))):
        text = sections[lang].text_content()
        assert all(word in text for word in expected), (lang, text[:300])
    assert "永久" in text_in(client, "/record/00001174", "zh-Hant")
    assert "permanent" in text_in(client, "/record/00001174", "en")


def test_a_licence_that_grants_nothing_says_so(own_repo: Repository) -> None:
    own_repo.put(dataset(own_repo, "00000043", licence="TBC"))
    own_repo.publish("00000043")
    client = create_app(repository=own_repo).test_client()
    assert "授權需確認" in text_in(client, "/record/00000043", "zh-Hant")
    assert "Nothing is permitted" in text_in(client, "/record/00000043", "en")


def test_a_harvested_record_shows_where_it_came_from(own_repo: Repository) -> None:
    source = Source("oai:paradisec.org.au:AC1-013", datestamp="2018-04-05T00:00:00Z",
                    format="olac", base_url="http://catalog.paradisec.org.au/oai/item",
                    harvest_date="2018-04-05T01:40:30Z")
    record = dataset(own_repo, "paradisec.org.au:AC1-013")
    own_repo.put(record.with_(source=source))
    own_repo.publish("paradisec.org.au:AC1-013")
    client = create_app(repository=own_repo).test_client()
    page = html.fromstring(client.get("/record/paradisec.org.au:AC1-013").data)
    text = page.xpath('//section[@aria-labelledby="provenance"]')[0].text_content()
    for expected in ("oai:paradisec.org.au:AC1-013", "2018-04-05T00:00:00Z", "olac",
                     "2018-04-05T01:40:30Z", "原始識別碼"):
        assert expected in text
    assert "Original identifier" in text_in(client, "/record/paradisec.org.au:AC1-013", "en")
    assert page.xpath('//a[starts-with(@href, "http://catalog.paradisec.org.au/oai/item?'
                      'verb=GetRecord")]')


def test_a_record_harvested_through_an_aggregator_shows_its_earlier_origin(
        own_repo: Repository) -> None:
    prior = ('<originDescription xmlns="http://www.openarchives.org/OAI/2.0/provenance" '
             'harvestDate="2026-11-29T00:00:00Z" altered="false">'
             "<baseURL>https://first.example.org/oai</baseURL>"
             "<identifier>oai:first.example.org:7</identifier><datestamp>2026-11-28</datestamp>"
             "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>"
             "</originDescription>")
    source = Source("oai:agg.example.org:7", datestamp="2026-11-30", format="oai_dc",
                    base_url="https://agg.example.org/oai", prior_origin=prior)
    own_repo.put(dataset(own_repo, "agg.example.org:7").with_(source=source))
    own_repo.publish("agg.example.org:7")
    page = page_in(create_app(repository=own_repo).test_client(), "/record/agg.example.org:7",
                   "en")
    section = page.xpath('//section[@aria-labelledby="provenance"]')[0]
    assert "Earlier origin" in section.text_content()
    assert "oai:first.example.org:7 (https://first.example.org/oai)" in section.text_content()
    assert section.xpath('.//a[@href="https://first.example.org/oai"]')


def test_a_record_made_here_has_no_provenance_section(client: FlaskClient) -> None:
    page = html.fromstring(client.get("/record/00001174").data)
    assert not page.xpath('//section[@aria-labelledby="provenance"]')


def test_every_format_link_on_the_page_answers(client: FlaskClient,
                                               demo_repo: Repository) -> None:
    page = html.fromstring(client.get("/record/paradisec.org.au:AC2").data)
    hrefs = {a.get("href") for a in page.xpath('//section[@aria-labelledby="formats"]//a')}
    oai = demo_repo.ids.oai("paradisec.org.au:AC2")
    for prefix in ("olac", "oai_dc"):
        assert any("verb=GetRecord" in h and f"metadataPrefix={prefix}" in h for h in hrefs)
    assert {"/record/paradisec.org.au:AC2/olac.xml",
            "/record/paradisec.org.au:AC2/croissant.json",
            "/record/paradisec.org.au:AC2/export/nquads"} <= hrefs
    for href in hrefs:
        response = client.get(href)
        assert response.status_code == 200, href
        if "verb=GetRecord" in href:
            assert oai.encode() in response.data and b"<error" not in response.data


@RDFLIB_JSONLD_DEPRECATION
def test_text_cannot_break_out_of_the_embedded_json_ld(own_repo: Repository) -> None:
    hostile = "</script><script>alert('x')</script> & <!--"
    record = dataset(own_repo, "00000044", hostile)
    own_repo.put(record)
    own_repo.publish("00000044")
    body = create_app(repository=own_repo).test_client().get("/record/00000044").data
    assert b"<script>alert" not in body
    graph = embedded_jsonld(body)
    assert Literal(hostile, lang="zh-Hant-TW") in set(graph.objects(None, SCHEMA.name))


@RDFLIB_JSONLD_DEPRECATION
@pytest.mark.parametrize("local_id", PUBLISHED)
def test_the_page_embeds_schemaorg_json_ld(client: FlaskClient, demo_repo: Repository,
                                           local_id: str) -> None:
    graph = embedded_jsonld(client.get(f"/record/{local_id}").data)
    source, subject = stored(demo_repo, local_id), demo_repo.ids.resource(local_id)
    assert (subject, None, SCHEMA.Dataset) in graph
    assert set(graph.objects(subject, SCHEMA.name)) == set(source.objects(subject, DCT.title))
    assert graph.value(subject, SCHEMA.url) == Literal(demo_repo.ids.catalogue_record(local_id))
    expected = {
        SCHEMA.description: DCT.description, SCHEMA.keywords: DCAT.keyword,
        SCHEMA.identifier: DCT.identifier, SCHEMA.license: DCT.license,
        SCHEMA.inLanguage: DCT.language, SCHEMA.publisher: DCT.publisher,
        SCHEMA.creator: DCT.creator,
    }
    for schema_property, dct_property in expected.items():
        has_source = (subject, dct_property, None) in source
        assert ((subject, schema_property, None) in graph) == has_source, schema_property


@RDFLIB_JSONLD_DEPRECATION
def test_schemaorg_json_ld_names_the_content_languages_in_bcp47(client: FlaskClient) -> None:
    graph = embedded_jsonld(client.get("/record/00000007").data)
    languages = {str(o) for o in graph.objects(None, SCHEMA.inLanguage)}
    assert languages == {"cmn", "en"}


# -- olac.xml and croissant.json ------------------------------------------------------------------


@pytest.mark.parametrize("local_id", PUBLISHED)
def test_olac_xml_is_valid_olac(client: FlaskClient, local_id: str) -> None:
    schema = olac_schema()
    response = client.get(f"/record/{local_id}/olac.xml")
    assert (response.status_code, response.mimetype) == (200, "application/xml")
    assert_valid(schema, response.data)


@RDFLIB_JSONLD_DEPRECATION
@pytest.mark.parametrize("local_id", PUBLISHED)
def test_croissant_json_loads_in_mlcroissant_without_errors(
        client: FlaskClient, demo_repo: Repository, local_id: str) -> None:
    response = client.get(f"/record/{local_id}/croissant.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    dataset_ = mlcroissant.Dataset(jsonld=copy.deepcopy(json.loads(response.data)))
    assert dataset_.metadata.ctx.issues.errors == set()
    assert dataset_.metadata.url == str(demo_repo.ids.resource(local_id))


# -- HTTP details ---------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_a_conditional_get_of_an_unchanged_record_is_304(client: FlaskClient,
                                                         accept: str) -> None:
    first = client.get("/record/00001174", headers={"Accept": accept})
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/record/00001174", headers={"Accept": accept,
                                                    "If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")
    since = client.get("/record/00001174", headers={
        "Accept": accept, "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_variants_have_different_etags(client: FlaskClient) -> None:
    tags = {client.get("/record/00001174", headers={"Accept": s.media_type}).headers["ETag"]
            for s in RDF_SYNTAXES.values()}
    assert len(tags) == len(RDF_SYNTAXES)


def test_republishing_changes_the_etag(own_repo: Repository) -> None:
    own_repo.put(dataset(own_repo, "00000045", "第一版"))
    own_repo.publish("00000045")
    client = create_app(repository=own_repo).test_client()
    before = client.get("/record/00000045").headers["ETag"]
    own_repo.put(dataset(own_repo, "00000045", "第二版"))
    own_repo.publish("00000045")
    after = client.get("/record/00000045", headers={"If-None-Match": before})
    assert after.status_code == 200 and "第二版" in after.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/record/00001174", "/record/00001174?format=ttl",
                                  "/record/00001174/olac.xml", "/record/99999999",
                                  "/record/00000026"])
def test_head_answers_like_get_without_a_body(client: FlaskClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.data == b""


def test_page_links_use_the_configured_base_not_the_request_host(
        client: FlaskClient, demo_repo: Repository) -> None:
    body = client.get("/record/00001174", base_url="http://elsewhere.test").get_data(as_text=True)
    assert "elsewhere.test" not in body
    assert urlsplit(demo_repo.ids.resource("00001174")).netloc in body


def test_the_home_page_links_each_record_page(client: FlaskClient) -> None:
    page = html.fromstring(client.get("/").data)
    hrefs = {a.get("href") for a in page.xpath("//a")}
    assert {f"/record/{local_id}" for local_id in PUBLISHED} <= hrefs


def test_a_source_qualified_id_with_dots_reaches_its_page_and_exports(
        own_repo: Repository) -> None:
    own_repo.put(dataset(own_repo, "example.org:a.b-1"))
    own_repo.publish("example.org:a.b-1")
    client = create_app(repository=own_repo).test_client()
    assert client.get("/record/example.org:a.b-1/olac.xml").status_code == 200
    assert client.get("/record/example.org:a.b-1").status_code == 200


# -- the schema.org mapping -----------------------------------------------------------------------


def test_schemaorg_types_agents_only_as_foaf_types_them() -> None:
    subject = URIRef(f"{BASE}id/00000099")
    person, organisation, agent = (URIRef(f"{BASE}id/00000099#{n}") for n in ("p", "o", "a"))
    graph = Graph()
    graph.add((subject, DCT.title, Literal("語料", lang="zh-Hant-TW")))
    for node, kind, prop in ((person, FOAF.Person, DCT.creator),
                             (organisation, FOAF.Organization, DCT.publisher),
                             (agent, FOAF.Agent, DCT.contributor)):
        graph.add((subject, prop, node))
        graph.add((node, RDF.type, kind))
        graph.add((node, FOAF.name, Literal(str(kind).rsplit("/", 1)[-1])))
    document = to_schemaorg(graph, subject, f"{BASE}record/00000099")
    assert document["creator"][0]["@type"] == "Person"
    assert document["publisher"][0]["@type"] == "Organization"
    assert "@type" not in document["contributor"][0]


def test_schemaorg_gives_the_period_and_the_files(demo_repo: Repository) -> None:
    subject = demo_repo.ids.resource("00001174")
    document = to_schemaorg(stored(demo_repo, "00001174"), subject, "page")
    assert document["temporalCoverage"] == "2020/2025"
    assert len(document["distribution"]) == 8
    assert {d["encodingFormat"] for d in document["distribution"]} == {"application/pdf"}


def test_no_public_text_carries_an_internal_source_note():
    """The vocabularies' labels, definitions and notes are shown on public pages: they cite no
    "seed" document by its working name."""
    import re

    from vocab.schemes import load

    notes = [str(o) for o in load().objects() if re.search(r"\bseeds? \d{3}", str(o))]
    assert notes == []


def test_a_record_page_shows_its_quality_score_and_what_it_lacks(client: FlaskClient) -> None:
    from repository.crosswalks.olac import graph_to_olac
    from repository.quality import olac_quality

    page = page_in(client, "/record/00001174", "zh-Hant")
    section = page.xpath('//section[@aria-labelledby="quality"]')[0].text_content()
    app_repository = client.application.extensions["yuliao"]
    graph = app_repository.get("00001174", public=True).graph
    score = olac_quality(graph_to_olac(graph, app_repository.ids.resource("00001174")))
    assert f"{score:.2f}" in section and "可再補充" in section
    english = page_in(client, "/record/00001174", "en").xpath(
        '//section[@aria-labelledby="quality"]')[0].text_content()
    assert "It would gain from" in english


def test_the_score_shown_is_the_measurement_stored_with_the_revision(
        own_repo: Repository) -> None:
    own_repo.put(dataset(own_repo, "00000043", "評分的語料"))
    own_repo.publish("00000043")
    graph = own_repo.ids.graph("00000043")
    lines = [line.replace(f'"{own_repo.get("00000043", public=True).quality:g}"', '"3.21"')
             if "dqv#value" in line else line for line in statements(own_repo.public.graph(graph))]
    own_repo.public.replace_statements({graph: lines})
    assert own_repo.get("00000043", public=True).quality == 3.21
    client = create_app(repository=own_repo).test_client()
    section = page_in(client, "/record/00000043", "en").xpath(
        '//section[@aria-labelledby="quality"]')[0].text_content()
    assert "3.21" in section
