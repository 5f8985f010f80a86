"""The message catalogues (endpoints/translations): every message the pages and the code ask
to translate has a Traditional Chinese translation, no translation is left over from a
message that is gone, the placeholders of each agree, and two parts of the catalogue never
translate one message two ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from endpoints.i18n import CATALOGUES, merged
from repository.errors import InputError
from tests.conftest import ROOT

METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def used_messages() -> dict[str, str]:
    """msgid → where it is first used, over endpoints/ (code and templates)."""
    used: dict[str, str] = {}
    for name, _line, message, _comments, _context in extract_from_dir(
            ROOT / "endpoints", METHODS, keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}}):
        for text in message if isinstance(message, tuple) else (message,):
            used.setdefault(text, name)
    return used


def catalogue() -> dict[str, str]:
    parts = sorted((CATALOGUES / "zh_Hant_TW" / "LC_MESSAGES").glob("*.po"))
    return {m.id: m.string for m in merged(parts) if m.id}


def test_every_message_of_the_pages_is_translated():
    translated = catalogue()
    missing = {m: where for m, where in used_messages().items()
               if not translated.get(m)}
    assert not missing, f"messages without a zh-Hant translation: {missing}"


def test_no_translation_is_left_from_a_message_no_page_uses():
    assert not set(catalogue()) - set(used_messages())


def test_a_translation_keeps_the_placeholders_of_its_message():
    wrong = {m: t for m, t in catalogue().items()
             if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(t))}
    assert not wrong


def test_two_parts_that_translate_a_message_differently_are_refused(tmp_path: Path):
    for name, text in (("a.po", "登入"), ("b.po", "簽入")):
        (tmp_path / name).write_text(f'msgid "Sign in"\nmsgstr "{text}"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.po: msgid 'Sign in' is translated differently"):
        merged([tmp_path / "a.po", tmp_path / "b.po"])
