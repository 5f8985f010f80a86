"""Dereferenceable record pages: ``/record/{id}`` with content negotiation, ``/id/{id}``.

``GET /id/{id}`` (the described resource) and ``GET /graph/{id}`` (the named graph holding
the record) answer 303 See Other to ``/record/{id}`` (the page about it), keeping the query.
``GET /record/{id}`` answers HTML (for people, and the default), Turtle, JSON-LD, RDF/XML
or N-Triples by ``Accept`` (q-values honoured) or ``?format=`` (``html``, ``ttl``,
``jsonld``, ``rdf``, ``nt``), with ``Vary: Accept``, ``Link`` headers to the alternates, and
an ETag and Last-Modified from the record's datestamp. The RDF is the record's graph as the
public area holds it (description + catalogue record). ``/record/{id}/olac.xml``,
``/record/{id}/croissant.json`` and ``/record/{id}/export/{format}`` are the exports.

Every path is the minted IRI's: an id is written as it is minted (``src:10125%2F32707``) and
found whatever a client or proxy did to its percent-encoding (endpoints/addresses.py).

Only the public area is read, so drafts and records under review are 404 like unknown or
malformed ids; a withdrawn record is 410 Gone with its tombstone (an HTML page, or the
tombstone triples under RDF negotiation). Nothing acceptable: 406 listing what is available.

Rendered pages are kept in a bounded cache (:mod:`endpoints.page_cache`) under the record's
datestamp: a request whose record the dissemination index gives the datestamp of a cached page
is answered from it without reading the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
from flask_babel import gettext
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from repository import Config, InputError, NotFound, Record, Repository, StoreError
from repository.crosswalks.schemaorg import script_text, to_schemaorg
from repository.export import (
    FORMATS,
    RDF_SYNTAXES,
    export_record,
    public_graph,
    serialize_rdf,
)
from repository.files.text import TOKENIZER
from repository.oai_sets import agency_slug
from repository.records import (
    canonical_local_id,
    is_tombstone,
    split_record_graph,
    tombstone_set_specs,
    utc_text,
)
from repository.renderings import METADATA_FORMATS
from vocab.namespaces import DCT, FOAF

from . import record_view as view
from .conditional import Validators
from .i18n import locale, vary_by_language
from .page_cache import PAGES, CachedPage, NotCached, PageCache, PageKey, only_cached

bp = Blueprint("records", __name__, template_folder="templates")

HTML = "html"
#: Media type → variant (``html`` or a key of RDF_SYNTAXES), in order of preference.
OFFERS: dict[str, str] = {
    "text/html": HTML,
    **{syntax.media_type: name for name, syntax in RDF_SYNTAXES.items()},
}
#: ``?format=`` values → variant.
FORMAT_NAMES: dict[str, str] = {
    HTML: HTML,
    **{syntax.extension: name for name, syntax in RDF_SYNTAXES.items()},
    **{name: name for name in RDF_SYNTAXES},
}
RDF_LABELS = {"turtle": "Turtle", "jsonld": "JSON-LD", "rdfxml": "RDF/XML",
              "ntriples": "N-Triples"}
CROISSANT_TYPE = 'application/ld+json; profile="http://mlcommons.org/croissant/1.1"'
TEXT = "text/plain; charset=utf-8"
RETRY_AFTER_SECONDS = 60


def repository() -> Repository:
    return current_app.extensions["yuliao"]


def config() -> Config:
    return current_app.config["YULIAO"]


def page_cache() -> PageCache:
    """This application's cache of rendered record pages."""
    return current_app.extensions[PAGES]


# -- routes ------------------------------------------------------------------------------------
#
# Every id arrives decoded (see endpoints/addresses.py) and is looked up in its canonical form
# first, then as given: a link that encoded the id twice (``src:a%253Ab``) reaches the record
# ``src:a%3Ab`` and is sent on to its canonical address (301).


@dataclass(frozen=True)
class Found:
    """A public record (or tombstone) a request names: its id, its stored graph, and whether
    only an old, twice-encoded link named it (the answer is then a redirect)."""

    id: str
    graph: Graph
    moved: bool = False


