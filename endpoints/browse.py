"""Browsing: ``/browse``, every way in with its count, and the pages of one language and one
licence, ``/language/{code}`` and ``/licence/{code}``.

``/browse`` lists each facet's values over all public records (the text index's facet counts,
one query): a language, licence or agency leads to its own page, any other value to the
search with it chosen. The page is built once per index version and language (the page
cache), so it costs the same at any size.

A language page names an ISO 639-3 language (the names our vocabulary gives it, else ISO's,
its Glottolog languoid) and lists the public datasets in or about it; a licence page explains
a licence of our vocabulary (what it permits, requires and prohibits, from its ODRL policy)
and lists the datasets under it. The lists are pages of the search index
(:mod:`repository.search`) with the same facets as ``/search``, whose links lead there; the
pages follow the reader's language. 404 for a code that names no language or licence.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from rdflib import URIRef

from repository.errors import InputError
from repository.search.query import Search, search
from vocab.languages import LanguageCodeError, resolve
from vocab.namespaces import SKOS, VOCAB_BASE, lexvo
from vocab.schemes import concepts, labels, load

from .i18n import language_code, locale, vary_by_language
from .page_cache import PAGES, built_once
from .record_view import explain_licence
from .search import View, asked_search, refused

bp = Blueprint("browse", __name__, template_folder="templates")

GLOTTOLOG = "https://glottolog.org/resource/languoid/id/"
#: Facets whose values have pages of their own (the others lead to the search).
OWN_PAGES = {"language": "browse.language", "licence": "browse.licence",
             "agency": "agencies.page"}


@bp.get("/browse")
def index() -> Response:
    """Every facet's values over the public records, with their counts."""
    key = ("browse", locale(), current_app.extensions["yuliao"].disseminations.version(),
           request.script_root)
    return built_once(current_app.extensions[PAGES], key, _browse_page)


def _browse_page() -> Response:
    results = search(current_app.extensions["yuliao"].text_index, Search.checked(size=1))
    sections = [(facet, title, [(label, count, way_in(term)) for term, label, count, _ in values])
                for facet, title, values in View(results).facets()]
    return vary_by_language(Response(
        render_template("browse.html", sections=sections, total=results.total),
        mimetype="text/html"))


def way_in(term: str) -> str:
    """Where a facet term leads: the page of its language, licence or agency, else the search
    with it chosen."""
    facet, _, code = term.partition(":")
    if facet in OWN_PAGES:
        return url_for(OWN_PAGES[facet], code=code)
    return url_for("search.page", facet=term)


@bp.get("/language/<code>")
def language(code: str) -> Response:
    """A language and its datasets; 404 for a code that is not ISO 639-3."""
    try:
        info = resolve(code)
    except LanguageCodeError:
        abort(404)
    iri = lexvo(info.code)
    names = labels(str(iri))
    about = {"code": info.code, "iri": str(iri), "iso_name": info.name,
             "name": _pick(names, info.name),
             "other_names": sorted(_other_names(iri) - {_pick(names, info.name)}),
             "glottolog": _glottolog(iri)}
    return _page("language.html", "browse.language", info.code, f"language:{info.code}",
                 about=about)


@bp.get("/licence/<code>")
def licence(code: str) -> Response:
    """A licence of our vocabulary explained, and its datasets; 404 for another code."""
    if code not in concepts("licence"):
        abort(404)
    explained = explain_licence(URIRef(f"{VOCAB_BASE}licence/{code}"))
    return _page("licence.html", "browse.licence", code, f"licence:{code}",
                 licence=explained)


def _page(template: str, endpoint: str, code: str, term: str, **context) -> Response:
    """The page ``template`` with the datasets of ``term`` (a page of the search)."""
    try:
        asked = asked_search(request.args)
    except InputError as error:
        return refused(error)
    asked = Search.checked("", (term,), sort=asked.sort if request.args.get("sort") else None,
                           page=asked.page, size=asked.size)
    results = search(current_app.extensions["yuliao"].text_index, asked)
    view = View(results, endpoint, {"code": code}, implied=(term,))
    return vary_by_language(Response(
        render_template(template, results=results, view=view, **context),
        mimetype="text/html"))


def _pick(names: dict[str, str], fallback: str) -> str:
    english = language_code() == "en"
    found = {tag.lower(): text for tag, text in names.items()}
    preferred = ("en",) if english else ("zh-hant", "zh-hant-tw", "zh")
    return next((found[t] for t in preferred if t in found), fallback)


def _other_names(iri: URIRef) -> set[str]:
    graph = load()
    return {str(label) for label in graph.objects(iri, SKOS.altLabel)} | {
        str(label) for label in graph.objects(iri, SKOS.prefLabel)}


def _glottolog(iri: URIRef) -> str | None:
    for match in load().objects(iri, SKOS.exactMatch):
        if str(match).startswith(GLOTTOLOG):
            return str(match)
    return None
