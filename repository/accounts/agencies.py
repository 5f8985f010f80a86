"""The register of agencies: the bodies whose accounts provide and review datasets.

An agency is ``{base}agency/{code}``, the IRI the ``dct:publisher`` of its datasets already
names, described in a named graph of its own, ``{base}graph/agency/{code}``, in both areas of
the store: its code (``dct:identifier``), its names in Chinese and English (``foaf:name``),
its parent agency (``org:subOrganizationOf``, 上層機關) and its contact point (a
``vcard:Kind`` with name, telephone and e-mail, ``dcat:contactPoint``). All of that is public
(the agency page ``/agency/{code}`` shows it, :mod:`repository.agencies`); the work area's copy
adds when the agency was registered and last changed. A registered agency is typed
``org:FormalOrganization``, which no record's publisher is, so the register is one query on
that type.

Each change writes the work area, then the public area, one atomic update each; a change cut
short between the two is repaired by saving the agency again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from vocab.namespaces import DCAT, DCT, FOAF, ORG, RDF_, VCARD

from ..errors import ConflictError, InputError, NotFound, StoreError
from .accounts import checked_email, checked_text
from .database import Clock, utc_now

if TYPE_CHECKING:
    from ..backends import TripleStore

#: An agency code: letters, digits, ``.``, ``_`` and ``-`` (``A29000000G``, ``376570000A``,
#: ``ntu``), so that it stands in an IRI and a path as it is.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PHONE = re.compile(r"\+?[0-9(][0-9()\- ]{2,39}")
MAX_NAME = 200
#: How far a chain of parent agencies is followed (a longer one is refused as a loop).
MAX_DEPTH = 32
#: Agencies on one page of :meth:`AgencyRegister.page`, at most.
MAX_PAGE = 500
ZH, EN = "zh-Hant-TW", "en"


@dataclass(frozen=True)
class AgencyContact:
    """An agency's contact point: a person or desk, a telephone number, an e-mail."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Agency:
    """A registered agency. ``created`` and ``modified`` are known from the work area only."""

    code: str
    name_zh: str
    name_en: str
    parent: str | None = None
    contact: AgencyContact | None = None
    created: datetime | None = None
    modified: datetime | None = None


def new_agency(code: str, name_zh: str, name_en: str, *, parent: str | None = None,
               contact_name: str | None = None, contact_phone: str | None = None,
               contact_email: str | None = None) -> Agency:
    """A checked agency. Raises InputError naming the field: a code that is not letters,
    digits, ``.``, ``_`` or ``-``; a missing or too long name; a malformed parent code,
    telephone number or e-mail."""
    return Agency(
        code=checked_code(code, "code"),
        name_zh=checked_text(name_zh, "name_zh", MAX_NAME, what="the Chinese name"),
        name_en=checked_text(name_en, "name_en", MAX_NAME, what="the English name"),
        parent=checked_code(parent, "parent") if parent else None,
        contact=_contact(contact_name, contact_phone, contact_email),
    )


def checked_code(code: str, field: str = "code") -> str:
    """``code`` trimmed. Raises InputError naming ``field`` when it is not an agency code."""
    text = code.strip() if isinstance(code, str) else ""
    if not CODE.fullmatch(text):
        raise InputError(f"{code!r} is not an agency code: 1 to 64 letters, digits, '.', '_' "
                         "or '-', starting with a letter or digit (A29000000G)", field=field)
    return text


def _contact(name: str | None, phone: str | None, email: str | None) -> AgencyContact | None:
    if not any((name, phone, email)):
        return None
    if phone and not PHONE.fullmatch(phone.strip()):
        raise InputError(f"{phone!r} is not a telephone number (02-23800777, +886-2-23800777)",
                         field="contact_phone")
    return AgencyContact(
        name=checked_text(name, "contact_name", MAX_NAME, what="a name") if name else None,
        phone=_phone(phone) if phone else None,
        email=checked_email(email, "contact_email") if email else None)


