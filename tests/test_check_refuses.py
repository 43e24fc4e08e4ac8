"""``micc check`` refuses what loads but cannot work, naming file, line and key.

Also: an unusable store path is named with its reason by ``micc check`` and
by every command (never a traceback), and unset secrets are warned about.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from micc_tui.cli.main import main

BASE = """\
[store]
path = "micc.db"

[server]
type = "imap"
outgoing_address = "noreply@seclab.com"

[server.imap]
host = "127.0.0.1"
username = "master"
password_env = "MICC_TEST_UNSET_PASSWORD"
"""

GROUP = """
[[service_group]]
name = "Sales"
email = "sales@seclab.com"
"""


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    path = tmp_path / "micc.toml"
    path.write_text(text)
    capsys.readouterr()
    code = main(["--config", str(path), "check", "--json"])
    return code, json.loads(capsys.readouterr().out)


def line_of(text: str, needle: str) -> int:
    """The last line holding ``needle`` (the key under test is written last)."""
    return max(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_config_with_no_service_group_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = check(tmp_path, BASE, capsys)
    assert code == 2 and result["usable"] is False
    assert any("service_group: no service group" in e for e in result["errors"])


@pytest.mark.parametrize(
    ("extra", "needle", "words"),
    [
        (
            'email = "not an address"\n',
            "email = ",
            "service_group[1].email: 'not an address' is not",
        ),
        (
            "[service_group.thresholds]\noldest_warn_minutes = 60\noldest_alarm_minutes = 15\n",
            "oldest_alarm_minutes",
            "service_group[1].thresholds.oldest_alarm_minutes: the alarm (15 min) comes before",
        ),
        ('default_template = "templates/gone.txt"\n', "default_template", "default_template file"),
        ('responses = "sales.md"\n', "responses = ", "response file:"),
    ],
)
def test_what_cannot_work_is_an_error_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, needle: str, words: str
) -> None:
    (tmp_path / "sales.md").write_text("# Refund\nshortcut: full refund\nWe refunded you.\n")
    text = BASE + GROUP + '\n[[service_group]]\nname = "Support"\n' + extra
    code, result = check(tmp_path, text, capsys)
    assert code == 2 and result["usable"] is False
    [error] = result["errors"]
    assert error.startswith(f"{tmp_path / 'micc.toml'}:{line_of(text, needle)}: ")
    assert words in error


def test_a_good_config_is_usable_and_unset_secrets_are_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICC_TEST_UNSET_PASSWORD", raising=False)
    code, result = check(tmp_path, BASE + GROUP, capsys)
    assert code == 0 and result["usable"] is True
    assert any(
        "environment variable MICC_TEST_UNSET_PASSWORD is not set: micc serve cannot run" in w
        for w in result["warnings"]
    )
    monkeypatch.setenv("MICC_TEST_UNSET_PASSWORD", "x")
    code, result = check(tmp_path, BASE + GROUP, capsys)
    assert not any("MICC_TEST_UNSET_PASSWORD" in w for w in result["warnings"])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.mkdir(), "it is a folder, not a file"),
        (lambda p: p.write_text("plain text, no database " * 10), "it is not a SQLite database"),
    ],
)
def test_an_unusable_store_is_named_by_check_and_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, reason: str
) -> None:
    make(tmp_path / "micc.db")  # type: ignore[operator]
    code, result = check(tmp_path, BASE + GROUP, capsys)
    assert code == 2
    [error] = result["errors"]
    assert error.startswith(f"{tmp_path / 'micc.toml'}:2: store.path: cannot open the store ")
    assert reason in error
    for command in (["queue"], ["archive", "search", "x"], ["history", "1"], ["outbox", "list"]):
        run = subprocess.run(
            [sys.executable, "-m", "micc_tui", "--config", str(tmp_path / "micc.toml"), *command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 1, (command, run.stderr)
        assert run.stderr.startswith(f"micc: cannot open the store {tmp_path / 'micc.db'}: ")
        assert reason in run.stderr and "Traceback" not in run.stderr


def test_an_unexpected_error_is_one_line_unless_debugging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import micc_tui.cli.mailbox

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("the queue fell over")

    monkeypatch.setattr(micc_tui.cli.mailbox, "list_items", broken)
    path = tmp_path / "micc.toml"
    path.write_text(BASE + GROUP)
    capsys.readouterr()
    assert main(["--config", str(path), "queue"]) == 70
    err = capsys.readouterr().err
    assert err.startswith(
        "micc: unexpected error: RuntimeError: the queue fell over (this is a bug"
    )
    assert "MICC_DEBUG=1" in err and "Traceback" not in err
    monkeypatch.setenv("MICC_DEBUG", "1")
    with pytest.raises(RuntimeError, match="the queue fell over"):
        main(["--config", str(path), "queue"])
