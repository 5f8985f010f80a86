"""An address that tells the truth: the base URI a home was made with, and moving it.

A home made with one base URI is refused under another, with one line naming both and the
command that moves it; ``yuliao rebase`` moves a demo home (afterwards every record page
answers at the new paths, and no triple names the old base); ``yuliao init`` writes the base
URI it made the home with into yuliao.toml; the OAI-PMH Identify baseURL, the olac-archive
archiveURL and every page link follow the base URI; ``make run`` uses the address it serves
on unless one is configured.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from rdflib import Literal, URIRef

import demo
from app import create_app, main
from endpoints.addresses import listening_note
from repository import Config, ConflictError, Repository
from repository.config import read_toml
from repository.rebase import (
    RDF_JSON,
    BaseURIMismatch,
    name_base_uri,
    rebase_home,
    rebase_term,
)
from tests.conftest import ROOT
from tests.crawl import broken, crawl, crawled_app, record_pages
from tests.oai_support import dataset
from vocab.namespaces import DCT

LOCAL = "http://127.0.0.1:8000/"
PUBLIC = "https://corpus.example.tw/yuliao/"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARCHIVE = "{http://www.language-archives.org/OLAC/1.1/olac-archive}"
#: Demo states that are never public.
HIDDEN = ("draft", "pending-agency-review", "pending-platform-review", "in-revision")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("YULIAO_BASE_URI", "YULIAO_HOME", "YULIAO_STORE", "YULIAO_PUBLIC_STORE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def run(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def local_demo(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Path:
    """A demo home made with the local address, as ``make run`` makes it."""
    home = tmp_path / "home"
    clean_env.setenv("YULIAO_BASE_URI", LOCAL)
    assert run(home, "init", "--demo").exit_code == 0
    clean_env.delenv("YULIAO_BASE_URI")
    return home


# -- the home remembers its base URI --------------------------------------------------------------


def test_init_writes_the_base_uri_it_made_the_home_with(local_demo: Path) -> None:
    assert read_toml(local_demo / "yuliao.toml")["base_uri"] == LOCAL
    assert Config.from_env(local_demo).base_uri == LOCAL
    assert "archive_url" not in read_toml(local_demo / "yuliao.toml")["oai"]["olac_archive"]
    with Repository(Config.from_env(local_demo)) as repository:
        assert repository.published()


def test_a_home_is_refused_under_another_base_uri_naming_both_and_the_move(
        local_demo: Path) -> None:
    with pytest.raises(BaseURIMismatch) as refused:
        Repository(Config(home=local_demo, base_uri=PUBLIC))
    message = str(refused.value)
    assert isinstance(refused.value, ConflictError) and "\n" not in message
    assert LOCAL in message and PUBLIC in message and f"yuliao rebase {PUBLIC}" in message
    with Repository(Config(home=local_demo, base_uri=LOCAL)) as repository:  # not locked
        assert repository.local_ids()


def test_the_command_line_refuses_it_in_one_line(local_demo: Path,
                                                 clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("YULIAO_BASE_URI", PUBLIC)
    result = run(local_demo, "export", "--format", "olac", "--id", "00001174")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("yuliao: ")
    assert f"yuliao rebase {PUBLIC}" in result.output


def test_an_empty_home_takes_any_base_uri(tmp_path: Path) -> None:
    with Repository(Config(home=tmp_path / "a", base_uri=LOCAL)):
        pass
    with Repository(Config(home=tmp_path / "a", base_uri=PUBLIC)) as repository:
        assert repository.local_ids() == []


# -- what the server announces and links ----------------------------------------------------------


def test_identify_pages_and_iris_follow_the_base_uri_of_the_home(local_demo: Path) -> None:
    app = create_app(Config.from_env(local_demo))
    client = app.test_client()
    identify = etree.fromstring(client.get("/oai?verb=Identify").data)
    assert identify.findtext(f".//{OAI}baseURL") == f"{LOCAL}oai"
    assert identify.findtext(f".//{ARCHIVE}archiveURL") == LOCAL
    page = client.get("/record/00001174").get_data(as_text=True)
    links = re.findall(r'href="(https?://[^"]*)"', page)
    assert f"{LOCAL}id/00001174" in links and f"{LOCAL}agency/A29000000G" in links
    assert not [link for link in links if "yuliao.example.org" in link]
    app.extensions["yuliao"].close()


@pytest.mark.parametrize(("base", "host", "port", "expected"), [
    (LOCAL, "127.0.0.1", 8000, None),
    ("http://localhost:8000/", "0.0.0.0", 8000, None),
    (PUBLIC, "127.0.0.1", 8000, None),  # behind a proxy
    (LOCAL, "127.0.0.1", 9000, "not where it listens"),
    ("https://yuliao.example.org/", "127.0.0.1", 8000, "placeholder"),
])
def test_serve_warns_when_links_cannot_reach_the_server(base: str, host: str, port: int,
                                                         expected: str | None) -> None:
    note = listening_note(base, host, port)
    assert (note is None) if expected is None else (expected in note and "yuliao rebase" in note)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(("environment", "settings", "expected"), [
    ({}, None, LOCAL),
    ({"YULIAO_BASE_URI": PUBLIC}, None, PUBLIC),
    ({}, f'base_uri = "{PUBLIC}"\n', ""),  # yuliao.toml names it: the CLI reads it there
])
def test_make_run_uses_its_own_address_unless_a_base_uri_is_configured(
        tmp_path: Path, clean_env: pytest.MonkeyPatch, environment: dict[str, str],
        settings: str | None, expected: str) -> None:
    if settings is not None:
        (tmp_path / "yuliao.toml").write_text(settings, encoding="utf-8")
    for name, value in environment.items():
        clean_env.setenv(name, value)
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(ROOT), f"YULIAO_HOME={tmp_path}",
         "--eval", "shown-base: ; @echo \"[$(RUN_BASE_URI)]\"", "shown-base"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert shown == f"[{expected}]"


# -- moving a home ----------------------------------------------------------------------------


def test_rebase_moves_a_demo_home_so_that_every_page_answers_at_the_new_paths(
        local_demo: Path, tmp_path: Path) -> None:
    result = run(local_demo, "rebase", PUBLIC)
    assert result.exit_code == 0, result.output
    assert read_toml(local_demo / "yuliao.toml")["base_uri"] == PUBLIC
    dump = tmp_path / "after.nq"
    assert run(local_demo, "dump", str(dump)).exit_code == 0
    quads = dump.read_text(encoding="utf-8")
    assert LOCAL not in quads and f"<{PUBLIC}graph/00001174>" in quads
    app = crawled_app(Config.from_env(local_demo))
    client = app.test_client()
    records = list(demo.records(PUBLIC))
    public = [r.local_id for r in records if r.state not in HIDDEN]
    statuses = crawl(client, ["/", *record_pages(public)], PUBLIC)
    assert broken(statuses) == {}
    assert "/agency/A29000000G" in statuses and len(statuses) > 500
    assert {statuses[f"/record/{r.local_id}"] for r in records if r.state == "withdrawn"} == {410}
    for hidden in (r.local_id for r in records if r.state in HIDDEN):
        assert client.get(f"/record/{hidden}", base_url=PUBLIC).status_code == 404
    assert f"{PUBLIC}id/00001174".encode() in client.get(
        "/oai?verb=GetRecord&metadataPrefix=dcat&identifier=oai:yuliao.example.org:00001174").data
    app.extensions["yuliao"].close()


def test_rebase_moves_every_iri_on_either_backend(make_repository, tmp_path: Path) -> None:
    repository = make_repository(tmp_path / "home", base_uri=LOCAL)
    for local_id in ("00000001", "src.example.org:a%2Fb"):
        repository.put(dataset(repository, local_id))
        repository.publish(local_id)
    repository.withdraw("00000001")
    config = repository.config
    repository.close()
    report = rebase_home(config, PUBLIC, environment={})
    assert (report.old, report.graphs["public"]) == (LOCAL, 2)
    with Repository(replace(config, base_uri=PUBLIC)) as moved:
        for area in (moved.work, moved.public):
            assert not [q for q in area.quads() if LOCAL in str(q)]
        assert moved.get("src.example.org:a%2Fb", public=True).graph.value(
            URIRef(f"{PUBLIC}id/src.example.org:a%2Fb"), DCT.publisher) == URIRef(
            f"{PUBLIC}agency/A29000000G")
        assert moved.disseminations.get("00000001").deleted


def test_rebase_again_changes_nothing_and_finishes_an_interrupted_move(local_demo: Path) -> None:
    assert run(local_demo, "rebase", PUBLIC).exit_code == 0
    again = run(local_demo, "rebase", PUBLIC, "--from", LOCAL)
    assert again.exit_code == 0, again.output
    assert "graphs rewritten 0 work, 0 public" in again.output


def test_a_dump_restores_only_under_its_base_uri_and_then_moves(
        local_demo: Path, tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "backup.nq.gz"
    assert run(local_demo, "dump", str(dump)).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    clean_env.setenv("YULIAO_BASE_URI", PUBLIC)
    assert run(elsewhere, "init").exit_code == 0
    refused = run(elsewhere, "restore", str(dump))
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert f"YULIAO_BASE_URI={LOCAL}" in refused.output and f"yuliao rebase {PUBLIC}" in (
        refused.output)
    clean_env.setenv("YULIAO_BASE_URI", LOCAL)
    assert run(elsewhere, "restore", str(dump)).exit_code == 0
    clean_env.delenv("YULIAO_BASE_URI")
    assert run(elsewhere, "rebase", PUBLIC).exit_code == 0
    with Repository(Config.from_env(elsewhere)) as moved:
        assert moved.get("00001174", public=True).id == "00001174"


def test_rebase_is_refused_when_the_environment_names_a_third_base_uri(
        local_demo: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("YULIAO_BASE_URI", "https://elsewhere.example.tw/")
    result = run(local_demo, "rebase", PUBLIC)
    assert result.exit_code == 1 and "YULIAO_BASE_URI" in result.output
    clean_env.delenv("YULIAO_BASE_URI")
    assert Config.from_env(local_demo).base_uri == LOCAL  # nothing moved
    assert run(local_demo, "reindex").exit_code == 0


def test_rebase_refuses_a_base_uri_that_is_not_one(local_demo: Path) -> None:
    result = run(local_demo, "rebase", "ftp://corpus.example.tw")
    assert result.exit_code == 1 and "YULIAO_BASE_URI" in result.output


def test_a_harvest_checkpoint_moves_with_the_home() -> None:
    checkpoint = Literal(json.dumps({"run": f"{LOCAL}run/s/20260101T000000Z", "pages": 2}),
                         datatype=RDF_JSON)
    moved = rebase_term(checkpoint, LOCAL, PUBLIC)
    assert json.loads(str(moved))["run"] == f"{PUBLIC}run/s/20260101T000000Z"
    assert rebase_term(URIRef("http://lexvo.org/id/iso639-3/ami"), LOCAL, PUBLIC) == URIRef(
        "http://lexvo.org/id/iso639-3/ami")


def test_the_settings_file_is_rewritten_in_place_keeping_its_comments(tmp_path: Path) -> None:
    settings = tmp_path / "yuliao.toml"
    settings.write_text(f'# ours\nbase_uri = "{LOCAL}"\n[oai.olac_archive]\n'
                        f'archive_url = "{LOCAL}"\n', encoding="utf-8")
    assert name_base_uri(settings, LOCAL, PUBLIC) == settings
    assert settings.read_text(encoding="utf-8") == (
        f'# ours\nbase_uri = "{PUBLIC}"\n[oai.olac_archive]\narchive_url = "{PUBLIC}"\n')
    assert name_base_uri(settings, LOCAL, PUBLIC) is None
    bare = tmp_path / "bare.toml"
    bare.write_text("[oai]\npage_size = 5\n", encoding="utf-8")
    name_base_uri(bare, LOCAL, PUBLIC)
    assert read_toml(bare) == {"base_uri": PUBLIC, "oai": {"page_size": 5}}
