"""The back office's queues and lists at N records, and the cost of a workflow action.

    python bench/workflow.py [--records 100000] [--runs 300] [--actions 200]

Lists and queues are served from the review index alone (``workflow.sqlite``), so the index is
filled with N synthetic rows (200 agencies, one of them holding a fifth of the records; the
states in proportions a live catalogue might have; titles and keywords in Chinese and English;
change times spread over a year) written through ``ReviewIndex.replace``, then every query
shape of the screens is run ``--runs`` times with random agencies, cursors and keywords.
Then ``--actions`` records are stored in a fresh on-disk repository and taken through
submit → approve → approve (publish) and a return, each action timed.
With ``--pages``, the back office's list and queue *pages* are timed too, as a browser gets
them (the real application through Flask's test client, signed in, HTML rendered): a home
with the 200 agencies registered and its review index filled with the same N rows.
Prints p50, p95 and the maximum in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdflib import Graph, Literal  # noqa: E402

from repository import Config, Record, Repository  # noqa: E402
from repository.actors import Actor, Role  # noqa: E402
from repository.workflow.index import Note, Progress, ReviewIndex, row_of_parts  # noqa: E402
from repository.workflow.service import Workflow  # noqa: E402

BASE = "https://bench.example.org/"
AGENCIES = [f"A{n:05d}000G" for n in range(200)]
BIG = AGENCIES[0]
STATES = {"published": 70, "draft": 10, "pending-agency-review": 5,
          "pending-platform-review": 5, "in-revision": 5, "takedown-pending-agency": 2,
          "takedown-pending-platform": 1, "withdrawn": 2}
WORDS = ["語料", "口述歷史", "客語", "阿美語", "新聞稿", "年鑑", "教材", "字幕", "辭典", "報告",
         "corpus", "speech", "transcript", "dictionary", "report", "news"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic(n: int, rng: random.Random) -> tuple:
    """Row and progress of synthetic record ``n``."""
    local_id = f"{n:08d}"
    agency = BIG if rng.random() < 0.2 else rng.choice(AGENCIES)
    state = rng.choices(list(STATES), weights=list(STATES.values()))[0]
    words = rng.sample(WORDS, 3)
    titles = [Literal(f"{words[0]}{words[1]}第{n}號", lang="zh-Hant-TW"),
              Literal(f"{words[2]} {n}", lang="en")]
    changed = (START + timedelta(seconds=rng.randrange(365 * 86400))).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    row = row_of_parts(local_id, state, rng.randint(1, 5), changed, BASE, titles=titles,
                       texts=words, publishers=[f"{BASE}agency/{agency}"],
                       public_revision=1 if state != "draft" else None)
    note = (Note("return", state, "請調整資料集描述勿與標題相似") if state == "in-revision"
            else None)
    return row, Progress(rng.randint(1, 9), changed, "someone@example.org", note)


def fill(index: ReviewIndex, count: int, rng: random.Random) -> float:
    started = time.perf_counter()
    batch = []
    for n in range(1, count + 1):
        batch.append(synthetic(n, rng))
        if len(batch) == 5000:
            index.replace(batch)
            batch = []
    index.replace(batch)
    with index._writing() as db:
        db.execute("ANALYZE reviews")
    return time.perf_counter() - started


def timed(run: Callable[[], object], runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        found.append((time.perf_counter() - started) * 1000)
    return found


def deep_cursor(index: ReviewIndex, agency: str | None) -> str:
    """A cursor some pages into the agency's list (or everyone's)."""
    page = index.listing(agency=agency, limit=200)
    return page[-1].cursor


def queries(index: ReviewIndex, rng: random.Random) -> dict[str, Callable[[], object]]:
    admin = Actor("a@x", Role.AGENCY_ADMIN, BIG)
    deep_big, deep_all = deep_cursor(index, BIG), deep_cursor(index, None)
    return {
        "agency-admin queue (the big agency)": lambda: index.queue(Role.AGENCY_ADMIN, BIG),
        "agency-admin queue (any agency)":
            lambda: index.queue(Role.AGENCY_ADMIN, rng.choice(AGENCIES)),
        "platform-admin queue": lambda: index.queue(Role.PLATFORM_ADMIN, None),
        "platform-admin queue, a later page": lambda: index.queue(
            Role.PLATFORM_ADMIN, None, after="2026-07-01T00:00:00Z|00000000"),
        "provider list (the big agency)": lambda: index.listing(agency=admin.agency),
        "provider list, 10 pages in": lambda: index.listing(agency=BIG, after=deep_big),
        "provider list by state": lambda: index.listing(agency=BIG, state="in-revision"),
        "provider list by keyword (common)": lambda: index.listing(
            agency=BIG, keyword=rng.choice(WORDS)),
        "provider list by keyword (no match)": lambda: index.listing(
            agency=BIG, keyword="不存在的詞"),
        "provider list by keyword (rare)": lambda: index.listing(
            agency=BIG, keyword=f"第{rng.randrange(1, 100_000)}號"),
        "provider list by identifier": lambda: index.listing(
            agency=BIG, identifier=f"000{rng.randrange(10, 99)}"),
        "platform list (all agencies)": lambda: index.listing(),
        "platform list, 10 pages in": lambda: index.listing(after=deep_all),
        "platform list by state": lambda: index.listing(state="takedown-pending-platform"),
        "platform list by keyword (common)": lambda: index.listing(keyword=rng.choice(WORDS)),
        "platform list by keyword (no match)": lambda: index.listing(keyword="不存在的詞"),
        "platform list by keyword (rare)": lambda: index.listing(
            keyword=f"第{rng.randrange(1, 100_000)}號"),
        "platform list by two common words": lambda: index.listing(
            keyword=" ".join(rng.sample(WORDS, 2))),
    }


def actions(count: int) -> dict[str, list[float]]:
    """Each workflow action timed on ``count`` records of a fresh on-disk repository."""
    provider = Actor("p@x", Role.PROVIDER, BIG, "provider")
    admin = Actor("a@x", Role.AGENCY_ADMIN, BIG, "admin")
    platform = Actor("x@x", Role.PLATFORM_ADMIN, None, "platform")
    times: dict[str, list[float]] = {"submit (SHACL validation)": [], "approve (agency)": [],
                                     "approve (platform: publish)": [], "return": []}
    with tempfile.TemporaryDirectory() as folder, \
            Repository(Config(home=Path(folder), base_uri=BASE)) as repository:
        records = [_record(repository, n) for n in range(1, count + 1)]
        repository.save_batch(records, publish=False)
        flow = Workflow(repository)
        for record in records:
            _time(times["submit (SHACL validation)"],
                  lambda r=record: flow.submit(provider, r.id, expected_revision=1))
            _time(times["approve (agency)"],
                  lambda r=record: flow.approve(admin, r.id, expected_revision=1))
            if int(record.id) % 2:
                _time(times["return"], lambda r=record: flow.return_(
                    platform, r.id, reason="請補充描述", expected_revision=1))
            else:
                _time(times["approve (platform: publish)"],
                      lambda r=record: flow.approve(platform, r.id, expected_revision=1))
    return times


def _time(into: list[float], run: Callable[[], object]) -> None:
    started = time.perf_counter()
    run()
    into.append((time.perf_counter() - started) * 1000)


def _record(repository: Repository, n: int) -> Record:
    """A conforming corpus dataset of the big agency: demo record 00009127 renumbered."""
    source = Path(__file__).resolve().parents[1] / "demo" / "records" / "00009127.ttl"
    local_id = f"{n:08d}"
    text = source.read_text(encoding="utf-8").replace("00009127", local_id).replace(
        "A29000000G", BIG)
    graph = Graph().parse(data=text, format="turtle", publicID=BASE)
    graph.remove((repository.ids.catalogue_record(local_id), None, None))
    return Record(id=local_id, graph=graph, state="draft")


PASSWORD = "a bench password, long enough"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pages(count: int, runs: int) -> dict[str, list[float]]:
    """The list and queue pages timed over a home whose review index holds ``count`` rows."""
    from app import create_app
    from endpoints.admin import OFFICE
    from repository.accounts import AccountServices, AgencyRegister, new_agency
    from repository.config import AccountSettings, LimitSettings

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        home.mkdir()
        config = Config(home=home, base_uri=BASE, limits=LimitSettings.unlimited(),
                        accounts=AccountSettings(hash_memory_kib=1024, hash_passes=1))
        with Repository(config) as repository:
            register = AgencyRegister.of(repository)
            for code in AGENCIES:
                register.add(new_agency(code, f"機關{code}", f"Agency {code}"))
            fill(repository.reviews, count, random.Random(13))
            app = create_app(config, repository)
            with AccountServices.open(config, agencies=register) as office:
                app.extensions[OFFICE] = office
                clients = {role: _signed_in(app, office, role, agency) for role, agency in (
                    (Role.PROVIDER, BIG), (Role.AGENCY_ADMIN, BIG), (Role.PLATFORM_ADMIN, None))}
                return {f"{role.value} GET {path}": timed(_getter(clients[role], path), runs)
                        for role, path in PAGE_PATHS}


PAGE_PATHS = (
    (Role.PROVIDER, "/admin"),
    (Role.PROVIDER, "/admin/records"),
    (Role.PROVIDER, "/admin/records?state=in-revision"),
    (Role.PROVIDER, "/admin/records?q=%E8%AA%9E%E6%96%99"),
    (Role.AGENCY_ADMIN, "/admin/queue"),
    (Role.PLATFORM_ADMIN, "/admin/queue"),
    (Role.PLATFORM_ADMIN, "/admin/records"),
    (Role.PLATFORM_ADMIN, f"/admin/records?agency={BIG}&state=published"),
)


def _signed_in(app, office, role: Role, agency: str | None):
    email = f"{role.value}@bench.example.org"
    office.accounts.create(email, role.value, role, agency, PASSWORD, by="bench")
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def _getter(client, path: str) -> Callable[[], object]:
    def get() -> None:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
    return get


def report(name: str, found: list[float]) -> str:
    ordered = sorted(found)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (f"| {name} | {statistics.median(ordered):.2f} | {p95:.2f} | {ordered[-1]:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--pages", action="store_true", help="time the list and queue pages")
    arguments = parser.parse_args()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as folder:
        index = ReviewIndex(Path(folder) / "workflow.sqlite")
        took = fill(index, arguments.records, rng)
        print(f"{arguments.records:,} rows written in {took:.1f} s")
        print("| query | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
        for name, run in queries(index, rng).items():
            print(report(name, timed(run, arguments.runs)))
        index.close()
    if arguments.pages:
        print(f"\nback-office pages over {arguments.records:,} rows (HTML, signed in)")
        print("| page | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
        for name, found in pages(arguments.records, min(arguments.runs, 100)).items():
            print(report(name, found))
    if arguments.actions:
        print(f"\nworkflow actions on {arguments.actions} records (on-disk embedded store)")
        print("| action | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
        for name, found in actions(arguments.actions).items():
            print(report(name, found))


if __name__ == "__main__":
    main()
