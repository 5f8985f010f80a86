"""Training manifests: for a selection of published records, every file an AI-training team
may train on, with what it owes for it (issue 15).

A record is **included** when its licence permits training (:func:`~repository.search.facets
.trainable`: the licence's ODRL policy permits ``yl:aiTraining``, ``odrl:use`` or
``odrl:derive``) and it has files; each file comes with its download URL, SHA-256, size,
media type and the counts of its text, and the record with its licence (IRI, name, the ODRL
actions permitted, the duties attached, the actions prohibited), the attribution text the
licence asks for (provider, dataset name, year: SAITDL's 標示出處, OGDL's 標示原資料提供機關)
in Traditional Chinese and English, and whether outputs must be marked as AI-generated
(SAITDL's 「人工智慧生成產出」, the policy's ``yl:labelAIOutput`` duty). Every other record
is **excluded**, with the reason. A file whose own licence does not permit training is left
out of its record and listed with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import Graph, Literal, URIRef

from vocab import load
from vocab.namespaces import DCAT, DCT, FOAF, ODRL, PREFIXES, SKOS, SPDX, YL

from ..search.facets import trainable
from .text import TOKENIZER

MANIFEST_VERSION = "1"
#: The duty that asks outputs to be marked as AI-generated (SAITDL 被授權人 1.).
LABEL_AI_OUTPUT = YL.labelAIOutput
AI_GENERATED = "人工智慧生成產出"


def record_entry(graph: Graph, subject: URIRef, local_id: str, page: str
                 ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The manifest entry of the published record ``local_id`` (its graph ``graph``, its page
    ``page``): (included, None) or (None, excluded with the reason)."""
    titles = record_texts(graph, subject, DCT.title)
    licence = graph.value(subject, DCT.license)
    about = {"id": local_id, "page": page, "title": titles}
    if licence is None:
        return None, {**about, "licence": None, "reason": "the record names no licence"}
    if not trainable(str(licence)):
        return None, {**about, "licence": str(licence),
                      "reason": "its licence does not permit AI training"}
    files, refused = _files(graph, subject, licence)
    if not files:
        return None, {**about, "licence": str(licence), "reason": "it has no files"}
    providers = [record_texts(graph, p, FOAF.name)
                 for p in graph.objects(subject, DCT.publisher)]
    year = year_issued(graph, subject)
    policy = licence_policy(licence)
    entry = {**about, "providers": providers, "year": year, "licence": policy,
             "attribution": attribution(titles, providers, year),
             "markOutputsAsAIGenerated": _compact(LABEL_AI_OUTPUT) in policy["duties"],
             "files": files}
    if refused:
        entry["filesExcluded"] = refused
    return entry, None


def manifest(entries: Iterable[tuple[dict | None, dict | None]], *, selection: str,
             next_page: str | None = None) -> dict[str, Any]:
    """The manifest of ``entries`` (:func:`record_entry`'s), for the selection described by
    ``selection``; ``next_page``: the manifest of the rest of the selection, if any."""
    included, excluded = [], []
    totals = add_totals(None, [])
    for entry, left_out in entries:
        (included if entry else excluded).append(entry or left_out)
        if entry:
            totals = add_totals(totals, entry["files"])
    return {"manifestVersion": MANIFEST_VERSION, "selection": selection,
            "tokenizer": TOKENIZER, "totals": totals,
            "records": included, "excluded": excluded,
            **({"next": next_page} if next_page else {})}


def add_totals(totals: dict[str, int] | None, files: list[dict]) -> dict[str, int]:
    """``totals`` (records, files, bytes, tokens) with one more record's ``files``; the
    empty totals when ``totals`` is None."""
    if totals is None:
        return {"records": 0, "files": 0, "bytes": 0, "tokens": 0}
    return {"records": totals["records"] + 1, "files": totals["files"] + len(files),
            "bytes": totals["bytes"] + sum(f["bytes"] or 0 for f in files),
            "tokens": totals["tokens"] + sum(f["tokens"] or 0 for f in files)}


def licence_policy(licence: URIRef) -> dict[str, Any]:
    """A licence as the manifest gives it: IRI, names, and its ODRL policy's permitted
    actions, duties and prohibited actions (compact IRIs)."""
    vocab = load()
    policies = [licence, *vocab.objects(licence, ODRL.hasPolicy)]

    def actions(kind: URIRef) -> list[str]:
        return sorted({_compact(a) for p in policies for rule in vocab.objects(p, kind)
                       for a in vocab.objects(rule, ODRL.action)})

    duties = sorted({_compact(a) for p in policies for rule in vocab.objects(p, ODRL.permission)
                     for duty in vocab.objects(rule, ODRL.duty)
                     for a in vocab.objects(duty, ODRL.action)})
    return {"iri": str(licence), "name": record_texts(vocab, licence, SKOS.prefLabel),
            "permits": actions(ODRL.permission), "duties": duties,
            "prohibits": actions(ODRL.prohibition)}


