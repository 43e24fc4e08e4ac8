"""``micc history`` and ``micc outbox list``: a conversation's trail and the outbox, for people
and (``--json``) for scripts, in the shapes the README documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.service import open_contact_center
from engine.supervision import open_supervision
from micc_tui.cli.main import main
from tests.agent_fixtures import deliver, mail, workspace

EVENT_KEYS = {"id", "at", "kind", "agent_id", "archive_id", "detail"}
NOTE_KEYS = {"id", "conversation_id", "agent_id", "body", "created"}
OUTBOX_KEYS = {
    "id",
    "conversation_id",
    "kind",
    "to",
    "subject",
    "state",
    "attempts",
    "last_error",
    "next_attempt",
    "agent_id",
    "created",
    "sent_at",
    "review_comment",
    "archive_id",
}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """E-mail 1 (Marketing, reviewed): taken by bob, released by carol, taken again,
    answered to review, with a note. E-mail 2 (Sales) waits in its queue."""
    config = workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, to="Solidus.Marketing@seclab.com", subject="Brochure?"))
        deliver(store, config, mail(2), start=10)
    bob, carol = open_contact_center(config, "bob"), open_supervision(config, "carol")
    bob.take(1)
    carol.release(1)
    bob.take(1)
    bob.add_note(1, "Asked sales first.\nThey agree.")
    bob.send(bob.draft(1, "reply").edited(body="The brochure is on its way.\n"))
    bob.close()
    carol.close()
    return config


def run(capsys: pytest.CaptureFixture[str], config: Config, *args: str) -> str:
    capsys.readouterr()
    assert main(["--config", str(config.source), *args]) == 0
    return capsys.readouterr().out


def test_history_json_tells_who_did_what(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = json.loads(run(capsys, config, "history", "1", "--json"))
    assert set(shown) == {"conversation", "events", "notes"}
    assert shown["conversation"]["id"] == 1
    assert shown["conversation"]["state"] == "pending_review"
    events = shown["events"]
    assert all(set(e) == EVENT_KEYS for e in events)
    kinds = [(e["kind"], e["agent_id"]) for e in events]
    assert kinds[0] == ("received", None)
    assert ("taken", "bob") in kinds and ("released", "carol") in kinds
    assert ("note_added", "bob") in kinds and ("reply_to_review", "bob") in kinds
    released = next(e for e in events if e["kind"] == "released")
    assert released["detail"]["from_state"] == "in_progress"
    assert released["detail"]["to_state"] == "queued"
    assert released["detail"]["holder"] == "bob"
    replied = next(e for e in events if e["kind"] == "replied")
    assert replied["detail"]["to_state"] == "pending_review"
    [note] = shown["notes"]
    assert set(note) == NOTE_KEYS and note["body"] == "Asked sales first.\nThey agree."


def test_history_for_people(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, config, "history", "1")
    assert out.startswith("conversation 1: 'Brochure?'")
    assert "in_progress → queued" in out and "holder=bob" in out
    assert "note 1 by bob" in out and "    They agree." in out


def test_history_of_an_unknown_conversation_is_refused(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:
        main(["--config", str(config.source), "history", "99"])
    assert exit.value.code != 0
    assert "micc: no conversation 99" in capsys.readouterr().err


def test_outbox_list_json_and_states(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(run(capsys, config, "outbox", "list", "--json"))
    reply = next(r for r in rows if r["kind"] == "reply")
    assert set(reply) == OUTBOX_KEYS
    assert reply["conversation_id"] == 1 and reply["state"] == "review"
    assert reply["agent_id"] == "bob" and reply["to"] == ["c1@example.org"]
    reviewed = json.loads(run(capsys, config, "outbox", "list", "--state", "review", "--json"))
    assert [r["id"] for r in reviewed] == [reply["id"]]
    both = json.loads(
        run(capsys, config, "outbox", "list", "--state", "sent", "--state", "review", "--json")
    )
    assert reply["id"] in [r["id"] for r in both]
    assert json.loads(run(capsys, config, "outbox", "list", "--state", "sent", "--json")) == []
    table = run(capsys, config, "outbox", "list")
    assert "STATE" in table and "NEXT TRY" in table and "Brochure?" in table
