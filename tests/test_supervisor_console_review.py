"""Review round trip: an agent process sends to review, the console approves or rejects."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from engine import archive, queue
from engine.bootstrap import open_store
from engine.config import Config
from engine.errors import Refused
from engine.store import Store
from engine.supervision.review import replace_text_body
from micc_tui.supervisor.modals import TextPrompt
from micc_tui.widgets.fit_table import FitTable
from tests.agent_fixtures import deliver, mail
from tests.supervisor_fixtures import app_for, supervision, wait_for


@pytest.fixture
def store(config: Config) -> Store:
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, to="Solidus.Marketing@seclab.com", subject="Brochure?"),
        mail(2, to="Solidus.Marketing@seclab.com", subject="Price list?"),
    )
    return store


def agent(config: Config, action: str) -> list[dict[str, Any]]:
    """Run bob's side in another process; its JSON lines."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.review_agent_process", str(config.source), action],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def outbox_state(store: Store, outbox_id: int) -> tuple[str, str]:
    row = store.query_one("SELECT state, review_comment FROM outbox WHERE id = ?", (outbox_id,))
    assert row is not None
    return row[0], row[1]


async def test_approve_then_reject_round_trip_with_an_agent_process(
    config: Config, store: Store
) -> None:
    first = (await asyncio.to_thread(agent, config, "reply"))[0]
    assert first["review"] is True
    app = app_for(config)
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("3")
        reviews = app.query_one("#reviews", FitTable)
        await wait_for(pilot, lambda: reviews.row_count == 1)
        draft = app.query_one("#review-draft", TextArea)
        assert "we will call you tomorrow" in draft.text
        original = str(app.query_one("#review-original").render())
        assert "Brochure?" in original
        await pilot.press("a")
        await wait_for(pilot, lambda: reviews.row_count == 0)
        assert outbox_state(store, first["outbox"]) == ("approved", "")
        item = queue.get_item(store, first["conversation"])
        assert item is not None and item.state == "answered"

        second = (await asyncio.to_thread(agent, config, "reply"))[0]
        await wait_for(pilot, lambda: reviews.row_count == 1)  # arrives live
        await pilot.press("r")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"Please attach the price list", "enter")
        await wait_for(pilot, lambda: reviews.row_count == 0)

    assert outbox_state(store, second["outbox"]) == ("rejected", "Please attach the price list")
    seen = await asyncio.to_thread(agent, config, "outcomes")
    outcomes = {o["outbox"]: o for o in seen if "outbox" in o}
    assert outcomes[second["outbox"]]["state"] == "rejected"
    assert outcomes[second["outbox"]]["comment"] == "Please attach the price list"
    assert seen[-1]["in_hand"] == [second["conversation"]]  # back in bob's hands


async def test_edit_and_approve_rewrites_what_is_sent(config: Config, store: Store) -> None:
    sent = (await asyncio.to_thread(agent, config, "reply"))[0]
    app = app_for(config)
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("3")
        reviews = app.query_one("#reviews", FitTable)
        await wait_for(pilot, lambda: reviews.row_count == 1)
        reviews.focus()
        await pilot.press("e")
        draft = app.query_one("#review-draft", TextArea)
        assert not draft.read_only and draft.has_focus
        draft.load_text("Dear customer,\nthe brochure is attached.\n")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: reviews.row_count == 0)
    assert outbox_state(store, sent["outbox"])[0] == "approved"
    row = store.query_one("SELECT message FROM outbox WHERE id = ?", (sent["outbox"],))
    assert row is not None
    raw = archive.raw(store, row[0]) or b""
    assert b"the brochure is attached" in raw and b"call you tomorrow" not in raw
    message = archive.get(store, row[0])
    assert message is not None and "brochure is attached" in message.body_text
    assert archive.search(store, "brochure attached")[0].id == row[0]


def test_reject_needs_a_comment_and_decisions_happen_once(config: Config, store: Store) -> None:
    sent = agent(config, "reply")[0]
    carol = supervision(config)
    with pytest.raises(Refused, match="say what the agent should change"):
        carol.reject(sent["outbox"], " ")
    carol.approve(sent["outbox"])
    with pytest.raises(Refused, match="not waiting for review"):
        carol.approve(sent["outbox"])


def test_replace_text_body_keeps_headers_and_drops_the_html_twin() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Marketing <m@seclab.com>"
    message["To"] = "c@example.org"
    message["Subject"] = "Re: hi"
    message["Message-ID"] = "<x@seclab.com>"
    message.set_content("old text")
    message.add_alternative("<p>old text</p>", subtype="html")
    message.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="a.pdf")
    edited = replace_text_body(bytes(message), "new text")
    assert b"Message-ID: <x@seclab.com>" in edited
    assert b"new text" in edited and b"old text" not in edited
    assert b"a.pdf" in edited and b"text/html" not in edited
