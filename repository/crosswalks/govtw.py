"""data.gov.tw (政府資料開放平臺) metadata → canonical RDF.

Readers accept the v1 API envelopes (one dataset, a list of datasets, the error envelope), the
2017 scraped page metadata keyed by the portal's Chinese display labels, and the whole-catalogue
exports (JSON array or CSV, UTF-8 with or without a byte-order mark, v1 field names or Chinese
column headers). Every shape is normalised to a dict with the v1 field names, which
:func:`govtw_to_graph` maps to the model of docs/data-model.md.

Not mapped (no home in the model yet): categoryCode/服務分類, 主題分類, type, cost*, organization*
(the managing agency), fieldDescription, numberOfData, characterSetCode, quality-check flags.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef

from repository.errors import InputError
from repository.formats import SourceRecord
from vocab.namespaces import (
    DCAT,
    DCT,
    FOAF,
    RDF_,
    VCARD,
    XSD,
    YL,
    bind_prefixes,
    concept,
    lexvo,
)

FORMAT = "datagovtw"
ZH = "zh-Hant-TW"
IANA = "http://www.iana.org/assignments/media-types/"
#: The file formats that are "ours" (seed 001's upload rule) → IANA media type.
MEDIA_TYPES = {
    "PDF": "application/pdf",
    "ODT": "application/vnd.oasis.opendocument.text",
    "CSV": "text/csv",
    "XML": "application/xml",
    "JSON": "application/json",
}
#: Chinese labels (portal pages, catalogue export columns) → v1 field names (archives.md §4.1).
LABELS = {
    "資料集識別碼": "identifier", "資料集編號": "identifier", "title": "title",
    "資料集名稱": "title", "資料集描述": "description", "主要欄位說明": "fieldDescription",
    "資料集類型": "type", "授權方式": "license", "授權說明網址": "licenseURL",
    "計費方式": "cost", "提供機關": "publisher", "資料集提供機關名稱": "publisher",
    "提供機關聯絡人": "publisherContactName", "提供機關聯絡人姓名": "publisherContactName",
    "提供機關聯絡人電話": "publisherContactPhone",
    "提供機關聯絡人電子郵件": "publisherContactEmail",
    "提供機關OID": "publisherOID", "機關代碼": "publisherOrgCode", "更新頻率": "accrualPeriodicity",
    "收錄期間(起)": "temporalCoverageFrom", "收錄期間(迄)": "temporalCoverageTo",
    "上架日期": "issued", "詮釋資料更新時間": "modified", "資料集空間範圍": "spatial",
    "資料集語系": "language", "相關網址": "landingPage", "資料集說明網址": "landingPage",
    "關鍵字": "keyword", "備註": "notes", "資料量": "numberOfData",
    # catalogue export columns that describe the files (';'-separated, paired by position)
    "檔案格式": "format", "資料下載網址": "downloadURL", "編碼格式": "characterSetCode",
}
RESOURCE_LABELS = {
    "檔案格式": "format", "資源網址": "downloadURL", "資料下載網址": "downloadURL",
    "資源描述": "resourceDescription", "資料資源描述": "resourceDescription",
    "資料資源更新時間": "resourceModified", "編碼": "characterSetCode",
    "編碼格式": "characterSetCode", "資料資源編號": "resourceID",
}
OGDL_NAMES = ("政府資料開放授權條款", "OGDL")
SAITDL_NAMES = ("臺灣主權AI訓練語料授權條款", "台灣主權AI訓練語料授權條款", "SAITDL", "SAITD-Lic")
DATE_TIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def read_json(data: bytes, origin: str) -> Iterator[SourceRecord]:
    """Every dataset in a data.gov.tw JSON document (UTF-8, with or without BOM).

    Raises InputError for invalid JSON, the API's error envelope (naming its error_type), an
    identifier list without metadata, or a dataset missing its identifier or title.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"not UTF-8 JSON: {error}", origin=origin) from error
    single = isinstance(document, dict) and _is_single(document)
    for item in _datasets(document, origin):
        raw = data if single else json.dumps(item, ensure_ascii=False).encode("utf-8")
        yield _source_record(normalise(item), raw, origin)


