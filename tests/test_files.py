"""Files: content-addressed storage that streams and keeps its size limit while the bytes
arrive, the checks that decide what a file is by its content, and the fields of a CSV or JSON
table (issue 15)."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from repository.config import Config
from repository.errors import InputError, NotFound, StoreError
from repository.files import DiskStore, FileRefused, FileTooLarge, check_file, fields
from repository.files import checks as checks_module
from repository.files.distributions import add_file, remove_file, table_of
from repository.files.fields import BOOLEAN, DECIMAL, INTEGER, TEXT, Column, Table
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
from vocab.namespaces import YL


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


# -- the fields of a table ---------------------------------------------------------------------


def test_a_csv_file_taken_in_has_its_columns_typed_from_their_values(store) -> None:
    rows = ("地名,筆數,比例,郵遞區號,備註,空\n"
            "臺北,12,0.5,100,,\n"
            "苗栗,-7,1e3,036,\"多行\n備註\",\n"
            "花蓮,3,2,970,x,\n")
    added = take_in(store, [rows.encode()], "places.csv")
    assert added.table == Table((Column("地名", TEXT), Column("筆數", INTEGER),
                                 Column("比例", DECIMAL), Column("郵遞區號", TEXT),
                                 Column("備註", TEXT), Column("空", None)))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "big5", "utf-16"])
def test_the_columns_of_a_csv_file_are_read_in_its_encoding(store, encoding: str) -> None:
    added = take_in(store, [CSV_ROWS.encode(encoding)], f"places-{encoding}.csv")
    assert added.table == Table((Column("地名", TEXT), Column("語言", TEXT),
                                 Column("筆數", INTEGER)))


def test_csv_types_come_from_a_sample_not_the_whole_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(fields, "SAMPLE_CHARS", 67)
    rows = "name,count\n" + "".join(f"row {n},{n}\n" for n in range(6)) + "row 6,6.5\n"
    path = written(tmp_path, "long.csv", (rows + "later,many\n" * 1000).encode())
    # the sample ends at "row 6,6." (a decimal), a cut row left out; "many" is never read
    assert fields.csv_table(path, "utf-8") == Table((Column("name", TEXT),
                                                     Column("count", INTEGER)))


@pytest.mark.parametrize(("document", "table"), [
    ([{"name": "臺北", "count": 12, "share": 0.5, "open": True, "note": None},
      {"name": "苗栗", "count": 7, "share": 1, "open": False, "note": None}],
     Table((Column("name", TEXT), Column("count", INTEGER), Column("share", DECIMAL),
            Column("open", BOOLEAN), Column("note", None)))),
    ({"total": 2, "records": [{"id": 1, "mixed": "a"}, {"id": 2, "mixed": 3}]},
     Table((Column("id", INTEGER), Column("mixed", TEXT)), "records")),
    # a member some object lacks, or one holding an object or array, is no field
    ([{"id": 1, "only-here": 1, "tags": ["a"]}, {"id": 2, "tags": []}],
     Table((Column("id", INTEGER),))),
    ({"a": [{"x": 1}], "b": [{"y": 2}]}, None),  # two arrays of objects: which one?
    ([1, 2, 3], None), ([], None), ({"x": 1}, None), ([{"a": [1]}], None),
])
def test_a_json_table_is_an_array_of_objects_or_one_held_in_an_object(document, table) -> None:
    assert fields.json_table(document) == table


def test_a_json_file_taken_in_has_its_fields_and_the_key_of_its_array(store) -> None:
    added = take_in(store, [JSON_TEXT.encode("utf-16-le")], "entries.json")
    assert added.table == Table((Column("lang", TEXT), Column("name", TEXT)), "entries")


def test_a_json_file_too_large_to_parse_has_no_fields(store, monkeypatch) -> None:
    monkeypatch.setattr(checks_module, "MAX_JSON_PARSED", 10)
    monkeypatch.setattr(fields, "MAX_JSON_PARSED", 10)
    assert take_in(store, [JSON_TEXT.encode()], "entries.json").table is None


def test_other_files_have_no_fields(store) -> None:
    assert take_in(store, [XML_TEXT.encode()], "entries.xml").table is None
    assert take_in(store, [text_pdf()], "report.pdf").table is None


def test_the_fields_are_kept_on_the_distribution_in_order(store) -> None:
    header = ",".join(f"c{n}" for n in range(1, 1002))
    added = take_in(store, [f"{header}\n{','.join(['1'] * 1001)}\n".encode()], "wide.csv")
    graph, subject = Graph(), URIRef("https://example.org/id/1")
    node = add_file(graph, subject, "https://example.org/", "1", added)
    assert table_of(graph, node) == added.table  # the 1,000th column after the 999th
    json_added = take_in(store, [JSON_TEXT.encode()], "entries.json")
    json_node = add_file(graph, subject, "https://example.org/", "1", json_added)
    assert table_of(graph, json_node) == json_added.table
    remove_file(graph, subject, json_node)
    assert table_of(graph, json_node) is None and not list(graph.triples((None, YL.jsonArrayKey,
                                                                          None)))


# -- the text of files, kept and searched ----------------------------------------------------

def test_the_text_of_a_published_file_is_searched_and_only_then(tmp_path) -> None:
    from repository import Config, Repository
    from repository.search.query import Search, search
    from tests.files_support import odt, with_files

    text = "苗栗四縣腔的山歌逐字稿收錄了「挷採茶」等曲目"
    with Repository(Config(home=tmp_path / "home")) as repository:
        repository.put(with_files(repository, "00000001", {"songs.odt": odt(text)}))

        def found(words: str) -> list[str]:
            return [hit.local_id for hit in
                    search(repository.text_index, Search.checked(words, ())).hits]

        assert found("挷採茶") == []  # a draft is not in the index
        repository.publish("00000001")
        assert found("挷採茶") == ["00000001"]  # a word only the file's text has
        assert found("山歌逐字稿") == ["00000001"]
        repository.withdraw("00000001")
        assert found("挷採茶") == []
