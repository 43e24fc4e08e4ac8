"""``micc demo --headless``: servers, generator and engine run, print, and stop cleanly."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from micc_tui.cli.main import main


def test_headless_demo_prints_customer_mail_and_keeps_a_workspace_when_asked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = tmp_path / "ws"
    code = main(["demo", "--headless", "--duration", "1.5", "--rate", "0.2", "--seed", "1",
                 "--workspace", str(workspace)])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"IMAP 127\.0\.0\.1:\d+  SMTP 127\.0\.0\.1:\d+", out)
    assert "[plain, en]" in out and "[html, de]" in out
    config = (workspace / "micc.toml").read_text(encoding="utf-8")
    assert 'encryption = "none"' in config and 'host = "127.0.0.1"' in config
    assert "password =" not in config
    secret = workspace / "secrets" / "demo-password"
    assert secret.stat().st_mode & 0o077 == 0


def test_a_temporary_workspace_is_removed_and_threads_end(
        capsys: pytest.CaptureFixture[str]) -> None:
    before = set(threading.enumerate())
    assert main(["demo", "--headless", "--duration", "0.5", "--no-generator"]) == 0
    out = capsys.readouterr().out
    folder = Path(re.search(r"workspace (\S+)", out).group(1))  # type: ignore[union-attr]
    assert not folder.exists()
    assert "customer mail" not in out
    assert [t.name for t in set(threading.enumerate()) - before] == []


def test_an_unknown_agent_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--headless", "--duration", "0.1", "--agent", "zed"]) == 2
    assert "unknown agent 'zed'" in capsys.readouterr().err
