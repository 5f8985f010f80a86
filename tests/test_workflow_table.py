"""The transition table of seed 001, exercised on a real repository: every allowed transition
works (and does to the store what its row says), every other action, state and role is
refused with the right status (403 not this role or agency, 409 not from this state)."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest

import demo
from repository import Config, Gone, Record, Repository
from repository.actors import Actor, Role
from repository.errors import RepositoryError
from repository.importer import load_records
from repository.records import STATES
from repository.workflow.service import Workflow
from repository.workflow.table import TRANSITIONS, Action, Effect, queue_states

AGENCY = "A29000000G"
LOCAL_ID = "00009127"  # a valid demo dataset of agency A29000000G
ACTORS = {
    Role.PROVIDER: Actor("provider@moda.example.org", Role.PROVIDER, AGENCY, "林範例"),
    Role.AGENCY_ADMIN: Actor("admin@moda.example.org", Role.AGENCY_ADMIN, AGENCY, "王範例"),
    Role.PLATFORM_ADMIN: Actor("platform@example.org", Role.PLATFORM_ADMIN, None, "陳範例"),
}
TRANSITION_ACTIONS = [a for a in Action if a is not Action.SAVE]


def valid_record(repo: Repository, state: str) -> Record:
    path = demo.RECORDS_DIR / f"{LOCAL_ID}.ttl"
    return Record(id=LOCAL_ID, graph=demo.load(path, repo.config.base_uri).graph, state=state)


def new_record(repo: Repository, local_id: str = LOCAL_ID) -> Record:
    """The valid demo record ``local_id`` as a form would send a new one: about the resource
    of NEW_ID (``{base}id/00000000``)."""
    from rdflib import Graph

    from repository.workflow.service import NEW_ID

    text = (demo.RECORDS_DIR / f"{local_id}.ttl").read_text(encoding="utf-8")
    graph = Graph().parse(data=text.replace(local_id, NEW_ID), format="turtle",
                          publicID=repo.config.base_uri)
    graph.remove((repo.ids.catalogue_record(NEW_ID), None, None))
    return Record(id=NEW_ID, graph=graph)


@pytest.fixture
def repo() -> Repository:
    repository = Repository(Config(home=Path("unused")), in_memory=True)
    yield repository
    repository.close()


def in_state(repo: Repository, state: str) -> Record:
    """The valid record, stored in ``state`` the way the demo data is loaded."""
    report = load_records(repo, [valid_record(repo, state)])
    assert report.ok, report.failures
    return repo.get(LOCAL_ID)


def row_for(action: Action, state: str | None, role: Role):
    return next((t for t in TRANSITIONS if (t.action, t.source, t.role) == (action, state, role)),
                None)


def expected_status(action: Action, state: str | None, role: Role) -> int | None:
    """None: allowed; 403: this role never takes this action; 409: not from this state."""
    if row_for(action, state, role) is not None:
        return None
    return 409 if any(t.action is action and t.role is role for t in TRANSITIONS) else 403


def inputs(action: Action) -> dict:
    if action is Action.RETURN:
        return {"reason": "請調整資料集描述勿與標題相似"}
    if action is Action.REQUEST_TAKEDOWN:
        return {"reason": "需進行檔案整併，暫時下架處理。", "takedown_date": date(2026, 1, 1)}
    return {}


CASES = list(itertools.product(TRANSITION_ACTIONS, STATES, Role))


@pytest.mark.parametrize(("action", "state", "role"), CASES,
                         ids=[f"{a}-{s}-{r}" for a, s, r in CASES])
def test_each_action_from_each_state_by_each_role_follows_the_table(
        repo: Repository, action: Action, state: str, role: Role) -> None:
    before = in_state(repo, state)
    public_before = _public(repo)
    flow = Workflow(repo)
    status = expected_status(action, state, role)
    if status is not None:
        with pytest.raises(RepositoryError) as refused:
            flow.act(ACTORS[role], LOCAL_ID, action, expected_revision=before.revision,
                     **inputs(action))
        assert refused.value.status == status, str(refused.value)
        assert LOCAL_ID in str(refused.value) and "\n" not in str(refused.value)
        assert repo.get(LOCAL_ID).state == state and _public(repo) == public_before
        return
    row = row_for(action, state, role)
    after = flow.act(ACTORS[role], LOCAL_ID, action, expected_revision=before.revision,
                     **inputs(action))
    assert after.state == repo.get(LOCAL_ID).state == row.target
    _check_effect(repo, row.effect, before, public_before)
    assert repo.reviews.get(LOCAL_ID).state == row.target


def _public(repo: Repository) -> tuple | None:
    """(revision, datestamp) of the public copy; 'gone' for a tombstone; None when absent."""
    try:
        public = repo.get(LOCAL_ID, public=True)
    except Gone:
        return ("gone",)
    except RepositoryError:
        return None
    return public.revision, public.datestamp


def _check_effect(repo: Repository, effect: Effect, before: Record, public_before) -> None:
    if effect is Effect.PUBLISH:
        revision, stamp = _public(repo)
        assert revision == before.revision
        assert public_before is None or stamp > public_before[1]
    elif effect is Effect.WITHDRAW:
        assert _public(repo) == ("gone",)
    else:
        assert _public(repo) == public_before  # the public area is not touched


SAVE_CASES = list(itertools.product((None, *STATES), Role))


@pytest.mark.parametrize(("state", "role"), SAVE_CASES,
                         ids=[f"save-{s or 'new'}-{r}" for s, r in SAVE_CASES])
def test_saving_in_each_state_by_each_role_follows_the_table(
        repo: Repository, state: str | None, role: Role) -> None:
    record = in_state(repo, state) if state else new_record(repo)
    flow = Workflow(repo)
    status = expected_status(Action.SAVE, state, role)
    if status is not None and not (state is None and role is Role.PLATFORM_ADMIN):
        with pytest.raises(RepositoryError) as refused:
            flow.save_draft(ACTORS[role], record)
        assert refused.value.status == status, str(refused.value)
        return
    saved = flow.save_draft(ACTORS[role], record)
    expected = row_for(Action.SAVE, state, Role.PROVIDER).target
    assert saved.record.state == repo.get(saved.record.id).state == expected


def test_a_platform_admin_creates_a_record_of_no_agency_whose_provider_they_are(repo) -> None:
    """The one save the table gives no platform-admin row: on a record without an agency a
    platform admin holds every role (imported and harvested records reach no provider)."""
    from vocab.namespaces import DCT

    record = new_record(repo)
    record.graph.remove((None, DCT.publisher, None))
    saved = Workflow(repo).save_draft(ACTORS[Role.PLATFORM_ADMIN], record)
    assert repo.reviews.get(saved.record.id).agency is None
    assert saved.record.id == "00000001" and saved.record.state == "draft"


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.AGENCY_ADMIN])
@pytest.mark.parametrize("action", list(Action))
def test_nothing_is_allowed_on_another_agencys_record(repo, role: Role, action: Action) -> None:
    record = in_state(repo, "published")
    stranger = Actor("someone@other.example.org", role, "A09000000E")
    flow = Workflow(repo)
    with pytest.raises(RepositoryError) as refused:
        if action is Action.SAVE:
            flow.save_draft(stranger, record)
        else:
            flow.act(stranger, LOCAL_ID, action, expected_revision=record.revision,
                     **inputs(action))
    assert refused.value.status == 403
    assert str(refused.value) == (f"record {LOCAL_ID} belongs to agency {AGENCY}; {role} "
                                  "someone@other.example.org acts for agency A09000000E only")


def test_the_queues_are_the_states_each_role_approves() -> None:
    assert queue_states(Role.AGENCY_ADMIN) == ("pending-agency-review", "takedown-pending-agency")
    assert queue_states(Role.PLATFORM_ADMIN) == ("pending-platform-review",
                                                 "takedown-pending-platform")
    assert queue_states(Role.PROVIDER) == ()


def test_every_state_is_reached_and_left_by_some_row() -> None:
    targets = {t.target for t in TRANSITIONS}
    sources = {t.source for t in TRANSITIONS}
    assert targets == set(STATES)
    assert sources == {None, *STATES} - {"withdrawn"}  # withdrawn is final


def test_the_rows_are_those_of_seed_001() -> None:
    """The table, spelled out once more: a change to it must be a change to this test."""
    assert {(t.action.value, t.source, t.target, t.role.value) for t in TRANSITIONS} == {
        ("save", None, "draft", "data-provider"),
        ("save", "draft", "draft", "data-provider"),
        ("save", "in-revision", "in-revision", "data-provider"),
        ("save", "published", "draft", "data-provider"),
        ("submit", "draft", "pending-agency-review", "data-provider"),
        ("submit", "in-revision", "pending-agency-review", "data-provider"),
        ("approve", "pending-agency-review", "pending-platform-review", "agency-admin"),
        ("approve", "pending-platform-review", "published", "platform-admin"),
        ("return", "pending-agency-review", "in-revision", "agency-admin"),
        ("return", "pending-platform-review", "in-revision", "platform-admin"),
        ("request-takedown", "published", "takedown-pending-agency", "data-provider"),
        ("approve", "takedown-pending-agency", "takedown-pending-platform", "agency-admin"),
        ("approve", "takedown-pending-platform", "withdrawn", "platform-admin"),
        ("return", "takedown-pending-agency", "published", "agency-admin"),
        ("return", "takedown-pending-platform", "published", "platform-admin"),
    }


def test_the_table_in_the_architecture_document_is_this_one() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text(
        encoding="utf-8")
    section = text[text.index("**The transition table**"):]
    section = section[:section.index("\n\n", section.index("| action |"))]
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in section.splitlines() if line.startswith("| ") and
            not line.startswith("| action")]
    documented = {(action, None if source == "(new)" else source, role, target)
                  for action, source, role, target, *_ in rows}
    assert documented == {(t.action.value, t.source, t.role.value, t.target)
                          for t in TRANSITIONS}
    assert len(rows) == len(TRANSITIONS)
