"""Waiting on the customer: set by the holder, ended by the customer's answer or a reminder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import audit, lifecycle, queue
from engine.adapters.smtp import SmtpSender, SmtpSettings
from engine.audit import EventKind
from engine.bootstrap import open_store
from engine.config import Config
from engine.engine import Connectors, Engine
from engine.errors import Refused
from engine.lifecycle import ConversationMoved, State
from engine.service import open_contact_center
from engine.store import Store, now_iso, presence
from engine.supervision import open_supervision
from tests.agent_fixtures import NOW, deliver, mail, workspace

TOMORROW = (NOW + timedelta(days=1)).isoformat(timespec="microseconds")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return workspace(tmp_path / "ws")


@pytest.fixture
def store(config: Config) -> Store:
    return open_store(config)


def state(store: Store, conversation: int) -> tuple[str, str | None]:
    item = queue.get_item(store, conversation)
    assert item is not None
    return item.state, item.agent_id


def waiting_on(store: Store, config: Config, agent: str = "alice") -> int:
    """Conversation 1, taken by ``agent``, waiting for the customer with a reminder tomorrow."""
    deliver(store, config, mail(1))
    lifecycle.take(store, agent, 1)
    lifecycle.wait_for_customer(store, agent, 1, TOMORROW, "asked for the order number")
    return 1


def customer_answers(store: Store, config: Config, *, headers: bool = True) -> None:
    threading = b"In-Reply-To: <m1@example.org>\r\n" if headers else b""
    answer = mail(7, sender="c1@example.org", subject="Re: Order question 1")
    deliver(store, config, threading + answer, start=10)


def test_only_the_holder_can_wait_and_the_email_leaves_hand_and_queue(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1), mail(2))
    with pytest.raises(ConversationMoved):  # queued: nobody holds it
        lifecycle.wait_for_customer(store, "alice", 1, None)
    lifecycle.take(store, "alice", 1)
    with pytest.raises(ConversationMoved) as refused:
        lifecycle.wait_for_customer(store, "bob", 1, None)
    assert refused.value.holder == "alice"
    assert state(store, 1) == (State.IN_PROGRESS, "alice")

    lifecycle.wait_for_customer(store, "alice", 1, TOMORROW, "asked for the order number")
    assert state(store, 1) == (State.PENDING_CUSTOMER, "alice")
    alice = open_contact_center(config, "alice")
    assert alice.in_hand() == []
    assert [i.id for i in alice.queue()] == [2]
    assert [i.id for i in alice.waiting()] == [1]
    event = audit.trail(store, 1)[-1]
    assert event.kind == EventKind.WAITING_FOR_CUSTOMER and event.agent_id == "alice"
    assert event.detail == {
        "from_state": "in_progress",
        "to_state": "pending_customer",
        "remind_at": TOMORROW,
        "reason": "asked for the order number",
    }
    assert "; reminder " in audit.describe(event)
    alice.close()


def test_the_agent_who_answered_may_wait_after_sending(store: Store, config: Config) -> None:
    """Send and wait (the composer's F9): answered, then waiting; nobody else may."""
    deliver(store, config, mail(1))
    lifecycle.take(store, "alice", 1)
    lifecycle.reply(store, "alice", 1, review=False)
    with pytest.raises(ConversationMoved):
        lifecycle.wait_for_customer(store, "bob", 1, None)
    lifecycle.wait_for_customer(store, "alice", 1, None)
    assert state(store, 1) == (State.PENDING_CUSTOMER, "alice")
    assert audit.trail(store, 1)[-1].detail["from_state"] == "answered"
    presence.put(store, "alice", "available", 1, now_iso())
    customer_answers(store, config)
    assert state(store, 1) == (State.IN_PROGRESS, "alice")


def test_the_customers_answer_brings_it_back_to_the_agent_who_is_available(
    store: Store, config: Config
) -> None:
    waiting_on(store, config)
    presence.put(store, "alice", "available", 1, now_iso())
    customer_answers(store, config)
    assert state(store, 1) == (State.IN_PROGRESS, "alice")
    assert lifecycle_row(store, 1)["remind_at"] is None
    reopened = audit.trail(store, 1)[-1]
    assert reopened.kind == EventKind.REOPENED
    assert reopened.detail["from_state"] == "pending_customer"
    assert audit.describe(reopened, {"alice": "Alice Smith"}.get).endswith(
        "; back with Alice Smith"
    )


@pytest.mark.parametrize("how", ["away", "logged out", "never logged in"])
def test_the_answer_goes_to_the_queue_when_the_agent_is_not_available(
    store: Store, config: Config, how: str
) -> None:
    waiting_on(store, config)
    if how == "away":
        presence.put(store, "alice", "away", 1, now_iso())
    elif how == "logged out":  # Available, but the console has not been heard from since
        stale = datetime.now(UTC) - timedelta(seconds=presence.PRESENCE_SECONDS + 5)
        presence.put(store, "alice", "available", 1, stale.isoformat())
    customer_answers(store, config)
    assert state(store, 1) == (State.QUEUED, None)
    item = queue.get_item(store, 1)
    assert item is not None and "alice is not available" in item.reason
    assert audit.describe(audit.trail(store, 1)[-1]).endswith("; back in the queue")


def test_a_follow_up_without_headers_joins_the_waiting_conversation(
    store: Store, config: Config
) -> None:
    waiting_on(store, config)
    presence.put(store, "alice", "available", 1, now_iso())
    customer_answers(store, config, headers=False)
    assert state(store, 1) == (State.IN_PROGRESS, "alice")
    received = [e for e in audit.trail(store, 1) if e.kind == EventKind.RECEIVED][-1]
    assert received.detail["joined_by"] == "subject"
    assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == 1


def test_a_reminder_due_returns_it_to_the_queue_with_a_mark(store: Store, config: Config) -> None:
    waiting_on(store, config)
    assert lifecycle.remind_expired(store, NOW + timedelta(hours=23)) == []
    assert state(store, 1) == (State.PENDING_CUSTOMER, "alice")
    later = NOW + timedelta(days=1, minutes=1)
    assert lifecycle.remind_expired(store, later) == [1]
    assert state(store, 1) == (State.QUEUED, None)
    item = queue.get_item(store, 1)
    assert item is not None
    assert item.reason.startswith("reminder: no answer from the customer since ")
    assert item.received == later.isoformat(timespec="microseconds")
    expired = audit.trail(store, 1)[-1]
    assert expired.kind == EventKind.REMINDER_EXPIRED and expired.agent_id is None
    assert expired.detail["holder"] == "alice"
    assert expired.detail["reason"] == item.reason
    assert lifecycle.remind_expired(store, later) == []  # once


def test_no_reminder_waits_until_the_customer_writes(store: Store, config: Config) -> None:
    deliver(store, config, mail(1))
    lifecycle.take(store, "alice", 1)
    lifecycle.wait_for_customer(store, "alice", 1, None)
    assert lifecycle.remind_expired(store, NOW + timedelta(days=3650)) == []
    assert "; no reminder" in audit.describe(audit.trail(store, 1)[-1])


def test_a_supervisor_can_release_a_waiting_conversation(store: Store, config: Config) -> None:
    waiting_on(store, config)
    carol = open_supervision(config, "carol")
    carol.release(1)
    carol.close()
    assert state(store, 1) == (State.QUEUED, None)
    assert lifecycle.remind_expired(store, NOW + timedelta(days=2)) == []


def test_the_facade_reads_the_reminder_in_the_agents_words(config: Config) -> None:
    with open_store(config) as store:
        deliver(store, config, mail(1))
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    alice.take(1)
    with pytest.raises(Refused, match="is not a date"):
        alice.wait_for_customer(1, "next blue moon")
    with pytest.raises(Refused, match="has passed"):
        alice.wait_for_customer(1, "11/1/26")
    assert alice.item(1).state == State.IN_PROGRESS  # type: ignore[union-attr]
    due = alice.wait_for_customer(1, "in 3 days")
    assert due == NOW + timedelta(days=3)
    assert [i.id for i in alice.waiting()] == [1]
    alice.close()


def test_the_engine_loop_returns_due_reminders_by_its_clock(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICC_SMTP_PASSWORD", "unused: nothing is sent")
    with open_store(config) as store:
        waiting_on(store, config)
    clock = [NOW]
    outbound = Connectors(None, lambda: SmtpSender(SmtpSettings.from_config(config)))
    engine = Engine(config, connectors=outbound, clock=lambda: clock[0])
    assert engine.run(once=True) == 0
    with open_store(config) as store:
        assert state(store, 1) == (State.PENDING_CUSTOMER, "alice")
    clock[0] = NOW + timedelta(days=2)
    engine = Engine(config, connectors=outbound, clock=lambda: clock[0])
    assert engine.run(once=True) == 0
    with open_store(config) as store:
        assert state(store, 1) == (State.QUEUED, None)
        assert audit.trail(store, 1)[-1].kind == EventKind.REMINDER_EXPIRED


def lifecycle_row(store: Store, conversation: int) -> dict[str, object]:
    row = store.query_one("SELECT * FROM conversations WHERE id = ?", (conversation,))
    assert row is not None
    return dict(row)


def test_micc_history_tells_the_wait_and_the_reminder(
    store: Store, config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    from micc_tui.cli.main import main

    waiting_on(store, config)
    lifecycle.remind_expired(store, NOW + timedelta(days=2))
    assert config.source is not None
    capsys.readouterr()
    assert main(["--config", str(config.source), "history", "1"]) == 0
    out = capsys.readouterr().out
    assert "waiting_for_customer" in out and "in_progress → pending_customer" in out
    assert "reminder_expired" in out and "pending_customer → queued" in out
    assert main(["--config", str(config.source), "history", "1", "--json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert events[-2]["detail"]["remind_at"] == TOMORROW
    assert events[-1]["detail"]["reason"].startswith("reminder: no answer from the customer since")