def read_csv(data: bytes, origin: str) -> Iterator[SourceRecord]:
    """Every row of the catalogue CSV export (UTF-8 with or without BOM, Chinese headers).

    Raises InputError for a file that is not UTF-8, has no header, or a row missing its
    identifier or title.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"the CSV export is not UTF-8: {error}", origin=origin) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise InputError("the CSV export has no header row", origin=origin)
    for row in reader:
        item = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        yield _source_record(normalise(item), _csv_raw(reader.fieldnames, row), origin)


def govtw_to_graph(dataset: dict[str, Any], subject: URIRef) -> Graph:
    """The canonical RDF of one dataset (a dict with v1 field names) about ``subject``.

    Raises InputError when the identifier or title is missing.
    """
    _require(dataset, None)
    graph = Graph()
    bind_prefixes(graph)
    graph.add((subject, RDF_.type, DCAT.Dataset))
    graph.add((subject, RDF_.type, YL.LanguageResource))
    graph.add((subject, DCT.identifier, Literal(str(dataset["identifier"]).strip())))
    _texts(graph, subject, dataset)
    _dates(graph, subject, dataset)
    _publisher(graph, subject, dataset)
    _contact(graph, subject, dataset)
    _temporal(graph, subject, dataset)
    _language(graph, subject, dataset)
    licence = _licence(graph, subject, dataset)
    for n, resource in enumerate(dataset.get("distribution") or [], start=1):
        _distribution(graph, subject, n, resource, licence)
    return graph


def normalise(item: dict[str, Any]) -> dict[str, Any]:
    """A dataset in any of the accepted shapes as a dict with the v1 field names."""
    dataset: dict[str, Any] = {}
    for key, value in item.items():
        dataset.setdefault(LABELS.get(key.strip(), key.strip()), value)
    if "node" in item and "identifier" not in dataset:
        dataset["identifier"] = str(item["node"])
    if isinstance(item.get("資料資源"), dict):
        dataset["distribution"] = [_resource(r) for r in item["資料資源"].values()]
    elif "distribution" not in item and dataset.get("downloadURL"):
        dataset["distribution"] = _export_resources(dataset)
    _split_contact(dataset)
    if isinstance(dataset.get("keyword"), str):
        dataset["keyword"] = [k for k in re.split(r"[,，、;；]", dataset["keyword"]) if k.strip()]
    return dataset


def _is_single(document: dict[str, Any]) -> bool:
    return not ("success" in document and isinstance(document.get("result"), list))


def _datasets(document: Any, origin: str) -> list[dict[str, Any]]:
    if isinstance(document, list):
        return [_dataset_item(item, origin) for item in document]
    if not isinstance(document, dict):
        raise InputError("expected a JSON object or array of datasets", origin=origin)
    if document.get("success") is False:
        error = document.get("error") or {}
        raise InputError(f"the API answered with an error: {error.get('error_type')} "
                         f"{error.get('message', '')}".strip(), origin=origin,
                         record=str(error.get("identifier", "")).strip() or None)
    if "success" in document:
        result = document.get("result")
        return _datasets(result, origin) if isinstance(result, list) else [
            _dataset_item(result, origin)]
    return [document]


def _dataset_item(item: Any, origin: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise InputError(f"expected dataset metadata, got {type(item).__name__} {item!r}; an "
                         "identifier list needs one GET /rest/dataset/{identifier} per dataset",
                         origin=origin)
    return item


def _source_record(dataset: dict[str, Any], raw: bytes, origin: str) -> SourceRecord:
    _require(dataset, origin)
    modified = dataset.get("modified")
    return SourceRecord(identifier=str(dataset["identifier"]).strip(),
                        datestamp=str(modified).strip() if modified else None,
                        format=FORMAT, metadata=dataset, raw=raw, origin=origin)


def _require(dataset: dict[str, Any], origin: str | None) -> None:
    for field in ("identifier", "title"):
        if not str(dataset.get(field) or "").strip():
            record = str(dataset.get("identifier") or "").strip() or None
            raise InputError(f"the dataset has no {field}", origin=origin, record=record,
                             field=field)


def _csv_raw(fieldnames: list[str], row: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames, extrasaction="ignore")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _resource(resource: dict[str, Any]) -> dict[str, Any]:
    return {RESOURCE_LABELS.get(key, key): value for key, value in resource.items()}


def _export_resources(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's ';'-separated download URLs paired with its ';'-separated formats."""
    urls = [u.strip() for u in str(dataset["downloadURL"]).split(";") if u.strip()]
    formats = [f.strip() for f in str(dataset.get("format") or "").split(";")]
    return [{"downloadURL": url, "format": formats[i] if i < len(formats) else ""}
            for i, url in enumerate(urls)]


