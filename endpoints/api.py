"""The API documentation: ``/api`` for people (in the reader's language) and
``/api/openapi.json``, an OpenAPI 3.1 description of every public read interface.

The OpenAPI document is built from the code's own settings and tables, so that it says what
the running site does: the search's parameters, orders, facets and page sizes
(:mod:`repository.search.query`), a record's RDF syntaxes and export formats
(:mod:`repository.export`), the SPARQL endpoint's time and row caps and the OAI-PMH page size
(``yuliao.toml``), and the per-client rate limits. OAI-PMH and SPARQL are described as what
they are, protocols with their own specifications, with those links.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template

from repository.config import Config
from repository.export import FORMATS, RDF_SYNTAXES
from repository.search.facets import FACETS
from repository.search.query import (
    DEFAULT_PAGE_SIZE,
    MAX_DEPTH,
    MAX_PAGE_SIZE,
    MAX_QUERY,
    QUALITY_RANGE,
    SORTS,
)

from .catalog import PAGE_SIZE as CATALOGUE_PAGE_SIZE
from .i18n import vary_by_language
from .sparql.negotiation import FORMATS as SPARQL_FORMATS

bp = Blueprint("api", __name__, template_folder="templates")

OAI_PMH = "https://www.openarchives.org/OAI/openarchivesprotocol.html"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
RECORD_ID = {"name": "local_id", "in": "path", "required": True,
             "description": "A record's local identifier: 8 digits, or source:identifier for "
                            "a harvested record", "schema": {"type": "string"},
             "example": "00001174"}


def config() -> Config:
    return current_app.config["YULIAO"]


@bp.get("/api")
def page() -> Response:
    """The API documentation for people."""
    settings = config()
    body = render_template("api.html", sparql=settings.sparql, oai=settings.oai,
                           limits=settings.limits, search_size=(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
                           sorts=SORTS, facets=tuple(FACETS), formats=FORMATS,
                           syntaxes=RDF_SYNTAXES, catalogue_page=CATALOGUE_PAGE_SIZE)
    return vary_by_language(Response(body, mimetype="text/html"))


@bp.get("/api/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 document of the public interfaces."""
    return jsonify(openapi(config()))


def openapi(settings: Config) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the public read interfaces under ``settings``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Yuliao (語料) public API", "version": "1",
                 "description": "Read access to the published metadata of Taiwan's national "
                                "language resources: search, records in several formats, "
                                "OAI-PMH, SPARQL, the DCAT catalogue and VoID. Every answer "
                                "is public; nothing here changes data."},
        "servers": [{"url": settings.base_uri.rstrip("/")}],
        "paths": {"/search": _search(), "/record/{local_id}": _record(),
                  "/record/{local_id}/olac.xml": _olac(),
                  "/record/{local_id}/croissant.json": _croissant(),
                  "/record/{local_id}/export/{format}": _export(),
                  "/record/{local_id}/manifest.json": _one_format(
                      "manifest", "The record's training manifest: its files an AI may be "
                      "trained on, their checksums and sizes, the licence's terms and the "
                      "credit it asks for", "application/json"),
                  "/record/{local_id}/NOTICE.txt": _one_format(
                      "notice", "The credit the record's licence asks for, in zh-Hant and "
                      "English", "text/plain"),
                  "/record/{local_id}/files/{name}": _file(),
                  "/oai": _oai(settings), "/sparql": _sparql(settings),
                  "/catalog": _catalogue(), "/.well-known/void": _void()},
        "components": {"schemas": {"SearchResults": _results_schema(),
                                   "Error": _error_schema()}},
    }


