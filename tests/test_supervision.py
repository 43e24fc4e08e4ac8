"""Supervision engine: dashboard figures, routing control, problems, agents, health."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import lifecycle, queue
from engine.config import Config
from engine.errors import Refused
from engine.store import Store
from engine.supervision import Supervision, open_supervision
from engine.supervision.dashboard import level_for
from tests.agent_fixtures import NOW, deliver, fix_received, mail


def carol(config: Config) -> Supervision:
    return open_supervision(config, "carol", clock=lambda: NOW)


def heartbeat(store: Store, agent: str, state: str, seen_seconds_ago: float) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO agent_status (agent_id, state, pid, last_seen) "
            "VALUES (?, ?, 1, ?)",
            (agent, state, (NOW - timedelta(seconds=seen_seconds_ago)).isoformat()),
        )


def test_only_supervisors_get_the_facade(config: Config) -> None:
    with pytest.raises(Refused, match="alice is an agent, not a supervisor"):
        open_supervision(config, "alice")
    with pytest.raises(Refused, match=r"unknown agent 'mallory'.*carol"):
        open_supervision(config, "mallory")


def test_dashboard_counts_states_oldest_and_levels(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1),
        mail(2),
        mail(3, to="Solidus.Support@seclab.com"),
        mail(4, to="nobody@elsewhere.example"),
    )
    fix_received(store)  # conversation n arrived 90 - n minutes before NOW
    lifecycle.take_next(store, "alice", ["Sales"])
    figures = {g.name: g for g in carol(config).dashboard().groups}
    sales, support = figures["Sales"], figures["Support"]
    assert (sales.queued, sales.in_progress, sales.pending_review) == (1, 1, 0)
    assert sales.oldest_minutes == pytest.approx(88.0)
    assert sales.level == "warn"  # default thresholds: warn 30, alarm 120
    assert support.queued == 1 and support.level == "alarm"  # Support: warn 15, alarm 60
    assert figures["Marketing"].queued == 0 and figures["Marketing"].level == "ok"
    assert carol(config).dashboard().unrouted == 1


def test_answered_today_and_agents_present(config: Config, store: Store) -> None:
    deliver(store, config, mail(1), mail(2))
    with store.transaction() as conn:
        conn.execute(
            "UPDATE conversations SET state = 'answered', agent_id = 'alice', "
            "updated = ? WHERE id = 1",
            (NOW.isoformat(),),
        )
        conn.execute(
            "UPDATE conversations SET state = 'answered', agent_id = 'alice', "
            "updated = ? WHERE id = 2",
            ((NOW - timedelta(days=2)).isoformat(),),
        )
    heartbeat(store, "alice", "available", 5)
    heartbeat(store, "bob", "away", 5)
    heartbeat(store, "carol", "available", 3600)  # a console that died an hour ago
    board = carol(config).dashboard()
    sales = next(g for g in board.groups if g.name == "Sales")
    support = next(g for g in board.groups if g.name == "Support")
    assert sales.answered_today == 1
    assert (sales.agents_logged_in, sales.agents_available) == (1, 1)
    assert (support.agents_logged_in, support.agents_available) == (2, 1)
    rows = {a.agent_id: a for a in carol(config).agents()}
    assert rows["alice"].handled_today == 1 and rows["alice"].state == "available"
    assert rows["carol"].state == "logged_out" and not rows["carol"].logged_in


def test_arrivals_per_minute_end_at_the_current_minute(config: Config, store: Store) -> None:
    deliver(store, config, mail(1), mail(2), mail(3))
    with store.transaction() as conn:
        conn.execute(
            "UPDATE events SET at = ? WHERE kind = 'received' AND conversation_id < 3",
            ((NOW - timedelta(seconds=30)).isoformat(),),
        )
        conn.execute(
            "UPDATE events SET at = ? WHERE kind = 'received' AND conversation_id = 3",
            ((NOW - timedelta(minutes=5)).isoformat(),),
        )
    arrivals = carol(config).dashboard().arrivals
    assert len(arrivals) == 30 and sum(arrivals) == 3
    assert arrivals[-1] == 0 and arrivals[-2] == 2 and arrivals[-6] == 1


def test_change_stamp_moves_with_arrivals_and_presence(config: Config, store: Store) -> None:
    supervision = carol(config)
    before = supervision.change_stamp()
    deliver(store, config, mail(1))
    after_mail = supervision.change_stamp()
    heartbeat(store, "alice", "available", 0)
    assert before != after_mail != supervision.change_stamp()


def test_level_bands() -> None:
    assert [level_for(m, 30, 120) for m in (None, 0, 29.9, 30, 119, 120)] == [
        "ok",
        "ok",
        "ok",
        "warn",
        "warn",
        "alarm",
    ]


def test_activation_order_decides_and_can_be_changed(config: Config, store: Store) -> None:
    supervision = carol(config)
    assert supervision.try_address("Solidus.Sales.Retail@seclab.com").route.service_group == "Sales"
    assert supervision.deactivate("Sales") is True
    test = supervision.try_address("Solidus.Sales.Retail@seclab.com")
    assert not test.route.routed and "inactive matches: Sales" in test.summary()
    assert supervision.activate("Sales") is True
    assert [s.name for s in supervision.accesses() if s.active][-1] == "Sales"
    with pytest.raises(Refused, match="no service access named"):
        supervision.activate("Nope")


def test_problems_assign_retry_discard(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1, to="Solidus.Sales.Retail@seclab.com"),
        mail(2, to="nobody@elsewhere.example"),
        mail(3, to="other@elsewhere.example"),
    )
    supervision = carol(config)
    supervision.deactivate("Sales")
    deliver(store, config, mail(4), start=10)  # arrives while Sales is inactive: unrouted
    found = supervision.problems()
    ids = [p.conversation_id for p in found if p.conversation_id is not None]
    assert len(ids) == 3 and all(p.kind == "unrouted" for p in found)
    supervision.activate("Sales")
    assert "routed to Sales" in supervision.retry(found[-1])
    assert "still no active service access" in supervision.retry(found[0])
    supervision.assign(ids[0], "Support")
    with pytest.raises(Refused, match="say why"):
        supervision.discard(found[1], "  ")
    supervision.discard(found[1], "spam from a bot")
    assert supervision.problems() == []
    closed = queue.get_item(store, ids[1])
    assert closed is not None and closed.state == "closed" and closed.reason == "spam from a bot"
    assert supervision.conversation(ids[1])  # still archived
    with pytest.raises(Refused):
        supervision.assign(ids[1], "Support")
    with pytest.raises(Refused, match="no service group"):
        supervision.assign(ids[0], "Nope")


def test_release_one_and_all(config: Config, store: Store) -> None:
    deliver(store, config, mail(1), mail(2), mail(3))
    for _ in range(3):
        lifecycle.take_next(store, "alice", ["Sales"])
    supervision = carol(config)
    held = supervision.in_hand("alice")
    assert len(held) == 3
    supervision.release(held[0].id)
    assert supervision.release_all("alice") == 2
    assert supervision.in_hand("alice") == []
    with pytest.raises(Refused):
        supervision.release(held[0].id)


def test_search_quotes_order_numbers_and_opens_conversations(config: Config, store: Store) -> None:
    deliver(store, config, mail(1, subject="Status of ORD-054321", body="Any news?"), mail(2))
    supervision = carol(config)
    hits = supervision.search("ORD-054321")
    assert [h.subject for h in hits] == ["Status of ORD-054321"]
    assert hits[0].conversation_id is not None
    assert len(supervision.conversation(hits[0].conversation_id)) == 1


def test_health_rows_include_outbox_and_lease(config: Config, store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO engine_health (name, state, detail, updated) VALUES "
            "('fetcher', 'ok', 'IDLE alive', ?)",
            (NOW.isoformat(),),
        )
    rows = {r.name: r for r in carol(config).health()}
    assert rows["fetcher"].detail == "IDLE alive"
    assert rows["outbox"].detail.startswith("0 waiting")
    assert rows["engine lease"].state == "warn"


def test_failed_sends_are_problems_to_retry_or_give_up(config: Config, store: Store) -> None:
    from engine import outbox
    from engine.mail.parse import parse_message

    deliver(store, config, mail(1))
    raw = (
        b"From: Sales <s@seclab.com>\r\nTo: c1@example.org\r\nSubject: Re: hi\r\n"
        b"Message-ID: <r1@seclab.com>\r\n\r\nHello\r\n"
    )
    assert parse_message(raw).message_id
    first = outbox.enqueue(
        store,
        raw,
        mail_from="s@seclab.com",
        recipients=["c1@example.org"],
        conversation_id=1,
        kind="reply",
        agent_id="alice",
    )
    second = outbox.enqueue(
        store,
        raw.replace(b"<r1@", b"<r2@"),
        mail_from="s@seclab.com",
        recipients=["c1@example.org"],
        conversation_id=1,
        kind="reply",
    )
    for _ in (first, second):
        item = outbox.claim(store)
        assert item is not None
        outbox.mark_failed(store, item, "550 mailbox unavailable", permanent=True)
    supervision = carol(config)
    assert supervision.dashboard().failed == 2
    sends = [p for p in supervision.problems() if p.is_send]
    assert [p.kind for p in sends] == ["send failed", "send failed"]
    assert sends[0].reason == "550 mailbox unavailable" and sends[0].subject == "Re: hi"
    assert supervision.retry(sends[0]) == "sent again now"
    supervision.discard(sends[1], "customer left the company")
    states = {row[0]: row[1] for row in store.query("SELECT id, state FROM outbox")}
    assert states == {first: "retry", second: "discarded"}
    assert supervision.problems() == [] or all(not p.is_send for p in supervision.problems())
    with pytest.raises(Refused, match="has not failed"):
        supervision.retry(sends[0])
