"""Languages of the web pages: Traditional Chinese by default, English by a switch.

Messages are English in the code and the templates (``_("Sign in")``) and translated through
the message catalogues ``endpoints/translations/{locale}/LC_MESSAGES/*.po`` (:data:`LOCALES`:
``zh_Hant_TW``; English needs none): one ``.po`` per part of the site (``messages.po`` for
what every page shares, ``admin.po`` for the back office, …), merged into the one
``messages.mo`` of the locale. The catalogues are kept as ``.po`` text in the repository and
compiled when the application starts (:func:`compiled_catalogues`, into a cache keyed on
their content), so nothing built is committed and an edited catalogue counts at the next
start. A msgid translated in two parts must be translated the same way (InputError).

The language is the ``lang`` cookie, set by ``/lang/{code}`` (a link on every page, which
sends the reader back where they were); without it, the browser's ``Accept-Language`` when it
prefers English to Chinese; else zh-Hant. Pages in the reader's language say so in ``Vary``
(:data:`LANGUAGE_VARY`), and their ETags include the language.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Blueprint, Flask, Response, g, redirect, request, url_for
from flask_babel import Babel

from repository.errors import InputError

CATALOGUES = Path(__file__).resolve().parent / "translations"
#: The languages of the pages, the default first: locale → (code in URLs, name in itself).
LOCALES = {"zh_Hant_TW": ("zh-Hant", "中文"), "en": ("en", "English")}
DEFAULT = "zh_Hant_TW"
COOKIE = "lang"
#: How long the language choice is remembered.
COOKIE_DAYS = 365

bp = Blueprint("i18n", __name__)


def compiled_catalogues(source: Path = CATALOGUES) -> Path:
    """A directory with one ``{locale}/LC_MESSAGES/messages.mo`` per locale under ``source``,
    merged from its ``.po`` files and compiled once per content (in the system's temporary
    directory). Raises InputError naming the files when two translate a msgid differently."""
    sources = sorted(source.glob("*/LC_MESSAGES/*.po"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"yuliao-translations-{digest}"
    for folder in sorted({po.parent for po in sources}):
        mo = target / folder.relative_to(source) / "messages.mo"
        if not mo.exists():
            _compile(merged(sorted(folder.glob("*.po"))), mo)
    return target


def merged(parts: list[Path]) -> Catalog:
    """The messages of the ``.po`` files ``parts`` in one catalogue. Raises InputError when a
    msgid has two different translations."""
    whole: Catalog | None = None
    origin: dict[str, Path] = {}
    for po in parts:
        with po.open("rb") as text:
            part = read_po(text)
        whole = whole or Catalog(locale=part.locale, charset="utf-8")
        for message in part:
            if not message.id:
                continue
            known = whole.get(message.id)
            if known is not None and known.string != message.string:
                raise InputError(f"{po}: msgid {message.id!r} is translated differently in "
                                 f"{origin[message.id]}", field="msgstr")
            whole[message.id] = message
            origin[message.id] = po
    return whole or Catalog()


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is named, to be translated later
    (:func:`in_both`)."""
    return message


@lru_cache(maxsize=1)
def _default_translations() -> Translations:
    return Translations.load(str(compiled_catalogues()), [DEFAULT])


def in_both(message: str) -> tuple[str, str]:
    """(Traditional Chinese, English) of a catalogue ``message``, whatever the request's
    language: for names a page model holds in both languages, as it holds the vocabularies'
    labels, and the template picks from (the fields of a record page)."""
    return _default_translations().gettext(message), message


def _compile(catalogue: Catalog, mo: Path) -> None:
    """``catalogue`` compiled to ``mo``, written whole (another process may compile it too)."""
    mo.parent.mkdir(parents=True, exist_ok=True)
    partial = mo.with_name(f".{mo.name}.{os.getpid()}")
    with partial.open("wb") as out:
        write_mo(out, catalogue)
    os.replace(partial, mo)


#: What a page in the reader's language varies by.
LANGUAGE_VARY = ("Cookie", "Accept-Language")


def locale() -> str:
    """The locale of this request: the ``lang`` cookie's, else English when the browser's
    ``Accept-Language`` ranks English above every Chinese, else zh-Hant (decided once per
    request: a page asks for it at every label)."""
    decided = g.get("yuliao_locale")
    if decided is None:
        decided = g.yuliao_locale = _requested_locale()
    return decided


def _requested_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen is not None:
        return next((name for name, (code, _) in LOCALES.items() if code == chosen), DEFAULT)
    best = request.accept_languages.best_match(["zh-Hant", "zh-TW", "zh", "en"])
    return "en" if best == "en" else DEFAULT


def here() -> str:
    """This request's path and query as the browser sent them (percent-encoded), for links
    that come back to this page."""
    path = quote(request.path, safe="/:@!$&'()*+,;=~")
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def english() -> bool:
    """Whether this request's pages are in English (else Traditional Chinese)."""
    return locale() == "en"


def matches_language(tag: str | None, wanted: str) -> bool:
    """Whether the language tag ``tag`` is ``wanted`` or a form of it (``zh-Hant-TW`` is
    ``zh``)."""
    return bool(tag) and (tag.lower() == wanted or tag.lower().startswith(f"{wanted}-"))


def vary_by_language(response: Response) -> Response:
    """``response`` marked as depending on the reader's language."""
    for header in LANGUAGE_VARY:
        response.vary.add(header)
    return response


def language_code() -> str:
    """The BCP 47 code of this request's language (for ``<html lang>``)."""
    return LOCALES[locale()][0]


def install(app: Flask) -> None:
    """Translations for ``app``'s templates and code, and the language switch."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled_catalogues())
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    Babel(app, locale_selector=locale)
    app.jinja_env.globals.update(language_code=language_code, languages=LOCALES,
                                 current_locale=locale, english=english, here=here)
    app.jinja_env.tests["match_language"] = matches_language
    app.register_blueprint(bp)


@bp.get("/lang/<code>")
def choose(code: str) -> Response:
    """Remember ``code`` as the reader's language and go back (``?next=``, a path on this
    site). 404 for a language the pages are not in."""
    if code not in {c for c, _ in LOCALES.values()}:
        return Response("no such language\n", 404, content_type="text/plain; charset=utf-8")
    response = redirect(local_target(request.args.get("next")))
    response.set_cookie(COOKIE, code, max_age=COOKIE_DAYS * 86400, samesite="Lax",
                        httponly=True, path=request.script_root or "/")
    return response


def local_target(value: str | None) -> str:
    """``value`` when it is a path on this site (``/…`` but not ``//…``), else the home page:
    a redirect target a link cannot send elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return f"{request.script_root}{value}"
    return url_for("home.index")