def _split_contact(dataset: dict[str, Any]) -> None:
    """The page form "黃小姐 (033396789#1957)" → contact name and phone."""
    name = str(dataset.get("publisherContactName") or "")
    match = re.fullmatch(r"\s*(.*?)\s*[(（]([\d\-#()\s]+)[)）]\s*", name)
    if match and not dataset.get("publisherContactPhone"):
        dataset["publisherContactName"], dataset["publisherContactPhone"] = match.groups()


def _texts(graph: Graph, subject: URIRef, dataset: dict[str, Any]) -> None:
    graph.add((subject, DCT.title, Literal(str(dataset["title"]).strip(), lang=ZH)))
    for field, prop in (("description", DCT.description), ("notes", YL.note),
                        ("spatial", DCT.spatial), ("accrualPeriodicity", DCT.accrualPeriodicity)):
        text = str(dataset.get(field) or "").strip()
        if text:
            graph.add((subject, prop, Literal(text, lang=ZH)))
    for keyword in dataset.get("keyword") or []:
        if str(keyword).strip():
            graph.add((subject, DCAT.keyword, Literal(str(keyword).strip(), lang=ZH)))
    landing = web_iri(dataset.get("landingPage"))
    if landing is not None:
        graph.add((subject, DCAT.landingPage, landing))


def _dates(graph: Graph, subject: URIRef, dataset: dict[str, Any]) -> None:
    for field, prop in (("issued", DCT.issued), ("modified", DCT.modified)):
        value = taiwan_date(dataset.get(field))
        if value is not None:
            graph.add((subject, prop, value))


