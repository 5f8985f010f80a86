"""``/search``: ranked search of the public records with facets, for people and programs.

The query and its choices are all in the URL (``q``, ``facet`` repeated, ``from``, ``until``,
``sort``, ``page``, ``size``), so a search can be bookmarked and shared. Browsers get the HTML
page (zh-Hant or English, :mod:`endpoints.i18n`); ``?format=json`` or ``Accept:
application/json`` gets the same results as JSON. Everything comes from the text index
(:mod:`repository.search`), never from the store: a page costs a few milliseconds whatever the
size of the catalogue, and a page built is kept in the page cache under its URL, its language
and the index's version (the text index changes with the dissemination index). Bad
parameters answer 400 naming the parameter.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from repository.errors import InputError
from repository.search.facets import FACETS
from repository.search.highlight import highlighted
from repository.search.query import DEFAULT_PAGE_SIZE, Hit, Results, Search, search
from vocab.namespaces import VOCAB_BASE
from vocab.schemes import label

from .i18n import N_, language_code, locale, vary_by_language
from .page_cache import PAGES, NotCached, built_once, only_cached

bp = Blueprint("search", __name__, template_folder="templates")

#: Facet values shown before "more".
SHOWN_VALUES = 8
#: Where each concept facet's codes live.
CONCEPTS = {"text-type": f"{VOCAB_BASE}text-type/",
            "domain": f"{VOCAB_BASE}application-domain/",
            "theme": f"{VOCAB_BASE}portal-theme/",
            "access": "http://publications.europa.eu/resource/authority/access-right/"}


def repository():
    return current_app.extensions["yuliao"]


@bp.get("/search")
def page() -> Response:
    """The search page, or its JSON. 400 naming the parameter for bad input."""
    try:
        asked = asked_search(request.args)
    except InputError as error:
        return refused(error)
    if request.args.get("format") in ("manifest", "notice"):
        return _manifest(asked, request.args["format"])
    as_data = wants_json()
    key = ("search", request.query_string.decode("latin-1"), as_data, locale(),
           repository().disseminations.version(), request.script_root)
    return built_once(current_app.extensions[PAGES], key, lambda: answer(asked, as_data))


def _manifest(asked: Search, kind: str) -> Response:
    """The training manifest (or its NOTICE file: ``kind``) of this page of results, and the
    address of the next page."""
    from .files import search_manifest

    if only_cached():  # built from the store each time: never on the event loop
        raise NotCached("manifest")
    results = search(repository().text_index, asked)
    view = View(results)
    following = view.link(page=asked.page + 1) if asked.page < results.pages else None
    if following is not None:
        following += f"&format={kind}" if "?" in following else f"?format={kind}"
    return search_manifest(results, url_for_external(following), as_notice=kind == "notice")


def url_for_external(path: str | None) -> str | None:
    return f"{request.host_url.rstrip('/')}{path}" if path else None


def answer(asked: Search, as_data: bool) -> Response:
    """The page (or JSON) of ``asked``, built from the text index."""
    results = search(repository().text_index, asked)
    if as_data:
        return jsonify(as_json(results))
    return vary_by_language(Response(
        render_template("search.html", results=results, view=View(results)),
        mimetype="text/html"))


def asked_search(args: MultiDict) -> Search:
    """The search the URL asks for. Raises InputError naming the parameter."""
    return Search.checked(args.get("q", ""), tuple(args.getlist("facet")),
                          (_year(args, "from"), _year(args, "until")), args.get("sort") or None,
                          _number(args, "page", 1), _number(args, "size", DEFAULT_PAGE_SIZE),
                          _score(args, "quality"))


def _number(args: MultiDict, name: str, default: int) -> int:
    value = args.get(name, "")
    if not value:
        return default
    if not value.isdigit() or len(value) > 6:
        raise InputError(f"expected a whole number, got {value!r}", field=name)
    return int(value)


def _score(args: MultiDict, name: str) -> float | None:
    value = args.get(name, "")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError(f"expected a score such as 7.5, got {value!r}", field=name) from None


def _year(args: MultiDict, name: str) -> int | None:
    value = args.get(name, "")
    if not value:
        return None
    if not (value.isdigit() and len(value) == 4):
        raise InputError(f"expected a year of four digits, got {value!r}", field=name)
    return int(value)


def wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def refused(error: InputError) -> Response:
    message = f"{error.field}: {error.reason}"
    if wants_json():
        return Response(jsonify({"error": message, "parameter": error.field}).data, 400,
                        mimetype="application/json")
    return Response(render_template("search.html", results=None, view=None, error=message),
                    400, mimetype="text/html")


# -- what the page shows -------------------------------------------------------------------


def facet_label(facet: str, code: str, *, english: bool) -> str:
    """The name of a facet value in the page's language."""
    if facet in CONCEPTS:
        return label(f"{CONCEPTS[facet]}{code}", "en" if english else "zh-Hant") or code
    if facet == "ai":
        return gettext("Usable for AI training") if code == "yes" else gettext(
            "Not for AI training")
    if facet == "decade":
        return gettext("%(decade)ss", decade=code)
    if facet == "source" and code == "local":
        return gettext("Described here")
    named = set_names().get(f"{facet}:{code}")
    if named is None:
        return code
    return (named.name_en if english else named.name_zh) or named.name_en or named.name_zh \
        or code


