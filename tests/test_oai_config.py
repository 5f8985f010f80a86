"""OAI-PMH settings: defaults, ``{home}/yuliao.toml``, the environment, and checks that name
the bad key."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from repository import Config, InputError
from repository.config import TEMPLATE, OaiSettings, OlacArchive, Participant, config_template

SETTINGS = """
base_uri = "https://corpus.example.tw/"
repository_name = "語料測試站"

[oai]
page_size = 250
token_lifetime_hours = 2
admin_emails = ["a@corpus.example.tw"]

[oai.olac_archive]
type = "personal"
current_as_of = 2026-10-01
institution = "Unaffiliated"
short_location = "Hualien, Taiwan"
synopsis = "Amis recordings."
access = "Ask me."

[[oai.olac_archive.participant]]
name = "Panay"
role = "Owner"
email = "a@corpus.example.tw"
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    for name in ("YULIAO_BASE_URI", "YULIAO_OAI_ID", "YULIAO_ADMIN_EMAIL", "YULIAO_HOME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def write(home: Path, text: str) -> Config:
    (home / "yuliao.toml").write_text(text, encoding="utf-8")
    return Config.from_env(home)


def test_the_defaults_are_consistent(home) -> None:
    config = Config.from_env(home)
    assert config.oai.page_size == 100
    assert config.oai.token_lifetime == timedelta(hours=24)
    assert config.oai_base_url == "https://yuliao.example.org/oai"
    assert {p.email for p in config.oai.archive.participants} == set(config.oai.admin_emails)


def test_settings_come_from_yuliao_toml(home) -> None:
    config = write(home, SETTINGS)
    assert (config.base_uri, config.repository_name) == ("https://corpus.example.tw/", "語料測試站")
    assert (config.oai.page_size, config.oai.token_lifetime) == (250, timedelta(hours=2))
    archive = config.oai.archive
    assert (archive.type, archive.current_as_of, archive.short_location) == (
        "personal", date(2026, 10, 1), "Hualien, Taiwan")
    assert archive.participants == (Participant("Panay", "Owner", "a@corpus.example.tw"),)
    assert archive.archive_url == "https://corpus.example.tw/"


def test_the_environment_wins_over_the_file(home, monkeypatch) -> None:
    monkeypatch.setenv("YULIAO_BASE_URI", "https://other.example.tw/")
    monkeypatch.setenv("YULIAO_ADMIN_EMAIL", "ops@other.example.tw")
    config = write(home, "[oai]\npage_size = 5\n")
    assert config.base_uri == "https://other.example.tw/" and config.oai.page_size == 5
    assert config.oai.admin_emails == ("ops@other.example.tw",)
    assert config.oai.archive.participants[0].email == "ops@other.example.tw"


@pytest.mark.parametrize(("text", "key"), [
    ("[oai]\npage_size = 0\n", "oai.page_size"),
    ("[oai]\npage_size = \"100\"\n", "oai.page_size"),
    ("[oai]\ntoken_lifetime_hours = 0\n", "oai.token_lifetime_hours"),
    ("[oai]\nadmin_emails = []\n", "oai.admin_emails"),
    ("[oai]\nadmin_emails = [\"nobody\"]\n", "oai.admin_emails"),
    ("[oai.olac_archive]\nshort_location = \"" + "x" * 51 + "\"\n",
     "oai.olac_archive.short_location"),
    ("[oai.olac_archive]\ntype = \"corporate\"\n", "oai.olac_archive.type"),
    ("[oai.olac_archive]\ncurrent_as_of = \"yesterday\"\n", "oai.olac_archive.current_as_of"),
    ("[oai.olac_archive]\nsynopsis = \"\"\n", "oai.olac_archive.synopsis"),
    ("[[oai.olac_archive.participant]]\nname = \"A\"\nrole = \"B\"\n",
     "oai.olac_archive.participant.email"),
    ("[[oai.olac_archive.participant]]\nname = \"A\"\nrole = \"B\"\nemail = \"b@x.org\"\n",
     "oai.olac_archive.participant"),
    ("oai = 3\n", "oai"),
])
def test_a_bad_setting_is_refused_naming_its_key(home, text, key) -> None:
    with pytest.raises(InputError) as caught:
        write(home, text)
    assert caught.value.field == key


def test_an_admin_email_must_be_a_participants(home) -> None:
    with pytest.raises(InputError, match="not the e-mail of any participant"):
        Config(home=home, oai=OaiSettings(admin_emails=("x@y.org",), archive=OlacArchive()))


def test_a_file_that_is_not_toml_is_refused_naming_it(home) -> None:
    with pytest.raises(InputError) as caught:
        write(home, "[oai\n")
    assert caught.value.origin == str(home.resolve() / "yuliao.toml")


def test_the_template_is_valid_and_equals_the_defaults(home) -> None:
    config = write(home, config_template(date(2026, 11, 22)))
    default = Config.from_env(home / "elsewhere")
    assert config.oai.archive.current_as_of == date(2026, 11, 22)
    assert (config.oai.page_size, config.oai.admin_emails) == (
        default.oai.page_size, default.oai.admin_emails)
    assert "@TODAY@" in TEMPLATE and "@TODAY@" not in config_template(date.today())
