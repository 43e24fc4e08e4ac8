"""``micc spelling``: list, install, check and ignore, run as a person would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from micc_tui.cli.main import main
from tests import spelling_fixtures as fx

bundles = fx.bundles


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "micc.toml"
    path.write_text(
        'locale = "de-DE"\n[store]\npath = "micc.db"\n[spelling]\nsite_folder = "spelling"\n'
        '[[service_group]]\nname = "Sales"\n[[agent]]\nid = "alice"\nname = "Alice Smith"\n'
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_install_list_check_and_ignore(
    config: Path, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = ("--config", str(config))
    code, out, _ = run(
        capsys, "spelling", "install", str(bundles["multi"]), "--culture", "de-DE", *cfg
    )
    assert code == 0
    assert "installed de-DE (German - Germany)" in out

    code, out, _ = run(capsys, "spelling", "list", "--json", *cfg)
    rows = json.loads(out)
    assert [(r["culture"], r["origin"]) for r in rows] == [("de-DE", "site"), ("en-US", "shipped")]
    assert rows[0]["words"] == 75_609 and rows[1]["language"] == "English - United States"

    reply = config.parent / "reply.txt"
    reply.write_text(
        "Sehr geehrte Frau Müller,\nIhre Bestelung $CallID$ ist unterwegs.\n"
        "> Meine Bestelung\nGrüße vom Soliduz-Team\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "spelling", "check", str(reply), *cfg)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{reply}:2:6: Bestelung: Bestellung")
    assert lines[1].startswith(f"{reply}:4:11: Soliduz-Team")

    code, out, _ = run(capsys, "spelling", "ignore", "add", "Soliduz", "--group", "Sales", *cfg)
    assert code == 0 and "added: Soliduz (group Sales, de-DE)" in out
    code, out, _ = run(
        capsys, "spelling", "check", str(reply), "--group", "Sales", "--no-suggest", "--json", *cfg
    )
    assert code == 1
    assert json.loads(out) == [{"line": 2, "column": 6, "word": "Bestelung", "suggestions": []}]


def test_unknown_culture_exits_2_with_the_nearest(
    config: Path, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "spelling",
        "install",
        str(bundles["es"]),
        "--culture",
        "es-EX",
        "--config",
        str(config),
    )
    assert code == 2
    assert "unknown culture name 'es-EX'; did you mean es-ES" in err


def test_list_all_shows_the_culture_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MICC_CONFIG", raising=False)
    code, out, _ = run(capsys, "spelling", "list", "--all", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 136
    assert {"culture": "div-MV", "language": "Dhivehi - Maldives", "installed": False} in rows


def test_english_check_without_a_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MICC_CONFIG", raising=False)
    (tmp_path / "r.txt").write_text("Thank you for your mesage.\n")
    code, out, _ = run(capsys, "spelling", "check", "r.txt", "--culture", "en-US")
    assert code == 1 and out.startswith("r.txt:1:20: mesage: message")
    (tmp_path / "ok.txt").write_text("All good here, see https://exampel.com\n")
    assert run(capsys, "spelling", "check", "ok.txt", "--culture", "en_us")[0] == 0


def test_ignore_takes_the_words_after_the_options_and_refuses_unknown_owners(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = ("--config", str(config))
    code, out, _ = run(
        capsys, *cfg, "spelling", "ignore", "add", "--group", "Sales", "Soliduz", "ORDs"
    )
    assert code == 0
    assert out.splitlines() == [
        "added: Soliduz (group Sales, de-DE)",
        "added: ORDs (group Sales, de-DE)",
    ]
    code, out, _ = run(capsys, *cfg, "spelling", "ignore", "add", "one", "--agent", "alice", "two")
    assert code == 0 and "added: two (agent alice, de-DE)" in out
    code, _, err = run(capsys, *cfg, "spelling", "ignore", "add", "--group", "Sails", "word")
    assert code == 2 and "no service group 'Sails'" in err and "(groups: Sales)" in err
    code, _, err = run(capsys, *cfg, "spelling", "ignore", "add", "--agent", "bob", "word")
    assert code == 2 and "no agent 'bob'" in err and "(agents: alice)" in err
    code, _, err = run(
        capsys, *cfg, "spelling", "ignore", "add", "--group", "Sales", "w", "--bogus"
    )
    assert code == 2 and "unrecognized arguments: --bogus" in err
    code, out, _ = run(capsys, *cfg, "spelling", "ignore", "list", "--json")
    assert sorted(r["word"] for r in json.loads(out)) == ["ORDs", "Soliduz", "one", "two"]


def test_installing_outside_the_spelling_folder_is_reported(
    config: Path, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = config.parent / "elsewhere"
    code, _, err = run(
        capsys,
        "--config",
        str(config),
        "spelling",
        "install",
        str(bundles["multi"]),
        "--culture",
        "de-DE",
        "--folder",
        str(elsewhere),
    )
    assert code == 0 and (elsewhere / "de-DE").is_dir()
    assert f"{elsewhere} is not the spelling folder of {config}" in err
    assert "the consoles will not find this dictionary" in err


def test_install_works_in_a_fresh_init_workspace(
    tmp_path: Path, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # As the README shows it: micc init, then install, with no config edited.
    workspace = tmp_path / "ws"
    assert main(["init", str(workspace)]) == 0
    cfg = ("--config", str(workspace / "micc.toml"))
    code, out, err = run(
        capsys, "spelling", "install", str(bundles["multi"]), "--culture", "de-DE", *cfg
    )
    assert code == 0, err
    assert f"in {workspace / 'spelling' / 'de-DE'}" in out and "warning" not in err
    code, out, _ = run(capsys, "spelling", "list", "--json", *cfg)
    assert ("de-DE", "site") in [(r["culture"], r["origin"]) for r in json.loads(out)]
