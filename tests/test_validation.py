"""Validating records against the shapes: per-record results, the same from both engines (the
compiled core engine imports use, and the pyshacl reference)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from rdflib import Graph, Namespace, URIRef

from repository.errors import ValidationError
from repository.validation import ENGINES, Validator, Violation, compact_path
from tests.conftest import DATA

EXAMPLES = DATA / "shapes"
CONFORMING = ["dataset_valid", "dataset_valid_until_date", "dataset_valid_description_names_title",
              "language_resource_valid"]

# example file → the compact path its one violation names, and a piece of its English message
VIOLATING = {
    "dataset_bad_description_too_short": ("dct:description", "at least 20 characters"),
    "dataset_bad_description_equals_title": ("dct:description", "near copy of the title"),
    "dataset_bad_description_title_plus_stop": ("dct:description", "near copy of the title"),
    "dataset_bad_description_title_plus_words": ("dct:description", "near copy of the title"),
    "dataset_bad_description_part_of_title": ("dct:description", "resemble the title"),
    "dataset_bad_text_type_missing": ("yl:textType", "text type"),
    "dataset_bad_text_type_unknown": ("yl:textType", "text type"),
    "dataset_bad_language_not_lexvo_code": ("dct:language", "Lexvo"),
    "dataset_bad_start_year_after_end_year": ("dct:temporal/dcat:startDate", "start year"),
    "dataset_bad_email_invalid": ("dcat:contactPoint/vcard:hasEmail", "mailto:"),
    "dataset_bad_phone_invalid": ("dcat:contactPoint/vcard:hasTelephone", "tel:"),
    "dataset_bad_file_over_500mb": ("dcat:distribution/dcat:byteSize", "500 MB"),
    "dataset_bad_media_type_not_allowed": ("dcat:distribution/dcat:mediaType", "PDF, ODT"),
    "dataset_bad_licence_missing": ("dct:license", "licence"),
    "dataset_bad_until_date_without_date": (
        "yl:licenseValidity, yl:licenseValidUntil", "needs that date"
    ),
    "dataset_bad_title_without_zh_hant": ("dct:title", "zh-Hant"),
    "language_resource_bad_role_unknown": ("prov:qualifiedAttribution/dcat:hadRole", "role"),
    "language_resource_bad_linguistic_field_unknown": ("dct:subject", "linguistic field"),
    "language_resource_bad_linguistic_type_unknown": ("dct:type", "linguistic type"),
    "language_resource_bad_discourse_type_unknown": ("dct:subject", "discourse type"),
    "language_resource_bad_w3cdtf_invalid": ("dct:created", "W3CDTF"),
    "language_resource_bad_title_missing": ("dct:title", "title"),
    "language_resource_bad_subject_language_uppercase": ("dct:subject", "Lexvo"),
}


def example(name: str) -> Graph:
    return Graph().parse(EXAMPLES / f"{name}.ttl", format="turtle")


def all_examples() -> list[tuple[str, Graph]]:
    return [(path.stem, example(path.stem)) for path in sorted(EXAMPLES.glob("*.ttl"))]


@pytest.fixture(scope="module", params=ENGINES)
def validator(request: pytest.FixtureRequest) -> Validator:
    return Validator(engine=request.param)


@pytest.fixture(scope="module")
def batch_results(validator: Validator) -> dict[str, list[Violation]]:
    """Every example validated in one batch, shared by the tests below."""
    return validator.validate_batch(all_examples())


def test_every_example_file_is_classified_by_these_tests() -> None:
    assert {p.stem for p in EXAMPLES.glob("*.ttl")} == set(CONFORMING) | set(VIOLATING)


@pytest.mark.parametrize("name", CONFORMING)
def test_conforming_examples_have_no_results(
    batch_results: dict[str, list[Violation]], name: str
) -> None:
    assert batch_results[name] == []


@pytest.mark.parametrize(("name", "path", "english"), [(k, *v) for k, v in VIOLATING.items()])
def test_violating_example_names_the_path_in_both_languages(
    batch_results: dict[str, list[Violation]], name: str, path: str, english: str
) -> None:
    [violation] = batch_results[name]
    assert violation.record == name
    assert violation.path == path
    assert english in violation.message_en
    assert any("\u4e00" <= char <= "\u9fff" for char in violation.message_zh)
    assert violation.severity == "Violation"
    assert violation.shape.startswith("ylsh:")


def test_near_copy_violation_reads_as_seed_001s_return_reason(
    batch_results: dict[str, list[Violation]],
) -> None:
    [violation] = batch_results["dataset_bad_description_equals_title"]
    assert str(violation) == (
        "record dataset_bad_description_equals_title: dct:description — "
        "請調整資料集描述勿與標題相似（描述不可與標題相同或近似） / "
        "adjust the description so that it does not resemble the title (it must not be the "
        "same as or a near copy of the title)"
    )
    assert violation.value == "數位轉型行不行？企業轉型心法大揭密之研究報告"


def test_violation_reports_the_offending_value(batch_results: dict[str, list[Violation]]) -> None:
    [violation] = batch_results["dataset_bad_file_over_500mb"]
    assert violation.value == "711568384"
    assert violation.focus == "https://yuliao.example.org/id/00002011#dist-1"


def test_batch_results_equal_validating_each_record_alone(
    validator: Validator, batch_results: dict[str, list[Violation]]
) -> None:
    alone = {name: validator.validate(name, graph) for name, graph in all_examples()}
    assert alone == batch_results


def test_small_batches_give_the_same_results_as_one_batch(
    validator: Validator, batch_results: dict[str, list[Violation]],
) -> None:
    small = Validator(batch_size=4, engine=validator.engine)
    assert small.validate_batch(all_examples()) == batch_results


def test_a_record_with_several_problems_gets_each_one(validator: Validator) -> None:
    text = (EXAMPLES / "dataset_bad_email_invalid.ttl").read_text(encoding="utf-8")
    text = text.replace("tel:+886-2-23800791", "tel:23800791")
    found = validator.validate("two", Graph().parse(data=text, format="turtle"))
    assert [v.path for v in found] == [
        "dcat:contactPoint/vcard:hasEmail", "dcat:contactPoint/vcard:hasTelephone",
    ]


def test_check_raises_validation_error_with_the_violations(validator: Validator) -> None:
    with pytest.raises(ValidationError) as caught:
        validator.check("00002005", example("dataset_bad_text_type_missing"))
    assert caught.value.record == "00002005"
    assert [v.path for v in caught.value.violations] == ["yl:textType"]
    assert caught.value.status == 422
    assert str(caught.value).startswith("record 00002005: yl:textType — ")


def test_check_accepts_a_conforming_record(validator: Validator) -> None:
    assert validator.check("00001174", example("dataset_valid")) == []


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Validator(batch_size=0)


def test_the_engine_must_be_one_we_have() -> None:
    with pytest.raises(ValueError, match="engine must be one of core, pyshacl"):
        Validator(engine="topbraid")


def test_imports_use_the_core_engine_by_default() -> None:
    assert Validator().engine == "core"


def test_compact_path_writes_sequence_and_inverse_paths() -> None:
    graph = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        <urn:x:seq> sh:path ( prov:qualifiedAttribution [ sh:inversePath dct:creator ] ) .
        <urn:x:alt> sh:path [ sh:alternativePath ( dct:date [ sh:zeroOrMorePath dct:hasPart ] ) ] .
    """)
    path = Namespace("http://www.w3.org/ns/shacl#").path
    assert compact_path(graph, graph.value(URIRef("urn:x:seq"), path)) == (
        "prov:qualifiedAttribution/^dct:creator"
    )
    assert compact_path(graph, graph.value(URIRef("urn:x:alt"), path)) == (
        "dct:date|(dct:hasPart)*"
    )


def test_threads_sharing_one_validator_get_the_single_threaded_results(
    validator: Validator, batch_results: dict[str, list[Violation]],
) -> None:
    names = ["dataset_bad_email_invalid", "language_resource_bad_role_unknown", "dataset_valid"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = pool.map(lambda name: validator.validate(name, example(name)), names)
        found = dict(zip(names, results, strict=True))
    assert found == {name: batch_results[name] for name in names}
