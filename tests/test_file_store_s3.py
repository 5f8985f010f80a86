"""The file store in an S3-compatible object store (issue 15): S3Store keeps DiskStore's
promises, each behaviour tried against both (S3Store against moto's S3 server on 127.0.0.1);
an unreachable store fails quickly with a StoreError naming the bucket; ``[files] store = "s3"``
is read and checked; and a home configured so takes files in through ``yuliao files add`` and
serves them back, whole and by Range."""

from __future__ import annotations

import hashlib
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from app import create_app
from repository import Config, Repository
from repository.config import FileSettings, ObjectStoreSettings, file_settings
from repository.errors import InputError, NotFound, StoreError
from repository.files import DiskStore, FileStore, FileTooLarge, file_store
from repository.files.objectstore import MIN_PART, S3Store, client
from repository.files.storage import layout
from tests.conftest import free_port, yuliao
from tests.files_support import CSV_ROWS, get

MiB = 1024 * 1024
#: Test credentials for boto3's chain (moto takes any); no profile file or instance role is
#: looked for (the metadata service is never asked).
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
               "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 (a port of its own), test credentials in the
    environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def bucket_settings(endpoint: str, **options) -> ObjectStoreSettings:
    """A new bucket's settings (the bucket is not made)."""
    return ObjectStoreSettings(f"yuliao-{uuid.uuid4().hex[:12]}", prefix="files/",
                               endpoint_url=endpoint, region="us-east-1", **options)


@dataclass
class Case:
    """A store under test, and everything it holds, whole or half-made."""

    store: FileStore
    #: what keys start with
    prefix: str
    #: keys of the objects (files under the root), and ``upload KEY`` for an unfinished upload
    leftovers: Callable[[], list[str]]
    #: where local copies are made (None: the store's own files are local)
    scratch: Path | None


@pytest.fixture(params=["disk", "s3"])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Case:
    if request.param == "disk":
        disk = DiskStore(tmp_path / "files")
        return Case(disk, "", lambda: sorted(str(p.relative_to(disk.root)) for p in
                                             disk.root.rglob("*") if p.is_file()), None)
    s3 = bucket(request.getfixturevalue("endpoint"), tmp_path)

    def leftovers() -> list[str]:
        objects = s3.client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])
        uploads = s3.client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])
        return sorted([o["Key"] for o in objects] + [f"upload {u['Key']}" for u in uploads])

    return Case(s3, s3.prefix, leftovers, s3.scratch)


def bucket(endpoint: str, tmp_path: Path) -> S3Store:
    """A store in a new bucket, of parts as small as S3 allows (12 MiB make three)."""
    settings = bucket_settings(endpoint)
    store = S3Store(client(settings), settings.bucket, prefix=settings.prefix,
                    scratch=tmp_path / "scratch", part_size=MIN_PART)
    store.client.create_bucket(Bucket=store.bucket)
    return store


def in_chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def generated(size: int) -> bytes:
    return random.Random(15).randbytes(size)


# -- the same behaviour from both stores ------------------------------------------------------


def test_bytes_put_are_read_back_under_their_sha256_and_removed(case: Case) -> None:
    data = CSV_ROWS.encode() * 500
    stored = case.store.put(in_chunks(data, 1000), name="places.csv")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert stored.new and case.store.exists(stored.sha256)
    assert case.leftovers() == [f"{case.prefix}{layout(stored.sha256)}"]
    with case.store.open(stored.sha256) as stream:
        assert stream.read() == data
        stream.seek(100)
        assert stream.read(50) == data[100:150]
        assert stream.seek(0, 2) == len(data)
    case.store.remove(stored.sha256)
    case.store.remove(stored.sha256)  # nothing there: nothing to do
    assert not case.store.exists(stored.sha256) and case.leftovers() == []


def test_the_same_bytes_twice_are_stored_once(case: Case) -> None:
    data = CSV_ROWS.encode()
    first, again = case.store.put([data], name="a.csv"), case.store.put([data], name="b.csv")
    assert first == again and first.new and not again.new
    assert case.leftovers() == [f"{case.prefix}{layout(first.sha256)}"]


