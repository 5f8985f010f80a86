"""Files: content-addressed storage that streams and keeps its size limit while the bytes
arrive, and the checks that decide what a file is by its content (issue 15)."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from repository.config import Config
from repository.errors import InputError, NotFound, StoreError
from repository.files import DiskStore, FileRefused, FileTooLarge, check_file
from repository.files import checks as checks_module
from repository.files.intake import take_in
from repository.files.scan import Scanner
from tests.files_support import (
    CSV_ROWS,
    EXECUTABLE,
    JSON_TEXT,
    MACRO,
    XML_TEXT,
    odt,
    scanned_pdf,
    text_pdf,
)


@pytest.fixture
def store(tmp_path: Path) -> DiskStore:
    return DiskStore(tmp_path / "files")


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- storage ---------------------------------------------------------------------------------


def test_a_file_is_stored_once_under_the_sha256_of_its_bytes(store: DiskStore) -> None:
    data = CSV_ROWS.encode() * 1000
    first = store.put([data[:5000], data[5000:]], name="a.csv")
    again = store.put([data], name="b.csv")
    assert first == again and first.new and not again.new
    assert first.sha256 == hashlib.sha256(data).hexdigest() and first.size == len(data)
    with store.open(first.sha256) as stream:
        assert stream.read() == data
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == [first.sha256]


def test_the_size_limit_holds_while_the_bytes_arrive(store: DiskStore) -> None:
    given = 0

    def chunks() -> Iterator[bytes]:
        nonlocal given
        for _ in range(100):
            given += 1
            yield b"x" * 600

    with pytest.raises(FileTooLarge, match=r"big\.csv.*over 1,000 bytes") as refused:
        store.put(chunks(), limit=1000, name="big.csv")
    assert refused.value.status == 413
    assert given == 2  # the third chunk was never asked for
    assert not any(p.is_file() for p in store.root.rglob("*"))  # nothing half-written


def test_a_digest_that_is_not_one_names_no_path(store: DiskStore) -> None:
    with pytest.raises(InputError, match="64 lowercase hex digits"):
        store.open("../../secret")
    with pytest.raises(NotFound):
        store.open("0" * 64)
    store.remove("0" * 64)  # removing what is not there is no error


# -- what a file is --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "kind", "encoding"), [
    ("report.pdf", text_pdf(), "pdf", None),
    ("transcripts.odt", odt(), "odt", None),
    ("places.csv", CSV_ROWS.encode("utf-8"), "csv", "utf-8"),
    ("places-bom.csv", b"\xef\xbb\xbf" + CSV_ROWS.encode("utf-8"), "csv", "utf-8-sig"),
    ("places-big5.csv", CSV_ROWS.encode("big5"), "csv", "big5"),
    ("places-utf16.csv", CSV_ROWS.encode("utf-16"), "csv", "utf-16"),
    ("entries.xml", XML_TEXT.encode("utf-8"), "xml", "utf-8"),
    ("entries.json", JSON_TEXT.encode("utf-8"), "json", "utf-8"),
    ("entries-utf16le.json", JSON_TEXT.encode("utf-16-le"), "json", "utf-16-le"),
    ("no-extension", CSV_ROWS.encode("utf-8"), "csv", "utf-8"),  # by content, not by name
])
def test_each_allowed_kind_is_recognised_by_its_content(tmp_path, name, data, kind, encoding):
    checked = check_file(written(tmp_path, name, data), name)
    assert (checked.kind, checked.encoding) == (kind, encoding)
    assert checked.media_type == checks_module.MEDIA_TYPES[kind]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("setup.pdf", EXECUTABLE, "type"),  # an executable renamed .pdf
    ("scan.pdf", scanned_pdf(), "scanned"),
    ("broken.pdf", b"%PDF-1.4\nnot a pdf at all", "malformed"),
    ("macro.odt", odt(extra={"Basic/Standard/Module1.xml": MACRO}), "macro"),
    ("spreadsheet.odt", odt(mimetype="application/vnd.oasis.opendocument.spreadsheet"),
     "type"),
    ("archive.odt", b"PK\x03\x04" + bytes(100), "malformed"),
    ("latin.csv", b"a,b\nc,d\n" + b"\x80\x80,\xff\n", "encoding"),
    ("bomb.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
     "malformed"),
    ("broken.xml", b"<entries><entry></entries>", "malformed"),
    ("broken.json", b'{"entries": [1, 2', "malformed"),
    ("notes.csv", "這是一段沒有欄位的文字\n第二行\n".encode(), "type"),
    ("empty.csv", b"", "empty"),
])
def test_each_refusal_names_the_file_and_its_reason(tmp_path, name, data, reason):
    with pytest.raises(FileRefused) as refused:
        check_file(written(tmp_path, name, data), name)
    assert refused.value.code == reason
    assert name in str(refused.value) and refused.value.field == "file"


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(checks_module, "MAX_UNZIPPED_BYTES", 10_000_000)
    bomb = odt(extra={"Pictures/zeros.bin": bytes(20_000_000)})
    assert len(bomb) < 100_000  # twenty megabytes of zeros pack into a few kilobytes
    with pytest.raises(FileRefused, match=r"unpack to 20,0\d\d,\d\d\d bytes") as refused:
        check_file(written(tmp_path, "bomb.odt", bomb), "bomb.odt")
    assert refused.value.code == "zip-bomb"


# -- the malware scanner hook ----------------------------------------------------------------

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
#: A scanner that follows ClamAV's exit statuses: 1 for the EICAR test string, 2 when told to
#: break, a long sleep when told to be slow, else 0.
FAKE_SCANNER = '''
import sys, time
data = open(sys.argv[-1], "rb").read()
if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in data:
    print(sys.argv[-1] + ": Eicar-Signature FOUND"); sys.exit(1)
if b"SCANNER-BREAKS" in data:
    print("cannot connect to clamd", file=sys.stderr); sys.exit(2)
if b"SCANNER-IS-SLOW" in data:
    time.sleep(30)
'''


@pytest.fixture
def scanner(tmp_path: Path) -> Scanner:
    script = tmp_path / "scanner.py"
    script.write_text(FAKE_SCANNER)
    return Scanner((sys.executable, str(script)), timeout=2)


def test_a_clean_file_passes_the_scanner(store, scanner) -> None:
    added = take_in(store, [CSV_ROWS.encode()], "places.csv", scanner=scanner)
    assert added.checked.kind == "csv" and store.exists(added.stored.sha256)


@pytest.mark.parametrize(("data", "error", "message"), [
    (CSV_ROWS.encode() + EICAR, FileRefused, "Eicar-Signature FOUND"),
    (CSV_ROWS.encode() + b"SCANNER-BREAKS", StoreError, "exit status 2"),
    (CSV_ROWS.encode() + b"SCANNER-IS-SLOW", StoreError, "could not scan"),
])
def test_a_file_the_scanner_flags_or_cannot_scan_is_not_kept(store, scanner, data, error,
                                                             message) -> None:
    with pytest.raises(error, match=message) as raised:
        take_in(store, [data], "places.csv", scanner=scanner)
    if error is FileRefused:
        assert raised.value.code == "malware"
    assert not store.exists(hashlib.sha256(data).hexdigest())


def test_the_scanner_is_configured_in_the_files_table(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "yuliao.toml").write_text('[files]\nscan_command = ["clamdscan", "--no-summary", '
                                      '"--fdpass"]\nscan_timeout = 30\n')
    scanner_of = Scanner.of(Config.from_env(home).files)
    assert scanner_of == Scanner(("clamdscan", "--no-summary", "--fdpass"), 30.0)
    assert Scanner.of(Config(home=home).files) is None
