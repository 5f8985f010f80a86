"""Configuration: where the repository lives, the names it publishes under, and its OAI-PMH face.

Settings come from, in rising order of precedence: the defaults here, the TOML file
``{home}/yuliao.toml`` (read with tomllib when it exists; ``yuliao init`` writes a commented
template, :data:`TEMPLATE`), and the environment (``YULIAO_BASE_URI``, ``YULIAO_OAI_ID``,
``YULIAO_ADMIN_EMAIL``, and ``YULIAO_STORE`` / ``YULIAO_PUBLIC_STORE`` for a store on SPARQL
servers, see docs/deployment.md; ``YULIAO_ACCOUNTS_DATABASE`` for the accounts database on a
PostgreSQL server). Everything is checked when it is loaded: a bad value raises
InputError naming the key. Every IRI is built from ``base_uri``, never from the host a request
arrived on.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from .errors import InputError, NotFound

DEFAULT_BASE_URI = "https://yuliao.example.org/"
DEFAULT_OAI_ID = "yuliao.example.org"
DEFAULT_ADMIN_EMAIL = "admin@yuliao.example.org"
OAI_ID_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")
EMAIL_PATTERN = re.compile(r"\S+@(\S+\.)+\S+")  # OAI-PMH.xsd and olac-archive.xsd emailType
CONFIG_FILE = "yuliao.toml"
#: Limits from olac-archive.xsd (varchar255, varchar50, block) and sane bounds for paging.
MAX_NAME, MAX_SHORT_LOCATION, MAX_BLOCK = 255, 50, 1000
PAGE_SIZE_RANGE = (1, 10_000)
TOKEN_HOURS_RANGE = (1, 24 * 30)


DEFAULT_PARTICIPANT_NAME, DEFAULT_PARTICIPANT_ROLE = "Yuliao administrator", "Administrator"


@dataclass(frozen=True)
class Participant:
    """A person responsible for the archive (``olac-archive/participant``)."""

    name: str
    role: str
    email: str


@dataclass(frozen=True)
class OlacArchive:
    """The ``olac-archive`` description OLAC requires in Identify (OLAC Repositories §2.1)."""

    participants: tuple[Participant, ...] = (
        Participant(DEFAULT_PARTICIPANT_NAME, DEFAULT_PARTICIPANT_ROLE, DEFAULT_ADMIN_EMAIL),)
    type: str = "institutional"
    #: when the description was last checked; None (not set): the day of the response, or
    #: of the latest change in an export
    current_as_of: date | None = None
    archive_url: str | None = DEFAULT_BASE_URI
    institution: str = "Yuliao 語料 (example deployment)"
    institution_url: str | None = None
    short_location: str = "Taipei, Taiwan"
    synopsis: str = (
        "Metadata of Taiwan's national language resources and the Taiwan Sovereign AI Training "
        "Corpus: datasets from government agencies, and language archives harvested from "
        "PARADISEC-style sources, described in OLAC, Dublin Core and DCAT-AP."
    )
    access: str = (
        "The metadata is open to all. Access to the data follows each dataset's licence "
        "(OGDL-Taiwan-1.0, SAITDL-1.0 for AI training only, Creative Commons)."
    )
    archival_submission_policy: str | None = None


@dataclass(frozen=True)
class OaiSettings:
    """How the OAI-PMH provider pages and describes itself."""

    page_size: int = 100
    token_lifetime: timedelta = timedelta(hours=24)
    #: Prepare the next page of a list while the harvester reads this one (endpoints/oai).
    read_ahead: bool = True
    admin_emails: tuple[str, ...] = (DEFAULT_ADMIN_EMAIL,)
    archive: OlacArchive = field(default_factory=OlacArchive)


#: Bounds of the ``[sparql]`` settings: seconds a query may run, rows it may return, query
#: processes, MiB of memory per query, heavy queries at once, seconds before a query is heavy.
SPARQL_TIME_LIMIT_RANGE = (0.1, 600.0)
SPARQL_MAX_ROWS_RANGE = (1, 1_000_000)
SPARQL_WORKERS_RANGE = (1, 64)
SPARQL_MEMORY_MIB_RANGE = (64, 1_048_576)
SPARQL_HEAVY_RANGE = (1, 64)
SPARQL_HEAVY_AFTER_RANGE = (0.05, 600.0)


@dataclass(frozen=True)
class SparqlSettings:
    """Limits of the public SPARQL endpoint (``[sparql]`` in yuliao.toml; see
    :mod:`repository.querypool` for what they bound)."""

    time_limit: float = 10.0
    max_rows: int = 10_000
    #: query processes per web process
    workers: int = 3
    #: bytes a query process may grow by (its address space beyond its start-up size)
    memory_limit: int = 1024 * 2**20
    #: queries allowed past ``heavy_after`` at once, among every process of the home
    heavy: int = 1
    heavy_after: float = 0.5


#: Bounds of the ``[server]`` settings.
SERVER_WORKERS_RANGE = (1, 64)
SERVER_THREADS_RANGE = (1, 512)
RENDER_PROCESSES_RANGE = (0, 64)
SERVER_TIMEOUT_RANGE = (0.5, 600.0)


@dataclass(frozen=True)
class ServerSettings:
    """How ``yuliao serve`` serves (``[server]`` in yuliao.toml): web worker processes (None:
    one per core), threads each, and what a client gets: seconds to send its headers, its
    body (at most ``[limits] max_body`` bytes), and to take each part of the response."""

    workers: int | None = None
    #: requests in the application at once in each worker: two, because its work is Python
    #: that holds the GIL, and every thread more makes the event loop (which sends every
    #: answer and answers the light and cached requests itself) wait longer for the GIL
    #: (docs/benchmarks.md, 2026-12-06: p95 0.60 s with 16, 0.15 s with 4, 0.075 s with 2
    #: at the same 330 requests/s); SPARQL requests have threads of their own
    #: (endpoints.asgi.Limits.waiting_threads)
    threads: int = 2
    #: child processes of each web worker that build record, agency, language, licence and
    #: browse pages (0: the worker's threads build them; endpoints.render_pool): with 2, home
    #: and search p95 fell from 0.104/0.123 s to 0.026/0.028 s under bench/load.py's mix
    render_processes: int = 2
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    send_timeout: float = 30.0
    #: seconds a request may wait for a thread before it is answered 503
    queue_timeout: float = 10.0


#: Where each endpoint of a SPARQL server lives, relative to an area's base URL:
#: (query, update, graph store), and whether the server speaks Oxigraph's extensions (the
#: ``union-default-graph`` query parameter, whole-dataset N-Quads through the graph store).
STORE_LAYOUTS: dict[str, tuple[str, str, str]] = {
    "oxigraph": ("query", "update", "store"),
    "fuseki": ("query", "update", "data"),
    "virtuoso": ("sparql", "sparql", "sparql-graph-crud"),
}
STORE_SCHEMES = ("sparql+http://", "sparql+https://")
STORE_TIMEOUT_RANGE = (0.1, 3600.0)
STORE_RETRIES_RANGE = (0, 10)


@dataclass(frozen=True)
class RemoteEndpoints:
    """The SPARQL 1.1 endpoints of one area on a remote server (one dataset per area)."""

    query: str
    update: str
    graph_store: str
    layout: str = "oxigraph"

    @property
    def oxigraph(self) -> bool:
        return self.layout == "oxigraph"


@dataclass(frozen=True)
class StoreSettings:
    """Where the two areas live: embedded Oxigraph under the home (``work`` None), or two
    datasets on SPARQL servers (``[store]`` in yuliao.toml, ``YULIAO_STORE`` and
    ``YULIAO_PUBLIC_STORE``), with the limits of every request made to them."""

    work: RemoteEndpoints | None = None
    public: RemoteEndpoints | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    retries: int = 2

    @property
    def remote(self) -> bool:
        return self.work is not None


#: Bounds of the ``[limits]`` settings: request bodies in bytes, requests a second, burst
#: sizes and clients remembered per service.
BODY_RANGE = (1024, 1 << 30)
RATE_RANGE = (0.0, 100_000.0)
BURST_RANGE = (1, 1_000_000)
CLIENTS_RANGE = (100, 10_000_000)


@dataclass(frozen=True)
class ServiceLimits:
    """How much one client may ask of one service (``[limits.oai]``, ``[limits.sparql]``):
    ``rate`` requests a second on average (0: no limit) with bursts of up to ``burst``, and
    request bodies of at most ``max_body`` bytes."""

    rate: float
    burst: int
    max_body: int

    @property
    def limited(self) -> bool:
        return self.rate > 0


@dataclass(frozen=True)
class LimitSettings:
    """Abuse limits of the web application (``[limits]`` in yuliao.toml): the largest request
    body on any route, per-client rate limits and body caps of /oai and /sparql, the proxies
    whose ``X-Forwarded-For`` names the client, and how many clients the rate limiter
    remembers per service."""

    max_body: int = 1 << 20
    oai: ServiceLimits = ServiceLimits(rate=20.0, burst=60, max_body=16_384)
    sparql: ServiceLimits = ServiceLimits(rate=5.0, burst=30, max_body=400_000)
    #: sign-ins and account applications (each costs an Argon2id hash): 10 at once, then
    #: one every 5 s per client
    signin: ServiceLimits = ServiceLimits(rate=0.2, burst=10, max_body=16_384)
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    clients: int = 20_000

    @classmethod
    def unlimited(cls) -> LimitSettings:
        """No rate limits (the body caps stay): for benchmarks that measure one client."""
        return cls(oai=replace(cls.oai, rate=0.0), sparql=replace(cls.sparql, rate=0.0),
                   signin=replace(cls.signin, rate=0.0))


#: Bounds of the ``[accounts]`` settings: minutes an account stays locked, minutes a session
#: may stay idle.
LOCKOUT_MINUTES_RANGE = (1, 7 * 24 * 60)
SESSION_IDLE_MINUTES_RANGE = (1, 24 * 60)
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class AccountSettings:
    """The back office's accounts (``[accounts]`` in yuliao.toml; see
    :mod:`repository.accounts`): where they are kept (None: SQLite in the home; else a
    ``postgresql://`` URL, ``YULIAO_ACCOUNTS_DATABASE`` winning), how long an account stays
    locked after three wrong passwords and whether only an admin unlocks it, and how long a
    session may stay idle."""

    database: str | None = None
    lockout_minutes: int = 15
    unlock_by_admin: bool = False
    session_idle_minutes: int = 30
    #: Argon2id cost of a password hash: KiB of memory and passes (RFC 9106's low-memory
    #: profile by default; lower only for test suites, which hash thousands of passwords)
    hash_memory_kib: int = 65536
    hash_passes: int = 3


@dataclass(frozen=True)
class ObjectStoreSettings:
    """The S3-compatible bucket that keeps the files (``[files] store = "s3"``). Credentials
    are never here: boto3 finds them (``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``, a
    profile, an instance role)."""

    bucket: str
    #: put before every key: "" or a path ending in "/" ("yuliao/")
    prefix: str = ""
    #: the store's URL (None: AWS S3 itself)
    endpoint_url: str | None = None
    region: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    #: attempts after the first of a request that failed in a way worth trying again
    retries: int = 2


@dataclass(frozen=True)
class FileSettings:
    """Files of the datasets (``[files]`` in yuliao.toml): where they are kept (``{home}/files``
    unless ``s3`` names a bucket), the malware scanner every file is given to before it is
    accepted (a command; the file's path is added as its last argument; exit status 0: clean,
    1: infected, anything else: it could not tell), how long it may take, and how many bytes
    of files each agency may keep (0: no quota)."""

    scan_command: tuple[str, ...] = ()
    scan_timeout: float = 120.0
    s3: ObjectStoreSettings | None = None
    agency_quota: int = 100 * 1024 ** 3


#: Bounds of ``[files] scan_timeout`` (seconds).
SCAN_TIMEOUT_RANGE = (1.0, 3600.0)
#: Units ``[files] agency_quota`` may be written in (binary, as the form's file sizes).
SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}
#: ``[files] store``: where the files are kept.
FILE_STORES = ("disk", "s3")
#: The keys of ``[files]`` that only ``store = "s3"`` reads.
OBJECT_STORE_KEYS = ("bucket", "prefix", "endpoint_url", "region", "connect_timeout",
                     "read_timeout", "retries")
#: S3's rule for a bucket name (3 to 63 lowercase letters, digits, dots and hyphens).
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class Config:
    """Settings of one repository home. Build with :meth:`from_env` or directly in tests.

    Raises InputError naming the setting when a value is malformed or inconsistent.
    """

    home: Path
    base_uri: str = DEFAULT_BASE_URI
    oai_repository_id: str = DEFAULT_OAI_ID
    repository_name: str = "Yuliao 語料 — Taiwan language resources"
    validation_batch: int = 200
    oai: OaiSettings = field(default_factory=OaiSettings)
    sparql: SparqlSettings = field(default_factory=SparqlSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    files: FileSettings = field(default_factory=FileSettings)
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.match(r"https?://[^/\s]+/(\S*/)?$", self.base_uri):
            raise InputError(
                f"base URI {self.base_uri!r} must be an http(s) URI ending in '/'",
                field="YULIAO_BASE_URI",
            )
        if not OAI_ID_PATTERN.fullmatch(self.oai_repository_id):
            raise InputError(
                f"OAI repository identifier {self.oai_repository_id!r} must be a domain name",
                field="YULIAO_OAI_ID",
            )
        _check_oai(self.oai)

    @classmethod
    def from_env(cls, home: str | Path | None = None) -> Config:
        """Settings for the home ``home`` (else ``YULIAO_HOME``, else ./var): defaults, then
        ``{home}/yuliao.toml`` when present, then the environment.

        Raises InputError for a file that is not TOML and for any malformed setting.
        """
        env = os.environ
        root = Path(home or env.get("YULIAO_HOME") or "var").resolve()
        settings = read_toml(root / CONFIG_FILE)
        base_uri = env.get("YULIAO_BASE_URI") or settings.get("base_uri", DEFAULT_BASE_URI)
        emails = [env["YULIAO_ADMIN_EMAIL"]] if env.get("YULIAO_ADMIN_EMAIL") else None
        return cls(
            home=root,
            base_uri=_text(base_uri, "base_uri"),
            oai_repository_id=_text(env.get("YULIAO_OAI_ID")
                                    or settings.get("oai_repository_id", DEFAULT_OAI_ID),
                                    "oai_repository_id"),
            repository_name=_text(settings.get("repository_name", cls.repository_name),
                                  "repository_name"),
            oai=oai_settings(_table(settings, "oai"), base_uri, emails),
            sparql=sparql_settings(_table(settings, "sparql")),
            server=server_settings(_table(settings, "server")),
            store=store_settings(_table(settings, "store"), env),
            limits=limit_settings(_table(settings, "limits")),
            accounts=account_settings(_table(settings, "accounts"), env),
            files=file_settings(_table(settings, "files")),
        )

    @property
    def store_dir(self) -> Path:
        return self.home / "store"

    @property
    def files_dir(self) -> Path:
        """Where the datasets' files are kept (repository/files, content-addressed)."""
        return self.home / "files"

    def check_home(self) -> None:
        """Raises NotFound naming the home when it was never made: no embedded store under it
        (``yuliao init`` makes one), or, with a remote store, no home folder (which keeps the
        indexes and the token key)."""
        if self.store.remote:
            if not self.home.is_dir():
                raise NotFound(f"no Yuliao home at {self.home}: create the folder (it keeps the "
                               "indexes of the remote store) or run `yuliao init` for a new "
                               "store; or give the right --home / $YULIAO_HOME")
        elif not self.store_dir.is_dir():
            raise NotFound(f"no Yuliao home at {self.home} (it holds no store): run `yuliao "
                           "init` to create one, or give the right --home / $YULIAO_HOME")

    @property
    def oai_base_url(self) -> str:
        """The OAI-PMH base URL: ``{base_uri}oai``."""
        return f"{self.base_uri}oai"

    @property
    def oai_index_path(self) -> Path:
        """The dissemination index (derived from the public area; see docs/architecture.md)."""
        return self.home / "oai.sqlite"

    @property
    def text_index_path(self) -> Path:
        """The full-text index (derived from the public area, like the dissemination index),
        in a directory named for its layout (a home with an older one reindexes at open)."""
        from .textindex import SCHEMA_VERSION

        return self.home / f"text-{SCHEMA_VERSION}"

    @property
    def review_index_path(self) -> Path:
        """The review index: every record's workflow state for the back office's queues and
        lists (derived from the work area; see repository/workflow/index.py)."""
        return self.home / "workflow.sqlite"

    @property
    def snapshot_dir(self) -> Path:
        """Read-only copies of the public area for other processes (repository.snapshots)."""
        return self.home / "snapshots"

    @property
    def run_dir(self) -> Path:
        """Files of the running server: the heavy-query slots (repository.querypool)."""
        return self.home / "run"

    @property
    def journal_path(self) -> Path:
        """The journal of public changes being written (see repository/journal.py)."""
        return self.home / "journal"

    @property
    def secret_path(self) -> Path:
        """The per-home secret that signs resumption tokens."""
        return self.home / "secret"

    @property
    def session_secret_path(self) -> Path:
        """The per-home secret of the back office's web sessions and CSRF tokens (a key of
        its own, so that neither use can forge the other's)."""
        return self.home / "session-secret"

    @property
    def accounts_path(self) -> Path:
        """The accounts database when it is SQLite (the default; :mod:`repository.accounts`)."""
        return self.home / "accounts.sqlite"


def read_toml(path: Path) -> dict[str, Any]:
    """The settings in ``path`` ({} when it does not exist). Raises InputError for bad TOML."""
    try:
        with path.open("rb") as data:
            return tomllib.load(data)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML: {error}", origin=str(path)) from error


def oai_settings(table: dict[str, Any], base_uri: str,
                 admin_emails: list[str] | None = None) -> OaiSettings:
    """The ``[oai]`` table as OaiSettings; ``admin_emails`` (the environment) wins over the file.

    Without participants in the file, the first admin e-mail is the one participant, so that
    the defaults satisfy OLAC's rule that every adminEmail is a participant's e-mail.
    Raises InputError naming the key for a value of the wrong type or out of range.
    """
    emails = admin_emails or _strings(table.get("admin_emails", [DEFAULT_ADMIN_EMAIL]),
                                      "oai.admin_emails")
    archive = olac_archive(_table(table, "olac_archive", "oai."), base_uri, emails[0])
    return OaiSettings(
        page_size=_integer(table.get("page_size", 100), "oai.page_size", PAGE_SIZE_RANGE),
        token_lifetime=timedelta(hours=_integer(table.get("token_lifetime_hours", 24),
                                                "oai.token_lifetime_hours", TOKEN_HOURS_RANGE)),
        read_ahead=_flag(table.get("read_ahead", True), "oai.read_ahead"),
        admin_emails=tuple(emails),
        archive=archive,
    )


def _flag(value: Any, name: str) -> bool:
    """A TOML boolean. Raises InputError naming the key otherwise."""
    if not isinstance(value, bool):
        raise InputError(f"expected true or false, found {value!r}", field=name)
    return value


def sparql_settings(table: dict[str, Any]) -> SparqlSettings:
    """The ``[sparql]`` table as SparqlSettings. Raises InputError naming the key for a value of
    the wrong type or out of range."""
    default = SparqlSettings()
    memory = _integer(table.get("memory_limit_mib", default.memory_limit // 2**20),
                      "sparql.memory_limit_mib", SPARQL_MEMORY_MIB_RANGE)
    return SparqlSettings(
        time_limit=_number(table.get("time_limit", default.time_limit), "sparql.time_limit",
                           SPARQL_TIME_LIMIT_RANGE),
        max_rows=_integer(table.get("max_rows", default.max_rows), "sparql.max_rows",
                          SPARQL_MAX_ROWS_RANGE),
        workers=_integer(table.get("workers", default.workers), "sparql.workers",
                         SPARQL_WORKERS_RANGE),
        memory_limit=memory * 2**20,
        heavy=_integer(table.get("heavy", default.heavy), "sparql.heavy", SPARQL_HEAVY_RANGE),
        heavy_after=_number(table.get("heavy_after", default.heavy_after),
                            "sparql.heavy_after", SPARQL_HEAVY_AFTER_RANGE),
    )


def file_settings(table: dict[str, Any]) -> FileSettings:
    """The ``[files]`` table as FileSettings. Raises InputError naming the key."""
    default = FileSettings()
    return FileSettings(
        scan_command=tuple(_strings(table["scan_command"], "files.scan_command"))
        if "scan_command" in table else (),
        scan_timeout=_number(table.get("scan_timeout", default.scan_timeout),
                             "files.scan_timeout", SCAN_TIMEOUT_RANGE),
        s3=object_store_settings(table),
        agency_quota=_size(table.get("agency_quota", default.agency_quota),
                           "files.agency_quota"))


def _size(value: Any, key: str) -> int:
    """A number of bytes written as an integer or as "100 GB" (binary units). Raises
    InputError naming ``key``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?B)\s*", str(value), re.IGNORECASE)
    if isinstance(value, str) and match:
        return int(float(match[1]) * SIZE_UNITS[match[2].upper()])
    raise InputError(f"expected a size in bytes or like \"100 GB\" (B, KB, MB, GB, TB), "
                     f"got {value!r}", field=key)



def object_store_settings(table: dict[str, Any]) -> ObjectStoreSettings | None:
    """The bucket of ``[files] store = "s3"`` (None for "disk", the default). Raises
    InputError naming the key: another store, credentials in the file, a key of the bucket
    with the disk store, a missing or malformed bucket name, prefix, URL or timeout."""
    for key in table:
        if any(word in key for word in ("secret", "access_key", "session_token", "password")):
            raise InputError("credentials are never read from yuliao.toml: give them to boto3 "
                             "in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or "
                             "a profile", field=f"files.{key}")
    store = table.get("store", "disk")
    if store not in FILE_STORES:
        raise InputError(f"expected \"disk\" or \"s3\", found {store!r}", field="files.store")
    if store == "disk":
        for key in OBJECT_STORE_KEYS:
            if key in table:
                raise InputError('read only with store = "s3" (the files are on disk)',
                                 field=f"files.{key}")
        return None
    default = ObjectStoreSettings("default")
    return ObjectStoreSettings(
        bucket=_bucket(table.get("bucket")),
        prefix=_prefix(table.get("prefix", "")),
        endpoint_url=_endpoint_url(table.get("endpoint_url")),
        region=_optional(table.get("region"), "files.region"),
        connect_timeout=_seconds(table.get("connect_timeout", default.connect_timeout),
                                 "files.connect_timeout"),
        read_timeout=_seconds(table.get("read_timeout", default.read_timeout),
                              "files.read_timeout"),
        retries=_integer(table.get("retries", default.retries), "files.retries",
                         STORE_RETRIES_RANGE))


def _bucket(value: Any) -> str:
    if not isinstance(value, str) or not BUCKET_NAME.fullmatch(value):
        raise InputError('store = "s3" needs the name of its bucket: 3 to 63 lowercase '
                         f"letters, digits, dots and hyphens, found {value!r}",
                         field="files.bucket")
    return value


def _prefix(value: Any) -> str:
    """"" or a key prefix ending in "/" (added when missing)."""
    if not isinstance(value, str) or value.startswith("/") or value.strip() != value:
        raise InputError("expected a key prefix such as \"yuliao/\" (not starting with \"/\")"
                         f", or \"\", found {value!r}", field="files.prefix")
    return value if not value or value.endswith("/") else f"{value}/"


def _endpoint_url(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^/\s]+(/\S*)?", value):
        raise InputError("expected the object store's http(s) URL, such as "
                         f"http://127.0.0.1:9000, found {value!r}", field="files.endpoint_url")
    return value


def server_settings(table: dict[str, Any]) -> ServerSettings:
    """The ``[server]`` table as ServerSettings. Raises InputError naming the key for a value
    of the wrong type or out of range."""
    default = ServerSettings()
    workers = table.get("workers")
    return ServerSettings(
        workers=None if workers is None else _integer(workers, "server.workers",
                                                      SERVER_WORKERS_RANGE),
        threads=_integer(table.get("threads", default.threads), "server.threads",
                         SERVER_THREADS_RANGE),
        render_processes=_integer(table.get("render_processes", default.render_processes),
                                  "server.render_processes", RENDER_PROCESSES_RANGE),
        **{name: _number(table.get(name, getattr(default, name)), f"server.{name}",
                         SERVER_TIMEOUT_RANGE)
           for name in ("header_timeout", "body_timeout", "send_timeout", "queue_timeout")},
    )


def _number(value: Any, key: str, bounds: tuple[float, float]) -> float:
    """A number of seconds within ``bounds``. Raises InputError naming the key otherwise."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InputError(f"expected a number of seconds from {low:g} to {high:g}, "
                         f"found {value!r}", field=key)
    return float(value)


def store_settings(table: dict[str, Any], env: Mapping[str, str]) -> StoreSettings:
    """The ``[store]`` table and ``YULIAO_STORE`` / ``YULIAO_PUBLIC_STORE`` (which win) as
    StoreSettings. Raises InputError naming the key: an unknown scheme or layout, a remote work
    area without a public one (or the reverse), one dataset for both areas, a bad timeout."""
    layout = _text(table.get("layout", "oxigraph"), "store.layout")
    if layout not in STORE_LAYOUTS:
        raise InputError(f"{layout!r}: expected one of {', '.join(STORE_LAYOUTS)}",
                         field="store.layout")
    paths = tuple(_text(table.get(f"{name}_path", default), f"store.{name}_path")
                  for name, default in zip(("query", "update", "graph_store"),
                                           STORE_LAYOUTS[layout], strict=True))
    work, work_key = _store_value(table, env, "work", "YULIAO_STORE")
    public, public_key = _store_value(table, env, "public", "YULIAO_PUBLIC_STORE")
    default = StoreSettings()
    settings = StoreSettings(
        work=_endpoints(work, work_key, paths, layout),
        public=_endpoints(public, public_key, paths, layout),
        connect_timeout=_seconds(table.get("connect_timeout", default.connect_timeout),
                                 "store.connect_timeout"),
        read_timeout=_seconds(table.get("read_timeout", default.read_timeout),
                              "store.read_timeout"),
        retries=_integer(table.get("retries", default.retries), "store.retries",
                         STORE_RETRIES_RANGE),
    )
    _check_areas(settings, work_key, public_key)
    return settings


def _store_value(table: dict[str, Any], env: Mapping[str, str], name: str,
                 variable: str) -> tuple[str | None, str]:
    """The setting of one area and the key it came from (the environment wins)."""
    if env.get(variable):
        return env[variable].strip(), variable
    value = table.get(name)
    return (None if value is None else _text(value, f"store.{name}")), f"store.{name}"


def _endpoints(value: str | None, key: str, paths: tuple[str, ...],
               layout: str) -> RemoteEndpoints | None:
    """The endpoints of an area given as ``sparql+http(s)://host:port/base/`` (None for
    "embedded" or nothing). Raises InputError naming ``key`` for anything else."""
    if value is None or value == "embedded":
        return None
    if not value.startswith(STORE_SCHEMES) or not re.match(r"sparql\+https?://[^/\s]+", value):
        raise InputError(f"{value!r}: expected 'embedded' or a URL such as "
                         "sparql+http://127.0.0.1:7878/", field=key)
    base = value.removeprefix("sparql+")
    base = base if base.endswith("/") else f"{base}/"
    query, update, graph_store = (f"{base}{path.lstrip('/')}" for path in paths)
    return RemoteEndpoints(query, update, graph_store, layout)


def _check_areas(settings: StoreSettings, work_key: str, public_key: str) -> None:
    """Both areas remote, in different datasets, or neither. The key named for a missing area
    is the environment variable when the other area came from the environment."""
    if settings.public is not None and settings.work is None:
        key = "YULIAO_STORE" if public_key.startswith("YULIAO_") else work_key
        raise InputError("a remote public area needs a remote work area as well", field=key)
    if settings.work is not None and settings.public is None:
        key = "YULIAO_PUBLIC_STORE" if work_key.startswith("YULIAO_") else public_key
        raise InputError("a remote work area needs a remote public area (a separate dataset, "
                         "so that the public endpoints cannot reach work data)", field=key)
    if settings.work is not None and settings.work == settings.public:
        raise InputError("the public area must be a different dataset from the work area",
                         field=public_key)


#: Bounds of the Argon2id cost (1 MiB and 1 pass are for test suites only).
HASH_MEMORY_KIB_RANGE = (1024, 4 * 1024 * 1024)
HASH_PASSES_RANGE = (1, 20)


def account_settings(table: dict[str, Any], env: Mapping[str, str]) -> AccountSettings:
    """The ``[accounts]`` table and ``YULIAO_ACCOUNTS_DATABASE`` (which wins) as
    AccountSettings. Raises InputError naming the key: a database that is neither "sqlite"
    nor a postgresql:// URL, minutes out of range, a flag that is not true or false."""
    default = AccountSettings()
    key, database = "accounts.database", table.get("database")
    if env.get("YULIAO_ACCOUNTS_DATABASE"):
        key, database = "YULIAO_ACCOUNTS_DATABASE", env["YULIAO_ACCOUNTS_DATABASE"]
    return AccountSettings(
        database=_database(database, key),
        lockout_minutes=_integer(table.get("lockout_minutes", default.lockout_minutes),
                                 "accounts.lockout_minutes", LOCKOUT_MINUTES_RANGE),
        unlock_by_admin=_flag(table.get("unlock_by_admin", default.unlock_by_admin),
                              "accounts.unlock_by_admin"),
        session_idle_minutes=_integer(
            table.get("session_idle_minutes", default.session_idle_minutes),
            "accounts.session_idle_minutes", SESSION_IDLE_MINUTES_RANGE),
        hash_memory_kib=_hash_cost(table, env, "hash_memory_kib", HASH_MEMORY_KIB_RANGE),
        hash_passes=_hash_cost(table, env, "hash_passes", HASH_PASSES_RANGE),
    )


def _hash_cost(table: dict[str, Any], env: Mapping[str, str], name: str,
               bounds: tuple[int, int]) -> int:
    """A hashing cost from ``YULIAO_{NAME}`` (which wins) or ``[accounts] {name}``. Raises
    InputError naming where it came from when it is not a whole number within ``bounds``."""
    variable = f"YULIAO_{name.upper()}"
    if env.get(variable):
        try:
            return _integer(int(env[variable]), variable, bounds)
        except ValueError:
            raise InputError(f"expected a whole number, found {env[variable]!r}",
                             field=variable) from None
    return _integer(table.get(name, getattr(AccountSettings, name)), f"accounts.{name}",
                    bounds)


def _database(value: Any, key: str) -> str | None:
    """None for the default SQLite database ("sqlite" or nothing), else a PostgreSQL URL.
    Raises InputError naming ``key`` without repeating the value (a URL may hold a
    password)."""
    if value is None or value == "sqlite":
        return None
    if not isinstance(value, str) or not value.strip().startswith(POSTGRES_SCHEMES):
        raise InputError("expected \"sqlite\" or a URL such as "
                         "postgresql://yuliao@db.example.org/yuliao", field=key)
    return value.strip()


def limit_settings(table: dict[str, Any]) -> LimitSettings:
    """The ``[limits]`` table (with ``[limits.oai]``, ``[limits.sparql]`` and
    ``[limits.signin]``) as LimitSettings.
    Raises InputError naming the key for a value of the wrong type or out of range, and for a
    trusted proxy that is not an IP address or network."""
    default = LimitSettings()
    return LimitSettings(
        max_body=_integer(table.get("max_body", default.max_body), "limits.max_body",
                          BODY_RANGE),
        oai=_service_limits(_table(table, "oai", "limits."), "limits.oai", default.oai),
        sparql=_service_limits(_table(table, "sparql", "limits."), "limits.sparql",
                               default.sparql),
        signin=_service_limits(_table(table, "signin", "limits."), "limits.signin",
                               default.signin),
        trusted_proxies=_networks(table.get("trusted_proxies", []), "limits.trusted_proxies"),
        clients=_integer(table.get("clients", default.clients), "limits.clients",
                         CLIENTS_RANGE),
    )


def _service_limits(table: dict[str, Any], key: str, default: ServiceLimits) -> ServiceLimits:
    low, high = RATE_RANGE
    rate = table.get("rate", default.rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not low <= rate <= high:
        raise InputError(f"expected requests a second from {low:g} (no limit) to {high:g}, "
                         f"found {rate!r}", field=f"{key}.rate")
    return ServiceLimits(
        rate=float(rate),
        burst=_integer(table.get("burst", default.burst), f"{key}.burst", BURST_RANGE),
        max_body=_integer(table.get("max_body", default.max_body), f"{key}.max_body",
                          BODY_RANGE),
    )


def _networks(value: Any, key: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """IP addresses or networks (``10.0.0.1``, ``10.0.0.0/8``, ``::1``). Raises InputError
    naming ``key`` for anything else."""
    if not isinstance(value, list):
        raise InputError(f"expected a list of IP addresses or networks, found {value!r}",
                         field=key)
    networks = []
    for item in value:
        try:
            networks.append(ip_network(_text(item, key), strict=False))
        except ValueError:
            raise InputError(f"{item!r} is not an IP address or network (such as 127.0.0.1 "
                             "or 10.0.0.0/8)", field=key) from None
    return tuple(networks)


def _seconds(value: Any, key: str) -> float:
    return _number(value, key, STORE_TIMEOUT_RANGE)


def olac_archive(table: dict[str, Any], base_uri: str, first_email: str) -> OlacArchive:
    """The ``[oai.olac_archive]`` table as OlacArchive. Raises InputError naming the key."""
    key = "oai.olac_archive."
    default = OlacArchive(archive_url=base_uri)
    participants = table.get("participant")
    return OlacArchive(
        participants=_participants(participants, key) if participants is not None
        else (Participant(DEFAULT_PARTICIPANT_NAME, DEFAULT_PARTICIPANT_ROLE, first_email),),
        type=_text(table.get("type", default.type), f"{key}type"),
        current_as_of=_optional_date(table.get("current_as_of"), f"{key}current_as_of"),
        archive_url=_optional(table.get("archive_url", default.archive_url), f"{key}archive_url"),
        institution=_text(table.get("institution", default.institution), f"{key}institution"),
        institution_url=_optional(table.get("institution_url"), f"{key}institution_url"),
        short_location=_text(table.get("short_location", default.short_location),
                             f"{key}short_location"),
        synopsis=_text(table.get("synopsis", default.synopsis), f"{key}synopsis"),
        access=_text(table.get("access", default.access), f"{key}access"),
        archival_submission_policy=_optional(table.get("archival_submission_policy"),
                                             f"{key}archival_submission_policy"),
    )


def _participants(value: Any, key: str) -> tuple[Participant, ...]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InputError("expected [[oai.olac_archive.participant]] tables",
                         field=f"{key}participant")
    return tuple(
        Participant(*(_text(item.get(name), f"{key}participant.{name}")
                      for name in ("name", "role", "email")))
        for item in value
    )


def _check_oai(oai: OaiSettings) -> None:
    """The rules OAI-PMH and OLAC put on the Identify description; raises InputError."""
    archive, key = oai.archive, "oai.olac_archive"
    if not oai.admin_emails:
        raise InputError("at least one admin e-mail is needed", field="oai.admin_emails")
    for email in (*oai.admin_emails, *(p.email for p in archive.participants)):
        if not EMAIL_PATTERN.fullmatch(email):
            raise InputError(f"{email!r} is not an e-mail address", field="oai.admin_emails")
    if not archive.participants:
        raise InputError("OLAC needs at least one participant", field=f"{key}.participant")
    participant_emails = {" ".join(p.email.split()) for p in archive.participants}
    for email in oai.admin_emails:
        if " ".join(email.split()) not in participant_emails:
            raise InputError(
                f"admin e-mail {email!r} is not the e-mail of any participant (OLAC requires "
                "every adminEmail to be a participant's)", field=f"{key}.participant")
    _check_archive(archive, key)


def _check_archive(archive: OlacArchive, key: str) -> None:
    if archive.type not in ("institutional", "personal"):
        raise InputError(f"{archive.type!r}: expected institutional or personal",
                         field=f"{key}.type")
    limits = {"institution": MAX_NAME, "short_location": MAX_SHORT_LOCATION,
              "synopsis": MAX_BLOCK, "access": MAX_BLOCK,
              "archival_submission_policy": MAX_BLOCK}
    for name, limit in limits.items():
        value = getattr(archive, name) or ""
        if len(value) > limit:
            raise InputError(f"{len(value)} characters; at most {limit} allowed",
                             field=f"{key}.{name}")
    for participant in archive.participants:
        if max(len(participant.name), len(participant.role)) > MAX_NAME:
            raise InputError(f"participant names and roles are at most {MAX_NAME} characters",
                             field=f"{key}.participant")


def _table(settings: dict[str, Any], name: str, parent: str = "") -> dict[str, Any]:
    value = settings.get(name, {})
    if not isinstance(value, dict):
        raise InputError("expected a table", field=f"{parent}{name}")
    return value


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"expected a non-empty string, found {value!r}", field=key)
    return value.strip()


def _optional(value: Any, key: str) -> str | None:
    return None if value is None else _text(value, key)


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise InputError(f"expected a non-empty list of strings, found {value!r}", field=key)
    return [_text(item, key) for item in value]


def _integer(value: Any, key: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"expected a whole number from {low} to {high}, found {value!r}",
                         field=key)
    return value


def _optional_date(value: Any, key: str) -> date | None:
    return None if value is None else _date(value, key)


def _date(value: Any, key: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value, key))
    except ValueError:
        raise InputError(f"expected a date YYYY-MM-DD, found {value!r}", field=key) from None


def config_template(today: date, base_uri: str = DEFAULT_BASE_URI) -> str:
    """The commented ``yuliao.toml`` that ``yuliao init`` writes (valid as it stands), naming
    ``base_uri``, the base URI the home is made with, so that every later command agrees."""
    return TEMPLATE.replace("@TODAY@", today.isoformat()).replace("@BASE_URI@", base_uri)


TEMPLATE = """\
# Yuliao settings for this home directory. Every setting is optional: delete a line to get the
# default. The environment wins over this file: YULIAO_BASE_URI, YULIAO_OAI_ID and
# YULIAO_ADMIN_EMAIL. `yuliao` checks the file when it starts and names any bad key.

# Every IRI is built from this (must end in "/"): where the public reaches this server (the
# proxy's address when there is one). The OAI-PMH base URL is {base_uri}oai. The home was made
# with it; to move the home to another one, run `yuliao rebase NEW_BASE_URI` (it rewrites the
# store and this line).
base_uri = "@BASE_URI@"
# OAI identifiers are oai:{oai_repository_id}:{local id}; a domain name you control.
oai_repository_id = "yuliao.example.org"
repository_name = "Yuliao 語料 — Taiwan language resources"

[oai]
# Records (or headers) per ListRecords/ListIdentifiers page, 1 to 10000.
page_size = 100
# How long a resumption token stays valid, in hours (1 to 720).
token_lifetime_hours = 24
# Prepare the next page of a list while the harvester reads the current one.
read_ahead = true
# Identify's adminEmail; each must be the e-mail of a participant below (OLAC rule).
admin_emails = ["admin@yuliao.example.org"]

# The olac-archive description in Identify (OLAC Repositories 2008, §2.1).
[oai.olac_archive]
type = "institutional"            # or "personal"
# The day you last checked this description: OLAC flags it when older than 12 months.
# Without it: the day of each Identify response, and in a static repository export the day of
# the latest change to a record.
current_as_of = @TODAY@
# archive_url = "https://www.example.gov.tw/yuliao/"   # default: the base URI
institution = "Yuliao 語料 (example deployment)"
# institution_url = "https://www.example.gov.tw/"
short_location = "Taipei, Taiwan"   # "City, Country", at most 50 characters
synopsis = "Metadata of Taiwan's national language resources and AI training corpora."
access = "The metadata is open to all; data access follows each dataset's licence."
# Only if you accept deposits for long-term preservation:
# archival_submission_policy = "..."

[[oai.olac_archive.participant]]
name = "Yuliao administrator"
role = "Administrator"
email = "admin@yuliao.example.org"

# The public SPARQL endpoint /sparql (read-only, published records only).
[sparql]
# Seconds a query may run before it is stopped with 503 (0.1 to 600).
time_limit = 10
# Rows (or triples) an answer may hold; longer answers are cut and say so in the
# Yuliao-Results-Truncated header (1 to 1000000).
max_rows = 10000
# Query processes per web process (1 to 64); a query waits for a free one until its time
# limit runs out. Each runs on a read-only snapshot of the public area and can be stopped.
workers = 3
# MiB of memory one query may use (64 to 1048576); a query that needs more is stopped (503).
memory_limit_mib = 1024
# A query still running after heavy_after seconds is "heavy": at most `heavy` of those run at
# once in this home (every web worker counted); one more is stopped at once with 503 and
# Retry-After, so that long queries cannot keep small ones from being answered.
heavy = 1
heavy_after = 0.5

# How `yuliao serve` serves. It runs `workers` web processes (default: one per core), each
# with `threads` threads; every request is read whole before the application sees it.
# The application's work holds Python's GIL, so more threads add no throughput and make the
# cheap requests (answered between them) wait longer: measured best at 2.
[server]
# workers = 2
threads = 2
# Child processes of each web process that build record, agency, language, licence and
# browse pages, so that the web process's event loop keeps the GIL for the pages it sends
# from its cache (0: its threads build them). About 0.3 GB of memory each.
render_processes = 2
# Seconds a client may take to send its request headers, its body (at most [limits]
# max_body bytes), and to take each part of the response; then it is cut off (408 for a
# late body).
header_timeout = 10
body_timeout = 10
send_timeout = 30
# Seconds a request may wait for one of the threads (light ones, such as OAI-PMH Identify and
# GetRecord, go first); then it is answered 503 with Retry-After.
queue_timeout = 10

# Where the records are stored. By default (nothing here) in an embedded Oxigraph store under
# the home, which only one process can open. To share one store between several processes or
# machines (gunicorn workers, harvest jobs), put each area in its own dataset of a SPARQL 1.1
# server with the Graph Store Protocol; see docs/deployment.md. YULIAO_STORE and
# YULIAO_PUBLIC_STORE in the environment win over work and public here.
[store]
# work = "sparql+http://127.0.0.1:7878/"      # every record, in every state
# public = "sparql+http://127.0.0.1:7879/"    # published records only: a separate dataset
# Endpoint layout under each URL: "oxigraph" ({url}query, {url}update, {url}store),
# "fuseki" ({url}query, {url}update, {url}data) or "virtuoso" ({url}sparql, {url}sparql-graph-crud).
# layout = "oxigraph"
# query_path = "query"                        # override one endpoint's path
# update_path = "update"
# graph_store_path = "store"
# Seconds to connect and to wait for each read; retries on connection errors and 5xx (0 to 10).
connect_timeout = 5
read_timeout = 60
retries = 2

# Abuse limits of the web application. Requests with a larger body are refused with 413;
# clients over their rate get 429 with Retry-After. Rates are counted per client and per
# process: with several worker processes each counts on its own (see docs/deployment.md).
[limits]
# The largest request body on any route, in bytes.
max_body = 1048576
# Proxies (addresses or networks) whose X-Forwarded-For header names the client, such as the
# nginx in front of this server; any other X-Forwarded-For is ignored.
trusted_proxies = []
# Clients remembered per service; the least recently seen are forgotten first.
clients = 20000

[limits.oai]
# Requests a second per client on average (0: no limit), bursts of up to `burst` requests.
rate = 20
burst = 60
# The largest request body (a POST's arguments), in bytes.
max_body = 16384

[limits.sparql]
rate = 5
burst = 30
max_body = 400000

# Sign-ins (POST /login) and account applications (POST /apply): each costs a password hash.
[limits.signin]
rate = 0.2
burst = 10
max_body = 16384

# The back office's accounts, their sessions and the audit log (never in the triple store).
# By default in {home}/accounts.sqlite, shared by every process of this machine. Several
# machines share a PostgreSQL database instead (pip install 'yuliao[postgres]'); the
# environment variable YULIAO_ACCOUNTS_DATABASE wins. Keep a password out of this file: use
# libpq's ~/.pgpass or PGPASSWORD.
[accounts]
# database = "postgresql://yuliao@db.example.org/yuliao"
# Minutes an account stays locked after 3 wrong passwords in a row (1 to 10080).
lockout_minutes = 15
# true: a locked account stays locked until an admin unlocks it (`yuliao users unlock`).
unlock_by_admin = false
# Minutes a back-office session may stay unused before it ends (1 to 1440).
session_idle_minutes = 30
# The cost of each password hash (Argon2id): KiB of memory and passes. The defaults are RFC
# 9106's low-memory profile (about 0.1 s on a server core); raise them on a strong machine,
# never lower them in production (YULIAO_HASH_MEMORY_KIB / YULIAO_HASH_PASSES win).
hash_memory_kib = 65536
hash_passes = 3

# The datasets' files, in {home}/files (docs/deployment.md, "Files and the malware scanner").
[files]
# Bytes of files each agency may keep, as "100 GB" or a number of bytes (0: no quota).
agency_quota = "100 GB"
# scan_command = ["clamdscan", "--no-summary", "--fdpass"]
scan_timeout = 120
"""
