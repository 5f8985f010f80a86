"""Abuse limits: the ``[limits]`` settings, token buckets per client (bounded in memory), the
client behind trusted proxies, 429 with Retry-After after the burst on /oai and /sparql, and
413 for bodies over the caps of every route, without reading them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from ipaddress import ip_network
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from endpoints.limits import TokenBuckets, client_address
from repository import Config, Repository
from repository.config import (
    CONFIG_FILE,
    LimitSettings,
    ServiceLimits,
    config_template,
    limit_settings,
)
from repository.errors import InputError

FORM = "application/x-www-form-urlencoded"
PROXY = "10.0.0.2"
MB = 1 << 20


class Clock:
    """Seconds that pass only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class MadeUpBody(io.RawIOBase):
    """A request body of ``size`` bytes (``aaaa…``) made up as it is read, counting the bytes
    read (seeking, which the test client does to learn the size, reads nothing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position,
                         io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"a" * count
        self.position += count
        self.read_bytes += count
        return count


@contextmanager
def limited_client(tmp_path: Path, limits: LimitSettings) -> Iterator[FlaskClient]:
    """A client of an application with ``limits`` over an empty repository, closed on exit
    once the VoID description that /sparql requests refresh is computed."""
    with Repository(Config(home=tmp_path / "home", limits=limits), in_memory=True) as repo:
        app = create_app(repository=repo)
        yield app.test_client()
        refreshing = app.extensions["yuliao.void"].refreshing
        if refreshing is not None:
            refreshing.join(timeout=30)


STRICT = LimitSettings(oai=ServiceLimits(rate=0.01, burst=3, max_body=16_384),
                       sparql=ServiceLimits(rate=0.01, burst=2, max_body=400_000),
                       trusted_proxies=(ip_network(PROXY),))


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[FlaskClient]:
    with limited_client(tmp_path, STRICT) as client:
        yield client


def from_address(address: str, forwarded: str | None = None) -> dict:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return {"environ_base": {"REMOTE_ADDR": address}, "headers": headers}


# -- settings ----------------------------------------------------------------------------------


def test_the_template_states_the_defaults(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(config_template(date(2026, 1, 1)), encoding="utf-8")
    assert Config.from_env(tmp_path).limits == LimitSettings()
    assert Config.from_env(tmp_path / "none").limits == LimitSettings()


def test_limits_are_read_from_the_file(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        '[limits]\nmax_body = 2048\ntrusted_proxies = ["127.0.0.1", "10.0.0.0/8"]\n'
        "[limits.oai]\nrate = 0\n[limits.sparql]\nrate = 0.5\nburst = 4\nmax_body = 8192\n",
        encoding="utf-8")
    limits = Config.from_env(tmp_path).limits
    assert limits.max_body == 2048
    assert limits.trusted_proxies == (ip_network("127.0.0.1"), ip_network("10.0.0.0/8"))
    assert not limits.oai.limited and limits.oai.max_body == LimitSettings().oai.max_body
    assert limits.sparql == ServiceLimits(rate=0.5, burst=4, max_body=8192)


@pytest.mark.parametrize(("table", "key"), [
    ({"max_body": 10}, "limits.max_body"),
    ({"max_body": "1MB"}, "limits.max_body"),
    ({"oai": {"rate": -1}}, "limits.oai.rate"),
    ({"oai": {"rate": "fast"}}, "limits.oai.rate"),
    ({"sparql": {"burst": 0}}, "limits.sparql.burst"),
    ({"sparql": {"max_body": 1.5}}, "limits.sparql.max_body"),
    ({"oai": 3}, "limits.oai"),
    ({"trusted_proxies": "127.0.0.1"}, "limits.trusted_proxies"),
    ({"trusted_proxies": ["nginx"]}, "limits.trusted_proxies"),
    ({"clients": 5}, "limits.clients"),
])
def test_a_bad_limit_names_its_key(table: dict, key: str) -> None:
    with pytest.raises(InputError, match=f"field {key}"):
        limit_settings(table)


# -- token buckets -----------------------------------------------------------------------------


def test_a_client_gets_its_burst_then_waits_for_the_next_token() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, max_clients=10, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0  # another client has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(0.5)


def test_buckets_stay_bounded_and_idle_clients_are_forgotten() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=5, max_clients=100, clock=clock)
    for n in range(1000):
        buckets.take(f"client-{n}")
    assert len(buckets) == 100
    clock.now += 5  # every bucket has filled up again
    buckets.take("newcomer")
    assert len(buckets) == 1


def test_a_busy_client_is_remembered_while_idle_ones_are_forgotten() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=2, max_clients=100, clock=clock)
    buckets.take("idle")
    for _ in range(2):
        buckets.take("busy")
    clock.now += 1.5  # "idle" is full again, "busy" has 1.5 tokens
    assert buckets.take("other") == 0.0
    assert len(buckets) == 2  # "idle" forgotten
    assert buckets.take("busy") == 0.0 and buckets.take("busy") > 0


# -- who the client is -------------------------------------------------------------------------


TRUSTED = (ip_network("127.0.0.1"), ip_network("10.0.0.0/8"))


@pytest.mark.parametrize(("remote", "forwarded", "client"), [
    ("198.51.100.7", [], "198.51.100.7"),
    ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),  # not from a proxy we trust
    ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
    ("127.0.0.1", ["6.6.6.6", " 203.0.113.9"], "203.0.113.9"),  # what the client wrote itself
    ("127.0.0.1", ["203.0.113.9", "10.1.2.3"], "203.0.113.9"),  # two proxies of ours
    ("127.0.0.1", ["10.0.0.5", "10.1.2.3"], "10.0.0.5"),
    ("127.0.0.1", [], "127.0.0.1"),
    ("2001:db8:1:2:aaaa::1", [], "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", [], "198.51.100.7"),
])
def test_the_client_is_the_address_before_the_trusted_proxies(remote, forwarded, client) -> None:
    assert client_address(remote, forwarded, TRUSTED) == client


# -- 429 ---------------------------------------------------------------------------------------


def test_oai_answers_429_with_retry_after_after_the_burst(strict: FlaskClient) -> None:
    answers = [strict.get("/oai?verb=Identify", **from_address("198.51.100.7"))
               for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 100
    assert "limits.oai.rate" in answers[3].get_data(as_text=True)
    assert strict.get("/oai?verb=Identify", **from_address("198.51.100.8")).status_code == 200


def test_sparql_answers_429_with_retry_after_after_the_burst(strict: FlaskClient) -> None:
    ask = "/sparql?query=ASK%20%7B%7D"
    codes = [strict.get(ask, **from_address("198.51.100.7")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = strict.post("/sparql", data={"query": "ASK {}"}, **from_address("198.51.100.7"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_clients_behind_a_trusted_proxy_are_counted_apart(strict: FlaskClient) -> None:
    for client in ("203.0.113.1", "203.0.113.2"):
        codes = [strict.get("/oai?verb=Identify", **from_address(PROXY, client)).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 200]
    assert strict.get("/oai?verb=Identify",
                      **from_address(PROXY, "203.0.113.1")).status_code == 429


def test_several_forwarded_for_headers_are_read_as_one_list(strict: FlaskClient) -> None:
    """nginx may add its own header beside the client's: the last address is the client."""
    ask = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", ", 203.0.113.3")]
    codes = [strict.get("/oai?verb=Identify", headers=ask,
                        environ_base={"REMOTE_ADDR": PROXY}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert strict.get("/oai?verb=Identify", headers={"X-Forwarded-For": "6.6.6.6"},
                      environ_base={"REMOTE_ADDR": PROXY}).status_code == 200


def test_forwarded_for_from_an_untrusted_peer_is_ignored(strict: FlaskClient) -> None:
    codes = [strict.get("/oai?verb=Identify",
                        **from_address("198.51.100.7", f"203.0.113.{n}")).status_code
             for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_other_routes_and_rate_zero_are_not_limited(tmp_path: Path) -> None:
    off = LimitSettings(oai=ServiceLimits(rate=0, burst=1, max_body=16_384),
                        sparql=ServiceLimits(rate=0.01, burst=1, max_body=400_000))
    with limited_client(tmp_path, off) as client:
        assert {client.get("/oai?verb=Identify").status_code for _ in range(20)} == {200}
        assert {client.get("/").status_code for _ in range(20)} == {200}


# -- 413 ---------------------------------------------------------------------------------------


def test_a_50_mb_post_to_oai_is_413_without_being_read(strict: FlaskClient) -> None:
    body = MadeUpBody(50 * MB)
    response = strict.post("/oai", input_stream=body, content_type=FORM)
    assert response.status_code == 413
    assert "16384 bytes /oai accepts (limits.oai.max_body)" in response.get_data(as_text=True)
    assert body.read_bytes == 0


def test_a_chunked_50_mb_post_to_oai_is_cut_at_the_cap(strict: FlaskClient) -> None:
    """No Content-Length (a server that ends chunked input itself): the body is read only up
    to the cap."""
    body = MadeUpBody(50 * MB)
    response = strict.post("/oai", input_stream=body, content_type=FORM, environ_overrides={
        "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    assert response.status_code == 413
    assert "limits.oai.max_body" in response.get_data(as_text=True)
    assert body.read_bytes < MB


def test_a_chunked_body_within_the_cap_is_read_as_usual(strict: FlaskClient) -> None:
    response = strict.post("/oai", input_stream=io.BytesIO(b"verb=Identify"), content_type=FORM,
                           environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked",
                                              "wsgi.input_terminated": True})
    assert response.status_code == 200 and b"<Identify>" in response.data


def test_sparql_and_every_other_route_have_their_own_caps(strict: FlaskClient) -> None:
    sparql = strict.post("/sparql", data=b"a" * (400_000 + 1), content_type=FORM,
                         **from_address("198.51.100.20"))
    assert sparql.status_code == 413
    assert "(limits.sparql.max_body)" in sparql.get_data(as_text=True)
    body = MadeUpBody(2 * MB)
    home = strict.get("/", input_stream=body)
    assert home.status_code == 413 and body.read_bytes == 0
    assert "(limits.max_body)" in home.get_data(as_text=True)
    small = strict.post("/oai", data={"verb": "Identify"}, **from_address("198.51.100.21"))
    assert small.status_code == 200


def test_sign_ins_from_one_client_are_limited_before_any_password_is_hashed(tmp_path):
    """Each sign-in costs an Argon2id hash: past [limits.signin] a client gets 429 with
    Retry-After, and the login is not tried (no audit event)."""
    from tests.office_support import csrf_token, office_home

    settings = LimitSettings(signin=ServiceLimits(rate=0.01, burst=3, max_body=16_384))
    with office_home(tmp_path / "home") as office:
        app = create_app(replace(office.repository.config, limits=settings), office.repository)
        app.extensions["yuliao.office"] = office.services
        client = app.test_client()
        token = csrf_token(client.get("/login").data)
        form = {"email": "provider.a@example.org", "password": "wrong password for sure",
                "csrf_token": token}
        statuses = [client.post("/login", data=form).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        refused = client.post("/login", data=form)
        assert int(refused.headers["Retry-After"]) >= 1
        assert "limits.signin.rate" in refused.get_data(as_text=True)
        failures = office.services.audit.query(what="login").events
        assert len(failures) == 3 + 1  # three failures, then the lockout
        assert client.get("/login").status_code == 200  # reading the form is not limited