def find_public(requested: str) -> Found | None:
    """The public graph of the id ``requested`` (decoded) names, canonical form first; None
    when the public area has neither."""
    canonical = canonical_local_id(requested)
    for candidate in dict.fromkeys((canonical, requested)):
        try:
            stored = public_graph(repository(), candidate)
        except (InputError, NotFound):
            continue
        return Found(candidate, stored, moved=candidate != canonical)
    return None


def moved(local_id: str) -> Response:
    """301 to the same view at the canonical address of ``local_id``, keeping the query."""
    target = url_for(request.endpoint, **{**(request.view_args or {}), "local_id": local_id},
                     **request.args.to_dict())
    return redirect(target, code=301)


@bp.get("/id/<minted:local_id>", merge_slashes=False)
def resource(local_id: str) -> Response:
    """303 See Other to the page about the resource (the client repeats its Accept there);
    404 when no public record or tombstone has that id."""
    found = find_public(local_id)
    if found is None:
        return not_found(canonical_local_id(local_id))
    return see_other(found.id)


@bp.get("/graph/<minted:local_id>", merge_slashes=False)
def named_graph(local_id: str) -> Response:
    """The named graph of a record: 303 See Other to its page, whose RDF is that graph."""
    return resource(local_id)


@bp.get("/graph/<minted:local_id>/links", merge_slashes=False)
def links_graph(local_id: str) -> Response:
    """The graph of a record's links to the same dataset elsewhere (``prov:alternateOf``):
    303 See Other to the record's page (or, when no record has that id, to the page of the
    record whose id ends in a decoded ``%2Flinks``)."""
    return resource(local_id if find_public(local_id) else f"{local_id}/links")


def see_other(local_id: str) -> Response:
    target = url_for("records.page", local_id=local_id, **request.args.to_dict())
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@bp.get("/record/<minted:local_id>", merge_slashes=False)
def page(local_id: str) -> Response:
    """The record in the negotiated variant: 404 unknown, 410 withdrawn, 406 nothing acceptable,
    400 for an unknown ``?format=``."""
    variant = negotiate()
    canonical = canonical_local_id(local_id)
    cached = cached_page(canonical, variant) if variant is not None else None
    if cached is not None:
        return cached
    if only_cached():
        raise NotCached(local_id)
    found = find_public(local_id)
    if found is None:
        return not_found(canonical)
    if found.moved:
        return moved(found.id)
    local_id, stored = found.id, found.graph
    if variant is None:
        return not_acceptable(alternates(local_id))
    if is_tombstone(stored, local_id, repository().ids):
        return gone(local_id, stored, variant)
    record = split_record_graph(local_id, stored, repository().ids)
    try:
        body = record_html(record, stored) if variant == HTML else serialize_rdf(stored, variant)
    except InputError as error:
        return cannot_write(local_id, variant, error)
    return variant_response(record, body, variant)


@bp.get("/record/<minted:local_id>/olac.xml", merge_slashes=False)
def olac(local_id: str) -> Response:
    """The OLAC 1.1 record (``application/xml``); 404 unknown, 410 withdrawn."""
    return export(local_id, "olac", "application/xml")


@bp.get("/record/<minted:local_id>/croissant.json", merge_slashes=False)
def croissant(local_id: str) -> Response:
    """The Croissant 1.1 JSON-LD description; 404 unknown, 410 withdrawn."""
    return export(local_id, "croissant", CROISSANT_TYPE)


@bp.get("/record/<minted:local_id>/export/<fmt>", merge_slashes=False)
def export_as(local_id: str, fmt: str) -> Response:
    """The record in export format ``fmt`` (``repository.export.FORMATS``); 404 unknown
    record or format, 410 withdrawn."""
    if fmt not in FORMATS:
        return page_of_whole_path(local_id)
    return export(local_id, fmt, FORMATS[fmt].media_type)


def page_of_whole_path(requested: str) -> Response:
    """The answer to ``/record/{a}/olac.xml`` (or another export) when no record ``a`` is
    public: the page of the record whose id is the whole rest of the path, when a server
    decoded the ``%2F`` of its address (``src:a%2Folac.xml``); else 404 for ``a``."""
    whole = request.path.removeprefix("/record/")
    if whole != requested and find_public(whole) is not None:
        return page(whole)
    return not_found(canonical_local_id(requested))


