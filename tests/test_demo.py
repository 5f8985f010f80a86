"""The demo records: they load, follow the data model, cover every code list, and keep the seeds'
facts (titles, providers, years, licences, formats, sizes, states) right."""

from __future__ import annotations

import re
from decimal import Decimal
from difflib import SequenceMatcher
from functools import cache

import pytest
from rdflib import Graph, Literal, URIRef

from demo import RECORDS_DIR, STATES, DemoRecord, load, records
from repository.errors import InputError
from tests.conftest import DATA, shared_path
from vocab.languages import resolve
from vocab.namespaces import (
    DCAT,
    DCMITYPE,
    DCT,
    FOAF,
    LEXVO,
    PROV,
    RDF_,
    VCARD,
    XSD,
    YL,
    concept,
    lexvo,
)

BASE = "https://yuliao.example.org/"
MB = 1024**2
MAX_FILE_BYTES = 500 * MB

LANGUAGES = {
    "cmn", "nan", "hak", "cdo", "tss", "ami", "tay", "pwn", "bnn", "pyu", "dru", "tsu", "xsy",
    "tao", "ssf", "ckv", "trv", "szy", "sxr", "xnb", "eng", "jpn", "kor",
}
TEXT_TYPES = {
    "gov-publication", "gov-plan-report", "research-report", "policy-document", "event-promotion",
    "local-culture", "language-resource", "education", "interactive-communication", "other",
}
DOMAINS = {
    "agriculture", "health", "energy", "finance-economy", "transport", "green-sustainability",
    "tourism", "disaster-prevention", "culture-arts", "public-administration", "other",
}
THEMES = {"arts-culture", "languages", "history", "local-culture", "travel", "education"}
LICENCES = {
    "OGDL-Taiwan-1.0", "SAITDL-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0", "CC-BY-NC-ND-4.0", "CC0-1.0", "TBC",
}
IANA = "http://www.iana.org/assignments/media-types/"
MEDIA_TYPES = {
    URIRef(IANA + name) for name in (
        "application/pdf", "application/vnd.oasis.opendocument.text", "text/csv",
        "application/xml", "application/json",
    )
}
ACCESS_CONDITIONS = {"open", "closed", "mixed", "unspecified"}
OLAC_ROLES = {
    "annotator", "author", "compiler", "consultant", "data_inputter", "depositor", "developer",
    "editor", "illustrator", "interpreter", "interviewer", "participant", "performer",
    "photographer", "recorder", "redactor", "researcher", "respondent", "signer", "singer",
    "sponsor", "speaker", "transcriber", "translator",
}
OLAC_TYPES = {
    "olac-linguistic-type": {"language_description", "lexicon", "primary_text"},
    "olac-discourse-type": {
        "drama", "formulaic", "ludic", "oratory", "narrative", "procedural", "report", "singing",
        "unintelligible_speech", "dialogue",
    },
}
ACCESS_RIGHTS = "http://publications.europa.eu/resource/authority/access-right/"
ZH = "zh-Hant-TW"


@cache
def all_records() -> tuple[DemoRecord, ...]:
    return tuple(records(BASE))


def by_id(local_id: str) -> DemoRecord:
    return next(record for record in all_records() if record.local_id == local_id)


def published() -> list[DemoRecord]:
    return [record for record in all_records() if record.state == "published"]


def subject(record: DemoRecord) -> URIRef:
    return URIRef(f"{BASE}id/{record.local_id}")


def codes(graph: Graph, node: URIRef, predicate: URIRef, scheme: str) -> set[str]:
    prefix = str(concept(scheme, ""))
    objects = (str(o) for o in graph.objects(node, predicate))
    return {iri[len(prefix):] for iri in objects if iri.startswith(prefix)}


def corpus_datasets() -> list[DemoRecord]:
    return [r for r in all_records() if (subject(r), RDF_.type, YL.CorpusDataset) in r.graph]