def attribution(titles: dict[str, str], providers: list[dict[str, str]],
                year: str | None) -> dict[str, str]:
    """The credit line the licence asks for: provider, dataset name, year."""
    zh_title = titles.get("zh-Hant") or next(iter(titles.values()), "")
    en_title = titles.get("en") or zh_title
    zh_provider = "、".join(p.get("zh-Hant") or next(iter(p.values()), "") for p in providers)
    en_provider = "; ".join(p.get("en") or next(iter(p.values()), "") for p in providers)
    when = f"，{year}" if year else ""
    return {"zh-Hant": f"資料來源：{zh_provider}，《{zh_title}》{when}",
            "en": f"Source: {en_provider}, “{en_title}”" + (f", {year}" if year else "")}


def _files(graph: Graph, subject: URIRef, licence: URIRef) -> tuple[list[dict], list[dict]]:
    files, refused = [], []
    for node in sorted(graph.objects(subject, DCAT.distribution)):
        url = graph.value(node, DCAT.downloadURL)
        checksum = graph.value(graph.value(node, SPDX.checksum), SPDX.checksumValue)
        if url is None or checksum is None:
            continue  # a link elsewhere, not a file of ours
        own = graph.value(node, DCT.license) or licence
        name = str(graph.value(node, DCT.title) or url)
        if not trainable(str(own)):
            refused.append({"name": name, "licence": str(own),
                            "reason": "its licence does not permit AI training"})
            continue
        files.append({"name": name, "url": str(url), "sha256": str(checksum),
                      "bytes": _number(graph.value(node, DCAT.byteSize)),
                      "mediaType": str(graph.value(node, DCAT.mediaType) or "")
                      .rsplit("media-types/", 1)[-1],
                      "characters": _number(graph.value(node, YL.characterCount)),
                      "tokens": _number(graph.value(node, YL.tokenCount)),
                      "tokenizer": str(graph.value(node, YL.tokenizer) or TOKENIZER),
                      "licence": str(own)})
    return files, refused


def record_texts(graph: Graph, node, predicate: URIRef) -> dict[str, str]:
    """The literals of ``predicate`` by language tag (zh-Hant-TW given as zh-Hant)."""
    found: dict[str, str] = {}
    for value in graph.objects(node, predicate):
        if isinstance(value, Literal):
            tag = (value.language or "").lower()
            key = "zh-Hant" if tag.startswith("zh") else (tag or "und")
            found.setdefault(key, str(value))
    return found


def year_issued(graph: Graph, subject: URIRef) -> str | None:
    """The year the dataset was issued (its own dct:issued, else the catalogue record's)."""
    record = graph.value(predicate=FOAF.primaryTopic, object=subject)
    for node in (subject, record):
        value = graph.value(node, DCT.issued) if node is not None else None
        if value is not None:
            return str(value)[:4]
    return None


def _number(value) -> int | None:
    return int(value) if value is not None and str(value).isdigit() else None


def _compact(iri) -> str:
    for prefix, base in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if str(iri).startswith(base):
            return f"{prefix}:{str(iri)[len(base):]}"
    return str(iri)


def notice(whole: dict[str, Any]) -> str:
    """The NOTICE file of a manifest: what each included record's licence asks of its users
    (the credit line, and the marking of AI outputs where required), in Traditional Chinese
    and then in English."""
    records = whole["records"]
    lines = ["NOTICE", "", f"語料 Yuliao：{whole['selection']}", "",
             "本選集包含下列資料集，使用時應依各授權條款標示出處：", ""]
    lines += _credits(records, "zh-Hant", "{credit}（授權：{licence}）",
                      f"  AI 輸出物應註明「{AI_GENERATED}」。")
    lines += ["", "This selection contains the datasets below; credit each as its licence "
              "requires:", ""]
    lines += _credits(records, "en", "{credit} (licence: {licence})",
                      f"  Mark outputs of models trained on it as AI-generated "
                      f"({AI_GENERATED}).")
    if not records:
        lines += ["（本選集沒有可供 AI 訓練的檔案。）",
                  "(Nothing in this selection may be used for AI training.)"]
    return "\n".join(lines) + "\n"


def _credits(records: list[dict], language: str, line: str, marking: str) -> list[str]:
    """A credit line in ``language`` for each record, and ``marking`` under those whose
    outputs must be marked as AI-generated."""
    other = "en" if language == "zh-Hant" else "zh-Hant"
    lines = []
    for record in records:
        names = record["licence"]["name"]
        licence = names.get(language) or names.get(other, "")
        lines.append("- " + line.format(credit=record["attribution"][language], licence=licence))
        if record["markOutputsAsAIGenerated"]:
            lines.append(marking)
    return lines