def _search() -> dict[str, Any]:
    parameters = [
        _query("q", f"Words, codes or names (at most {MAX_QUERY} characters); Traditional "
                    "or Simplified Chinese, English, romanised Taiwanese, Hakka and "
                    "Formosan languages (diacritics optional)", {"type": "string"}),
        {**_query("facet", "Facet terms such as language:nan; terms of one facet are "
                           "alternatives, facets together all apply. Facets: "
                           + ", ".join(FACETS),
                  {"type": "array", "items": {"type": "string"}}),
         "style": "form", "explode": True},
        _query("from", "Records covering a year from this one", {"type": "integer"}),
        _query("until", "Records covering a year up to this one", {"type": "integer"}),
        _query("sort", "The order (relevance needs words; without words, modified)",
               {"type": "string", "enum": list(SORTS)}),
        _query("page", f"The page (results stop {MAX_DEPTH:,} hits deep)",
               {"type": "integer", "minimum": 1, "default": 1}),
        _query("size", "Hits a page", {"type": "integer", "minimum": 1,
                                       "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}),
        _query("quality", "Only records whose OLAC metadata quality score is at least this",
               {"type": "number", "minimum": QUALITY_RANGE[0], "maximum": QUALITY_RANGE[1]}),
        _query("format", "json for the JSON answer (or Accept: application/json); manifest "
                         "for the training manifest of the page (every file its licence lets "
                         "an AI be trained on, with what is owed), notice for its NOTICE file",
               {"type": "string", "enum": ["json", "manifest", "notice"]}),
    ]
    return {"get": {
        "summary": "Search the published datasets", "operationId": "search",
        "parameters": parameters,
        "responses": {
            "200": {"description": "A page of hits with facet counts (HTML for browsers)",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/SearchResults"}},
                        "text/html": {}}},
            "400": {"description": "A parameter out of range, named in the answer",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}}}}}


def _record() -> dict[str, Any]:
    content = {"text/html": {}, **{s.media_type: {} for s in RDF_SYNTAXES.values()}}
    return {"get": {
        "summary": "A published record: its page, or its named graph in RDF by content "
                   "negotiation (or ?format=" + "|".join(s.extension for s in
                                                        RDF_SYNTAXES.values()) + ")",
        "operationId": "record",
        "parameters": [RECORD_ID, _query("format", "An RDF syntax by its file extension",
                                         {"type": "string", "enum": [
                                             s.extension for s in RDF_SYNTAXES.values()]})],
        "responses": {"200": {"description": "The record", "content": content},
                      "304": {"description": "Not modified (ETag, Last-Modified)"},
                      "404": {"description": "No public record of that identifier"},
                      "406": {"description": "None of the accepted media types"},
                      "410": {"description": "Withdrawn: a tombstone"}}}}


def _olac() -> dict[str, Any]:
    return _one_format("olac", "The record as OLAC 1.1 XML", "application/xml")


def _croissant() -> dict[str, Any]:
    return _one_format("croissant", "The record as Croissant 1.1 JSON-LD",
                       "application/ld+json")


def _one_format(name: str, summary: str, media_type: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": name, "parameters": [RECORD_ID],
                    "responses": {"200": {"description": summary,
                                          "content": {media_type: {}}},
                                  "404": {"description": "No public record"},
                                  "410": {"description": "Withdrawn"}}}}


def _export() -> dict[str, Any]:
    kinds = "; ".join(f"{f.name} ({f.media_type})" for f in FORMATS.values())
    return {"get": {
        "summary": "The record in an export format: " + kinds, "operationId": "export",
        "parameters": [RECORD_ID, {"name": "format", "in": "path", "required": True,
                                   "schema": {"type": "string", "enum": list(FORMATS)}}],
        "responses": {"200": {"description": "The record in that format",
                              "content": {t: {} for t in sorted({f.media_type for f in
                                                                  FORMATS.values()})}},
                      "404": {"description": "No public record, or no such format"},
                      "410": {"description": "Withdrawn"}}}}


def _file() -> dict[str, Any]:
    return {"get": {
        "summary": "A file of a published record (Range, a strong ETag: its SHA-256)",
        "operationId": "file",
        "parameters": [RECORD_ID, {"name": "name", "in": "path", "required": True,
                                   "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The file", "content": {
            t: {} for t in ("application/pdf", "application/vnd.oasis.opendocument.text",
                            "text/csv", "application/xml", "application/json")}},
                      "206": {"description": "The range asked for"},
                      "304": {"description": "Not modified"},
                      "403": {"description": "Its licence needs an agreement: a page says "
                                             "whom to ask"},
                      "404": {"description": "No such file in the public revision"},
                      "410": {"description": "Withdrawn"}}}}