def language_resources() -> list[DemoRecord]:
    return [r for r in all_records() if (subject(r), RDF_.type, YL.LanguageResource) in r.graph]


def record_id(record: DemoRecord) -> str:
    return record.local_id


def text(graph: Graph, node: URIRef, predicate: URIRef, lang: str) -> str:
    values = [
        o for o in graph.objects(node, predicate) if isinstance(o, Literal) and o.language == lang
    ]
    assert len(values) == 1, f"expected one {predicate} @{lang} on <{node}>, found {len(values)}"
    return str(values[0])


def near_copy(title: str, description: str) -> bool:
    """What the reviewer of seed 001 returns: a description that barely differs from the title
    (fewer than ten characters besides the title, or 80 % the same)."""
    rest = description.replace(title, "")
    return len(rest) < 10 or SequenceMatcher(None, title, description).ratio() >= 0.8


def byte_sizes(record: DemoRecord) -> list[int]:
    graph = record.graph
    return [
        int(size) for dist in graph.objects(subject(record), DCAT.distribution)
        for size in graph.objects(dist, DCAT.byteSize)
    ]


# --- loading -------------------------------------------------------------------------------------

def test_every_record_file_loads_once_with_a_distinct_local_id() -> None:
    files = sorted(RECORDS_DIR.glob("*.ttl"))
    loaded = all_records()
    assert [record.path for record in loaded] == files
    assert len({record.local_id for record in loaded}) == len(files) >= 30


@pytest.mark.parametrize("path", sorted(RECORDS_DIR.glob("*.ttl")), ids=lambda p: p.name)
def test_the_one_dataset_iri_matches_the_file_name(path) -> None:
    record = load(path, BASE)
    datasets = set(record.graph.subjects(RDF_.type, DCAT.Dataset))
    assert datasets == {URIRef(f"{BASE}id/{path.stem.replace('_', ':')}")}


@pytest.mark.parametrize("base", ["https://yuliao.example.org/", "http://localhost:8000/yl/"])
def test_relative_iris_resolve_against_the_configured_base(base: str) -> None:
    record = load(RECORDS_DIR / "00001174.ttl", base)
    ours = {str(s) for s in record.graph.subjects() if "yuliao" in str(s) or "localhost" in str(s)}
    assert ours and all(iri.startswith(base) for iri in ours)
    assert (URIRef(f"{base}id/00001174"), DCT.publisher, URIRef(f"{base}agency/A29000000G")) \
        in record.graph


def test_state_triples_are_taken_out_of_the_graphs() -> None:
    assert all(not list(r.graph.triples((None, YL.state, None))) for r in all_records())
    assert {r.state for r in all_records()} <= set(STATES)


@pytest.mark.parametrize(
    ("folder", "reason"),
    [("broken", "not valid Turtle"), ("two-datasets", "exactly one subject typed dcat:Dataset"),
     ("unknown-state", "unknown record state")],
)
def test_a_bad_file_is_refused_naming_the_file(folder: str, reason: str) -> None:
    directory = DATA / "demo" / folder
    with pytest.raises(InputError, match=reason) as caught:
        list(records(BASE, directory))
    assert caught.value.origin == str(next(directory.glob("*.ttl")))


def test_a_base_without_a_trailing_slash_is_refused() -> None:
    with pytest.raises(InputError, match="must end with '/'"):
        list(records("https://yuliao.example.org"))


# --- coverage among published records -------------------------------------------------------------

@pytest.mark.parametrize(
    ("predicate", "scheme", "expected"),
    [(YL.textType, "text-type", TEXT_TYPES), (YL.applicationDomain, "application-domain", DOMAINS),
     (YL.portalTheme, "portal-theme", THEMES), (DCT.license, "licence", LICENCES)],
    ids=["text-type", "application-domain", "portal-theme", "licence"],
)
def test_published_records_cover_every_code(predicate, scheme, expected) -> None:
    used = set().union(*(codes(r.graph, subject(r), predicate, scheme) for r in published()))
    assert used == expected