def taiwan_date(value: Any) -> Literal | None:
    """A portal date ("2015-01-01 23:59:59", "2015/03/09", "2017/10/05 17:14") as xsd:date or
    xsd:dateTime in Taiwan time (+08:00); None when absent or unreadable."""
    match = DATE_TIME.fullmatch(str(value or "").strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = match.groups()
    date = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is None:
        return Literal(date, datatype=XSD.date)
    time = f"{int(hour):02d}:{minute}:{second or '00'}"
    return Literal(f"{date}T{time}+08:00", datatype=XSD.dateTime)


def agency_iri(subject: URIRef, dataset: dict[str, Any]) -> URIRef:
    """``{base}agency/{code}``: publisherOrgCode, else the OID, else the encoded name."""
    base = str(subject).split("id/", 1)[0]
    oid, _ = _oid_and_name(dataset)
    code = str(dataset.get("publisherOrgCode") or "").strip() or oid or str(
        dataset.get("publisher") or "unknown").strip()
    return URIRef(f"{base}agency/{quote(code, safe='')}")


def _oid_and_name(dataset: dict[str, Any]) -> tuple[str | None, str | None]:
    """v1 ``publisherOID`` "2.16…", v2 "2.16…|數位發展部"."""
    oid, _, name = str(dataset.get("publisherOID") or "").partition("|")
    return oid.strip() or None, name.strip() or None


def _publisher(graph: Graph, subject: URIRef, dataset: dict[str, Any]) -> None:
    oid, oid_name = _oid_and_name(dataset)
    name = str(dataset.get("publisher") or "").strip() or oid_name
    if not (name or oid or dataset.get("publisherOrgCode")):
        return
    agency = agency_iri(subject, dataset)
    graph.add((subject, DCT.publisher, agency))
    graph.add((agency, RDF_.type, FOAF.Organization))
    if name:
        graph.add((agency, FOAF.name, Literal(name, lang=ZH)))
    if dataset.get("publisherOrgCode"):
        graph.add((agency, DCT.identifier, Literal(str(dataset["publisherOrgCode"]).strip())))
    if oid:
        graph.add((agency, DCT.identifier, Literal(f"urn:oid:{oid}")))


def _contact(graph: Graph, subject: URIRef, dataset: dict[str, Any]) -> None:
    name = str(dataset.get("publisherContactName") or "").strip()
    phone = tel_iri(dataset.get("publisherContactPhone"))
    email = str(dataset.get("publisherContactEmail") or "").strip()
    if not (name or phone or email):
        return
    contact = URIRef(f"{subject}#contact")
    graph.add((subject, DCAT.contactPoint, contact))
    graph.add((contact, RDF_.type, VCARD.Kind))
    if name:
        graph.add((contact, VCARD.fn, Literal(name)))
    if phone is not None:
        graph.add((contact, VCARD.hasTelephone, phone))
    if "@" in email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{quote(email, safe='@.+-_')}")))


def tel_iri(value: Any) -> URIRef | None:
    """A Taiwan phone number ("(02)-23800791", "02-23165300#12") as a tel: IRI, or None."""
    main, _, extension = str(value or "").partition("#")
    groups = re.findall(r"\d+", main)
    if not groups or not groups[0].startswith("0"):
        return None
    groups[0] = groups[0][1:]
    number = "-".join(group for group in groups if group)
    ext = f";ext={extension.strip()}" if extension.strip().isdigit() else ""
    return URIRef(f"tel:+886-{number}{ext}")


def _temporal(graph: Graph, subject: URIRef, dataset: dict[str, Any]) -> None:
    start = taiwan_date(dataset.get("temporalCoverageFrom"))
    end = taiwan_date(dataset.get("temporalCoverageTo"))
    if start is None and end is None:
        return
    period = URIRef(f"{subject}#period")
    graph.add((subject, DCT.temporal, period))
    graph.add((period, RDF_.type, DCT.PeriodOfTime))
    if start is not None:
        graph.add((period, DCAT.startDate, start))
    if end is not None:
        graph.add((period, DCAT.endDate, end))


def _language(graph: Graph, subject: URIRef, dataset: dict[str, Any]) -> None:
    """``language`` "zh" (the portal's only value) is Mandarin: lexvo:cmn."""
    code = str(dataset.get("language") or "").strip().lower().split("-")[0]
    if code in ("zh", "zho", "chi", "cmn", "中文", "繁體中文"):
        graph.add((subject, DCT.language, lexvo("cmn")))
    elif code in ("en", "eng", "英文"):
        graph.add((subject, DCT.language, lexvo("eng")))


def _licence(graph: Graph, subject: URIRef, dataset: dict[str, Any]) -> URIRef | None:
    """OGDL and SAITDL → our licence concepts; anything else → dct:rights + the licence URL."""
    name = str(dataset.get("license") or "").strip()
    url = web_iri(dataset.get("licenseURL"))
    licence = licence_concept(name)
    if licence is None:
        if name:
            graph.add((subject, DCT.rights, Literal(name, lang=ZH)))
        licence = url
    if licence is not None:
        graph.add((subject, DCT.license, licence))
    return licence


def licence_concept(name: str) -> URIRef | None:
    """Our licence concept for a data.gov.tw licence name (v2 code "1" is OGDL), or None."""
    if name == "1" or any(part in name for part in OGDL_NAMES):
        return concept("licence", "OGDL-Taiwan-1.0")
    if any(part.lower() in name.lower() for part in SAITDL_NAMES):
        return concept("licence", "SAITDL-1.0")
    return None


def _distribution(graph: Graph, subject: URIRef, n: int, resource: dict[str, Any],
                  licence: URIRef | None) -> None:
    dist = URIRef(f"{subject}#dist-{n}")
    graph.add((subject, DCAT.distribution, dist))
    graph.add((dist, RDF_.type, DCAT.Distribution))
    description = str(resource.get("resourceDescription") or "").strip()
    if description:
        graph.add((dist, DCT.description, Literal(description, lang=ZH)))
    if str(resource.get("resourceID") or "").strip():
        graph.add((dist, DCT.identifier, Literal(str(resource["resourceID"]).strip())))
    modified = taiwan_date(resource.get("resourceModified"))
    if modified is not None:
        graph.add((dist, DCT.modified, modified))
    for field, prop in (("downloadURL", DCAT.downloadURL), ("accessURL", DCAT.accessURL)):
        url = web_iri(resource.get(field))
        if url is not None:
            graph.add((dist, prop, url))
    _format(graph, dist, str(resource.get("format") or "").strip())
    if licence is not None:
        graph.add((dist, DCT.license, licence))


def _format(graph: Graph, dist: URIRef, name: str) -> None:
    media_type = MEDIA_TYPES.get(name.upper())
    if media_type is not None:
        iri = URIRef(IANA + media_type)
        graph.add((dist, DCAT.mediaType, iri))
        graph.add((dist, DCT.format, iri))
    elif name:
        graph.add((dist, DCT.format, Literal(name)))


def web_iri(value: Any) -> URIRef | None:
    """An http(s) URL as an IRI (spaces and other unsafe characters percent-encoded), or None."""
    text = str(value or "").strip()
    if not re.match(r"https?://", text, re.IGNORECASE):
        return None
    return URIRef(quote(text, safe=":/?#[]@!$&'()*+,;=%~"))
