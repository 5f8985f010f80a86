"""The six OAI-PMH 2.0 verbs, one function each, over the dissemination index.

Only the public area reaches the index, so nothing of a draft or a record under review can be
answered here. :func:`respond` checks the arguments (badVerb, badArgument: unknown, repeated,
missing, malformed, exclusive resumptionToken, mixed granularity, from after until), runs the
verb and wraps the result; each verb raises :class:`OAIError` for the errors the protocol
gives it, reporting every one that applies. Lists are paged by keyset (see tokens.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from repository.config import Config
from repository.disseminations import PREFIXES, Disseminations, Row, Selection
from repository.records import LOCAL_ID, utc_text
from repository.renderings import METADATA_FORMATS

from . import readahead, tokens, xml
from .errors import OAIError, raise_all

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
METADATA_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
SYNTAX = {"identifier": (IDENTIFIER, "an identifier (URI)"),
          "metadataPrefix": (METADATA_PREFIX, "a metadataPrefix"),
          "set": (SET_SPEC, "a setSpec")}


@dataclass(frozen=True)
class Provider:
    """What a request is answered from: the index, the settings and the token key."""

    index: Disseminations
    config: Config
    key: bytes
    read_ahead: readahead.ReadAhead | None = None

    @property
    def base_url(self) -> str:
        return self.config.oai_base_url

    def oai_identifier(self, local_id: str) -> str:
        return f"oai:{self.config.oai_repository_id}:{local_id}"

    def local_id(self, identifier: str) -> str | None:
        """The local id in one of our OAI identifiers; None for anyone else's."""
        prefix = f"oai:{self.config.oai_repository_id}:"
        local = identifier[len(prefix):] if identifier.startswith(prefix) else ""
        return local if LOCAL_ID.fullmatch(local) else None


Handler = Callable[[Provider, dict[str, str], datetime], list[bytes]]


@dataclass(frozen=True)
class Verb:
    """A verb's handler and arguments; ``resumable`` verbs take an exclusive resumptionToken."""

    handler: Handler
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    resumable: bool = False

    @property
    def allowed(self) -> frozenset[str]:
        token = ("resumptionToken",) if self.resumable else ()
        return frozenset((*self.required, *self.optional, *token))


def respond(provider: Provider, pairs: list[tuple[str, str]], now: datetime) -> bytes:
    """The response document to a request with arguments ``pairs`` (GET or POST, in order)."""
    try:
        verb, arguments = check_arguments(pairs)
    except OAIError as error:
        return xml.envelope(now, provider.base_url, None, xml.errors(error))
    try:
        body = VERBS[verb].handler(provider, arguments, now)
    except OAIError as error:
        echo = None
        if error.echoes_arguments:
            echo = {"verb": verb, **{name: value for name, value in arguments.items()
                                     if name not in error.hidden_arguments}}
        return xml.envelope(now, provider.base_url, echo, xml.errors(error))
    return xml.envelope(now, provider.base_url, {"verb": verb, **arguments}, body)


# -- the verbs -------------------------------------------------------------------------------


def identify(provider: Provider, arguments: dict[str, str], now: datetime) -> list[bytes]:
    """Identify: names, base URL, policies and the oai-identifier and olac-archive
    descriptions (the first only once a record exists to be its sampleIdentifier)."""
    config = provider.config
    earliest = provider.index.earliest_datestamp() or utc_text(now)
    fields = [("repositoryName", config.repository_name), ("baseURL", provider.base_url),
              ("protocolVersion", "2.0"),
              *(("adminEmail", email) for email in config.oai.admin_emails),
              ("earliestDatestamp", earliest), ("deletedRecord", "persistent"),
              ("granularity", "YYYY-MM-DDThh:mm:ssZ")]
    body = [b"<Identify>", "".join(xml.element(n, v) for n, v in fields).encode()]
    sample = provider.index.sample_id()
    if sample is not None:
        body.append(xml.oai_identifier(config.oai_repository_id, provider.oai_identifier(sample)))
    body += [xml.olac_archive(config.oai.archive, now.date()), b"</Identify>"]
    return body


def list_metadata_formats(provider: Provider, arguments: dict[str, str],
                          now: datetime) -> list[bytes]:
    """The formats of the repository, or of one item (idDoesNotExist, noMetadataFormats)."""
    formats = list(METADATA_FORMATS)
    if "identifier" in arguments:
        local = provider.local_id(arguments["identifier"])
        prefixes = provider.index.prefixes_of(local) if local else None
        if prefixes is None:
            raise _no_such_item(arguments["identifier"])
        if not prefixes:
            raise OAIError("noMetadataFormats", "this item has no metadata in any format")
        formats = [f for f in formats if f.prefix in prefixes]
    body = [b"<ListMetadataFormats>"]
    body += [(f"<metadataFormat>{xml.element('metadataPrefix', f.prefix)}"
              f"{xml.element('schema', f.schema)}"
              f"{xml.element('metadataNamespace', f.namespace)}</metadataFormat>").encode()
             for f in formats]
    return [*body, b"</ListMetadataFormats>"]