def test_published_records_cover_every_national_language() -> None:
    used = {
        str(o)[len(LEXVO):] for r in published() for o in r.graph.objects(subject(r), DCT.language)
    }
    assert used >= LANGUAGES


def test_published_records_use_every_media_type() -> None:
    used = {
        media for r in published() for dist in r.graph.objects(subject(r), DCAT.distribution)
        for media in r.graph.objects(dist, DCAT.mediaType)
    }
    assert used == MEDIA_TYPES


def test_a_published_record_has_a_licence_that_ends_on_a_date() -> None:
    ends = [
        r.graph.value(subject(r), YL.licenseValidUntil) for r in published()
        if (subject(r), YL.licenseValidity, YL.untilDate) in r.graph
    ]
    assert ends and all(end is not None and end.datatype == XSD.date for end in ends)


def test_every_record_state_but_one_is_exercised() -> None:
    assert set(STATES) - {r.state for r in all_records()} == {"takedown-pending-platform"}


# --- the dataset shape, rule by rule --------------------------------------------------------------

def dataset_violations(record: DemoRecord) -> list[str]:
    """The yl:DatasetShape rules of docs/data-model.md, checked in Python."""
    g, s = record.graph, subject(record)
    return [message for ok, message in [
        *_description_rules(g, s),
        (any(isinstance(k, Literal) for k in g.objects(s, DCAT.keyword)), "no keyword"),
        (bool(codes(g, s, YL.textType, "text-type")), "no text type"),
        (codes(g, s, YL.textType, "text-type") <= TEXT_TYPES, "unknown text type"),
        (bool(codes(g, s, YL.applicationDomain, "application-domain")), "no domain"),
        (codes(g, s, YL.applicationDomain, "application-domain") <= DOMAINS, "unknown domain"),
        (codes(g, s, YL.portalTheme, "portal-theme") <= THEMES, "unknown theme"),
        (len(list(g.objects(s, DCT.license))) == 1, "not exactly one licence"),
        (codes(g, s, DCT.license, "licence") <= LICENCES, "unknown licence"),
        (_validity_ok(g, s), "bad licence validity"),
        (_period_ok(g, s), "bad temporal period"),
        (_publisher_ok(g, s), "not exactly one named publisher"),
        (_contact_ok(g, s), "bad contact point"),
        (list(g.objects(s, DCT.identifier)) == [Literal(record.local_id)], "bad identifier"),
        (all(_distribution_ok(g, d) for d in g.objects(s, DCAT.distribution))
         and (s, DCAT.distribution, None) in g, "bad distribution"),
    ] if not ok]


def _description_rules(g: Graph, s: URIRef) -> list[tuple[bool, str]]:
    title = text(g, s, DCT.title, ZH)
    description = text(g, s, DCT.description, ZH)
    languages = [o for o in g.objects(s, DCT.language)]
    return [
        (len(description) >= 20, "description shorter than 20 characters"),
        (not near_copy(title, description), "description is a near copy of the title"),
        (bool(languages) and all(str(o).startswith(LEXVO) and resolve(str(o)[len(LEXVO):])
                                 for o in languages), "bad language"),
    ]


def _validity_ok(g: Graph, s: URIRef) -> bool:
    validity = list(g.objects(s, YL.licenseValidity))
    until = g.value(s, YL.licenseValidUntil)
    if validity == [YL.permanent]:
        return until is None
    return validity == [YL.untilDate] and until is not None and until.datatype == XSD.date


def _period_ok(g: Graph, s: URIRef) -> bool:
    period = g.value(s, DCT.temporal)
    start, end = g.value(period, DCAT.startDate), g.value(period, DCAT.endDate)
    return (period, RDF_.type, DCT.PeriodOfTime) in g and all(
        y is not None and y.datatype == XSD.gYear for y in (start, end)
    ) and int(str(start)) <= int(str(end))


