"""The home page: the latest published records, a page at a time, and what the repository holds.

Everything on it comes from the dissemination index (:mod:`repository.disseminations`), never
from the store: the records of a page are one keyset query on the live rows ordered by
datestamp (their titles are in the index), and the totals (datasets, agencies, languages) are
the index's :meth:`~repository.disseminations.Disseminations.summary`, computed once per
version of the index. A page costs the same at 20 records and at a million; a page built is
kept in the page cache under the index's version, its cursor and its language. Each row links to
the record's page (``endpoints.records``: ``/record/{id}`` with content negotiation,
``olac.xml``, ``croissant.json``) and exports; the page links to the services (SPARQL,
OAI-PMH, the DCAT catalogue, VoID). It carries an ETag and Last-Modified from the index's
version and latest datestamp, and answers a conditional request with 304.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from repository import Repository
from repository.disseminations import Listing
from repository.export import FORMATS
from repository.records import LOCAL_ID, parse_datestamp
from repository.search.query import Search, search
from vocab.schemes import concepts

from .conditional import Validators
from .i18n import LANGUAGE_VARY, locale, vary_by_language
from .oai.protocol import SECOND
from .page_cache import PAGES, built_once

bp = Blueprint("home", __name__, template_folder="templates")

#: Records on one page of the home page.
PAGE_SIZE = 50
#: Separates the datestamp and the local id in ``?before=`` (neither can contain it).
CURSOR_SEPARATOR = ","
TEXT = "text/plain; charset=utf-8"


def repository() -> Repository:
    return current_app.extensions["yuliao"]


@bp.get("/")
def index() -> Response:
    """A page of the latest published records (``?before=`` continues after a record); 400
    for a malformed ``before``."""
    before = cursor(request.args.get("before"))
    index = repository().disseminations
    validators = Validators.of("home", index.version(), request.args.get("before", ""),
                               locale(), last_modified=parse_datestamp(index.latest_datestamp()))
    key = ("home", request.args.get("before", ""), locale(), index.version(),
           request.script_root)
    return validators.answer(lambda: built_once(
        current_app.extensions[PAGES], key,
        lambda: vary_by_language(Response(home_html(before), mimetype="text/html"))),
        vary=LANGUAGE_VARY)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers that ask for /favicon.ico before reading a page's icon link get the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


def cursor(argument: str | None) -> tuple[str, str] | None:
    """``?before=`` as a (datestamp, local id) key, None when absent. Answers 400 naming the
    parameter when it is not ``{datestamp},{local id}``."""
    if argument is None:
        return None
    datestamp, _, local_id = argument.partition(CURSOR_SEPARATOR)
    if not SECOND.fullmatch(datestamp) or not LOCAL_ID.fullmatch(local_id):
        abort(Response(f"before={argument!r}: expected a datestamp and a local id separated "
                       f"by {CURSOR_SEPARATOR!r}, such as 2026-03-01T08:00:00Z,00001174 "
                       "(follow the page's 'older' link)\n", 400, content_type=TEXT))
    return datestamp, local_id


def home_html(before: tuple[str, str] | None) -> str:
    """The page of up to PAGE_SIZE records after ``before``, with the totals, the entry points
    by theme and language, and the services."""
    index = repository().disseminations
    found = index.latest(before, PAGE_SIZE + 1)
    records = found[:PAGE_SIZE]
    older = cursor_text(records[-1]) if len(found) > PAGE_SIZE else None
    summary = index.summary()
    return render_template(
        "home.html", records=records, older=older, first_page=before is None,
        totals={"datasets": summary.records, "agencies": summary.families.get("agency", 0),
                "languages": summary.families.get("language", 0),
                "tokens": repository().text_index.token_total()},
        entries=entry_points(index.version()), keywords=POPULAR_KEYWORDS,
        formats=list(FORMATS.values()), yuliao=current_app.config["YULIAO"])


#: The keywords offered under the search box (seed 000's 熱門關鍵字, and ours).
POPULAR_KEYWORDS = ("文化", "交通", "教育", "語料庫", "台語", "客語", "原住民族語", "手語")
#: Languages that are not Taiwan's national languages (the others of vocab/ are).
FOREIGN = frozenset({"eng", "jpn", "kor"})


def entry_points(version: str) -> dict[str, list[tuple[str, str, int]]]:
    """The themes and languages with their counts of public records, as (term, code, count):
    themes in the vocabulary's order, Taiwan's national languages first (most records
    first), then up to ten others. One facet count of the text index, kept per ``version``
    of the dissemination index."""
    cache = current_app.extensions.setdefault(ENTRY_CACHE, {})
    if version not in cache:
        cache.clear()
        facets = search(repository().text_index, Search(size=1)).facets
        themes = dict(facets.get("theme", []))
        national = set(concepts("language")) - FOREIGN
        languages = facets.get("language", [])
        cache[version] = {
            "themes": [(f"theme:{code}", code, themes.get(code, 0))
                       for code in concepts("portal-theme")],
            "languages": [(f"language:{code}", code, count) for code, count in
                          [*(v for v in languages if v[0] in national),
                           *[v for v in languages if v[0] not in national][:10]]],
        }
    return cache[version]


ENTRY_CACHE = "yuliao.home-entries"


def cursor_text(listing: Listing) -> str:
    """The ``?before=`` value of the page after ``listing``."""
    return CURSOR_SEPARATOR.join(listing.key)
