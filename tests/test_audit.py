"""The audit log (seed 004 §9): append-only on the database itself, paged newest first by
keyset, filtered by who, what, record and time, exported as CSV. On SQLite and on
PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from repository.accounts import AccountServices, AuditEvent
from repository.accounts.audit import COLUMNS, MAX_DETAILS
from repository.actors import WorkflowEvent
from repository.errors import InputError, StoreError
from tests.accounts_support import Clock


def record_events(office: AccountServices, clock: Clock, count: int) -> list[AuditEvent]:
    """``count`` transitions of records 1 to 3 by two people, a minute apart."""
    written = []
    for n in range(count):
        clock.advance(minutes=1)
        written.append(office.audit.append(AuditEvent(
            "record.transition", who=("lin@example.org", "wang@example.org")[n % 2],
            record=f"0000000{n % 3 + 1}", from_state="draft",
            to_state="pending-agency-review", details=f"step {n}")))
    return written


def test_append_gives_each_event_its_number_and_time(office: AccountServices,
                                                     clock: Clock) -> None:
    append = office.audit.append  # the callback the workflow is given
    first = append(AuditEvent("record.save", who="lin@example.org", record="00001174"))
    clock.advance(seconds=1)
    second = append(AuditEvent("export", who="lin@example.org", client="192.0.2.1"))
    assert second.number > first.number and first.at == clock() - timedelta(seconds=1)
    assert office.audit.query().events == [second, first]


def test_pages_come_newest_first_by_keyset_until_the_last(office: AccountServices,
                                                          clock: Clock) -> None:
    written = record_events(office, clock, 25)
    seen, after = [], None
    while True:
        page = office.audit.query(limit=10, after=after)
        seen.extend(page.events)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == written[::-1]
    assert [len(office.audit.query(limit=10, after=a).events)
            for a in (None, written[15].number, written[5].number)] == [10, 10, 5]


def test_filters_by_who_what_record_and_time(office: AccountServices, clock: Clock) -> None:
    start = clock()
    written = record_events(office, clock, 12)
    office.audit.append(AuditEvent("login.failure", who="anonymous", details="no such account"))
    office.audit.append(AuditEvent("login.success", who="lin@example.org"))
    query = office.audit.query
    assert {e.who for e in query(who="wang@example.org").events} == {"wang@example.org"}
    assert len(query(who="wang@example.org").events) == 6
    assert [e.what for e in query(what="login").events] == ["login.success", "login.failure"]
    assert query(what="login.failure").events[0].details == "no such account"
    assert query(what="log").events == []  # a family is a whole name, not a prefix
    assert {e.record for e in query(record="00000002").events} == {"00000002"}
    window = query(since=start + timedelta(minutes=3), until=start + timedelta(minutes=6))
    assert window.events == written[2:5][::-1]
    both = query(who="lin@example.org", record="00000001").events
    assert [e.details for e in both] == ["step 6", "step 0"]


def test_the_log_is_append_only_in_the_database_itself(office: AccountServices,
                                                       clock: Clock) -> None:
    record_events(office, clock, 3)
    for change in ("UPDATE audit_log SET who = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(StoreError, match="append-only"), \
                office.database.transaction() as tx:
            tx.execute(change)
    assert len(office.audit.query().events) == 3


def test_the_csv_export_has_a_header_and_defuses_formulas(office: AccountServices,
                                                          clock: Clock) -> None:
    record_events(office, clock, 3)
    office.audit.append(AuditEvent("record.save", who="lin@example.org",
                                   details="=HYPERLINK(\"http://evil.example\")"))
    out = io.StringIO()
    assert office.audit.write_csv(out, what="record") == 4
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 5
    assert rows[1][COLUMNS.index("details")] == "'=HYPERLINK(\"http://evil.example\")"
    assert rows[2][COLUMNS.index("at")].endswith("Z")
    assert rows[4][COLUMNS.index("details")] == "step 0"


@pytest.mark.parametrize(("event", "field"), [
    (AuditEvent("Login Success"), "what"),
    (AuditEvent("login."), "what"),
    (AuditEvent("login.success", who=" "), "who"),
    (AuditEvent("record.save", details="x" * (MAX_DETAILS + 1)), "details"),
    (AuditEvent("record.save", record="r" * 301), "record"),
])
def test_a_malformed_event_is_refused_naming_the_field(office: AccountServices,
                                                       event: AuditEvent, field: str) -> None:
    with pytest.raises(InputError) as refused:
        office.audit.append(event)
    assert refused.value.field == field
    assert office.audit.query().events == []


@pytest.mark.parametrize("limit", [0, 1001])
def test_a_page_holds_1_to_1000_events(office: AccountServices, limit: int) -> None:
    with pytest.raises(InputError, match="1 to 1000"):
        office.audit.query(limit=limit)


def test_the_workflows_saves_and_transitions_go_into_the_log(office: AccountServices) -> None:
    event = WorkflowEvent(when=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
                          account="wang@example.org", action="return", record="00009127",
                          from_state="pending-agency-review", to_state="in-revision",
                          reason="請調整資料集描述勿與標題相似")
    office.audit.workflow_event(event, client="192.0.2.7")
    [written] = office.audit.query(record="00009127").events
    assert (written.what, written.who, written.client, written.from_state, written.to_state,
            written.details, written.at) == (
        "record.return", "wang@example.org", "192.0.2.7", "pending-agency-review",
        "in-revision", "請調整資料集描述勿與標題相似", event.when)