def _publisher_ok(g: Graph, s: URIRef) -> bool:
    publishers = list(g.objects(s, DCT.publisher))
    return len(publishers) == 1 and g.value(publishers[0], FOAF.name) is not None


def _contact_ok(g: Graph, s: URIRef) -> bool:
    contact = g.value(s, DCAT.contactPoint)
    tel, mail = g.value(contact, VCARD.hasTelephone), g.value(contact, VCARD.hasEmail)
    return (contact, RDF_.type, VCARD.Kind) in g and g.value(contact, VCARD.fn) is not None and (
        isinstance(tel, URIRef) and re.fullmatch(r"tel:\+886-\d{1,3}-\d{6,8}", str(tel)) is not None
    ) and isinstance(mail, URIRef) and str(mail).startswith("mailto:")


def _distribution_ok(g: Graph, dist: URIRef) -> bool:
    sizes = list(g.objects(dist, DCAT.byteSize))
    media = set(g.objects(dist, DCAT.mediaType))
    return bool(media) and media <= MEDIA_TYPES and len(sizes) == 1 and \
        sizes[0].datatype == XSD.nonNegativeInteger and 0 <= int(sizes[0]) <= MAX_FILE_BYTES


@pytest.mark.parametrize(
    "record", [r for r in corpus_datasets() if r.local_id != "00009128"], ids=record_id,
)
def test_corpus_dataset_follows_the_dataset_shape(record: DemoRecord) -> None:
    assert dataset_violations(record) == []


def test_the_returned_record_really_violates_the_shape_and_is_not_published() -> None:
    record = by_id("00009128")
    assert record.state == "in-revision"
    assert dataset_violations(record) == ["description is a near copy of the title"]
    assert all(r.local_id != "00009128" for r in published())


@pytest.mark.parametrize("record", corpus_datasets(), ids=record_id)
def test_every_distribution_is_at_most_500_mb(record: DemoRecord) -> None:
    sizes = byte_sizes(record)
    assert sizes and all(0 < size <= MAX_FILE_BYTES for size in sizes)


# --- seed facts -----------------------------------------------------------------------------------

SEED_000 = [
    # id, title, provider, start, end, licence, media, size as in the seed, unit, planned release
    ("00000001", "中華民國外交年鑑", "外交部", 1988, 2023, "SAITDL-1.0", "application/pdf",
     "2.61", 1024**3, "第一階段"),
    ("00000002", "112 Taiwan數位內容產業報告", "數位發展部數位產業署", 2025, 2025,
     "OGDL-Taiwan-1.0", "application/pdf", "61.2", MB, "第一階段"),
    ("00000003", "金管會新聞稿", "金融監督管理委員會", 2013, 2025, "OGDL-Taiwan-1.0",
     "application/json", "2.17", MB, "第一階段"),
    ("00000004", "因應高齡化少子化之文化政策及資源調整策略委託研究報告", "文化部", 2016, 2016,
     "SAITDL-1.0", "application/pdf", "6.33", MB, "第一階段"),
    ("00000005", "考銓季刊", "考試院", 2004, 2008, "TBC", "application/pdf", "50", MB, "第二階段"),
]


@pytest.mark.parametrize("fact", SEED_000, ids=[fact[0] for fact in SEED_000])
def test_seed_000_inventory_facts(fact: tuple) -> None:
    local_id, title, provider, start, end, licence, media, size, unit, release = fact
    record = by_id(local_id)
    g, s = record.graph, subject(record)
    period = g.value(s, DCT.temporal)
    assert record.state == "published"
    assert text(g, s, DCT.title, ZH) == title
    assert text(g, g.value(s, DCT.publisher), FOAF.name, ZH) == provider
    assert (g.value(period, DCAT.startDate), g.value(period, DCAT.endDate)) == (
        Literal(str(start), datatype=XSD.gYear), Literal(str(end), datatype=XSD.gYear))
    assert set(g.objects(s, DCT.license)) == {concept("licence", licence)}
    media_types = {g.value(d, DCAT.mediaType) for d in g.objects(s, DCAT.distribution)}
    assert media_types == {URIRef(IANA + media)}
    assert sum(byte_sizes(record)) == round(Decimal(size) * unit)
    assert text(g, s, YL.plannedRelease, ZH) == release