def _phone(text: str) -> str:
    """A telephone number as kept: digits and ``+``, groups joined by ``-``."""
    return "-".join(part for part in re.split(r"[\s()\-]+", text.strip()) if part)


class AgencyRegister:
    """The agencies registered in a store: read from the work area when given (everything),
    else from the public area (public facts; what a public reader has); written to both.
    ``clock`` says when a change is made."""

    def __init__(self, base: str, public: TripleStore, work: TripleStore | None = None, *,
                 clock: Clock = utc_now) -> None:
        self.base = base
        self.public = public
        self.work = work
        self.clock = clock

    @classmethod
    def of(cls, repository: Any) -> AgencyRegister:
        """The register of a Repository, or of a PublicReader (which can only read)."""
        return cls(repository.config.base_uri, repository.public,
                   getattr(repository, "work", None))

    def iri(self, code: str) -> URIRef:
        return URIRef(f"{self.base}agency/{code}")

    def graph_name(self, code: str) -> URIRef:
        return URIRef(f"{self.base}graph/agency/{code}")

    @property
    def _reading(self) -> TripleStore:
        return self.work if self.work is not None else self.public

    # -- reading ---------------------------------------------------------------------------

    def exists(self, code: str) -> bool:
        """Whether ``code`` is registered (False for anything that is not a code)."""
        return (isinstance(code, str) and CODE.fullmatch(code) is not None
                and self._reading.has_graph(self.graph_name(code)))

    def get(self, code: str) -> Agency:
        """The agency ``code``. Raises NotFound, StoreError."""
        graph = self._reading.graph(self.graph_name(code)) if CODE.fullmatch(code) else Graph()
        if not len(graph):
            raise NotFound(f"no agency {code} is registered")
        return self._read(code, graph)

    def all(self) -> list[Agency]:
        """Every registered agency, by code."""
        rows = self._reading.select(
            f"SELECT ?agency WHERE {{ GRAPH ?g {{ ?agency a <{ORG.FormalOrganization}> }} }}")
        prefix = f"{self.base}agency/"
        codes = sorted(str(row["agency"])[len(prefix):] for row in rows
                       if str(row["agency"]).startswith(prefix))
        return [self.get(code) for code in codes]

    def page(self, *, after: str | None = None, limit: int = 50) -> list[Agency]:
        """At most ``limit`` (1 to :data:`MAX_PAGE`) agencies by code, after the code
        ``after``: one query for the codes, one read per agency shown. Raises InputError for a
        limit out of range, StoreError."""
        if not 1 <= limit <= MAX_PAGE:
            raise InputError(f"expected 1 to {MAX_PAGE} agencies, found {limit}", field="limit")
        prefix = f"{self.base}agency/"
        start = f'FILTER (STR(?agency) > "{prefix}{checked_code(after, "after")}")' \
            if after else ""
        rows = self._reading.select(
            f"SELECT DISTINCT ?agency WHERE {{ GRAPH ?g {{ ?agency a <{ORG.FormalOrganization}> "
            f"}} FILTER (STRSTARTS(STR(?agency), \"{prefix}\")) {start} }} "
            f"ORDER BY STR(?agency) LIMIT {limit}")
        return [self.get(str(row["agency"])[len(prefix):]) for row in rows]

    def names(self) -> list[tuple[str, str, str]]:
        """(code, Chinese name, English name) of every registered agency, by code, in one
        query (for a picker). Raises StoreError."""
        rows = self._reading.select(
            f"SELECT ?agency ?name WHERE {{ GRAPH ?g {{ ?agency a <{ORG.FormalOrganization}> ; "
            f"<{FOAF.name}> ?name }} }}")
        prefix, found = f"{self.base}agency/", {}
        for row in rows:
            iri, name = str(row["agency"]), row["name"]
            if iri.startswith(prefix) and isinstance(name, Literal):
                found.setdefault(iri[len(prefix):], {})[name.language] = str(name)
        return [(code, names.get(ZH, ""), names.get(EN, ""))
                for code, names in sorted(found.items())]

    # -- writing ---------------------------------------------------------------------------

    def add(self, agency: Agency) -> Agency:
        """Register ``agency``. Raises ConflictError when its code is registered already,
        InputError (field ``parent``) for a parent that is not registered."""
        if self.exists(agency.code):
            raise ConflictError(f"agency {agency.code} is registered already")
        self._check_parent(agency)
        now = self.clock()
        return self._write(replace(agency, created=now, modified=now))

    def update(self, agency: Agency) -> Agency:
        """Replace the description of the registered ``agency``. Raises NotFound, InputError
        (field ``parent``) for a parent that is not registered or would make a loop."""
        before = self.get(agency.code)
        self._check_parent(agency)
        return self._write(replace(agency, created=before.created, modified=self.clock()))

    def _check_parent(self, agency: Agency) -> None:
        code, seen = agency.parent, 0
        while code is not None:
            if code == agency.code or seen == MAX_DEPTH:
                raise InputError(f"{agency.parent} cannot be the parent of {agency.code}: "
                                 "agencies would be their own parents", field="parent")
            if not self.exists(code):
                raise InputError(f"no agency {code} is registered", field="parent")
            code, seen = self.get(code).parent, seen + 1

    def _write(self, agency: Agency) -> Agency:
        if self.work is None:
            raise StoreError("a public reader cannot change the agency register")
        public = self._triples(agency)
        work = Graph(bind_namespaces="none") + public
        for predicate, value in ((DCT.created, agency.created), (DCT.modified, agency.modified)):
            work.add((self.iri(agency.code), predicate, Literal(value, datatype=XSD.dateTime)))
        self.work.replace({self.graph_name(agency.code): work})
        self.public.replace({self.graph_name(agency.code): public})
        return agency

    # -- RDF -------------------------------------------------------------------------------

    def _triples(self, agency: Agency) -> Graph:
        """The public description of ``agency``."""
        node, g = self.iri(agency.code), Graph(bind_namespaces="none")
        g.add((node, RDF_.type, FOAF.Organization))
        g.add((node, RDF_.type, ORG.FormalOrganization))
        g.add((node, DCT.identifier, Literal(agency.code)))
        g.add((node, FOAF.name, Literal(agency.name_zh, lang=ZH)))
        g.add((node, FOAF.name, Literal(agency.name_en, lang=EN)))
        if agency.parent:
            g.add((node, ORG.subOrganizationOf, self.iri(agency.parent)))
        if agency.contact:
            point = URIRef(f"{node}#contact")
            g.add((node, DCAT.contactPoint, point))
            g.add((point, RDF_.type, VCARD.Kind))
            contact = agency.contact
            for predicate, value in ((VCARD.fn, contact.name and Literal(contact.name)),
                                     (VCARD.hasTelephone, contact.phone
                                      and URIRef(f"tel:{contact.phone}")),
                                     (VCARD.hasEmail, contact.email
                                      and URIRef(f"mailto:{contact.email}"))):
                if value:
                    g.add((point, predicate, value))
        return g

    def _read(self, code: str, g: Graph) -> Agency:
        node = self.iri(code)
        names = {n.language: str(n) for n in g.objects(node, FOAF.name) if isinstance(n, Literal)}
        parent = g.value(node, ORG.subOrganizationOf)
        point = g.value(node, DCAT.contactPoint)
        created, modified = g.value(node, DCT.created), g.value(node, DCT.modified)
        return Agency(
            code=code, name_zh=names.get(ZH, ""), name_en=names.get(EN, ""),
            parent=str(parent)[len(f"{self.base}agency/"):] if parent is not None else None,
            contact=_read_contact(g, point) if point is not None else None,
            created=created.toPython() if created is not None else None,
            modified=modified.toPython() if modified is not None else None)


def _read_contact(g: Graph, point: Any) -> AgencyContact:
    def text(predicate: URIRef, scheme: str = "") -> str | None:
        value = g.value(point, predicate)
        return None if value is None else str(value).removeprefix(scheme)

    return AgencyContact(name=text(VCARD.fn), phone=text(VCARD.hasTelephone, "tel:"),
                         email=text(VCARD.hasEmail, "mailto:"))