# -- negotiation -------------------------------------------------------------------------------


def negotiate() -> str | None:
    """The variant asked for: ``?format=`` first, then ``Accept`` (HTML when there is none).
    None when nothing offered is acceptable. Answers 400 for an unknown ``?format=``."""
    asked = request.args.get("format")
    if asked is not None:
        if asked not in FORMAT_NAMES:
            abort(Response(f"unknown format {asked!r}; expected one of "
                           f"{', '.join(sorted(FORMAT_NAMES))}\n", 400, content_type=TEXT))
        return FORMAT_NAMES[asked]
    if not request.accept_mimetypes:
        return HTML
    best = request.accept_mimetypes.best_match(list(OFFERS))
    return OFFERS[best] if best else None


def wants_html() -> bool:
    """True when an error should be an HTML page rather than plain text."""
    if not request.accept_mimetypes:
        return True
    return request.accept_mimetypes.best_match(["text/html", "text/plain"]) == "text/html"


def variants(endpoint: str, *, rdf: bool = True, **values: str) -> list[tuple[str, str, str]]:
    """(href, media type, label) of the HTML variant of the page ``endpoint`` answers for
    ``values``, and of its RDF variants when ``rdf``."""
    links = [(url_for(endpoint, **values, format=HTML), "text/html", "HTML")]
    if rdf:
        links += [(url_for(endpoint, **values, format=syntax.extension), syntax.media_type,
                   RDF_LABELS[name]) for name, syntax in RDF_SYNTAXES.items()]
    return links


def alternates(local_id: str) -> list[tuple[str, str, str]]:
    """(href, media type, label) of every variant of the record and its main exports."""
    links = variants("records.page", local_id=local_id)
    links.append((url_for("records.olac", local_id=local_id), "application/xml", "OLAC XML"))
    links.append((url_for("records.croissant", local_id=local_id), CROISSANT_TYPE, "Croissant"))
    return links


def link_header(links: list[tuple[str, str, str]]) -> str:
    """A ``Link`` header value naming ``links`` (href, media type, label) as alternates."""
    return ", ".join(f'<{href}>; rel="alternate"; type="{media_type.split(";")[0]}"'
                     for href, media_type, _ in links)


def variant_response(record: Record, body: bytes | str, variant: str) -> Response:
    """A 200 response with Vary, Link, Content-Location, ETag and Last-Modified, kept in the
    page cache; answers 304 to a matching conditional request."""
    media_type = "text/html" if variant == HTML else RDF_SYNTAXES[variant].media_type
    response = Response(body, mimetype=media_type)
    response.vary.add("Accept")
    if variant == HTML:
        vary_by_language(response)
    response.headers["Link"] = link_header(alternates(record.id))
    extension = HTML if variant == HTML else RDF_SYNTAXES[variant].extension
    response.headers["Content-Location"] = url_for("records.page", local_id=record.id,
                                                   format=extension)
    validators = record_validators(record, variant)
    if record.datestamp:
        kept = tuple((name, value) for name, value in response.headers.items()
                     if name in CACHED_HEADERS)
        page_cache().put(page_key(record.id, variant, utc_text(record.datestamp)),
                         CachedPage(response.get_data(), response.content_type, kept, validators))
    return validators.apply(response)


#: The headers of a record page kept with it in the page cache.
CACHED_HEADERS = ("Vary", "Link", "Content-Location")


def page_key(local_id: str, variant: str, datestamp: str) -> PageKey:
    return local_id, language_variant(variant), datestamp, request.script_root


def language_variant(variant: str) -> str:
    """``variant``, and for the HTML page its language (a page is cached and tagged per
    language)."""
    return f"{variant}-{locale()}" if variant == HTML else variant


