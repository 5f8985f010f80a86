"""The demo's agencies and accounts, which ``yuliao init --demo`` registers beside the demo
records (README.md, "Demo accounts", lists the accounts and their passwords).

Every agency a demo record publishes under ``{base}agency/{code}`` is registered with the
names the records give it. The two agencies of the demo accounts, 數位發展部 (A29000000G, the
agency of seed 001's walkthrough) and its 數位產業署 (A29020000G), also get a contact point
(placeholders in the style of demo/README.md: 02-23800777 is the ministry's number in seed
001's form) and the second names the first as its parent. Each has an agency admin and a
data provider; one platform admin acts for all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from repository.accounts.agencies import Agency, new_agency
from repository.actors import Role
from vocab.namespaces import DCT, FOAF

from . import records

MODA, ADI = "A29000000G", "A29020000G"
#: code → (contact name, telephone, e-mail) of the agencies of the demo accounts
CONTACTS = {
    MODA: ("示範窗口（數位發展部）", "02-23800777", "demo-agency-moda@example.org"),
    ADI: ("示範窗口（數位產業署）", "+886-2-00000099", "demo-agency-adi@example.org"),
}
PARENTS = {ADI: MODA}


@dataclass(frozen=True)
class DemoAccount:
    """An account of the demo, with its fixed password (the README shows it)."""

    email: str
    name: str
    role: Role
    agency: str | None
    password: str = field(repr=False)


ACCOUNTS = (
    DemoAccount("platform.admin@example.org", "示範後臺管理者", Role.PLATFORM_ADMIN, None,
                "demo-platform-admin"),
    DemoAccount("moda.admin@example.org", "示範機關管理者（數位發展部）", Role.AGENCY_ADMIN,
                MODA, "demo-moda-admin"),
    DemoAccount("moda.provider@example.org", "示範資料提供者（數位發展部）", Role.PROVIDER, MODA,
                "demo-moda-provider"),
    DemoAccount("adi.admin@example.org", "示範機關管理者（數位產業署）", Role.AGENCY_ADMIN, ADI,
                "demo-adi-admin"),
    DemoAccount("adi.provider@example.org", "示範資料提供者（數位產業署）", Role.PROVIDER, ADI,
                "demo-adi-provider"),
)


def agencies(base: str) -> list[Agency]:
    """The agencies the demo records publish under, parents before their children."""
    names: dict[str, dict[str, str]] = {}
    for record in records(base):
        subject = URIRef(f"{base}id/{record.local_id}")
        for publisher in record.graph.objects(subject, DCT.publisher):
            if str(publisher).startswith(f"{base}agency/"):
                code = str(publisher)[len(f"{base}agency/"):]
                known = names.setdefault(code, {})
                for name in record.graph.objects(publisher, FOAF.name):
                    if isinstance(name, Literal) and name.language:
                        known.setdefault(name.language.split("-")[0], str(name))
    made = [_agency(code, known) for code, known in sorted(names.items())]
    return sorted(made, key=lambda agency: agency.parent is not None)


def _agency(code: str, known: dict[str, str]) -> Agency:
    contact = CONTACTS.get(code, (None, None, None))
    return new_agency(code, known.get("zh", ""), known.get("en", ""), parent=PARENTS.get(code),
                      contact_name=contact[0], contact_phone=contact[1],
                      contact_email=contact[2])