def list_sets(provider: Provider, arguments: dict[str, str], now: datetime) -> list[bytes]:
    """Every set that holds a public record, parents included, in one response."""
    if "resumptionToken" in arguments:
        raise OAIError("badResumptionToken", "ListSets is answered in one response; this "
                       "repository issues no resumptionToken for it", hidden={"resumptionToken"})
    sets = provider.index.sets()
    if not sets:
        raise OAIError("noSetHierarchy", "this repository has no sets yet")
    return [b"<ListSets>", *(xml.oai_set(s) for s in sets), b"</ListSets>"]


def get_record(provider: Provider, arguments: dict[str, str], now: datetime) -> list[bytes]:
    """One record in one format (cannotDisseminateFormat, idDoesNotExist)."""
    prefix, identifier = arguments["metadataPrefix"], arguments["identifier"]
    problems = [] if prefix in PREFIXES else [_cannot_disseminate(prefix)]
    local = provider.local_id(identifier)
    row = provider.index.get(local, prefix if not problems else None) if local else None
    if row is None:
        problems.append(_no_such_item(identifier))
    raise_all(problems)
    if not row.deleted and row.metadata is None:
        raise OAIError("cannotDisseminateFormat", f"this item has no {prefix} metadata")
    return [b"<GetRecord>", *xml.record(identifier, row), b"</GetRecord>"]


def list_identifiers(provider: Provider, arguments: dict[str, str],
                     now: datetime) -> list[bytes]:
    """Headers of the selected records, a page at a time."""
    return _list(provider, "ListIdentifiers", arguments, now)


def list_records(provider: Provider, arguments: dict[str, str], now: datetime) -> list[bytes]:
    """The selected records with their metadata and provenance, a page at a time."""
    return _list(provider, "ListRecords", arguments, now)


VERBS: dict[str, Verb] = {
    "Identify": Verb(identify),
    "ListMetadataFormats": Verb(list_metadata_formats, optional=("identifier",)),
    "ListSets": Verb(list_sets, resumable=True),
    "GetRecord": Verb(get_record, required=("identifier", "metadataPrefix")),
    "ListIdentifiers": Verb(list_identifiers, ("metadataPrefix",), ("from", "until", "set"), True),
    "ListRecords": Verb(list_records, ("metadataPrefix",), ("from", "until", "set"), True),
}


# -- lists -----------------------------------------------------------------------------------


def _list(provider: Provider, verb: str, arguments: dict[str, str], now: datetime) -> list[bytes]:
    """One page of ListIdentifiers or ListRecords, with the resumptionToken it needs: read
    ahead when it was (see readahead.py), and the page after it read ahead in turn."""
    state = _start(provider, verb, arguments, now)
    token = arguments.get("resumptionToken")
    page = None
    if token is not None and provider.read_ahead is not None:
        page = provider.read_ahead.take(token, provider.index.generation())
    body, following = page or _page(provider, state, now)
    if following and provider.read_ahead is not None:
        _read_ahead(provider, verb, following, now)
    return body


def _page(provider: Provider, state: tokens.ListState, now: datetime) -> readahead.Page:
    """The page ``state`` selects and the token text that asks for the next one ("" when
    none follows). Raises OAIError noRecordsMatch when the selection is empty."""
    size = provider.config.oai.page_size
    with_metadata = state.verb == "ListRecords"
    rows = provider.index.page(state.selection, state.after, size + 1,
                               with_metadata=with_metadata)
    if not rows:
        raise OAIError("noRecordsMatch", "no record matches these arguments")
    page = rows[:size]
    body = [f"<{state.verb}>".encode()]
    for row in page:
        identifier = provider.oai_identifier(row.local_id)
        body += xml.record(identifier, row) if with_metadata else [xml.header(identifier, row)]
    token, following = _token(provider, state, page, len(rows) > size, now)
    body += [token, f"</{state.verb}>".encode()]
    return body, following


def _read_ahead(provider: Provider, verb: str, following: str, now: datetime) -> None:
    """Has the page that ``following`` asks for prepared while the harvester reads this one."""
    state = tokens.redeem(following, provider.key, verb, now)
    provider.read_ahead.prepare(following, provider.index.generation,
                                lambda: _page(provider, state, now))


def _start(provider: Provider, verb: str, arguments: dict[str, str],
           now: datetime) -> tokens.ListState:
    if "resumptionToken" in arguments:
        return tokens.redeem(arguments["resumptionToken"], provider.key, verb, now)
    prefix, spec = arguments["metadataPrefix"], arguments.get("set")
    problems = [] if prefix in PREFIXES else [_cannot_disseminate(prefix)]
    if spec is not None and not provider.index.sets():
        problems.append(OAIError("noSetHierarchy", "this repository has no sets yet"))
    raise_all(problems)
    since, until = _bound(arguments.get("from"), "T00:00:00Z"), _bound(arguments.get("until"),
                                                                         "T23:59:59Z")
    return tokens.ListState(verb, Selection(prefix, since, until, spec))


