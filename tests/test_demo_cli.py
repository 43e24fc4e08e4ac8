"""``micc demo --headless``: servers, generator and engine run, print, and stop cleanly."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from pathlib import Path

import pytest

from engine.service import open_contact_center
from micc_tui.cli.main import main
from micc_tui.demo.runner import Demo, DemoOptions
from micc_tui.demo.servers import RecordedMail
from tests.tmux_terminal import wait_until


def test_headless_demo_prints_customer_mail_and_keeps_a_workspace_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "ws"
    code = main(
        [
            "demo",
            "--headless",
            "--duration",
            "1.5",
            "--rate",
            "0.2",
            "--seed",
            "1",
            "--workspace",
            str(workspace),
        ]
    )
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
    capsys: pytest.CaptureFixture[str],
) -> None:
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


def text_of(raw: bytes) -> str:
    """The text body of a message, decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(("plain",))
    return str(body.get_content()) if body is not None else ""


def test_the_engine_ingests_generated_mail_and_an_agents_reply_reaches_smtp(tmp_path: Path) -> None:
    lines: list[str] = []
    options = DemoOptions(workspace=tmp_path / "ws", rate=0.1, seed=2)
    with Demo(options, lines.append) as demo:
        assert demo.config is not None and demo.servers is not None
        center = open_contact_center(demo.config, "alice")
        try:
            # Sales and Support queues fill from the master mailbox, through IMAP.
            wait_until(
                lambda: (
                    sum(c.queued for c in center.group_counts() if c.name in ("Sales", "Support"))
                    >= 4
                )
            )
            item = center.take_next("Sales")
            assert item is not None
            original = center.message(item.id)
            assert original is not None
            draft = center.draft(item.id, "reply")
            result = center.send(draft.edited(body="Thank you, the quote follows today.\n"))
            assert not result.pending_review

            def reply() -> RecordedMail | None:
                return next(
                    (
                        m
                        for m in demo.servers.sent()  # type: ignore[union-attr]
                        if "Thank you, the quote" in text_of(m.raw)
                    ),
                    None,
                )

            sent = wait_until(reply)
        finally:
            center.close()
        # The master mailbox is emptied into Processed as mail is archived.
        assert demo.servers.count(folder="Processed") >= 4
    message = email.message_from_bytes(sent.raw, policy=email.policy.default)
    assert message["In-Reply-To"] == original.message_id
    assert original.message_id in message["References"].split()
    assert message["From"].addresses[0].addr_spec.lower() == "solidus.sales.retail@seclab.com"
    assert sent.recipients == (original.from_address,)
    assert any("customer mail  [plain, en]" in line for line in lines)


def test_duration_without_headless_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--duration", "1"]) == 2
    assert "--duration needs --headless" in capsys.readouterr().err


def test_a_config_is_refused_the_demo_makes_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "elsewhere.toml", "demo", "--headless"]) == 2
    assert "--workspace" in capsys.readouterr().err


def test_the_first_demo_e_mail_gets_its_automatic_confirmation(tmp_path: Path) -> None:
    """Issue 15 item 26: the generator waits for the engine's first read, so the first
    customer e-mail is new mail, not backlog found at the first start."""
    from engine.audit import EventKind
    from engine.bootstrap import open_store

    options = DemoOptions(workspace=tmp_path / "ws", rate=0.5, seed=3)
    with Demo(options, lambda line: None) as demo:
        assert demo.config is not None
        store = open_store(demo.config)
        try:

            def first_trail() -> list[str] | None:
                row = store.query_one("SELECT MIN(id) FROM conversations")
                if row is None or row[0] is None:
                    return None
                kinds = [
                    str(r[0])
                    for r in store.query(
                        "SELECT kind FROM events WHERE conversation_id = ?", (row[0],)
                    )
                ]
                done = {EventKind.CONFIRMATION_QUEUED, EventKind.CONFIRMATION_SKIPPED}
                return kinds if done & set(kinds) else None

            kinds = wait_until(first_trail)
        finally:
            store.close()
    assert EventKind.CONFIRMATION_QUEUED in kinds and EventKind.CONFIRMATION_SKIPPED not in kinds