@bp.app_template_global("facet_name")
def facet_name(term: str) -> str:
    """The name of the facet term ``term`` (``theme:languages``) in the page's language."""
    facet, _, code = term.partition(":")
    return facet_label(facet, code, english=language_code() == "en")


def set_names() -> dict:
    """The OAI-PMH sets' names (read once per request)."""
    if "set_names" not in g:
        g.set_names = repository().disseminations.set_names()
    return g.set_names


#: Each facet's title (a catalogue message).
FACET_TITLES = {"text-type": N_("Text type"), "domain": N_("Application domain"),
                "theme": N_("Theme"), "language": N_("Language"), "licence": N_("Licence"),
                "ai": N_("AI training"), "access": N_("Access"), "agency": N_("Agency"),
                "decade": N_("Years covered"), "source": N_("Source")}


def facet_title(facet: str) -> str:
    """The title of ``facet`` in the page's language."""
    return gettext(FACET_TITLES[facet])


class View:
    """What the template needs of ``results``: links that keep the search, labels, pieces.
    Its pages are at ``endpoint`` (with ``arguments``), where the terms ``implied`` are not
    written in the URL (``/language/nan`` implies ``language:nan``); a facet's link always
    goes to the search page with every term."""

    def __init__(self, results: Results, endpoint: str = "search.page",
                 arguments: dict[str, str] | None = None, implied: tuple[str, ...] = ()
                 ) -> None:
        self.results = results
        self.asked = results.search
        self.english = language_code() == "en"
        self.endpoint, self.arguments, self.implied = endpoint, arguments or {}, implied
        self._addresses: dict[str, str] = {}  # endpoint → its URL (a page has hundreds of links)

    def link(self, **changes: Any) -> str:
        """This search's URL with ``changes`` (``terms``, ``page``, ``sort``, ``text``); a
        new choice starts again at page 1."""
        asked = self.asked
        terms = changes.get("terms", asked.terms)
        endpoint, arguments = self.endpoint, self.arguments
        if "terms" in changes or not set(self.implied) <= set(terms):
            endpoint, arguments = "search.page", {}
        else:
            terms = tuple(t for t in terms if t not in self.implied)
        text = changes.get("text", asked.text)
        query: list[tuple[str, str]] = [("q", text)] if text else []
        query += [("facet", t) for t in terms]
        query += [(k, str(v)) for k, v in (("from", asked.years[0]), ("until", asked.years[1]),
                                           ("quality", asked.min_quality)) if v is not None]
        sort = changes.get("sort", asked.sort)
        if sort != ("relevance" if text else "modified"):
            query.append(("sort", sort))
        page = changes.get("page", 1)
        if page > 1:
            query.append(("page", str(page)))
        if asked.size != DEFAULT_PAGE_SIZE:
            query.append(("size", str(asked.size)))
        here = self._addresses.get(endpoint)
        if here is None:
            here = self._addresses[endpoint] = url_for(endpoint, **arguments)
        return f"{here}?{urlencode(query)}" if query else here

    def toggled(self, term: str) -> str:
        terms = set(self.asked.terms)
        terms.symmetric_difference_update({term})
        return self.link(terms=tuple(sorted(terms)))

    def facets(self) -> list[tuple[str, str, list[tuple[str, str, int, bool]]]]:
        """(facet, its title, [(term, label, count, chosen)]) for facets with values."""
        shown = []
        for facet in FACETS:
            values = [(f"{facet}:{code}", facet_label(facet, code, english=self.english),
                       count, f"{facet}:{code}" in self.asked.terms)
                      for code, count in self.results.facets.get(facet, [])]
            if values:
                shown.append((facet, facet_title(facet), values))
        return shown

    def title(self, hit: Hit) -> list[tuple[str, bool]]:
        return highlighted(pick(hit.titles, self.english) or hit.local_id, self.asked.text)

    def description(self, hit: Hit) -> list[tuple[str, bool]]:
        return highlighted(pick(hit.descriptions, self.english), self.asked.text)


def pick(texts: tuple[str, ...], english: bool) -> str:
    """The text for the page's language: the first with (zh) or without (en) Chinese, else the
    first; '' for none."""
    for text in texts:
        if any("\u4e00" <= c <= "\u9fff" for c in text) != english:
            return text
    return texts[0] if texts else ""


def as_json(results: Results) -> dict[str, Any]:
    asked = results.search
    return {
        "query": {"q": asked.text, "facet": list(asked.terms), "from": asked.years[0],
                  "until": asked.years[1], "sort": asked.sort, "page": asked.page,
                  "size": asked.size, "quality": asked.min_quality},
        "total": results.total, "pages": results.pages, "suggestion": results.suggestion,
        "hits": [{"id": h.local_id, "iri": h.iri,
                  "url": url_for("records.page", local_id=h.local_id, _external=True),
                  "titles": list(h.titles), "descriptions": list(h.descriptions),
                  "score": h.score, "quality": h.quality} for h in results.hits],
        "facets": {facet: [{"term": f"{facet}:{code}", "count": count,
                            "label": {"zh-Hant": facet_label(facet, code, english=False),
                                      "en": facet_label(facet, code, english=True)}}
                           for code, count in values]
                   for facet, values in results.facets.items()},
    }
