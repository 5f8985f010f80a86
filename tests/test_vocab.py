"""The shipped SKOS vocabularies: complete, bilingual, consistent with the standards and the seeds,
and reachable only through closed namespaces that refuse unknown codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

import vocab
from repository.xmlsafe import parse_xml
from tests.conftest import DATA, ROOT, shared_path
from vocab import (
    ACCESS_CONDITION,
    ACCESS_RIGHTS,
    DCMI_TYPES,
    LANGUAGES,
    LICENCE,
    MEDIA_TYPE,
    RECORD_STATE,
    TEXT_TYPE,
    VocabularyError,
)
from vocab.languages import resolve
from vocab.namespaces import (
    DCMITYPE,
    DCT,
    ODRL,
    RDFS,
    SKOS,
    YL,
    concept,
    lexvo,
)
from vocab.schemes import VOCAB_DIR, concept_index, parse_turtle

CC = "http://creativecommons.org/ns#"
GLOTTOLOG = "https://glottolog.org/resource/languoid/id/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
TURTLE_FILES = sorted(VOCAB_DIR.glob("*.ttl"))
ALL_SCHEMES = [vocab.ConceptScheme(name) for name in vocab.SCHEME_NAMES]

EXPECTED_SIZES = {
    "text-type": 10, "application-domain": 11, "portal-theme": 6, "licence": 10,
    "access-rights": 3, "access-condition": 4, "olac-role": 24, "olac-linguistic-type": 3,
    "olac-linguistic-field": 29, "olac-discourse-type": 10, "dcmi-type": 12, "media-type": 5,
    "record-state": 8, "language": 25,  # 23 Lexvo languages + the Truku and Seediq concepts
}
# Taiwan's sixteen recognised indigenous languages; Truku and Seediq share trv.
INDIGENOUS = [
    "ami", "tay", "pwn", "bnn", "pyu", "dru", "tsu", "xsy", "tao", "ssf", "ckv", "trv", "szy",
    "sxr", "xnb",
]


def all_concepts() -> list[URIRef]:
    return sorted(set(vocab.load().subjects(RDF.type, SKOS.Concept)))


def policy_of(licence_code: str) -> URIRef:
    return vocab.load().value(LICENCE[licence_code], ODRL.hasPolicy)


def rule_actions(policy: URIRef, rule: URIRef) -> set[URIRef]:
    graph = vocab.load()
    return {graph.value(r, ODRL.action) for r in graph.objects(policy, rule)}


def duty_actions(policy: URIRef, action: URIRef) -> set[URIRef]:
    graph = vocab.load()
    return {
        graph.value(duty, ODRL.action)
        for permission in graph.objects(policy, ODRL.permission)
        if graph.value(permission, ODRL.action) == action
        for duty in graph.objects(permission, ODRL.duty)
    }


# ---- the Turtle itself


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: p.name)
def test_every_turtle_file_parses_into_triples(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 10


def test_load_parses_once_and_merges_every_file() -> None:
    graph = vocab.load()
    assert graph is vocab.load()
    assert len(graph) == len(parse_turtle(TURTLE_FILES))


def test_broken_turtle_is_refused_naming_the_file() -> None:
    with pytest.raises(VocabularyError, match="broken.ttl"):
        parse_turtle([DATA / "vocab" / "broken.ttl"])


@pytest.mark.parametrize("name", ["duplicate-notation.ttl", "missing-notation.ttl"])
def test_inconsistent_scheme_is_refused(name: str) -> None:
    graph = parse_turtle([DATA / "vocab" / name])
    with pytest.raises(VocabularyError, match="notation"):
        concept_index(graph, URIRef("https://example.org/scheme"))


# ---- every concept


def test_every_concept_has_zh_hant_and_en_preflabels_and_one_notation() -> None:
    graph = vocab.load()
    defects = []
    for iri in all_concepts():
        tags = {label.language for label in graph.objects(iri, SKOS.prefLabel)}
        if not {"zh-Hant", "en"} <= tags or len(list(graph.objects(iri, SKOS.notation))) != 1:
            defects.append(iri)
    assert len(all_concepts()) > 150
    assert defects == []


def test_every_concept_is_in_exactly_one_of_our_schemes() -> None:
    graph = vocab.load()
    ours = {scheme.iri for scheme in ALL_SCHEMES}
    placement = {iri: set(graph.objects(iri, SKOS.inScheme)) for iri in all_concepts()}
    assert {iri: s for iri, s in placement.items() if len(s) != 1 or not s <= ours} == {}


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_scheme_has_its_exact_number_of_concepts(scheme: vocab.ConceptScheme) -> None:
    assert len(scheme) == EXPECTED_SIZES[scheme.name]


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_top_concepts_are_the_members_without_a_broader_concept(
    scheme: vocab.ConceptScheme,
) -> None:
    graph = vocab.load()
    tops = set(graph.objects(scheme.iri, SKOS.hasTopConcept))
    expected = {iri for iri in scheme.values() if graph.value(iri, SKOS.broader) is None}
    assert tops == expected
    assert tops == set(graph.subjects(SKOS.topConceptOf, scheme.iri))
    assert {"zh-Hant", "en"} <= {lit.language for lit in graph.objects(scheme.iri, SKOS.prefLabel)}


def test_every_label_names_one_concept_so_form_values_map_back() -> None:
    graph = vocab.load()
    for scheme in ALL_SCHEMES:
        for iri in scheme.values():
            for text in graph.objects(iri, SKOS.altLabel):
                assert vocab.concept_for_label(scheme.name, str(text)) == iri


# ---- codes and labels agree with docs/data-model.md


def data_model_rows() -> dict[str, str]:
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)`[^|]*\| (.+?) \|$", text, flags=re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize(
    "name", ["text-type", "application-domain", "portal-theme", "record-state", "licence",
             "access-condition", "olac-linguistic-type"],
)
def test_codes_and_chinese_names_are_those_of_the_data_model_table(name: str) -> None:
    cell = data_model_rows()[name]
    documented = dict(re.findall(r"`([^`]+)`(?: ([^,`(]+))?", cell))
    assert set(documented) == set(vocab.concepts(name))
    for code, chinese in documented.items():
        if chinese.strip():
            assert vocab.label(vocab.concepts(name)[code], "zh-Hant") == chinese.strip()


def test_language_codes_are_those_of_the_data_model_table() -> None:
    cell = data_model_rows()["language"]
    documented = cell.split("`:", 1)[1].split("(", 1)[0].split()
    assert {code for code in LANGUAGES if "-" not in code} == set(documented)


# ---- languages


@pytest.mark.parametrize("code", [c for c in LANGUAGES if "-" not in c])
def test_language_code_is_current_iso639_3_and_its_concept_is_its_lexvo_iri(code: str) -> None:
    info = resolve(code)
    assert info.code == code
    assert LANGUAGES[code] == info.iri == lexvo(code)
    assert (LANGUAGES[code], RDF.type, DCT.LinguisticSystem) in vocab.load()


@pytest.mark.parametrize("code", [c for c in LANGUAGES if "-" not in c])
def test_language_matches_exactly_one_glottolog_languoid(code: str) -> None:
    matches = list(vocab.load().objects(LANGUAGES[code], SKOS.exactMatch))
    assert len(matches) == 1
    assert re.fullmatch(re.escape(GLOTTOLOG) + r"[a-z]{4}\d{4}", str(matches[0]))


def test_all_sixteen_indigenous_languages_and_the_national_languages_are_present() -> None:
    assert set(INDIGENOUS + ["cmn", "nan", "hak", "cdo", "tss", "eng", "jpn", "kor"]) <= set(
        LANGUAGES
    )
    assert vocab.label(LANGUAGES.ami, "zh-Hant") == "阿美語"
    assert vocab.label(LANGUAGES.nan, "zh-Hant") == "臺灣台語"
    assert vocab.label(LANGUAGES.nan) == "Taiwanese Hokkien"


@pytest.mark.parametrize(
    ("code", "zh", "glottocode"), [("trv-truku", "太魯閣語", "teru1237"),
                                   ("trv-seediq", "賽德克語", "teke1282")],
)
def test_truku_and_seediq_are_narrower_concepts_of_trv(code: str, zh: str, glottocode: str) -> None:
    graph, dialect = vocab.load(), LANGUAGES[code]
    assert graph.value(dialect, SKOS.broader) == lexvo("trv")
    assert (lexvo("trv"), SKOS.narrower, dialect) in graph
    matches = {*graph.objects(dialect, SKOS.exactMatch), *graph.objects(dialect, SKOS.closeMatch)}
    assert URIRef(GLOTTOLOG + glottocode) in matches
    assert vocab.label(dialect, "zh-Hant") == zh


@pytest.mark.parametrize("trap", ["hoa", "uun", "tsl", "zho", "tw"])
def test_trap_codes_from_catalogs_notes_are_absent(trap: str) -> None:
    assert trap not in LANGUAGES


@pytest.mark.parametrize(
    ("form_value", "code"),
    [("正體中文", "cmn"), ("臺語", "nan"), ("客語", "hak"), ("英文", "eng"), ("日文", "jpn"),
     ("韓文", "kor"), ("Amis", "ami")],
)
def test_seed_001_language_checkboxes_map_to_concepts(form_value: str, code: str) -> None:
    assert vocab.concept_for_label("language", form_value) == LANGUAGES[code]


# ---- OLAC code lists equal the real schemas


@pytest.mark.shared
@pytest.mark.parametrize(
    ("scheme", "xsd", "simple_type"),
    [("olac-role", "olac-role.xsd", "olac-role"),
     ("olac-linguistic-type", "olac-linguistic-type.xsd", "olac-linguistic-type"),
     ("olac-linguistic-field", "olac-linguistic-field.xsd", "olac-linguistic-field"),
     ("olac-discourse-type", "olac-discourse-type.xsd", "olac-discourse-type")],
)
def test_olac_codes_equal_the_schema_enumeration(scheme: str, xsd: str, simple_type: str) -> None:
    path = shared_path("standards", "olac", "1.1", xsd)
    root = parse_xml(path.read_bytes(), origin=str(path))
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}
    values = root.xpath(
        f"//xs:simpleType[@name='{simple_type}']//xs:enumeration/@value", namespaces=xs
    )
    assert len(values) == EXPECTED_SIZES[scheme]
    assert set(values) == set(vocab.concepts(scheme))


@pytest.mark.shared
def test_dcmi_types_equal_the_olac_dcmitype_schema() -> None:
    path = shared_path("standards", "olac", "1.1", "dcmitype.xsd")
    root = parse_xml(path.read_bytes(), origin=str(path))
    values = root.xpath(
        "//xs:enumeration/@value", namespaces={"xs": "http://www.w3.org/2001/XMLSchema"}
    )
    assert set(values) == set(DCMI_TYPES)
    assert all(DCMI_TYPES[code] == DCMITYPE[code] for code in values)


# ---- licences and their ODRL policies


@pytest.mark.parametrize("code", list(LICENCE))
def test_licence_has_a_policy_with_a_permission_or_a_note(code: str) -> None:
    graph, policy = vocab.load(), policy_of(code)
    assert policy == URIRef(f"{LICENCE[code]}#policy")
    assert {ODRL.Policy, ODRL.Set} <= set(graph.objects(policy, RDF.type))
    assert {DCT.LicenseDocument, YL.Licence} <= set(graph.objects(LICENCE[code], RDF.type))
    permissions = list(graph.objects(policy, ODRL.permission))
    assert permissions or graph.value(policy, SKOS.note) is not None
    assert all(graph.value(p, ODRL.action) is not None for p in permissions)


@pytest.mark.parametrize(
    ("code", "access"),
    [("OGDL-Taiwan-1.0", "PUBLIC"), ("SAITDL-1.0", "RESTRICTED"), ("TBC", "NON_PUBLIC"),
     ("CC-BY-4.0", "PUBLIC"), ("CC-BY-NC-ND-4.0", "PUBLIC"), ("CC0-1.0", "PUBLIC")],
)
def test_licence_carries_its_eu_access_right(code: str, access: str) -> None:
    rights = vocab.load().value(LICENCE[code], DCT.accessRights)
    assert rights == URIRef(ACCESS_RIGHT + access) == ACCESS_RIGHTS[access]


@pytest.mark.parametrize("code", [c for c in LICENCE if c != "TBC"])
def test_licence_links_its_official_text(code: str) -> None:
    graph = vocab.load()
    matches = {str(m) for m in graph.objects(LICENCE[code], SKOS.exactMatch)}
    assert str(graph.value(LICENCE[code], RDFS.seeAlso)) in matches
    assert all(m.startswith("http") for m in matches)


def test_saitdl_permits_ai_training_with_attribution_and_ai_output_label() -> None:
    policy = policy_of("SAITDL-1.0")
    assert YL.aiTraining in rule_actions(policy, ODRL.permission)
    assert duty_actions(policy, YL.aiTraining) == {ODRL.attribute, YL.labelAIOutput}


def test_saitdl_prohibits_similar_output_sublicensing_and_redistribution() -> None:
    policy = policy_of("SAITDL-1.0")
    prohibited = rule_actions(policy, ODRL.prohibition)
    assert {YL.generateSubstantiallySimilar, ODRL.grantUse, ODRL.distribute} <= prohibited
    assert not prohibited & rule_actions(policy, ODRL.permission)
    assert vocab.load().value(policy, ODRL.conflict) == ODRL.prohibit


def test_saitdl_reproduction_is_permitted_only_for_ai_training() -> None:
    graph, policy = vocab.load(), policy_of("SAITDL-1.0")
    for permission in graph.objects(policy, ODRL.permission):
        if graph.value(permission, ODRL.action) == YL.aiTraining:
            continue
        constraint = graph.value(permission, ODRL.constraint)
        assert graph.value(constraint, ODRL.leftOperand) == ODRL.purpose
        assert graph.value(constraint, ODRL.rightOperand) == YL.aiTraining


def test_ogdl_permits_reuse_and_sublicensing_with_attribution() -> None:
    policy = policy_of("OGDL-Taiwan-1.0")
    permitted = rule_actions(policy, ODRL.permission)
    assert {ODRL.reproduce, ODRL.derive, ODRL.distribute, ODRL.commercialize,
            ODRL.grantUse} <= permitted
    assert all(duty_actions(policy, action) == {ODRL.attribute} for action in permitted)
    assert rule_actions(policy, ODRL.prohibition) == set()


@pytest.mark.parametrize("code", [c for c in LICENCE if c.startswith("CC")])
def test_creative_commons_policy_follows_its_licence_elements(code: str) -> None:
    policy, elements = policy_of(code), set(code.split("-"))
    permitted = rule_actions(policy, ODRL.permission)
    prohibited = rule_actions(policy, ODRL.prohibition)
    assert {ODRL.reproduce, ODRL.distribute} <= permitted
    assert (ODRL.commercialize in prohibited) == ("NC" in elements)
    assert (ODRL.commercialize in permitted) == ("NC" not in elements)
    assert (URIRef(CC + "DerivativeWorks") in prohibited) == ("ND" in elements)
    assert (ODRL.derive in permitted) == ("ND" not in elements)
    duties = duty_actions(policy, ODRL.derive)
    assert (URIRef(CC + "ShareAlike") in duties) == ("SA" in elements)
    assert (ODRL.attribute in duty_actions(policy, ODRL.reproduce)) == ("BY" in elements)


def test_tbc_permits_nothing_and_says_why() -> None:
    policy = policy_of("TBC")
    assert rule_actions(policy, ODRL.permission) == set()
    assert vocab.label(LICENCE.TBC, "zh-Hant") == "授權需確認"
    assert vocab.load().value(LICENCE.TBC, SKOS.note) is not None


# ---- our ontology


@pytest.mark.parametrize("term", list(YL), ids=lambda t: t.split("#")[1])
def test_every_yl_term_is_declared_with_bilingual_label_and_comment(term: URIRef) -> None:
    graph = vocab.load()
    assert {"zh-Hant", "en"} <= {lit.language for lit in graph.objects(term, RDFS.label)}
    assert {"zh-Hant", "en"} <= {lit.language for lit in graph.objects(term, RDFS.comment)}


@pytest.mark.parametrize(
    ("term", "relation", "parent"),
    [(YL.textType, "subPropertyOf", DCT.type),
     (YL.applicationDomain, "subPropertyOf", URIRef("http://www.w3.org/ns/dcat#theme")),
     (YL.portalTheme, "subPropertyOf", URIRef("http://www.w3.org/ns/dcat#theme")),
     (YL.Record, "subClassOf", URIRef("http://www.w3.org/ns/dcat#CatalogRecord")),
     (YL.aiTraining, "closeMatch", URIRef("http://www.w3.org/ns/odrl/2/ai-training"))],
)
def test_ontology_links_our_terms_to_the_standards(
    term: URIRef, relation: str, parent: URIRef
) -> None:
    predicate = SKOS.closeMatch if relation == "closeMatch" else URIRef(RDFS.base + relation)
    assert (term, predicate, parent) in vocab.load()


# ---- the closed namespaces and lookups


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_closed_namespace_refuses_a_misspelt_code_naming_its_scheme(
    scheme: vocab.ConceptScheme,
) -> None:
    misspelt = next(iter(scheme)) + "x"
    assert misspelt not in scheme
    with pytest.raises(KeyError, match=re.escape(repr(scheme.name))):
        scheme[misspelt]
    with pytest.raises(AttributeError, match=re.escape(repr(scheme.name))):
        getattr(scheme, misspelt)


@pytest.mark.parametrize(
    ("got", "expected"),
    [(lambda: TEXT_TYPE["gov-publication"], concept("text-type", "gov-publication")),
     (lambda: TEXT_TYPE.education, concept("text-type", "education")),
     (lambda: LANGUAGES.ami, lexvo("ami")),
     (lambda: DCMI_TYPES.Text, DCMITYPE.Text),
     (lambda: ACCESS_CONDITION.open, concept("access-condition", "open")),
     (lambda: RECORD_STATE["in-revision"], concept("record-state", "in-revision")),
     (lambda: LICENCE["SAITDL-1.0"], concept("licence", "SAITDL-1.0")),
     (lambda: MEDIA_TYPE.ODT,
      URIRef("http://www.iana.org/assignments/media-types/application/vnd.oasis.opendocument.text"))],
)
def test_closed_namespace_gives_the_data_model_iri(got, expected: URIRef) -> None:
    assert got() == expected


def test_unknown_scheme_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(KeyError, match="text-type"):
        vocab.concepts("text-types")


def test_label_falls_back_from_region_to_zh_hant_to_en() -> None:
    education = TEXT_TYPE.education
    assert vocab.label(education) == "Education and learning resources"
    assert vocab.label(education, "zh-Hant") == "教育與學習資源"
    assert vocab.label(education, "zh-Hant-TW") == "教育與學習資源"
    assert vocab.label(education, "fr") == "教育與學習資源"
    assert vocab.labels(education) == {"zh-Hant": "教育與學習資源",
                                       "en": "Education and learning resources"}
    assert vocab.label(URIRef("https://example.org/unknown")) is None


def test_label_reads_rdfs_labels_of_ontology_terms() -> None:
    assert vocab.label(YL.textType, "zh-Hant") == "文本資料類型"


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_scheme_of_and_code_of_invert_the_namespace(scheme: vocab.ConceptScheme) -> None:
    for code, iri in scheme.items():
        assert vocab.scheme_of(iri) == scheme.iri
        assert vocab.code_of(iri) == code == scheme.code(iri)


def test_scheme_of_and_code_of_answer_none_for_foreign_iris() -> None:
    foreign = URIRef("https://example.org/not-a-concept")
    assert vocab.scheme_of(foreign) is None
    assert vocab.code_of(foreign) is None
    with pytest.raises(KeyError, match="text-type"):
        TEXT_TYPE.code(foreign)


@pytest.mark.parametrize(
    ("given", "mime"),
    [("PDF", "application/pdf"), ("pdf", "application/pdf"), ("application/pdf", "application/pdf"),
     ("ODT", "application/vnd.oasis.opendocument.text"), ("CSV", "text/csv"),
     ("application/json; charset=utf-8", "application/json"), (" XML ", "application/xml")],
)
def test_media_type_for_accepts_portal_names_and_mime_types(given: str, mime: str) -> None:
    assert vocab.media_type_for(given) == URIRef(
        "http://www.iana.org/assignments/media-types/" + mime
    )
    assert (vocab.media_type_for(given), RDF.type, DCT.MediaType) in vocab.load()


def test_media_type_for_refuses_other_formats_listing_the_allowed() -> None:
    with pytest.raises(KeyError, match=r"allowed: CSV \(text/csv\), JSON \(application/json\)"):
        vocab.media_type_for("DOCX")


@pytest.mark.parametrize(
    ("scheme", "text", "code"),
    [("text-type", "互動式溝通語料", "interactive-communication"),  # seed 000's spelling
     ("text-type", "委託研究報告", "research-report"),  # seed 000's example table
     ("licence", "臺灣主權AI訓練語料授權條款-第1版", "SAITDL-1.0"),  # seed 001's form
     ("licence", "政府資料開放授權條款", "OGDL-Taiwan-1.0"),
     ("access-condition", "Open (subject to agreeing to PDSC access conditions)", "open"),
     ("record-state", "已下架", "withdrawn")],
)
def test_concept_for_label_maps_real_form_values(scheme: str, text: str, code: str) -> None:
    assert vocab.concept_for_label(scheme, text) == vocab.concepts(scheme)[code]


def test_concept_for_label_refuses_an_unknown_value() -> None:
    with pytest.raises(KeyError, match="application-domain"):
        vocab.concept_for_label("application-domain", "太空探索")
