"""The audit log's page and CSV export through the real application (seed 004 §9): platform
admins filter it by who, what (an event or a family), record and days, page it newest first,
and export the same as CSV, which is itself audited; no password or hash reaches a row, a log
line or the CSV; nothing of the log is reachable from the public area."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from repository.accounts import AuditEvent
from repository.accounts.audit import COLUMNS
from tests.accounts_support import PASSWORD
from tests.office_support import (
    Office,
    csrf_token,
    next_page,
    office_home,
    sign_in,
    signed_in,
)

PLATFORM, ADMIN_A, PROVIDER_A = ("platform@example.org", "admin.a@example.org",
                                 "provider.a@example.org")


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with office_home(tmp_path / "home", base_uri="http://127.0.0.1:8000/") as office:
        yield office


def record_events(office: Office) -> None:
    """Two records' transitions, a day apart, by the provider and the agency admin."""
    audit = office.services.audit
    audit.append(AuditEvent("record.submit", who=PROVIDER_A, record="00001174",
                            from_state="draft", to_state="pending-agency-review"))
    office.clock.advance(days=1)
    audit.append(AuditEvent("record.approve", who=ADMIN_A, record="00001174",
                            from_state="pending-agency-review",
                            to_state="pending-platform-review"))
    audit.append(AuditEvent("record.return", who=ADMIN_A, record="00009127",
                            from_state="pending-agency-review", to_state="in-revision",
                            details="=HYPERLINK(\"http://evil.example\")"))
    office.clock.advance(days=1)


def rows_of(page: str) -> list[list[str]]:
    """The cells of the log's table on ``page`` (tags stripped), one list per event."""
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    rows = []
    for row in body.split("<tr>")[1:]:
        cells = [cell.split("</td>")[0] for cell in row.split("<td")[1:]]
        rows.append([c.split(">", 1)[1].replace("<code>", "").replace("</code>", "").strip()
                     for c in cells])
    return rows


def csv_rows(response) -> list[dict[str, str]]:
    """The rows of a CSV export (after its byte order mark), as dicts by column."""
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text[1:]))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def test_a_platform_admin_reads_the_log_newest_first(office: Office):
    record_events(office)
    platform = signed_in(office, PLATFORM)
    page = platform.get("/admin/audit").data.decode()
    rows = rows_of(page)
    assert [row[4] for row in rows[:4]] == ["login.success", "record.return",
                                            "record.approve", "record.submit"]
    numbers = [int(row[0]) for row in rows]
    assert numbers == sorted(numbers, reverse=True)
    assert rows[1][5:8] == ["00009127", "pending-agency-review → in-revision",
                            "=HYPERLINK(&#34;http://evil.example&#34;)"]


@pytest.mark.parametrize("query, expected", [
    ({"who": ADMIN_A}, ["record.return", "record.approve"]),
    ({"who": "Admin.A@Example.org"}, ["record.return", "record.approve"]),
    ({"what": "record"}, ["record.return", "record.approve", "record.submit"]),
    ({"what": "record.approve"}, ["record.approve"]),
    ({"record": "00001174"}, ["record.approve", "record.submit"]),
    ({"since": "2026-03-03", "what": "record"}, ["record.return", "record.approve"]),
    ({"until": "2026-03-02", "what": "record"}, ["record.submit"]),
    ({"since": "2026-03-03", "until": "2026-03-03", "record": "00001174"},
     ["record.approve"]),
], ids=["who", "who in other case", "family", "event", "record", "since", "until", "a day"])
def test_the_filters_find_what_they_say(office: Office, query: dict, expected: list[str]):
    record_events(office)
    platform = signed_in(office, PLATFORM)
    response = platform.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    assert [row[4] for row in rows_of(response.data.decode())] == expected


@pytest.mark.parametrize("query, field", [
    ({"since": "2026-02-30"}, "since"), ({"until": "yesterday"}, "until"),
    ({"what": "Login!"}, "what"), ({"after": "x"}, "after")])
def test_a_bad_filter_is_400_with_the_message_at_the_filter(office: Office, query: dict,
                                                           field: str):
    response = signed_in(office, PLATFORM).get("/admin/audit", query_string=query)
    assert response.status_code == 400
    page = response.data.decode()
    assert field == "after" or f'id="{field}-error"' in page
    if field != "after":  # the export has no cursor: it is the whole log
        assert signed_in(office, PLATFORM).get("/admin/audit.csv",
                                               query_string=query).status_code == 400
    assert not office.services.audit.query(what="export").events


def test_the_log_is_paged_by_its_cursor(office: Office):
    for number in range(130):
        office.services.audit.append(AuditEvent("download", who=PROVIDER_A,
                                                details=f"file {number}"))
    platform = signed_in(office, PLATFORM)
    first = platform.get("/admin/audit", query_string={"what": "download"}).data.decode()
    assert [r[7] for r in rows_of(first)][:2] == ["file 129", "file 128"]
    assert len(rows_of(first)) == 100
    older = next_page(first)
    assert "what=download" in older
    second = platform.get(older).data.decode()
    assert [r[7] for r in rows_of(second)] == [f"file {n}" for n in range(29, -1, -1)]
    assert 'rel="next"' not in second


