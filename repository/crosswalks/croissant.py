"""Croissant 1.1 JSON-LD export of a record's named graph: its metadata, its files
(``distribution``), for each CSV or JSON file whose fields are known a ``recordSet`` of its
rows or objects, and what the record says of its provenance (:mod:`.croissant_rai`: Croissant
RAI and PROV-O; a dataset with ``rai:`` properties also conforms to Croissant RAI 1.0).

Croissant requires a checksum (``sha256`` or ``md5``) on every ``cr:FileObject`` of a dataset that
is not live; mlcroissant 1.1.1 enforces it as an error. We never invent one: a distribution whose
checksum is unknown (no ``spdx:checksum`` in the record) is left out of ``distribution``; it stays
reachable from the record page (``url``) and is listed in the DCAT export. A distribution reached
only through an access URL (an API) is not a file either and is left out too.

The licence's ODRL policy goes in ``usageInfo`` (Croissant 1.1 "Data Use Conditions").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from repository.crosswalks.croissant_rai import RAI_1_0, provenance_properties
from repository.errors import InputError
from repository.files.fields import BOOLEAN, DECIMAL, INTEGER, TEXT, Table
from vocab.languages import LanguageCodeError, resolve
from vocab.namespaces import DCAT, DCT, FOAF, ODRL, PROV, RDF_, SKOS, SPDX, YL, concept

CROISSANT_1_1 = "http://mlcommons.org/croissant/1.1"
#: The Croissant 1.1 @context (as the reference implementation mlcroissant 1.1.1 writes it),
#: plus the ODRL and Yuliao prefixes ``usageInfo`` needs and PROV-O's for provenance.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "odrl": ODRL.base,
    "prov": PROV.base,
    "yl": YL.base,
}
#: The public page of each licence we know, else the licence concept IRI is used.
LICENCE_PAGES = {
    concept("licence", "OGDL-Taiwan-1.0"): "https://data.gov.tw/license",
    concept("licence", "SAITDL-1.0"): "https://taic.moda.gov.tw/content/license",
    concept("licence", "CC-BY-4.0"): "https://creativecommons.org/licenses/by/4.0/",
    concept("licence", "CC-BY-SA-4.0"): "https://creativecommons.org/licenses/by-sa/4.0/",
    concept("licence", "CC-BY-ND-4.0"): "https://creativecommons.org/licenses/by-nd/4.0/",
    concept("licence", "CC-BY-NC-4.0"): "https://creativecommons.org/licenses/by-nc/4.0/",
    concept("licence", "CC-BY-NC-SA-4.0"): "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    concept("licence", "CC-BY-NC-ND-4.0"): "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    concept("licence", "CC0-1.0"): "https://creativecommons.org/publicdomain/zero/1.0/",
}
CHECKSUMS = {SPDX.checksumAlgorithm_sha256: "sha256", SPDX.checksumAlgorithm_md5: "md5"}
#: A field's type (:mod:`repository.files.fields`) as a Croissant dataType; unknown is text.
DATA_TYPES = {TEXT: "sc:Text", INTEGER: "sc:Integer", DECIMAL: "sc:Float",
              BOOLEAN: "sc:Boolean", None: "sc:Text"}
#: Names jsonpath-rw reads as they are (others are quoted).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: How a field named so is read from a table's file (Croissant ``extract``); None: it cannot be.
Extract = Callable[[Table, str], dict[str, str] | None]


def to_croissant(graph: Graph, subject: URIRef) -> dict[str, Any]:
    """The Croissant 1.1 description of ``subject`` from its record's named graph.

    Raises InputError when ``subject`` is not described in ``graph`` or has no title.
    """
    if (subject, DCT.title, None) not in graph:
        raise InputError("the resource has no title; Croissant requires a name",
                         record=str(subject), field="dct:title")
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CROISSANT_1_1,
        "name": _language_map(graph, subject, DCT.title),
        "url": str(subject),
    }
    _optional(document, "description", _language_map(graph, subject, DCT.description))
    _optional(document, "identifier", _plain(graph, subject, DCT.identifier))
    _optional(document, "license", licence_urls(graph, subject) or _rights(graph, subject))
    _optional(document, "citeAs", _citation(graph, subject))
    _optional(document, "creator", _agents(graph, subject, DCT.creator)
              or _agents(graph, subject, DCT.publisher))
    _optional(document, "publisher", _agents(graph, subject, DCT.publisher))
    _optional(document, "datePublished", _published(graph, subject))
    _optional(document, "version", _version(graph, subject))
    _optional(document, "dateModified", first_literal(graph, subject, DCT.modified))
    _optional(document, "keywords", sorted({str(k) for k in graph.objects(subject, DCAT.keyword)}))
    _optional(document, "inLanguage", content_languages(graph, subject))
    files, record_sets = _files_and_records(graph, subject)
    _optional(document, "distribution", files)
    _optional(document, "recordSet", record_sets)
    _optional(document, "usageInfo", usage_info(graph, subject))
    provenance = provenance_properties(graph, subject)
    document.update(provenance)
    if any(key.startswith("rai:") for key in provenance):
        document["conformsTo"] = [CROISSANT_1_1, RAI_1_0]
    return document


def croissant_bytes(graph: Graph, subject: URIRef) -> bytes:
    """``to_croissant`` as UTF-8 JSON (media type ``application/ld+json;
    profile="http://mlcommons.org/croissant/1.1"``). Raises as :func:`to_croissant`."""
    return json.dumps(to_croissant(graph, subject), ensure_ascii=False, indent=2).encode()


def _optional(document: dict[str, Any], key: str, value: Any) -> None:
    if value:
        document[key] = value


def _language_map(graph: Graph, node: Node, prop: URIRef) -> dict[str, str]:
    """All literals of ``prop`` keyed by language tag ("en" for untagged, as the context says)."""
    values: dict[str, str] = {}
    for literal in sorted(graph.objects(node, prop)):
        if isinstance(literal, Literal):
            values.setdefault(literal.language or "en", str(literal))
    return values


def _plain(graph: Graph, subject: URIRef, prop: URIRef) -> list[str]:
    return sorted(str(value) for value in graph.objects(subject, prop)
                  if isinstance(value, Literal))


def licence_urls(graph: Graph, subject: URIRef) -> list[str]:
    """The licences of ``subject`` as the pages of their texts (schema.org ``license``)."""
    return sorted(LICENCE_PAGES.get(licence, str(licence))
                  for licence in graph.objects(subject, DCT.license)
                  if isinstance(licence, URIRef))


def _rights(graph: Graph, subject: URIRef) -> list[dict[str, Any]]:
    """No licence document: the rights statements as given, as CreativeWorks."""
    return [{"@type": "sc:CreativeWork", "name": _language_map_of(rights)}
            for rights in sorted(graph.objects(subject, DCT.rights)) if isinstance(rights, Literal)]


def _language_map_of(literal: Literal) -> dict[str, str]:
    return {literal.language or "en": str(literal)}


def _citation(graph: Graph, subject: URIRef) -> str | None:
    """The record's own citation, else the credit line its licence asks for (provider,
    dataset name, year) and its address."""
    citation = graph.value(subject, DCT.bibliographicCitation)
    if isinstance(citation, Literal):
        return str(citation)
    from repository.files.manifest import attribution, record_texts, year_issued

    providers = [record_texts(graph, p, FOAF.name)
                 for p in graph.objects(subject, DCT.publisher)]
    if not providers:
        return None
    credit = attribution(record_texts(graph, subject, DCT.title), providers,
                         year_issued(graph, subject))
    return f"{credit['en']}. {subject}"


def _published(graph: Graph, subject: URIRef) -> str | None:
    """When the resource was published: its own date, else when it was first published here
    (its catalogue record's dct:issued)."""
    own = first_literal(graph, subject, DCT.issued, DCT.created, DCT.date)
    record = graph.value(predicate=FOAF.primaryTopic, object=subject)
    return own or (first_literal(graph, record, DCT.issued) if record is not None else None)


def _version(graph: Graph, subject: URIRef) -> str | None:
    """The record's revision as a version number (MAJOR.MINOR.PATCH: ``3.0.0``)."""
    record = graph.value(predicate=FOAF.primaryTopic, object=subject)
    revision = graph.value(record, YL.revision) if record is not None else None
    return f"{revision}.0.0" if revision is not None else None


def _agents(graph: Graph, subject: URIRef, prop: URIRef) -> list[dict[str, Any]]:
    agents = []
    for agent in sorted(graph.objects(subject, prop)):
        name = _language_map(graph, agent, FOAF.name)
        if not name:
            continue
        kind = "sc:Person" if (agent, RDF_.type, FOAF.Person) in graph else "sc:Organization"
        entry: dict[str, Any] = {"@type": kind, "name": name}
        if isinstance(agent, URIRef):
            entry["url"] = str(agent)
        agents.append(entry)
    return agents


def first_literal(graph: Graph, subject: URIRef, *props: URIRef) -> str | None:
    """The first of ``props`` with a literal value (as schema.org dates take them); a catalogue
    record date is not the publication."""
    for prop in props:
        value = graph.value(subject, prop)
        if isinstance(value, Literal):
            return str(value)
    return None


def content_languages(graph: Graph, subject: URIRef) -> list[str]:
    """BCP 47 tags of the content languages: the ISO 639-1 code where there is one, else the
    ISO 639-3 code (schema.org ``inLanguage``)."""
    codes = []
    for language in graph.objects(subject, DCT.language):
        code = str(language).rstrip("/").rsplit("/", 1)[-1]
        try:
            info = resolve(code)
        except LanguageCodeError:
            continue
        codes.append(_bcp47(info.code))
    return sorted(set(codes))


def _bcp47(code: str) -> str:
    from iso639 import Language

    part1 = Language.from_part3(code).part1
    return part1 or code


def _files_and_records(graph: Graph, subject: URIRef
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cr:FileObjects of the distributions, and a cr:RecordSet for each CSV or JSON file
    whose fields are known (its CSVW table schema) and that mlcroissant can read."""
    from repository.files.distributions import table_of

    files, record_sets = [], []
    for n, dist in enumerate(sorted(graph.objects(subject, DCAT.distribution)), start=1):
        entry = _file_object(graph, dist, n)
        if entry is None:
            continue
        files.append(entry)
        table = table_of(graph, dist)
        extract = READERS.get(entry.get("encodingFormat", ""))
        if table is not None and extract is not None and _readable(graph, dist, entry):
            record_sets.extend(_record_set(entry, table, extract, n))
    return files, record_sets


def _readable(graph: Graph, dist: Node, file_object: dict[str, Any]) -> bool:
    """Whether mlcroissant can decode the file: pandas reads CSV as UTF-8, Python's json
    module reads JSON in UTF-8 or UTF-16 (a Big5 file has no record set)."""
    encoding = graph.value(dist, YL.textEncoding)
    return encoding is None or str(encoding) in READABLE_ENCODINGS[file_object["encodingFormat"]]


def _record_set(file_object: dict[str, Any], table: Table, extract: Extract,
                n: int) -> list[dict[str, Any]]:
    """The records of a table (a CSV file's rows, a JSON array's objects): a field a column,
    typed when its type is known (else text), read from the file by its name. A column
    mlcroissant could not tell apart (an empty or repeated name, one ``extract`` cannot
    address) is left out; so is a record set with no field left."""
    fields, seen = [], {""}
    for column in table.columns:
        source = extract(table, column.name)
        if column.name in seen or source is None:
            continue
        seen.add(column.name)
        fields.append({"@type": "cr:Field", "@id": f"records-{n}/{quote(column.name, safe='')}",
                       "name": column.name, "dataType": DATA_TYPES[column.datatype],
                       "source": {"fileObject": {"@id": file_object["@id"]},
                                  "extract": source}})
    if not fields:
        return []
    what = "rows" if file_object["encodingFormat"] == "text/csv" else "records"
    return [{"@type": "cr:RecordSet", "@id": f"records-{n}",
             "name": f"{what} of {file_object['name']}", "field": fields}]


def _csv_column(table: Table, name: str) -> dict[str, str]:
    return {"column": name}


def _json_member(table: Table, name: str) -> dict[str, str] | None:
    """The JSONPath of member ``name`` of each object of the array (``$[*].name``,
    ``$.records[*].name``; a name that is not a plain identifier quoted); None for a name
    ``*``, which jsonpath-rw reads as every member even when quoted."""
    if "*" in (name, table.array_key):
        return None
    array = "$" if table.array_key is None else f"$.{json_path_name(table.array_key)}"
    return {"jsonPath": f"{array}[*].{json_path_name(name)}"}


def json_path_name(name: str) -> str:
    """``name`` as a JSONPath member name mlcroissant's parser (jsonpath-rw) reads back as
    itself: bare when a plain identifier, else in single quotes with ``\\`` and ``'``
    escaped."""
    if _PLAIN_NAME.fullmatch(name) and name != "where":
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


#: How a field is read from a file of each media type.
READERS: dict[str, Extract] = {
    "text/csv": _csv_column, "application/json": _json_member}
#: The encodings (``yl:textEncoding``) mlcroissant decodes files of each media type in.
READABLE_ENCODINGS = {"text/csv": {"utf-8", "utf-8-sig"},
                      "application/json": {"utf-8", "utf-8-sig", "utf-16", "utf-16-le",
                                           "utf-16-be"}}


def _file_object(graph: Graph, dist: Node, n: int) -> dict[str, Any] | None:
    """A cr:FileObject, or None for a distribution without a download URL or checksum."""
    url = graph.value(dist, DCAT.downloadURL)
    checksum = _checksum(graph, dist)
    if url is None or checksum is None:
        return None
    name = graph.value(dist, DCT.title) or str(url).rstrip("/").rsplit("/", 1)[-1]
    entry: dict[str, Any] = {"@type": "cr:FileObject", "@id": f"file-{n}", "name": str(name),
                             "contentUrl": str(url), checksum[0]: checksum[1]}
    media_type = graph.value(dist, DCAT.mediaType) or graph.value(dist, DCT.format)
    if isinstance(media_type, URIRef):
        entry["encodingFormat"] = str(media_type).split("/media-types/", 1)[-1]
    size = graph.value(dist, DCAT.byteSize)
    if size is not None:
        entry["contentSize"] = f"{size} B"
    description = _language_map(graph, dist, DCT.description)
    _optional(entry, "description", description)
    return entry


def _checksum(graph: Graph, dist: Node) -> tuple[str, str] | None:
    for checksum in graph.objects(dist, SPDX.checksum):
        algorithm = CHECKSUMS.get(graph.value(checksum, SPDX.algorithm))
        value = graph.value(checksum, SPDX.checksumValue)
        if algorithm and value is not None:
            return algorithm, str(value).lower()
    return None


def usage_info(graph: Graph, subject: URIRef) -> dict[str, Any] | None:
    """The licence's ODRL offer as a Croissant 1.1 ``usageInfo`` (SAITDL-1.0, OGDL-Taiwan-1.0)."""
    licence = graph.value(subject, DCT.license)
    if licence == concept("licence", "SAITDL-1.0"):
        return _saitdl_usage(subject, graph.value(subject, YL.licenseValidUntil), licence, graph)
    if licence == concept("licence", "OGDL-Taiwan-1.0"):
        return _ogdl_usage(subject, licence, graph)
    return None


def _offer(licence: Node, graph: Graph, description: str) -> dict[str, Any]:
    name = _language_map(graph, licence, SKOS.prefLabel) or {"en": str(licence).rsplit("/", 1)[-1]}
    return {"@type": ["CreativeWork", "odrl:Offer"], "name": name,
            "url": LICENCE_PAGES.get(licence, str(licence)),
            "description": {"en": description}}


def _saitdl_usage(subject: URIRef, until: Node | None, licence: Node,
                  graph: Graph) -> dict[str, Any]:
    """AI training only; attribute and label AI output; no substantially similar output."""
    offer = _offer(licence, graph, "Use limited to training AI models (Taiwan Sovereign AI "
                   "Training Data Licence 1.0): attribution and labelling of AI-generated output "
                   "required; generating output substantially similar to the data is prohibited.")
    permission: dict[str, Any] = {
        "odrl:target": {"@id": str(subject)}, "odrl:action": {"@id": str(YL.aiTraining)},
        "odrl:duty": [{"odrl:action": {"@id": str(ODRL.attribute)}},
                      {"odrl:action": {"@id": str(YL.labelAIOutput)}}],
    }
    if until is not None:
        permission["odrl:constraint"] = {
            "odrl:leftOperand": {"@id": str(ODRL.dateTime)},
            "odrl:operator": {"@id": str(ODRL.lteq)},
            "odrl:rightOperand": {"@value": str(until), "@type": str(until.datatype)}
            if isinstance(until, Literal) and until.datatype else str(until),
        }
    offer["odrl:permission"] = permission
    offer["odrl:prohibition"] = {"odrl:target": {"@id": str(subject)},
                                 "odrl:action": {"@id": str(YL.generateSubstantiallySimilar)}}
    return offer


def _ogdl_usage(subject: URIRef, licence: Node, graph: Graph) -> dict[str, Any]:
    """Any purpose (use, reproduce, distribute, derive) with attribution."""
    offer = _offer(licence, graph, "Open Government Data License, version 1.0: any purpose, "
                   "worldwide, royalty-free, with attribution.")
    offer["odrl:permission"] = {
        "odrl:target": {"@id": str(subject)},
        "odrl:action": [{"@id": str(a)} for a in (ODRL.use, ODRL.reproduce, ODRL.distribute,
                                                   ODRL.derive)],
        "odrl:duty": {"odrl:action": {"@id": str(ODRL.attribute)}},
    }
    return offer