def cached_page(local_id: str, variant: str) -> Response | None:
    """The cached page of the revision the dissemination index holds for ``local_id``, made
    conditional; None when the index holds no live record of that id, when the cache holds
    no page of that revision, or when the index cannot be read (the store is then asked)."""
    try:
        row = repository().disseminations.get(local_id)
    except StoreError:
        return None
    if row is None or row.deleted:
        return None
    found = page_cache().get(page_key(local_id, variant, row.datestamp))
    if found is None:
        return None
    response = Response(found.body, content_type=found.content_type, headers=list(found.headers))
    return found.validators.apply(response)


def record_validators(record: Record, variant: str) -> Validators:
    """ETag and Last-Modified of a variant of ``record``, from its datestamp, revision and
    content hash."""
    stamp = utc_text(record.datestamp) if record.datestamp else ""
    return Validators.of(record.id, stamp, record.revision, record.content_hash,
                         language_variant(variant), last_modified=record.datestamp)


def conditional(response: Response, record: Record, variant: str) -> Response:
    """``response`` with an ETag and Last-Modified from the record's datestamp, made
    conditional (304 Not Modified when the client holds this version)."""
    return record_validators(record, variant).apply(response)


# -- the answers -------------------------------------------------------------------------------


def record_html(record: Record, stored: Graph) -> str:
    """The HTML page of a published record (with the schema.org JSON-LD embedded)."""
    ids, subject = repository().ids, repository().ids.resource(record.id)
    page_url = str(ids.catalogue_record(record.id))
    schema = to_schemaorg(stored, subject, page_url,
                          {"name": config().repository_name, "url": config().base_uri})
    fields = view.description_fields(stored, subject, publisher_links(stored, subject))
    return render_template(
        "record.html", record=record, subject=str(subject), page_url=page_url,
        oai_identifier=ids.oai(record.id), titles=view.titles(stored, subject), fields=fields,
        licence_terms=[f for f in fields if f.predicate in view.LICENCE_TERMS],
        distributions=(found := view.distributions(stored, subject)),
        file_totals=view.file_totals(found), tokenizer=TOKENIZER,
        licences=view.licences(stored, subject),
        quality=view.quality(stored, subject),
        catalogue=view.catalogue_fields(record, ids.oai(record.id)),
        provenance=view.provenance_fields(record),
        alternates=alternates(record.id), oai_links=oai_links(record.id),
        exports=export_links(record.id), schema_json=script_text(schema),
        config=config(),
    )


def publisher_links(stored: Graph, subject: URIRef) -> dict[Node, str]:
    """The agency page of each publisher that is a node of the record (a harvested OLAC
    publisher, ``{id}#agent-2``) rather than an agency IRI of its own (which is its page)."""
    links: dict[Node, str] = {}
    for publisher in stored.objects(subject, DCT.publisher):
        if isinstance(publisher, Literal) or isinstance(publisher, URIRef) and "#" not in publisher:
            continue
        names = [n for n in stored.objects(publisher, FOAF.name) if isinstance(n, Literal)]
        slug = agency_slug(publisher, names, subject, repository().ids.base)
        links[publisher] = url_for("agencies.page", code=slug)
    return links


def oai_links(local_id: str) -> list[tuple[str, str]]:
    """(metadataPrefix, GetRecord URL) for every format the OAI-PMH provider disseminates."""
    identifier = repository().ids.oai(local_id)
    return [(f.prefix, url_for("oai.oai", verb="GetRecord", metadataPrefix=f.prefix,
                               identifier=identifier)) for f in METADATA_FORMATS]


def export_links(local_id: str) -> list[tuple[str, str, str]]:
    """(format name, URL, media type) of every export of the record."""
    return [(f.name, url_for("records.export_as", local_id=local_id, fmt=f.name), f.media_type)
            for f in FORMATS.values()]


def gone(local_id: str, stored: Graph, variant: str | None) -> Response:
    """410 Gone: the tombstone page (HTML), the tombstone triples (RDF), or plain text."""
    if variant == HTML:
        response = Response(tombstone_html(local_id, stored), 410, mimetype="text/html")
    elif variant is not None:
        response = Response(serialize_rdf(stored, variant), 410,
                            mimetype=RDF_SYNTAXES[variant].media_type)
    else:
        response = Response(f"record {local_id} was withdrawn and will not come back\n", 410,
                            content_type=TEXT)
    response.vary.add("Accept")
    return response