def test_the_csv_export_has_the_columns_the_filters_rows_and_is_audited(office: Office):
    record_events(office)
    platform = signed_in(office, PLATFORM)
    response = platform.get("/admin/audit.csv", query_string={"what": "record"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = csv_rows(response)
    assert [(r["what"], r["who"], r["record"]) for r in rows] == [
        ("record.return", ADMIN_A, "00009127"), ("record.approve", ADMIN_A, "00001174"),
        ("record.submit", PROVIDER_A, "00001174")]
    assert rows[0]["details"] == "'=HYPERLINK(\"http://evil.example\")"  # defused
    assert rows[0]["at"].startswith("2026-03-03T09:00:00")
    export = office.services.audit.query(what="export").events[0]
    assert (export.who, export.client) == (PLATFORM, "127.0.0.1")
    assert export.details == "audit log CSV: what=record"
    everything = csv_rows(platform.get("/admin/audit.csv"))
    assert everything[0]["what"] == "export" and everything[0]["number"] == str(export.number)
    newest = office.services.audit.query(limit=1).events[0]
    assert newest.what == "export" and str(newest.number) not in {r["number"]
                                                                   for r in everything}


def test_an_export_of_a_long_log_streams_every_event(office: Office):
    for number in range(2500):
        office.services.audit.append(AuditEvent("download", who=PROVIDER_A,
                                                details=f"file {number}"))
    response = signed_in(office, PLATFORM).get("/admin/audit.csv",
                                               query_string={"what": "download"})
    assert response.is_streamed
    rows = csv_rows(response)
    assert len(rows) == 2500 and rows[0]["details"] == "file 2499"
    assert rows[-1]["details"] == "file 0"


def test_no_password_or_hash_reaches_the_log_its_page_its_csv_or_the_logs(
        office: Office, caplog: pytest.LogCaptureFixture):
    wrong, chosen = "a wrong password for sure", "a newcomer's long password"
    with caplog.at_level("DEBUG"):
        sign_in(office.client(), PROVIDER_A, wrong)
        client = office.client()
        form = client.get("/apply")
        client.post("/apply", data={"csrf_token": csrf_token(form.data),
                                    "email": "newcomer@example.org", "name": "林新人",
                                    "role": "data-provider", "agency": "A29000000G",
                                    "password": chosen, "password_again": chosen})
        platform = signed_in(office, PLATFORM)
        page = platform.get(f"/admin/accounts/{PROVIDER_A}")
        reset = platform.post(f"/admin/accounts/{PROVIDER_A}", data={
            "csrf_token": csrf_token(page.data), "action": "reset-password"})
        new = reset.data.decode().split('<code class="password">')[1].split("</code>")[0]
        shown = platform.get("/admin/audit").data.decode()
        exported = platform.get("/admin/audit.csv").data.decode()
    log = "\n".join(map(str, office.services.audit.events()))
    for place, text in (("audit log", log), ("audit page", shown), ("CSV", exported),
                        ("log output", caplog.text)):
        for secret in (PASSWORD, wrong, chosen, new, "$argon2"):
            assert secret not in text, f"{secret[:8]}… in the {place}"
    assert "password.reset" in exported and "account.apply" in exported
    assert "login.failure" in exported


def public_texts(client: FlaskClient) -> Iterator[tuple[str, str]]:
    """What the public area answers to questions about the log."""
    query = ('SELECT ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } '
             'FILTER (CONTAINS(STR(?o), "login.success") || CONTAINS(STR(?o), "record.return")'
             ' || CONTAINS(STR(?o), "platform@example.org")) }')
    answer = client.get("/sparql", query_string={"query": query},
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    yield "sparql", json.dumps(json.loads(answer.data)["results"]["bindings"])
    for words in ("login.success", "platform@example.org", "record.return"):
        found = client.get("/search", query_string={"q": words, "format": "json"})
        yield f"search for {words}", json.dumps(json.loads(found.data)["hits"])
    for path in ("/", "/catalog", "/oai?verb=ListRecords&metadataPrefix=oai_dc"):
        yield path, client.get(path).data.decode()


def test_nothing_of_the_log_is_reachable_from_the_public_area(office: Office):
    record_events(office)
    signed_in(office, PLATFORM).get("/admin/audit.csv")
    visitor = office.client()
    for where, text in public_texts(visitor):
        for trace in ("login.success", "record.return", "platform@example.org",
                      "=HYPERLINK"):
            assert trace not in text, f"{trace} in {where}"
    assert visitor.get("/admin/audit").status_code == 302
    assert visitor.get("/admin/audit.csv").status_code == 302