def _oai(settings: Config) -> dict[str, Any]:
    limits = settings.limits.oai
    return {"get": {
        "summary": "OAI-PMH 2.0 data provider (olac, oai_dc, dcat)", "operationId": "oai",
        "description": f"The six verbs of the protocol; lists are paged by resumption "
                       f"tokens, {settings.oai.page_size} records a page. At most "
                       f"{limits.rate:g} requests a second a client (bursts of "
                       f"{limits.burst}); more are answered 429 with Retry-After.",
        "externalDocs": {"url": OAI_PMH},
        "parameters": [_query("verb", "The OAI-PMH verb", {"type": "string", "enum": [
            "Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers", "ListRecords",
            "GetRecord"]})],
        "responses": {"200": {"description": "An OAI-PMH response (errors too, as the "
                                             "protocol says)", "content": {"text/xml": {}}},
                      "429": {"description": "Too many requests from this client"}}}}


def _sparql(settings: Config) -> dict[str, Any]:
    limits = settings.sparql
    return {"get": {
        "summary": "SPARQL 1.1 query endpoint over the public area", "operationId": "sparql",
        "description": f"Queries run for at most {limits.time_limit:g} s and answers hold "
                       f"at most {limits.max_rows:,} rows (a longer answer is cut and says "
                       "so in a header). POST with a form or application/sparql-query is "
                       "accepted too. Read only.",
        "externalDocs": {"url": SPARQL_PROTOCOL},
        "parameters": [_query("query", "A SPARQL 1.1 query", {"type": "string"}),
                       _query("format", "A format by name instead of Accept; `manifest` or "
                              "`notice`: the training manifest (JSON) or NOTICE file (text) "
                              "of the datasets a SELECT's first variable holds, at most 1,000",
                              {"type": "string"})],
        "responses": {"200": {"description": "Results, a graph, or a manifest", "content": {
            **{f.media_type: {} for f in SPARQL_FORMATS}, "application/json": {},
            "text/plain": {}}},
            "400": {"description": "A malformed query, with the reason"},
            "503": {"description": "Too busy or over the time limit; Retry-After"}}}}


def _catalogue() -> dict[str, Any]:
    content = {s.media_type: {} for s in RDF_SYNTAXES.values()}
    return {"get": {
        "summary": f"The DCAT-AP catalogue, {CATALOGUE_PAGE_SIZE} datasets a page (Hydra "
                   "paging links)", "operationId": "catalogue",
        "parameters": [_query("page", "The page", {"type": "integer", "minimum": 1})],
        "responses": {"200": {"description": "A page of the catalogue",
                              "content": {"text/html": {}, **content}},
                      "400": {"description": "A page that is not a number"},
                      "404": {"description": "A page past the last"}}}}


def _void() -> dict[str, Any]:
    content = {s.media_type: {} for s in RDF_SYNTAXES.values()}
    return {"get": {"summary": "The VoID description of the public data: sizes, "
                               "vocabularies, subsets per OAI-PMH set",
                    "operationId": "void",
                    "responses": {"200": {"description": "VoID",
                                          "content": {"text/html": {}, **content}}}}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _results_schema() -> dict[str, Any]:
    hit = {"type": "object", "required": ["id", "iri", "url", "titles"], "properties": {
        "id": {"type": "string"}, "iri": {"type": "string", "format": "uri"},
        "url": {"type": "string", "format": "uri"},
        "titles": {"type": "array", "items": {"type": "string"}},
        "descriptions": {"type": "array", "items": {"type": "string"}},
        "score": {"type": ["number", "null"]}, "quality": {"type": ["number", "null"]}}}
    value = {"type": "object", "properties": {
        "term": {"type": "string"}, "count": {"type": "integer"},
        "label": {"type": "object", "additionalProperties": {"type": "string"}}}}
    return {"type": "object", "required": ["query", "total", "pages", "hits", "facets"],
            "properties": {
                "query": {"type": "object"}, "total": {"type": "integer"},
                "pages": {"type": "integer"},
                "suggestion": {"type": ["string", "null"],
                               "description": "For words that found nothing, the words "
                                              "corrected that find something"},
                "hits": {"type": "array", "items": hit},
                "facets": {"type": "object",
                           "additionalProperties": {"type": "array", "items": value}}}}


def _error_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"}, "parameter": {"type": ["string", "null"]}}}
