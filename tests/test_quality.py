"""OLAC metadata quality score, checked against the OLAC advisor's own results (notes §3.1)."""

from __future__ import annotations

import pytest

from repository.quality import olac_quality
from repository.readers_xml import read_xml
from repository.xmlsafe import parse_xml
from tests.conftest import DATA, shared_path


@pytest.mark.shared
def test_olac_sample_record_scores_8_17() -> None:
    path = shared_path("standards", "olac", "1.1", "olac.xml")
    assert olac_quality(parse_xml(path.read_bytes(), path.name)) == 8.17


@pytest.mark.shared
def test_olac_static_repository_records_score_8_33_and_5_17() -> None:
    path = shared_path("standards", "olac", "1.1", "static-repository.xml")
    scores = [olac_quality(record.metadata) for record in read_xml(path.read_bytes(), path.name)]
    assert scores == [8.33, 5.17]


def test_uncoded_subject_language_costs_the_only_missing_point() -> None:
    olac = parse_xml((DATA / "olac" / "small_record.xml").read_bytes(), "small_record.xml")
    assert olac_quality(olac) == 9.0  # "Pangcah (northern)" has no olac:code (OLAC warning MLC)


@pytest.mark.parametrize(
    ("elements", "score"),
    [
        ("", 1.0),  # only the temporary subject-language point (no linguistic type)
        ('<dc:title>T</dc:title>', 2.0),
        ('<dc:subject xsi:type="olac:language"/>', 0.0),  # uncoded subject language: no point
        ('<dc:type xsi:type="olac:linguistic-type" olac:code="lexicon"/>', 1.0),
        ('<dc:type xsi:type="olac:linguistic-type" olac:code="primary_text"/>', 2.0),
        ('<dc:coverage xsi:type="dcterms:ISO3166">TW</dc:coverage>', 2.33),
    ],
    ids=["empty", "title", "uncoded-subject-language", "lexicon", "primary-text", "coverage"],
)
def test_score_components(elements: str, score: float) -> None:
    olac = parse_xml(
        (
            '<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{elements}</olac:olac>'
        ).encode(),
        "inline.xml",
    )
    assert olac_quality(olac) == score
