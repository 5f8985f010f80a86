"""``yuliao users`` and ``yuliao agencies`` on real homes, ``yuliao init``'s session secret and
demo accounts (those the README lists), and no password or hash in any dump or export."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from app import main
from repository import Config, Repository
from repository.accounts import AccountServices, AgencyRegister, State
from repository.errors import LoginFailed
from tests.accounts_support import PASSWORD
from tests.conftest import ROOT
from tests.test_cli_errors import assert_one_line_failure

README = ROOT / "README.md"
#: Every export format, and those that export the whole catalogue (without --id).
EXPORTS = ("olac", "oai_dc", "dcat-ttl", "dcat-jsonld", "dcat-rdfxml", "croissant", "nquads")
WHOLE = ("olac", "dcat-ttl", "dcat-jsonld", "dcat-rdfxml", "nquads")


def run(home: Path, *args: str, input: str | None = None) -> Result:  # noqa: A002
    return CliRunner().invoke(main, ["--home", str(home), *args], input=input,
                              catch_exceptions=False)


def logs_in(home: Path, email: str, password: str) -> bool:
    with AccountServices.open(Config(home=home)) as office:
        try:
            office.authenticate(email, password)
        except LoginFailed:
            return False
    return True


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("users") / "home"
    result = run(home, "init", "--demo")
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def home(initialised_home: Path) -> Path:
    result = run(initialised_home, "agencies", "add", "A29000000G", "--name-zh", "數位發展部",
                 "--name-en", "Ministry of Digital Affairs")
    assert result.exit_code == 0, result.output
    return initialised_home


def readme_demo_accounts() -> list[tuple[str, str, str, str]]:
    """(e-mail, role, agency code, password) of each row of the README's demo table."""
    text = README.read_text(encoding="utf-8")
    table = text.split("| e-mail | role | agency | password |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.strip().splitlines()[1:]:
        email, role, agency, password = (cell.strip().strip("`")
                                          for cell in line.strip("|").split("|"))
        rows.append((email, role, agency.split(" ")[0], password))
    return rows


# -- yuliao users add -----------------------------------------------------------------------------


def test_users_add_asks_for_the_password_twice_and_the_account_logs_in(home: Path) -> None:
    result = run(home, "users", "add", "Admin@Example.org", "--role", "platform-admin",
                 "--name", "管理者", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat the password" in result.output
    assert PASSWORD not in result.output
    assert "added admin@example.org (platform-admin)" in result.output
    assert logs_in(home, "admin@example.org", PASSWORD)


def test_a_password_is_never_an_argument(home: Path) -> None:
    result = run(home, "users", "add", "a@example.org", "--role", "platform-admin",
                 "--password", PASSWORD)
    assert result.exit_code == 2 and "No such option" in result.output
    assert "--password " not in run(home, "users", "add", "--help").output


def test_a_repeat_that_differs_is_asked_again_and_nothing_is_added(home: Path) -> None:
    result = run(home, "users", "add", "a@example.org", "--role", "platform-admin",
                 input=f"{PASSWORD}\n{PASSWORD}!\n")
    assert result.exit_code == 1 and "do not match" in result.output
    assert "a@example.org" not in run(home, "users", "list").output


def test_a_short_password_is_refused_in_one_line_naming_the_rule(home: Path) -> None:
    result = run(home, "users", "add", "a@example.org", "--role", "platform-admin",
                 "--password-stdin", input="too short\n")
    assert_one_line_failure(result, "field password", "at least 12 characters")
    assert "too short" not in result.output


def test_password_stdin_reads_one_line_for_scripts(home: Path) -> None:
    result = run(home, "users", "add", "lin@example.org", "--role", "data-provider",
                 "--agency", "A29000000G", "--password-stdin", input=f"{PASSWORD}\n")
    assert result.output == "added lin@example.org (data-provider of A29000000G)\n"
    assert logs_in(home, "lin@example.org", PASSWORD)


@pytest.mark.parametrize(("args", "wanted"), [
    (["--role", "data-provider", "--agency", "Z99999999Z"],
     ("field agency", "no agency Z99999999Z is registered")),
    (["--role", "agency-admin"], ("field agency", "code is required")),
    (["--role", "platform-admin", "--agency", "A29000000G"], ("field agency",)),
])
def test_users_add_refuses_an_agency_that_does_not_fit_in_one_line(
        home: Path, args: list[str], wanted: tuple[str, ...]) -> None:
    result = run(home, "users", "add", "lin@example.org", *args, "--password-stdin",
                 input=f"{PASSWORD}\n")
    assert_one_line_failure(result, *wanted)


def test_an_e_mail_is_added_once(home: Path) -> None:
    for _ in range(2):
        result = run(home, "users", "add", "a@example.org", "--role", "platform-admin",
                     "--password-stdin", input=f"{PASSWORD}\n")
    assert_one_line_failure(result, "a@example.org has an account already")


def test_users_add_checks_what_it_is_given_before_asking_for_a_password(home: Path) -> None:
    result = run(home, "users", "add", "not-an-address", "--role", "platform-admin")
    assert_one_line_failure(result, "field email")
    assert "Password" not in result.output


# -- the other users commands -------------------------------------------------------------------


def add_provider(home: Path) -> None:
    result = run(home, "users", "add", "lin@example.org", "--role", "data-provider",
                 "--agency", "A29000000G", "--name", "林範例", "--password-stdin",
                 input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output


def test_disable_and_enable_an_account(home: Path) -> None:
    add_provider(home)
    assert run(home, "users", "disable", "lin@example.org").output == \
        "disabled lin@example.org (disabled)\n"
    assert not logs_in(home, "lin@example.org", PASSWORD)
    assert_one_line_failure(run(home, "users", "disable", "lin@example.org"),
                            "only an account that is active")
    assert run(home, "users", "enable", "lin@example.org").exit_code == 0
    assert logs_in(home, "lin@example.org", PASSWORD)


def test_a_locked_account_is_listed_as_locked_until_unlocked(home: Path) -> None:
    add_provider(home)
    for _ in range(3):
        assert not logs_in(home, "lin@example.org", "a wrong password")
    assert re.search(r"lin@example.org .* active +locked +林範例",
                     run(home, "users", "list").output)
    assert not logs_in(home, "lin@example.org", PASSWORD)
    assert run(home, "users", "unlock", "lin@example.org").exit_code == 0
    assert "locked" not in run(home, "users", "list").output
    assert logs_in(home, "lin@example.org", PASSWORD)


def test_reset_password_sets_a_new_one(home: Path) -> None:
    add_provider(home)
    result = run(home, "users", "reset-password", "lin@example.org", "--password-stdin",
                 input="a brand new password\n")
    assert result.output == "new password set for lin@example.org; its sessions have ended\n"
    assert logs_in(home, "lin@example.org", "a brand new password")
    assert not logs_in(home, "lin@example.org", PASSWORD)


def test_an_application_is_approved_or_rejected_from_the_command_line(home: Path) -> None:
    with Repository(Config.from_env(home), create=False) as repository, \
            AccountServices.open(Config.from_env(home),
                                 agencies=AgencyRegister.of(repository)) as office:
        for email in ("wang@example.org", "chen@example.org"):
            office.accounts.apply(email, "申請人", "data-provider", "A29000000G")
    assert run(home, "users", "approve", "wang@example.org").output == \
        "approved wang@example.org (active)\n"
    assert_one_line_failure(run(home, "users", "reject", "chen@example.org", "--reason", " "),
                            "field reason")
    assert run(home, "users", "reject", "chen@example.org", "--reason", "請改用公務信箱").output \
        == "rejected chen@example.org: 請改用公務信箱\n"
    listed = run(home, "users", "list", "--state", "rejected").output
    assert listed.startswith("chen@example.org") and "wang" not in listed


@pytest.mark.parametrize("command", ["disable", "enable", "unlock", "approve",
                                     "reset-password"])
def test_an_unknown_account_is_one_line(home: Path, command: str) -> None:
    assert_one_line_failure(run(home, "users", command, "nobody@example.org"),
                            "no account nobody@example.org")


def test_users_list_says_when_there_are_none(home: Path) -> None:
    assert run(home, "users", "list").output.startswith("no accounts yet")


# -- yuliao agencies ------------------------------------------------------------------------------


def test_agencies_are_added_updated_and_listed(home: Path) -> None:
    result = run(home, "agencies", "add", "A29020000G", "--name-zh", "數位產業署", "--name-en",
                 "Administration for Digital Industries", "--parent", "A29000000G",
                 "--contact-name", "示範窗口", "--contact-phone", "02-2380-0000")
    assert result.output == ("registered A29020000G 數位產業署 / "
                             "Administration for Digital Industries\n")
    assert run(home, "agencies", "update", "A29020000G", "--contact-email",
               "adi@example.org").exit_code == 0
    assert run(home, "agencies", "list").output.splitlines() == [
        "A29000000G   數位發展部 / Ministry of Digital Affairs",
        "A29020000G   數位產業署 / Administration for Digital Industries (under A29000000G); "
        "contact: 示範窗口, 02-2380-0000, adi@example.org"]


@pytest.mark.parametrize(("args", "wanted"), [
    (["add", "A29000000G", "--name-zh", "x", "--name-en", "y"], ("registered already",)),
    (["add", "bad code", "--name-zh", "x", "--name-en", "y"], ("field code",)),
    (["add", "A01000000A", "--name-zh", "中央研究院"], ("field name_en", "required")),
    (["add", "A01000000A", "--name-zh", "x", "--name-en", "y", "--parent", "Z1"],
     ("field parent", "no agency Z1")),
    (["update", "Z1", "--name-en", "y"], ("no agency Z1 is registered",)),
    (["update", "A29000000G", "--contact-phone", "call me"], ("field contact_phone",)),
])
def test_agency_errors_are_one_line(home: Path, args: list[str],
                                    wanted: tuple[str, ...]) -> None:
    assert_one_line_failure(run(home, "agencies", *args), *wanted)


# -- yuliao init -------------------------------------------------------------------------------


def test_init_writes_a_session_secret_only_its_owner_reads(initialised_home: Path) -> None:
    secret = initialised_home / "session-secret"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert len(bytes.fromhex(secret.read_text().strip())) == 32
    assert stat.S_IMODE(os.stat(initialised_home / "accounts.sqlite").st_mode) == 0o600


def test_the_demo_accounts_are_those_the_readme_lists_and_log_in(demo_home: Path) -> None:
    rows = readme_demo_accounts()
    assert len(rows) == 5 and {role for _, role, _, _ in rows} == {
        "platform-admin", "agency-admin", "data-provider"}
    listed = run(demo_home, "users", "list").output
    for email, role, agency, password in rows:
        line = next(line for line in listed.splitlines() if line.startswith(email))
        assert role in line and (agency or "-") in line and "demo" in line
        assert logs_in(demo_home, email, password)


def test_the_demo_registers_the_agencies_of_its_records_and_its_accounts(
        demo_home: Path) -> None:
    listed = run(demo_home, "agencies", "list").output
    assert "A29000000G   數位發展部 / Ministry of Digital Affairs; contact:" in listed
    assert "(under A29000000G)" in listed and len(listed.splitlines()) == 19


def test_init_demo_again_keeps_the_accounts_it_finds(demo_home: Path,
                                                     tmp_path: Path) -> None:
    home = tmp_path / "again"
    assert run(home, "init", "--demo").exit_code == 0
    result = run(home, "init", "--demo", "--force")
    assert "0 accounts added" in result.output and result.exit_code == 0
    assert logs_in(home, "moda.admin@example.org", "demo-moda-admin")


def test_no_dump_or_export_of_a_home_with_accounts_holds_a_password_or_hash(
        demo_home: Path, tmp_path: Path) -> None:
    outputs = [tmp_path / "dump.nq"]
    assert run(demo_home, "dump", str(outputs[0])).exit_code == 0
    exports = [(fmt, ()) for fmt in WHOLE] + [(fmt, ("--id", "00001174")) for fmt in EXPORTS]
    for fmt, one in exports:
        outputs.append(tmp_path / f"export-{len(outputs)}.{fmt}")
        result = run(demo_home, "export", "--format", fmt, *one, "-o", str(outputs[-1]))
        assert result.exit_code == 0, result.output
    secrets = ["$argon2", *(password for *_, password in readme_demo_accounts())]
    for output in outputs:
        text = output.read_text(encoding="utf-8")
        assert text and not [s for s in secrets if s in text], output


HOLD_STORE = """
import sys
from pathlib import Path
from repository import Config, Repository

with Repository(Config.from_env(Path(sys.argv[1])), create=False) as repository:
    repository.public_snapshot()
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_users_commands_run_while_another_process_holds_the_store(home: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_STORE, str(home)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        add_provider(home)  # checks the agency in the snapshot of the public area
        assert "A29000000G" in run(home, "agencies", "list").output
        assert_one_line_failure(
            run(home, "agencies", "add", "A01000000A", "--name-zh", "x", "--name-en", "y"),
            "held by another process")
    finally:
        holder.communicate("", timeout=30)
    assert logs_in(home, "lin@example.org", PASSWORD)
    with AccountServices.open(Config.from_env(home)) as office:
        assert office.accounts.get("lin@example.org").state is State.ACTIVE