def tombstone_html(local_id: str, stored: Graph) -> str:
    """The page of a withdrawn record: what it was, when it went, its OAI identifier."""
    ids = repository().ids
    tomb = split_record_graph(local_id, stored, ids)
    return render_template(
        "tombstone.html", local_id=local_id, subject=str(ids.resource(local_id)),
        oai_identifier=ids.oai(local_id), sets=tombstone_set_specs(stored, local_id, ids),
        withdrawn=utc_text(tomb.datestamp) if tomb.datestamp else None, config=config())


def not_found(local_id: str) -> Response:
    """404: an HTML page for browsers, plain text for everyone else."""
    if wants_html():
        body = render_template("not_found.html", local_id=local_id, config=config())
        response = Response(body, 404, mimetype="text/html")
    else:
        response = Response(f"no public record {local_id}\n", 404, content_type=TEXT)
    response.vary.add("Accept")
    return response


def negotiated(variant: str, links: list[tuple[str, str, str]], html: Callable[[], str],
               graph: Callable[[], Graph]) -> Response:
    """200 in ``variant`` (``html`` or an RDF syntax): the page ``html()`` renders, or the
    graph ``graph()`` gives serialised; with ``Vary: Accept`` and Link headers to ``links``."""
    if variant == HTML:
        response = vary_by_language(Response(html(), mimetype="text/html"))
    else:
        response = Response(serialize_rdf(graph(), variant),
                            mimetype=RDF_SYNTAXES[variant].media_type)
    response.vary.add("Accept")
    response.headers["Link"] = link_header(links)
    return response


def missing(heading: str, text: str, **values: str) -> Response:
    """404 for something other than a record: an HTML page (the catalogue messages
    ``heading`` and ``text``, with ``values`` for its placeholders, in the reader's language)
    for browsers, the English text for everyone else."""
    if wants_html():
        body = render_template("missing.html", heading=gettext(heading),
                               text=gettext(text, **values), config=config())
        response = vary_by_language(Response(body, 404, mimetype="text/html"))
    else:
        response = Response(f"{text % values}\n", 404, content_type=TEXT)
    response.vary.add("Accept")
    return response


def not_acceptable(links: list[tuple[str, str, str]]) -> Response:
    """406 listing the media types the resource can be had in (and Link headers to them)."""
    lines = [f"{media_type.split(';')[0]}  {href}" for href, media_type, _ in links]
    body = "none of the accepted media types is available; available:\n" + "\n".join(lines)
    response = Response(body + "\n", 406, content_type=TEXT)
    response.vary.add("Accept")
    response.headers["Link"] = link_header(links)
    return response


def cannot_write(local_id: str, what: str, error: InputError) -> Response:
    """500 naming the record and why it cannot be written as ``what`` (a crosswalk or writer
    refused it; a published record should never get here)."""
    return Response(f"record {local_id} cannot be written as {what}: {error}\n", 500,
                    content_type=TEXT)


@bp.app_errorhandler(StoreError)
def store_failed(error: StoreError) -> Response:
    """503 with Retry-After when the store or an index fails, on any route (the request may
    well succeed later)."""
    return Response(f"the repository is unavailable: {error}\n", 503, content_type=TEXT,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def export(local_id: str, fmt: str, media_type: str) -> Response:
    """The public record in export format ``fmt``; 404 unknown, 410 withdrawn, 500 when the
    crosswalk cannot write it."""
    found = find_public(local_id)
    if found is None:
        return page_of_whole_path(local_id)
    if found.moved:
        return moved(found.id)
    local_id, stored = found.id, found.graph
    if is_tombstone(stored, local_id, repository().ids):
        return gone(local_id, stored, HTML if wants_html() else None)
    record = split_record_graph(local_id, stored, repository().ids)
    try:
        data = export_record(repository(), record, fmt)
    except InputError as error:
        return cannot_write(local_id, fmt, error)
    response = Response(data, content_type=media_type)
    response.headers["Link"] = f'<{url_for("records.page", local_id=local_id)}>; rel="describedby"'
    return conditional(response, record, fmt)