@pytest.mark.parametrize(("limit", "chunk"), [
    (1000, 100),  # over before a part is full: nothing was sent
    (6 * MiB, MiB),  # over after the first part of a multipart upload was sent
])
def test_the_size_limit_holds_while_the_bytes_arrive_and_nothing_is_left(case: Case, limit,
                                                                          chunk) -> None:
    given = 0

    def chunks() -> Iterator[bytes]:
        nonlocal given
        for _ in range(3 * limit // chunk):
            given += 1
            yield bytes(chunk)

    with pytest.raises(FileTooLarge, match=f"over {limit:,} bytes") as raised:
        case.store.put(chunks(), limit=limit, name="big.csv")
    assert raised.value.origin == "big.csv" and raised.value.status == 413
    assert given == limit // chunk + 1  # nothing read past the chunk that went over
    assert case.leftovers() == []  # no object, no temporary key, no unfinished upload


def test_a_file_of_several_parts_is_read_back_whole(case: Case) -> None:
    data = generated(12 * MiB + 12345)
    parts: list[int] = []
    if isinstance(case.store, S3Store):
        case.store.client.meta.events.register(
            "before-parameter-build.s3.UploadPart",
            lambda params, **_: parts.append(len(params["Body"])))
    stored = case.store.put(in_chunks(data, 1_000_003), name="corpus.bin")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    if isinstance(case.store, S3Store):  # three parts, none more than one part in memory
        assert parts == [MIN_PART, MIN_PART, len(data) - 2 * MIN_PART]
    with case.store.open(stored.sha256) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == stored.sha256
        stream.seek(len(data) - 10)
        assert stream.read() == data[-10:]
    again = case.store.put(in_chunks(data, 4 * MiB), name="corpus.bin")
    assert again == stored and not again.new
    assert case.leftovers() == [f"{case.prefix}{layout(stored.sha256)}"]


def test_a_local_file_holds_the_bytes_while_it_is_needed(case: Case) -> None:
    data = CSV_ROWS.encode() * 3
    stored = case.store.put([data], name="places.csv")
    with case.store.local(stored.sha256) as path:
        assert path.read_bytes() == data
    if case.scratch is None:  # the stored file itself
        assert path.is_file()
    else:  # a copy, gone again
        assert not path.exists() and list(case.scratch.iterdir()) == []


def test_a_digest_that_is_not_stored_is_not_found(case: Case) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not case.store.exists(missing)
    with pytest.raises(NotFound):
        case.store.open(missing)
    with pytest.raises(NotFound), case.store.local(missing):
        pass
    case.store.remove(missing)
    assert case.scratch is None or not any(case.scratch.glob("*"))


def test_a_digest_names_no_other_key(case: Case) -> None:
    with pytest.raises(InputError, match="64 lowercase hex digits"):
        case.store.open("../../secret")


# -- the object store alone ------------------------------------------------------------------


@pytest.mark.parametrize("where", ["silent", "down"])
def test_an_unreachable_store_fails_quickly_naming_the_bucket(request, tmp_path, where,
                                                              endpoint) -> None:
    url = request.getfixturevalue("silent_server").rstrip("/") if where == "silent" else \
        f"http://127.0.0.1:{free_port()}"
    settings = bucket_settings(url, connect_timeout=0.5, read_timeout=0.5, retries=1)
    store = S3Store.of(settings, scratch=tmp_path / "scratch")
    digest = hashlib.sha256(b"x").hexdigest()
    began = time.monotonic()
    with pytest.raises(StoreError, match=f"s3://{settings.bucket}/files/sha256/") as raised:
        store.exists(digest)
    with pytest.raises(StoreError, match=f"s3://{settings.bucket}/files/"):
        store.put([b"a,b\n"], name="places.csv")
    assert time.monotonic() - began < 8  # two requests, two attempts each, 0.5 s a limit
    assert raised.value.status == 503


def test_a_missing_bucket_is_a_store_error_naming_it(endpoint, tmp_path) -> None:
    store = S3Store.of(bucket_settings(endpoint), scratch=tmp_path)
    with pytest.raises(StoreError, match=f"s3://{store.bucket}/"):
        store.put([b"a,b\n"], name="places.csv")


def test_bytes_that_do_not_match_their_key_are_not_lent(endpoint, tmp_path) -> None:
    store = bucket(endpoint, tmp_path)
    digest = hashlib.sha256(b"the right bytes").hexdigest()
    store.client.put_object(Bucket=store.bucket, Key=store.key(digest), Body=b"other bytes")
    with pytest.raises(StoreError, match="does not hold the bytes of its digest"), \
            store.local(digest):
        pass
    assert list(store.scratch.iterdir()) == []


# -- configuration ---------------------------------------------------------------------------


def test_the_files_table_names_the_bucket(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "yuliao.toml").write_text(
        '[files]\nstore = "s3"\nbucket = "yuliao-files"\nprefix = "prod"\n'
        'endpoint_url = "http://127.0.0.1:9000"\nregion = "ap-northeast-1"\nread_timeout = 30\n')
    assert Config.from_env(home).files.s3 == ObjectStoreSettings(
        "yuliao-files", prefix="prod/", endpoint_url="http://127.0.0.1:9000",
        region="ap-northeast-1", read_timeout=30.0)
    assert Config(home=home).files.s3 is None
    assert isinstance(file_store(Config(home=home)), DiskStore)


@pytest.mark.parametrize(("table", "key", "expected"), [
    ({"store": "ftp"}, "files.store", 'expected "disk" or "s3"'),
    ({"store": "s3"}, "files.bucket", "needs the name of its bucket"),
    ({"store": "s3", "bucket": "Not_A_Bucket"}, "files.bucket", "lowercase letters"),
    ({"store": "s3", "bucket": "b12", "endpoint_url": "127.0.0.1:9000"}, "files.endpoint_url",
     "http(s) URL"),
    ({"store": "s3", "bucket": "b12", "prefix": "/root"}, "files.prefix", "key prefix"),
    ({"store": "s3", "bucket": "b12", "read_timeout": 0}, "files.read_timeout", "seconds"),
    ({"store": "s3", "bucket": "b12", "secret_access_key": "x"}, "files.secret_access_key",
     "AWS_SECRET_ACCESS_KEY"),
    ({"bucket": "b12"}, "files.bucket", 'only with store = "s3"'),
])
def test_a_bad_files_table_is_refused_naming_the_key(table, key, expected) -> None:
    with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")) \
            as raised:
        file_settings(table)
    assert raised.value.field == key


def test_the_object_store_without_boto3_names_the_extra(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "repository.files.objectstore", None)  # as if missing
    config = Config(home=tmp_path, files=FileSettings(s3=ObjectStoreSettings("b12")))
    with pytest.raises(InputError, match=r"yuliao\[s3\]") as raised:
        file_store(config)
    assert raised.value.field == "files.store"


# -- end to end: yuliao files add, then the download ---------------------------------------------

RECORD = "00009128"  # published, open licence, public access, of the provider's agency


def test_a_home_on_s3_takes_a_file_in_and_serves_it(fresh_demo_home: Path, endpoint,
                                                    tmp_path: Path) -> None:
    settings = bucket_settings(endpoint)
    toml = fresh_demo_home / "yuliao.toml"
    written = toml.read_text(encoding="utf-8")
    assert written.count("\n[files]\n") == 1  # `yuliao init` wrote the table: extend it
    toml.write_text(written.replace("\n[files]\n", (
        f'\n[files]\nstore = "s3"\nbucket = "{settings.bucket}"\nprefix = "home/"\n'
        f'endpoint_url = "{endpoint}"\nregion = "us-east-1"\n')), encoding="utf-8")
    store = file_store(Config.from_env(fresh_demo_home))
    assert isinstance(store, S3Store)
    store.client.create_bucket(Bucket=settings.bucket)
    data = CSV_ROWS.encode() * 200
    upload = tmp_path / "places.csv"
    upload.write_bytes(data)

    result = yuliao(fresh_demo_home, "files", "add", RECORD, str(upload),
                    "--as", "moda.provider@example.org")
    assert result.exit_code == 0, result.output
    sha256 = hashlib.sha256(data).hexdigest()
    keys = [o["Key"] for o in
            store.client.list_objects_v2(Bucket=settings.bucket).get("Contents", [])]
    assert keys == [f"home/{layout(sha256)}"]  # no temporary key
    assert not (fresh_demo_home / "files" / layout(sha256)).exists()  # not on disk
    assert list(store.scratch.iterdir()) == []  # the checks' copy is gone

    with Repository(Config.from_env(fresh_demo_home)) as repository:
        repository.publish(RECORD)
        client = create_app(repository=repository).test_client()
        whole = get(client, f"/record/{RECORD}/files/places.csv")
        assert whole.status_code == 200 and whole.data == data
        assert whole.headers["ETag"] == f'"{sha256}"'
        assert whole.headers["Accept-Ranges"] == "bytes"
        assert whole.headers["Content-Length"] == str(len(data))
        assert whole.headers["Content-Disposition"] == "attachment; filename*=UTF-8''places.csv"
        part = get(client, f"/record/{RECORD}/files/places.csv", Range="bytes=100-199")
        assert part.status_code == 206 and part.data == data[100:200]
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
        tail = get(client, f"/record/{RECORD}/files/places.csv", Range="bytes=-5")
        assert tail.status_code == 206 and tail.data == data[-5:]
        again = get(client, f"/record/{RECORD}/files/places.csv",
                    **{"If-None-Match": f'"{sha256}"'})
        assert again.status_code == 304 and again.data == b""
        beyond = get(client, f"/record/{RECORD}/files/places.csv",
                     Range=f"bytes={len(data) + 10}-")
        assert beyond.status_code == 416
        store.remove(sha256)  # the store lost it: not found, not a server error
        assert get(client, f"/record/{RECORD}/files/places.csv").status_code == 404
