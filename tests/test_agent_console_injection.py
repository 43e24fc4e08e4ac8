"""Untrusted text: markup and escape sequences from e-mails are shown literally and inert."""

from __future__ import annotations

from pathlib import Path

from engine.bootstrap import open_store
from engine.config import Config
from micc_tui.widgets.body_view import BodyView
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import deliver, mail, workspace

SUBJECT = "[bold]Win[/x] \x1b[2J now"
NAME = "[red]Mallory[/red] \x1b[31m"
BODY = "Click [link=http://evil]here[/link] [/x]\x1b[2J\x1b]0;title\x07 done"


def make_config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, subject=SUBJECT, name=NAME, body=BODY, attachment=("[b]evil[/b]\x1b[2J.pdf", b"x")),
    )
    store.close()
    return config


async def test_subject_name_body_and_attachment_are_shown_literally(tmp_path: Path) -> None:
    app = make_app(make_config(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 1 and screen(app).reading is not None)
        row = table(app).rows()[0]
        assert row.cells[2] == "[red]Mallory[/red] \\x1b[31m"
        assert row.cells[3] == "[bold]Win[/x] \\x1b[2J now"
        reading = screen(app).query_one("#reading")
        headers = str(reading.query_one("#reading-headers").render())
        text = reading.query_one("#reading-body", BodyView).text
        attachments = str(reading.query_one("#reading-attachments").render())
        assert "Subject: [bold]Win[/x] \\x1b[2J now" in headers
        assert "From: [red]Mallory[/red] \\x1b[31m" in headers
        assert "Click [link=http://evil]here[/link] [/x]\\x1b[2J\\x1b]0;title\\x07 done" in text
        assert "[b]evil[/b]" in attachments
        # What reaches the terminal: the literal brackets, and no raw escape character.
        svg = app.export_screenshot()
        assert "\x1b" not in svg
        assert "[bold]Win[/x]" in svg and "[red]Mallory[/red]" in svg


async def test_taking_it_and_notifying_with_its_subject_does_not_crash(tmp_path: Path) -> None:
    # Notifications carry the subject: markup there would raise or restyle.
    app = make_app(make_config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("n")
        await settle(
            pilot,
            lambda: screen(app).snapshot is not None and len(screen(app).snapshot.in_hand) == 1,
        )  # type: ignore[union-attr]
        assert app.is_running