def test_press_releases_are_event_and_promotion_texts_and_the_study_a_research_report() -> None:
    assert codes(by_id("00000003").graph, subject(by_id("00000003")), YL.textType, "text-type") \
        == {"event-promotion"}
    assert codes(by_id("00000004").graph, subject(by_id("00000004")), YL.textType, "text-type") \
        == {"research-report"}


def test_the_foreign_relations_yearbook_is_split_into_files_under_500_mb() -> None:
    sizes = byte_sizes(by_id("00000001"))
    assert len(sizes) > 1 and max(sizes) <= MAX_FILE_BYTES


def test_domain_data_standards_are_eight_pdf_files_of_678_61_mb() -> None:
    record = by_id("00001174")
    g, s = record.graph, subject(record)
    titles = {str(g.value(d, DCT.title)) for d in g.objects(s, DCAT.distribution)}
    domains = ("醫療", "農業", "金融", "空間資訊", "社會福利", "氣候環境", "交通運輸")
    assert titles == {f"{name}領域資料標準.pdf" for name in domains[:-1]} | {
        "交通運輸領域資料標準-1.pdf", "交通運輸領域資料標準-2.pdf"}
    assert sum(byte_sizes(record)) == round(Decimal("678.61") * MB)
    assert (s, YL.licenseValidity, YL.permanent) in g
    assert set(g.objects(s, DCT.license)) == {concept("licence", "SAITDL-1.0")}
    agency = URIRef(f"{BASE}agency/A29000000G")
    assert set(g.objects(agency, DCT.identifier)) == {
        Literal("A29000000G"), Literal("urn:oid:2.16.886.101.20003.20082")}


@pytest.mark.parametrize(
    ("local_id", "state"),
    [("00001174", "published"), ("00009128", "in-revision"), ("00009127", "pending-agency-review"),
     ("00001182", "pending-platform-review"), ("00009205", "takedown-pending-agency"),
     ("00009203", "draft"), ("00000026", "withdrawn")],
)
def test_seed_001_records_are_in_their_states(local_id: str, state: str) -> None:
    assert by_id(local_id).state == state


SEED_TEXTS = [
    *[("000_716d3bdd582cd24a.txt", f"0000000{n}") for n in range(1, 6)],
    ("001_f748249b0195082f.txt", "00001174"),
    *[("004_fabc85e7d607e395.txt", f"paradisec.org.au:{code}")
      for code in ("AC2", "AIT1", "CLV1", "RB1", "WL1")],
]


@pytest.mark.shared
@pytest.mark.parametrize(("seed", "local_id"), SEED_TEXTS, ids=[s[1] for s in SEED_TEXTS])
def test_chinese_texts_are_verbatim_from_the_seed(seed: str, local_id: str) -> None:
    seed_text = shared_path("seeds", seed).read_text(encoding="utf-8")
    record = by_id(local_id)
    g, s = record.graph, subject(record)
    zh = [o for p in (DCT.description, DCAT.keyword) for o in g.objects(s, p) if o.language == ZH]
    if (s, RDF_.type, YL.CorpusDataset) in g:
        zh.append(Literal(text(g, s, DCT.title, ZH), lang=ZH))
    assert zh and [str(t) for t in zh if str(t) not in seed_text] == []


# --- PARADISEC collections ------------------------------------------------------------------------

PARADISEC = [("AC2", "open", "compiler"), ("AIT1", "closed", "recorder"),
             ("CLV1", "open", "recorder"), ("RB1", "unspecified", "recorder"),
             ("WL1", "open", "recorder")]


