"""The hardened XML parser: hostile and broken input is refused with a one-line InputError."""

from __future__ import annotations

import pytest

from repository.errors import InputError
from repository.xmlsafe import parse_xml
from tests.conftest import DATA, shared_path

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE olac [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<olac>&secret;</olac>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>"""
UTF16_ENTITY = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'

HOSTILE = [
    ("xxe", XXE, "DTDs with entity declarations are not accepted"),
    ("billion-laughs", BILLION_LAUGHS, "DTDs with entity declarations are not accepted"),
    ("utf16-entity", UTF16_ENTITY.encode("utf-16"), "DTDs with entity declarations"),
    ("unclosed-tag", b"<olac><title>T</olac>", "not well-formed XML (line 1, column"),
    ("empty", b"", "empty"),
    ("blank", b" \n\t ", "empty"),
    ("latin1-declared-utf8", '<?xml version="1.0" encoding="UTF-8"?><t>Karína</t>'.encode(
        "latin-1"), "do not match the declared encoding"),
]


@pytest.mark.parametrize(("data", "reason"), [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_hostile_or_broken_input_raises_one_line_input_error(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_xml(data, "upload.xml")
    message = str(raised.value)
    assert message.startswith("upload.xml: ")
    assert reason in message
    assert "\n" not in message
    assert raised.value.origin == "upload.xml"


def test_xxe_payload_never_reaches_the_file_system() -> None:
    with pytest.raises(InputError) as raised:
        parse_xml(XXE, "xxe.xml")
    assert "root:" not in str(raised.value)


def test_doctype_without_entities_is_read() -> None:
    assert parse_xml(b"<!DOCTYPE a><a>ok</a>", "plain.xml").text == "ok"


def test_declared_latin1_encoding_is_honoured() -> None:
    olac = parse_xml((DATA / "olac" / "legacy_10.xml").read_bytes(), "legacy_10.xml")
    assert olac.findtext("{http://purl.org/dc/elements/1.1/}title") == "Karína word list"


def test_latin1_fixture_reads_karina() -> None:
    path = shared_path("fixtures", "oai", "olac10_static_repository_mbcarrom_latin1.xml")
    root = parse_xml(path.read_bytes(), path.name)
    assert b"Kar\xecna" in path.read_bytes()  # the file spells it with ì (0xEC in Latin-1)
    assert sum("Karìna" in text for text in root.itertext()) == 4


def test_comments_are_kept() -> None:
    root = parse_xml(b"<a><!-- note --><b/></a>", "c.xml")
    assert root[0].text == " note "
