"""The dataset form as a model (repository/workflow/form.py): a record's graph fills the form and
the form written back gives the same graph; what the form does not carry is kept; what a
browser sends is read field by field, refused naming the field; the filled form is checked by
the shapes that gate import, with seed 001's return reason for a title-like description."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic

from repository.workflow.form import (
    Contributor,
    DatasetForm,
    FileRow,
    FormInputError,
    byte_count,
    checked,
    form_of,
    new_description,
    read_form,
    readable_size,
    with_agency,
    written,
)
from repository.workflow.language_choice import search
from tests.conftest import DATA, ROOT
from vocab.namespaces import DCAT, DCT, FOAF, PROV, VCARD, XSD, YL, concept, lexvo

BASE = "https://yuliao.example.org/"
DEMO = sorted((ROOT / "demo" / "records").glob("*.ttl"))
RETURN_REASON = "請調整資料集描述勿與標題相似"


def demo_record(path: Path) -> tuple[Graph, URIRef]:
    return Graph().parse(path, format="turtle", publicID=BASE), URIRef(f"{BASE}id/{path.stem}")


def good_fields() -> dict[str, list[str]]:
    """A conforming dataset as a browser sends the form."""
    return {
        "title_zh": ["臺灣客語語料彙編"], "title_en": ["Hakka corpus of Taiwan"],
        "description": ["收錄客家委員會歷年委託整理的客語語音轉寫文本與詞彙資料，"
                        "涵蓋四縣、海陸等腔調。"],
        "keywords": ["客語, 語料、詞彙，Hakka"], "text_types": ["language-resource"],
        "domains": ["culture-arts"], "languages": ["hak cmn"],
        "file_name": ["客語語料.csv", ""], "file_format": ["CSV", ""],
        "file_size": ["12.5 MB", ""], "file_node": ["", ""],
        "licence": ["OGDL-Taiwan-1.0"], "validity": ["permanent"], "valid_until": [""],
        "year_start": ["2020"], "year_end": ["2025"], "contact_name": ["林小明"],
        "contact_phone": ["(02)-23800791"], "contact_email": ["opendata@moda.gov.tw"],
        "subject_languages": ["hak"], "linguistic_type": ["primary_text"],
        "contributor_name": ["客家委員會", ""], "contributor_role": ["compiler", ""],
        "access_condition": ["open"],
    }


def new_graph(form: DatasetForm, local_id: str = "00000000") -> tuple[Graph, URIRef]:
    """``form`` written into a new record, with agency A29000000G as its publisher."""
    subject = URIRef(f"{BASE}id/{local_id}")
    graph = written(form, new_description(subject, local_id), subject)
    with_agency(graph, subject, URIRef(f"{BASE}agency/A29000000G"), "數位發展部",
                "Ministry of Digital Affairs", "A29000000G")
    return graph, subject


@pytest.mark.parametrize("path", DEMO, ids=lambda p: p.stem)
def test_a_demo_record_written_back_through_its_own_form_is_the_same_graph(path: Path):
    graph, subject = demo_record(path)
    assert isomorphic(written(form_of(graph, subject), graph, subject), graph)


def test_a_form_written_into_a_new_record_reads_back_as_the_same_form():
    form = read_form(good_fields())
    graph, subject = new_graph(form)
    back = form_of(graph, subject)
    # RDF keeps no order; a file gets its node; a telephone is kept as its tel: number
    assert set(back.keywords) == set(form.keywords)
    assert set(back.languages) == set(form.languages)
    assert back.files == (FileRow("客語語料.csv", "CSV", 13_107_200, "dist-1"),)
    assert back.contact_phone == "+886-2-23800791"
    assert back == DatasetForm(**{**form.__dict__, "keywords": back.keywords,
                                  "languages": back.languages, "files": back.files,
                                  "contact_phone": back.contact_phone})
    again = written(form_of(graph, subject), graph, subject)
    assert to_isomorphic(again) == to_isomorphic(graph)


def test_statements_the_form_does_not_carry_are_kept_when_it_is_saved():
    graph, subject = demo_record(ROOT / "demo" / "records" / "00000001.ttl")
    form = form_of(graph, subject)
    changed = written(DatasetForm(**{**form.__dict__, "title_zh": "外交年鑑（修訂）",
                                     "files": form.files[:2]}), graph, subject)
    kept = (YL.portalTheme, DCT.accessRights, YL.plannedRelease, DCT.issued, DCT.type)
    for predicate in kept:
        assert set(changed.objects(subject, predicate)) == set(graph.objects(subject, predicate))
    first = URIRef(f"{subject}#dist-1")
    assert set(changed.predicate_objects(first)) == set(graph.predicate_objects(first))
    assert (subject, DCAT.distribution, URIRef(f"{subject}#dist-3")) not in changed
    assert not list(changed.predicate_objects(URIRef(f"{subject}#dist-3")))
    titles = set(changed.objects(subject, DCT.title))
    assert Literal("外交年鑑（修訂）", lang="zh-Hant-TW") in titles
    assert Literal("Foreign Relations Yearbook of the Republic of China (Taiwan)",
                   lang="en") in titles


def test_harvested_subjects_types_and_creators_outside_the_form_are_kept():
    graph = Graph().parse(DATA / "shapes" / "language_resource_valid.ttl", format="turtle")
    subject = URIRef(f"{BASE}id/paradisec.org.au:AC1-013")
    form = form_of(graph, subject)
    assert form.subject_languages == ("agw", "svs")
    assert form.contributors == (Contributor("Arthur Capell", "compiler"),
                                 Contributor("Arthur Capell", "recorder"))
    changed = written(DatasetForm(**{**form.__dict__, "subject_languages": ("svs",),
                                     "contributors": (Contributor("Arthur Capell", "recorder"),
                                                      Contributor("林小明", "transcriber"))}),
                      graph, subject)
    subjects = set(changed.objects(subject, DCT.subject))
    assert lexvo("agw") not in subjects and lexvo("svs") in subjects
    assert concept("olac-linguistic-field", "language_documentation") in subjects
    assert Literal("Solomon Islands languages", lang="en") in subjects
    assert form_of(changed, subject).contributors == (
        Contributor("Arthur Capell", "recorder"), Contributor("林小明", "transcriber"))
    capell = URIRef(f"{subject}#agent-1")
    assert (capell, FOAF.name, Literal("Arthur Capell")) in changed
    assert len(list(changed.objects(subject, PROV.qualifiedAttribution))) == 2


def test_keywords_split_at_commas_and_the_chinese_commas():
    form = read_form({"keywords": ["資料標準,資料交換、資料流通，open data, 資料標準"]})
    assert form.keywords == ("資料標準", "資料交換", "資料流通", "open data")
    graph, subject = new_graph(form)
    assert Literal("open data", lang="en") in set(graph.objects(subject, DCAT.keyword))
    assert Literal("資料交換", lang="zh-Hant-TW") in set(graph.objects(subject, DCAT.keyword))


def test_one_year_given_is_a_single_year_range():
    form = read_form({"year_start": [""], "year_end": ["2024"]})
    assert (form.year_start, form.year_end) == (2024, 2024)
    graph, subject = new_graph(form)
    period = graph.value(subject, DCT.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2024", datatype=XSD.gYear)


def test_a_licence_valid_until_a_year_runs_to_its_last_day_and_keeps_a_date_it_had():
    form = read_form({"validity": ["until"], "valid_until": ["2030"]})
    graph, subject = new_graph(form)
    assert graph.value(subject, YL.licenseValidity) == YL.untilDate
    assert graph.value(subject, YL.licenseValidUntil) == Literal("2030-12-31",
                                                                 datatype=XSD.date)
    graph.set((subject, YL.licenseValidUntil, Literal("2030-06-30", datatype=XSD.date)))
    again = written(form_of(graph, subject), graph, subject)
    assert again.value(subject, YL.licenseValidUntil) == Literal("2030-06-30",
                                                                 datatype=XSD.date)


def test_a_telephone_and_an_e_mail_become_tel_and_mailto_iris():
    graph, subject = new_graph(read_form(good_fields()))
    contact = graph.value(subject, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasTelephone) == URIRef("tel:+886-2-23800791")
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:opendata@moda.gov.tw")


def test_file_sizes_are_read_in_binary_units_and_the_dataset_size_is_their_sum():
    assert byte_count("500MB") == 524_288_000
    assert byte_count("1,048,576") == 1_048_576
    assert byte_count("678.61 MB") == round(678.61 * 1024 ** 2)
    assert byte_count("a lot") is None
    form = DatasetForm(files=(FileRow("a.pdf", "PDF", 1024 ** 2), FileRow("b.csv", "CSV", 512)))
    assert readable_size(form.total_size) == "1.00 MB"


@pytest.mark.parametrize(("fields", "field"), [
    ({"year_start": ["二〇二〇"]}, "year_start"),
    ({"languages": ["cmn xx1"]}, "languages"),
    ({"languages": ["uun"]}, "languages"),
    ({"text_types": ["novel"]}, "text_types"),
    ({"licence": ["MIT"]}, "licence"),
    ({"validity": ["forever"]}, "validity"),
    ({"file_name": ["a.pdf"], "file_size": ["huge"]}, "files"),
    ({"file_name": ["a.doc"], "file_format": ["DOC"]}, "files"),
    ({"contact_phone": ["call us"]}, "contact_phone"),
    ({"contact_email": ["a b@example.org"]}, "contact_email"),
    ({"contributor_name": ["王"], "contributor_role": ["boss"]}, "contributors"),
    ({"title_zh": ["字" * 501]}, "title_zh"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_value_the_form_cannot_take_is_refused_naming_its_field(fields, field):
    with pytest.raises(FormInputError) as refused:
        read_form({**good_fields(), **fields})
    assert refused.value.field == field
    assert [p.field for p in refused.value.problems] == [field]
    assert refused.value.form.title_zh  # the rest of what was sent is still read


def test_a_conforming_form_passes_the_shapes_of_import():
    graph, subject = new_graph(read_form(good_fields()))
    result = checked(graph, "00000000", subject)
    assert result.violations == [] and result.conforms
    assert result.quality is not None and result.quality > 7


@pytest.mark.parametrize("description", [
    "臺灣客語語料彙編", "臺灣客語語料彙編。", "本資料集為臺灣客語語料彙編之全文",
], ids=["same", "plus a stop", "plus a few words"])
def test_a_description_that_resembles_the_title_gets_seed_001s_return_reason(description):
    graph, subject = new_graph(read_form({**good_fields(), "description": [description]}))
    paths = {(v.path, v.message_zh) for v in checked(graph, "00000000", subject).violations}
    assert any(path == "dct:description" and message.startswith(RETURN_REASON)
               for path, message in paths)


def test_what_would_raise_the_quality_score_names_the_fields_to_fill():
    fields = {**good_fields(), "subject_languages": [""], "linguistic_type": [""],
              "contributor_name": [""], "contributor_role": [""]}
    graph, subject = new_graph(read_form(fields))
    result = checked(graph, "00000000", subject)
    hinted = {hint.field for hint in result.hints}
    assert {"linguistic_type"} <= hinted
    full, _ = new_graph(read_form(good_fields()))
    assert checked(full, "00000000", subject).quality > result.quality


@pytest.mark.parametrize(("query", "code"), [
    ("臺語", "nan"), ("閩南語", "nan"), ("Hakka", "hak"), ("阿美", "ami"), ("ami", "ami"),
    ("賽德克", "trv"), ("TAY", "tay"), ("english", "eng"), ("Kurti", "ktm"),
])
def test_a_language_is_found_by_a_name_or_its_code(query: str, code: str):
    assert search(query).languages[0].code == code


def test_the_language_search_is_paged_and_refuses_a_long_query():
    first, second = search("a"), search("a", 2)
    assert first.more and len(first.languages) == 20
    assert not {x.code for x in first.languages} & {x.code for x in second.languages}
    with pytest.raises(Exception, match="at most 50"):
        search("a" * 51)