@pytest.mark.parametrize(("code", "access", "role"), PARADISEC, ids=[p[0] for p in PARADISEC])
def test_paradisec_collection_is_a_language_resource_with_its_source(code, access, role) -> None:
    record = by_id(f"paradisec.org.au:{code}")
    g, s = record.graph, subject(record)
    catalogue_record = URIRef(f"{BASE}record/paradisec.org.au:{code}")
    assert (s, RDF_.type, YL.LanguageResource) in g and (s, DCT.type, DCMITYPE.Collection) in g
    assert set(g.predicate_objects(catalogue_record)) == {
        (YL.sourceIdentifier, Literal(f"oai:paradisec.org.au:{code}")),
        (YL.sourceFormat, Literal("olac")),
    }
    assert URIRef(f"http://catalog.paradisec.org.au/repository/{code}") in set(
        g.objects(s, DCT.identifier))
    assert codes(g, s, YL.accessCondition, "access-condition") == {access}
    roles = {g.value(a, DCAT.hadRole) for a in g.objects(s, PROV.qualifiedAttribution)}
    assert roles == {concept("olac-role", role)}


def test_the_taroko_recordings_are_closed_and_about_trv() -> None:
    record = by_id("paradisec.org.au:AIT1")
    g, s = record.graph, subject(record)
    assert (s, DCT.subject, lexvo("trv")) in g
    assert URIRef("https://doi.org/10.4225/72/56E7A74E33FB7") in set(g.objects(s, DCT.identifier))
    assert g.value(s, DCT.date) == Literal("1997", datatype=DCT.W3CDTF)
    assert "[Closed Access]" in str(g.value(s, DCT.bibliographicCitation))


@pytest.mark.parametrize("record", language_resources(), ids=record_id)
def test_language_resource_uses_valid_codes_and_dates(record: DemoRecord) -> None:
    g, s = record.graph, subject(record)
    assert list(g.objects(s, DCT.title)) and list(g.objects(s, DCT.identifier))
    languages = [str(o) for p in (DCT.language, DCT.subject) for o in g.objects(s, p)
                 if str(o).startswith(LEXVO)]
    assert all(resolve(iri[len(LEXVO):]) for iri in languages)
    for scheme, allowed in OLAC_TYPES.items():
        assert codes(g, s, DCT.type, scheme) <= allowed
    assert codes(g, s, YL.accessCondition, "access-condition") <= ACCESS_CONDITIONS
    roles = {str(g.value(a, DCAT.hadRole)).rsplit("/", 1)[1]
             for a in g.objects(s, PROV.qualifiedAttribution)}
    assert roles and roles <= OLAC_ROLES
    dates = [o for o in g.objects(s, None) if isinstance(o, Literal) and o.datatype == DCT.W3CDTF]
    assert all(re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(d)) for d in dates)


@pytest.mark.parametrize("record", corpus_datasets(), ids=record_id)
def test_contributor_roles_and_access_rights_are_known_concepts(record: DemoRecord) -> None:
    g, s = record.graph, subject(record)
    roles = {str(g.value(a, DCAT.hadRole)).rsplit("/", 1)[1]
             for a in g.objects(s, PROV.qualifiedAttribution)}
    assert roles <= OLAC_ROLES
    assert {str(o) for o in g.objects(s, DCT.accessRights)} <= {
        ACCESS_RIGHTS + name for name in ("PUBLIC", "RESTRICTED", "NON_PUBLIC")}
    for scheme, allowed in OLAC_TYPES.items():
        assert codes(g, s, DCT.type, scheme) <= allowed


def test_some_published_corpus_datasets_name_contributors_with_olac_roles() -> None:
    with_roles = [r for r in published() if (subject(r), PROV.qualifiedAttribution, None) in r.graph
                  and (subject(r), RDF_.type, YL.CorpusDataset) in r.graph]
    assert len(with_roles) >= 3
