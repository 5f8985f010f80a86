"""``yuliao review``: the review story from the terminal over the demo home, acting as its
accounts (role, agency and name from the accounts database, actions in the audit log),
``import --draft`` records published through the workflow, and every refusal one line with
exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app import main
from repository import Config
from repository.accounts import AccountServices
from tests.conftest import DATA, yuliao

ADMIN = ("--as", "moda.admin@example.org")
PROVIDER = ("--as", "moda.provider@example.org")
PLATFORM = ("--as", "platform.admin@example.org")


@pytest.fixture
def demo_home(fresh_demo_home: Path) -> Path:
    return fresh_demo_home


def lines(result) -> list[str]:
    return result.output.splitlines()


def test_the_agency_admin_queue_holds_the_demo_records_waiting_for_it(demo_home) -> None:
    result = yuliao(demo_home, "review", "queue", *ADMIN)
    assert result.exit_code == 0, result.output
    shown = lines(result)
    assert [line.split()[:2] for line in shown if not line.startswith(" ")] == [
        ["00009127", "pending-agency-review"], ["00009205", "takedown-pending-agency"]]
    assert "    takedown on 2026-01-01: 實進行檔案整理，暫時下架處理。" in shown


def test_a_record_goes_through_both_reviews_and_is_exported(demo_home) -> None:
    steps = [("approve", "00009127", *ADMIN),
             ("return", "00009127", "--reason", "請補充資料集描述", *PLATFORM),
             ("submit", "00009127", *PROVIDER),
             ("approve", "00009127", *ADMIN),
             ("approve", "00009127", *PLATFORM)]
    said = []
    for step in steps:
        result = yuliao(demo_home, "review", *step)
        assert result.exit_code == 0, result.output
        said += lines(result)
    assert said == ["00009127: pending-agency-review → pending-platform-review (revision 1)",
                    "00009127: pending-platform-review → in-revision (revision 1)",
                    "00009127: in-revision → pending-agency-review (revision 1)",
                    "00009127: pending-agency-review → pending-platform-review (revision 1)",
                    "00009127: pending-platform-review → published (revision 1)"]
    exported = yuliao(demo_home, "export", "--format", "olac", "--id", "00009127")
    assert exported.exit_code == 0 and "政府資料開放教育訓練教材" in exported.output
    history = lines(yuliao(demo_home, "review", "history", "00009127", *PROVIDER))
    assert len(history) == 5 and history[1].endswith("(revision 1): 請補充資料集描述")
    assert "示範機關管理者（數位發展部） (agency-admin, A29000000G) approve" in history[0]
    assert yuliao(demo_home, "check").exit_code == 0


def test_each_action_of_the_terminal_is_in_the_audit_log_as_its_account(demo_home) -> None:
    assert yuliao(demo_home, "review", "approve", "00009127", *ADMIN).exit_code == 0
    assert yuliao(demo_home, "review", "return", "00009127", "--reason", "請補充資料集描述",
                  *PLATFORM).exit_code == 0
    with AccountServices.open(Config(home=demo_home)) as office:
        events = office.audit.query(record="00009127").events
    assert [(e.what, e.who, e.from_state, e.to_state, e.details) for e in events] == [
        ("record.return", "platform.admin@example.org", "pending-platform-review",
         "in-revision", "請補充資料集描述"),
        ("record.approve", "moda.admin@example.org", "pending-agency-review",
         "pending-platform-review", None)]
    assert all(e.client.startswith("cli:") for e in events)


def test_a_disabled_account_cannot_act_and_enabled_again_it_can(demo_home) -> None:
    assert yuliao(demo_home, "users", "disable", "moda.admin@example.org").exit_code == 0
    refused = yuliao(demo_home, "review", "queue", *ADMIN)
    assert refused.exit_code == 1
    assert lines(refused) == ["yuliao: moda.admin@example.org is disabled: only an active "
                              "account may act"]
    assert yuliao(demo_home, "users", "enable", "moda.admin@example.org").exit_code == 0
    assert yuliao(demo_home, "review", "queue", *ADMIN).exit_code == 0


def test_a_takedown_from_the_terminal(demo_home: Path) -> None:
    result = yuliao(demo_home, "review", "takedown", "00001174", "--date", "2026-02-01",
                    "--reason", "需進行檔案整併", *PROVIDER)
    assert result.output == "00001174: published → takedown-pending-agency (revision 1)\n"
    for actor in (ADMIN, PLATFORM):
        assert yuliao(demo_home, "review", "approve", "00001174", *actor).exit_code == 0
    assert yuliao(demo_home, "export", "--format", "olac", "--id",
                  "00001174").exit_code == 1  # gone


def test_import_draft_records_are_published_through_the_workflow(tmp_path: Path,
                                                                 initialised_home) -> None:
    home = initialised_home
    added = CliRunner().invoke(main, ["--home", str(home), "users", "add", "ops@example.org",
                                      "--role", "platform-admin", "--password-stdin"],
                               input="an operator's long password\n", catch_exceptions=False)
    assert added.exit_code == 0, added.output
    platform = ("--as", "ops@example.org")
    assert yuliao(home, "import", "--draft", str(DATA / "olac" / "small_record.xml")).exit_code \
        == 0
    listed = lines(yuliao(home, "review", "list", *platform))
    assert listed[0].split()[:3] == ["import:small_record", "draft", "-"]
    for command in ("submit", "approve", "approve"):
        result = yuliao(home, "review", command, "import:small_record", *platform)
        assert result.exit_code == 0, result.output
    assert lines(result) == ["import:small_record: pending-platform-review → published "
                             "(revision 1)"]
    exported = yuliao(home, "export", "--format", "olac", "--id", "import:small_record")
    assert exported.exit_code == 0 and "阿美語故事語料" in exported.output
    refused = yuliao(home, "review", "submit", "import:small_record", *PROVIDER)
    assert refused.exit_code == 1
    assert lines(refused) == ["yuliao: no account moda.provider@example.org"]


@pytest.mark.parametrize(("arguments", "message"), [
    (("approve", "00009127", "--as", "nobody@example.org"),
     "yuliao: no account nobody@example.org"),
    (("approve", "00009127", "--as", "not an e-mail"),
     "yuliao: field email: 'not an e-mail' is not an e-mail address"),
    (("return", "00009127", *ADMIN),
     "yuliao: record 00009127, field reason: return of a record pending-agency-review needs "
     "a reason"),
    (("approve", "00001182", *ADMIN),
     "yuliao: record 00001182 is pending-platform-review; approve by agency-admin "
     "moda.admin@example.org needs pending-agency-review or "
     "takedown-pending-agency"),
    (("submit", "00009128", *PROVIDER), "yuliao: record 00009128: dct:description — "),
    (("approve", "00009127", "--revision", "7", *ADMIN),
     "yuliao: record 00009127 is at revision 1, not 7 as expected"),
    (("takedown", "00001174", "--date", "2026-13-01", "--reason", "x", *PROVIDER),
     "yuliao: --date '2026-13-01' is not a date: expected YYYY-MM-DD"),
    (("approve", "00000001", *ADMIN),
     "yuliao: record 00000001 belongs to agency A09000000E; agency-admin "
     "moda.admin@example.org acts for agency A29000000G only"),
    (("history", "00099999", *PROVIDER), "yuliao: "),
    (("submit", "00009203", *ADMIN),
     "yuliao: record 00009203: submit is for data-provider only, not agency-admin "
     "moda.admin@example.org"),
])
def test_every_refusal_is_one_line_and_exit_status_1(demo_home, arguments, message) -> None:
    result = yuliao(demo_home, "review", *arguments)
    assert result.exit_code == 1, result.output
    assert len(lines(result)) == 1 and lines(result)[0].startswith(message), result.output