def _token(provider: Provider, state: tokens.ListState, page: list[Row], more: bool,
           now: datetime) -> tuple[bytes, str]:
    """The resumptionToken element and its text: a token when more follows; an empty one
    ending a list that took several pages; none for a list that fits on its first page."""
    if more:
        size = state.size if state.size is not None else provider.index.count(state.selection)
        expires = now + provider.config.oai.token_lifetime
        following = tokens.ListState(state.verb, state.selection,
                                     (page[-1].datestamp, page[-1].local_id),
                                     state.cursor + len(page), size, expires)
        text = tokens.issue(following, provider.key)
        return xml.resumption_token(text, cursor=state.cursor, size=size, expires=expires), text
    if state.after is not None:
        return xml.resumption_token("", cursor=state.cursor, size=state.cursor + len(page),
                                    expires=None), ""
    return b"", ""


def _bound(value: str | None, day_time: str) -> str | None:
    """A from/until value at second granularity (a day covers the whole day)."""
    if value is None:
        return None
    return value + day_time if DAY.fullmatch(value) else value


# -- argument checking -----------------------------------------------------------------------


def check_arguments(pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments. Raises OAIError badVerb (missing, repeated or unknown
    verb) or badArgument, one per problem found (never echoing a value into markup)."""
    verbs = [value for name, value in pairs if name == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OAIError("badVerb", _verb_problem(verbs))
    verb = verbs[0]
    others = [(name, value) for name, value in pairs if name != "verb"]
    arguments = {name: value for name, value in others if name in VERBS[verb].allowed}
    raise_all([*_names(verb, others), *_presence(verb, arguments), *_syntax(arguments),
               *_dates(arguments)])
    return verb, arguments


def _verb_problem(verbs: list[str]) -> str:
    if not verbs:
        return "the verb argument is missing"
    if len(verbs) > 1:
        return "the verb argument is repeated"
    return f"{xml.quoted(verbs[0])} is not an OAI-PMH verb"


def _names(verb: str, pairs: list[tuple[str, str]]) -> list[OAIError]:
    counts = Counter(name for name, _ in pairs)
    problems = []
    for name, count in counts.items():
        if name not in VERBS[verb].allowed:
            problems.append(_bad(f"{verb} does not take the argument {xml.quoted(name)}"))
        elif count > 1:
            problems.append(_bad(f"the argument {name} is repeated"))
    return problems


def _presence(verb: str, arguments: dict[str, str]) -> list[OAIError]:
    if "resumptionToken" in arguments:
        extra = sorted(set(arguments) - {"resumptionToken"})
        return [_bad("resumptionToken is an exclusive argument; it cannot come with "
                     + ", ".join(extra))] if extra else []
    return [_bad(f"{verb} needs the argument {name}") for name in VERBS[verb].required
            if name not in arguments]


def _syntax(arguments: dict[str, str]) -> list[OAIError]:
    return [_bad(f"{xml.quoted(arguments[name])} is not {what}")
            for name, (pattern, what) in SYNTAX.items()
            if name in arguments and not pattern.fullmatch(arguments[name])]


def _dates(arguments: dict[str, str]) -> list[OAIError]:
    """from/until: UTC day or second granularity, the same for both, from not after until."""
    given = {name: arguments[name] for name in ("from", "until") if name in arguments}
    bad = [name for name, value in given.items() if _granularity(value) is None]
    if bad:
        return [_bad(f"{name} {xml.quoted(given[name])} is not a UTC date YYYY-MM-DD or "
                     "YYYY-MM-DDThh:mm:ssZ") for name in bad]
    if len(given) == 2:
        if _granularity(given["from"]) != _granularity(given["until"]):
            return [_bad("from and until must have the same granularity")]
        if given["from"] > given["until"]:
            return [_bad("from is later than until")]
    return []


def _granularity(value: str) -> str | None:
    """"day" or "second" for a valid UTC datestamp, else None."""
    try:
        if DAY.fullmatch(value):
            datetime.strptime(value, "%Y-%m-%d")
            return "day"
        if SECOND.fullmatch(value):
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            return "second"
    except ValueError:
        return None
    return None


def _bad(message: str) -> OAIError:
    return OAIError("badArgument", message)


def _cannot_disseminate(prefix: str) -> OAIError:
    return OAIError("cannotDisseminateFormat",
                    f"{xml.quoted(prefix)} is not one of {', '.join(PREFIXES)}")


def _no_such_item(identifier: str) -> OAIError:
    return OAIError("idDoesNotExist", f"no item {xml.quoted(identifier)} in this repository")
