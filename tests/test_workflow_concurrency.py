"""Reviewers acting on the same record at once: one wins, every other gets a conflict (409).
On the embedded store with threads sharing a repository; on Oxigraph servers with separate
Repository objects (each with its own thread locks, as separate processes have), where only
the lease in the work area keeps two actions apart."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import demo
from repository import Config, Record, Repository
from repository.errors import RepositoryError
from repository.importer import load_records
from repository.workflow import locks
from repository.workflow.locks import RecordBusy, RecordLocks
from repository.workflow.service import Workflow
from tests.conftest import OxigraphServers, remote_settings
from tests.test_workflow import ADMIN, PLATFORM, PROVIDER, REASON

RACERS = 6


def loaded(repository: Repository) -> Repository:
    records = [Record(id=d.local_id, graph=d.graph, state=d.state)
               for d in demo.records(repository.config.base_uri)
               if d.local_id in ("00009127", "00009203")]
    assert load_records(repository, records).ok
    return repository


def race(actions: list[Callable[[], object]]) -> tuple[list[object], list[RepositoryError]]:
    """Run ``actions`` in threads released at the same moment; what each returned or raised."""
    start = threading.Barrier(len(actions))
    won: list[object] = []
    lost: list[RepositoryError] = []

    def run(action: Callable[[], object]) -> None:
        start.wait()
        try:
            won.append(action())
        except RepositoryError as error:
            lost.append(error)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return won, lost


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Repository]:
    with Repository(Config(home=tmp_path / "home")) as repository:
        yield loaded(repository)


@pytest.fixture
def separate(oxigraph: OxigraphServers, tmp_path: Path) -> Iterator[list[Repository]]:
    """RACERS repositories on one pair of Oxigraph servers (and one home)."""
    work, public = oxigraph.pair(0)
    work.clear()
    public.clear()
    config = Config(home=tmp_path / "home", store=remote_settings(work, public))
    repositories = [loaded(Repository(config))]
    repositories += [Repository(config) for _ in range(RACERS - 1)]
    yield repositories
    for repository in repositories:
        repository.close()


def test_two_agency_admins_approving_at_once_on_one_repository(embedded: Repository) -> None:
    flow = Workflow(embedded)
    won, lost = race([lambda: flow.approve(ADMIN, "00009127", expected_revision=1)] * RACERS)
    assert len(won) == 1 and len(lost) == RACERS - 1
    assert {error.status for error in lost} == {409}
    assert all("00009127 is pending-platform-review" in str(error) for error in lost)
    assert [e.action for e in flow.history("00009127")] == ["approve"]


def test_an_approval_and_a_return_at_once_one_wins(embedded: Repository) -> None:
    flow = Workflow(embedded)
    won, lost = race([lambda: flow.approve(ADMIN, "00009127", expected_revision=1),
                      lambda: flow.return_(ADMIN, "00009127", reason=REASON,
                                           expected_revision=1)] * (RACERS // 2))
    assert len(won) == 1 and {error.status for error in lost} == {409}
    assert embedded.get("00009127").state == won[0].state
    assert len(flow.history("00009127")) == 1


def test_two_providers_saving_the_same_revision_at_once(embedded: Repository) -> None:
    flow = Workflow(embedded)
    record = embedded.get("00009203")
    won, lost = race([lambda: flow.save_draft(PROVIDER, record, expected_revision=1)] * RACERS)
    assert len(won) == 1 and {error.status for error in lost} == {409}
    assert embedded.get("00009203").revision == 2


def test_approvals_through_separate_repositories_on_servers(separate: list[Repository]) -> None:
    flows = [Workflow(repository) for repository in separate]
    assert len({id(flow.locks) for flow in flows}) == RACERS  # nothing shared in the process
    won, lost = race([lambda f=flow: f.approve(ADMIN, "00009127", expected_revision=1)
                      for flow in flows])
    assert len(won) == 1 and len(lost) == RACERS - 1
    assert {error.status for error in lost} == {409}
    assert [e.action for e in flows[0].history("00009127")] == ["approve"]
    assert separate[0].reviews.get("00009127").state == "pending-platform-review"


def test_mixed_actions_through_separate_repositories_on_servers(separate) -> None:
    flows = [Workflow(repository) for repository in separate]
    actions = [lambda f=flow: f.approve(ADMIN, "00009127", expected_revision=1)
               for flow in flows[:RACERS // 2]]
    actions += [lambda f=flow: f.return_(ADMIN, "00009127", reason=REASON, expected_revision=1)
                for flow in flows[RACERS // 2:]]
    won, lost = race(actions)
    assert len(won) == 1 and {error.status for error in lost} == {409}
    events = flows[0].history("00009127")
    assert len(events) == 1 and events[0].to_state == separate[0].get("00009127").state
    assert not separate[0].work.select(f"SELECT * WHERE {{ GRAPH {flows[0].locks.graph} "
                                       "{ ?s ?p ?o } }")  # every lease released


def test_a_lease_left_by_a_process_that_died_is_taken_once_it_expires(separate) -> None:
    repository = separate[0]
    lock_graph = RecordLocks(repository.work, repository.config.base_uri).graph
    repository.work.update(f"""INSERT DATA {{ GRAPH {lock_graph} {{
        <urn:uuid:dead> <https://w3id.org/yuliao/ns#lockedRecord> "00009127" ;
            <https://w3id.org/yuliao/ns#lockedAt>
            "2000-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> }} }}""")
    assert Workflow(repository).approve(ADMIN, "00009127", expected_revision=1).state == \
        "pending-platform-review"


def test_a_record_held_longer_than_an_action_waits_is_busy(separate, monkeypatch) -> None:
    monkeypatch.setattr(locks, "WAIT_S", 0.3)
    holder = RecordLocks(separate[1].work, separate[1].config.base_uri)
    with holder.held("00009127"), pytest.raises(RecordBusy) as busy:
        Workflow(separate[0]).approve(PLATFORM, "00009127", expected_revision=1)
    assert busy.value.status == 409
    assert str(busy.value) == ("record 00009127 is being changed by someone else and stayed "
                               "so for 0.3 s; try again")
    assert separate[0].get("00009127").state == "pending-agency-review"
