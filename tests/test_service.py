"""The agent facade: queues, taking, work actions, drafts, presence, attachments."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Config
from engine.errors import Refused
from engine.service import ContactCenter, open_contact_center, safe_filename
from engine.store import Store
from tests.agent_fixtures import NOW, deliver, mail


def center(config: Config, agent: str = "alice") -> ContactCenter:
    return open_contact_center(config, agent, clock=lambda: NOW)


def test_unknown_agent_is_refused_with_the_known_ones(config: Config) -> None:
    with pytest.raises(Refused, match=r"unknown agent 'mallory'.*alice"):
        center(config, "mallory")


def test_counts_and_queue_cover_only_the_agents_groups(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1),
        mail(2, to="Solidus.Support@seclab.com"),
        mail(3, to="Solidus.Marketing@seclab.com"),
        mail(4),
    )
    alice = center(config)
    counts = {g.name: (g.queued, g.can_originate) for g in alice.group_counts()}
    assert counts == {"Sales": (2, True), "Support": (1, False)}
    assert [i.subject for i in alice.queue()] == [
        "Order question 1",
        "Order question 2",
        "Order question 4",
    ]
    assert [i.subject for i in alice.queue("Support")] == ["Order question 2"]
    with pytest.raises(Refused):
        alice.queue("Marketing")


def test_take_next_then_work_actions(config: Config, store: Store) -> None:
    deliver(store, config, mail(1), mail(2), mail(3), mail(4))
    alice = center(config)
    first = alice.take_next()
    assert first is not None and first.subject == "Order question 1"
    assert [i.id for i in alice.in_hand()] == [first.id]
    alice.put_back(first.id)
    assert alice.in_hand() == []
    taken = alice.take(first.id)
    alice.transfer(taken.id, "Marketing", "pricing question")
    moved = alice.item(taken.id)
    assert moved is not None and moved.service_group == "Marketing"
    assert moved.state == "queued" and moved.reason == "pricing question"
    second = alice.take_next("Sales")
    assert second is not None
    with pytest.raises(Refused, match="why"):
        alice.close_item(second.id, "  ")
    alice.close_item(second.id, "answered by phone")
    third = alice.take_next()
    assert third is not None
    alice.junk(third.id)
    states = {row[0]: row[1] for row in store.query("SELECT id, state FROM conversations")}
    assert states[second.id] == "closed" and states[third.id] == "junk"


def test_a_taken_email_cannot_be_taken_again(config: Config, store: Store) -> None:
    deliver(store, config, mail(1))
    alice, carol = center(config), center(config, "carol")
    item = alice.take_next()
    assert item is not None
    with pytest.raises(Refused, match="in progress by alice"):
        carol.take(item.id)
    with pytest.raises(Refused):
        carol.put_back(item.id)


def test_taking_outside_ones_groups_is_refused(config: Config, store: Store) -> None:
    deliver(store, config, mail(1, to="Solidus.Marketing@seclab.com"))
    with pytest.raises(Refused, match="not in your service groups"):
        center(config).take(1)


def test_reply_comes_from_the_incoming_address_with_threading(config: Config, store: Store) -> None:
    deliver(store, config, mail(1, cc="friend@example.org, Solidus.Sales.Retail@seclab.com"))
    alice = center(config)
    item = alice.take_next()
    assert item is not None
    draft = alice.draft(item.id, "reply")
    assert draft.from_address == "Solidus.Sales.Retail@seclab.com"
    assert draft.to == ("c1@example.org",) and draft.cc == ()
    assert draft.subject == "Re: Order question 1"
    assert draft.in_reply_to == "<m1@example.org>"
    assert draft.references == ("<m1@example.org>",)
    assert draft.body.startswith("Dear Customer 1,")
    assert "Alice Smith" in draft.body and "> where is order 1?" in draft.body
    everyone = alice.draft(item.id, "reply_all")
    assert everyone.cc == ("friend@example.org",)
    forward = alice.draft(item.id, "forward")
    assert forward.to == () and forward.subject == "Fwd: Order question 1"
    assert forward.in_reply_to == "" and forward.forward_message == item.message
    assert "where is order 1?" in forward.body


def test_reply_from_the_group_address_when_the_group_says_so(config: Config, store: Store) -> None:
    deliver(store, config, mail(1, to="Solidus.Marketing@seclab.com"))
    bob = center(config, "bob")
    item = bob.take_next()
    assert item is not None
    assert bob.draft(item.id, "reply").from_address == "Solidus.Marketing@seclab.com"


def test_new_emails_only_from_groups_with_an_address(config: Config) -> None:
    alice = center(config)
    assert alice.originating_groups() == ["Sales"]
    draft = alice.draft_new("Sales")
    assert draft.from_address == "Solidus.SalesCall@seclab.com" and draft.conversation_id is None
    with pytest.raises(Refused, match="no e-mail address"):
        alice.draft_new("Support")
    with pytest.raises(Refused, match="not in service group"):
        alice.draft_new("Marketing")


def test_agent_state_and_health(config: Config, store: Store) -> None:
    alice = center(config)
    assert alice.state() == "away"
    alice.set_state("available")
    assert alice.state() == "available"
    alice.heartbeat()
    row = store.query_one("SELECT state, pid FROM agent_status WHERE agent_id = 'alice'")
    assert row is not None and row[0] == "available" and row[1] > 0
    with store.transaction() as conn:
        conn.execute("INSERT INTO engine_health VALUES ('fetcher', 'ok', 'idle', '2026')")
    assert [(h.name, h.state) for h in alice.health()] == [("fetcher", "ok")]


def test_change_mark_moves_when_mail_arrives(config: Config, store: Store) -> None:
    alice = center(config)
    before = alice.change_mark()
    deliver(store, config, mail(1))
    assert alice.change_mark() != before


def test_history_lists_the_customers_other_conversations(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1, sender="same@example.org", subject="First"),
        mail(2, sender="same@example.org", subject="Second"),
        mail(3),
    )
    alice = center(config)
    history = alice.history(2)
    assert [m.subject for m in history] == ["First"]


def test_attachment_saved_with_a_harmless_name_never_overwriting(
    config: Config, store: Store, tmp_path: Path
) -> None:
    deliver(store, config, mail(1, attachment=("../../etc/pass\x1bwd", b"secret")))
    alice = center(config)
    message = alice.message(1)
    assert message is not None and len(message.attachments) == 1
    first = alice.save_attachment(message.id, 1, tmp_path / "out")
    second = alice.save_attachment(message.id, 1, tmp_path / "out")
    assert first.parent == tmp_path / "out" and first.read_bytes() == b"secret"
    assert second != first and second.read_bytes() == b"secret"
    assert "\x1b" not in first.name and ".." not in first.name
    with pytest.raises(Refused):
        alice.save_attachment(message.id, 5, tmp_path / "out")


def test_attachments_of_other_groups_are_never_saved(
    config: Config, store: Store, tmp_path: Path
) -> None:
    """alice (Sales, Support) cannot save a Marketing e-mail's file by its archive id."""
    marketing = mail(1, to="Solidus.Marketing@seclab.com", attachment=("plan.pdf", b"%PDF"))
    deliver(store, config, marketing)
    alice = center(config)
    with pytest.raises(Refused, match="not in your service groups"):
        alice.save_attachment(1, 1, tmp_path / "out")
    with pytest.raises(Refused, match="not in your service groups"):
        alice.save_attachments(1, tmp_path / "out")
    with pytest.raises(Refused, match="not part of any"):
        alice.save_attachment(99, 1, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_safe_filename() -> None:
    assert safe_filename("..\\..\\x.exe") == "x.exe"
    assert safe_filename("a\x00b/c:d") == "c_d"
    assert safe_filename("...") == ""


def test_each_thread_gets_its_own_store(config: Config) -> None:
    import threading

    alice = center(config)
    seen: list[Store] = [alice.store]
    thread = threading.Thread(target=lambda: seen.append(alice.store))
    thread.start()
    thread.join()
    assert seen[0] is not seen[1]
    alice.close()


def test_send_queues_the_reply_and_review_outcomes_reach_the_agent(
    config: Config, store: Store
) -> None:
    from engine.supervision import review

    deliver(store, config, mail(1), mail(2, to="Solidus.Marketing@seclab.com"))
    alice, bob = center(config), center(config, "bob")
    item = alice.take_next()
    assert item is not None
    result = alice.send(alice.draft(item.id, "reply").edited(body="Thanks!"))
    assert not result.pending_review
    row = store.query_one("SELECT mail_from, state FROM outbox WHERE id = ?", (result.outbox_id,))
    assert row is not None and row[0] == "Solidus.Sales.Retail@seclab.com"
    assert alice.item(item.id).state == "answered"  # type: ignore[union-attr]
    taken = bob.take_next()
    assert taken is not None
    reviewed = bob.send(bob.draft(taken.id, "reply"))
    assert reviewed.pending_review
    assert bob.item(taken.id).state == "pending_review"  # type: ignore[union-attr]
    assert bob.review_outcomes() == []
    review.reject(store, "carol", reviewed.outbox_id, "too short")
    [outcome] = bob.review_outcomes()
    assert (outcome.state, outcome.comment, outcome.subject) == (
        "rejected",
        "too short",
        "Order question 2",
    )


def test_a_draft_without_recipients_is_refused(config: Config, store: Store) -> None:
    alice = center(config)
    with pytest.raises(Refused, match="no recipient"):
        alice.send(alice.draft_new("Sales"))


def test_writing_aids_from_worker_threads(config: Config) -> None:
    import threading

    alice = center(config)
    found: list[object] = []

    def work() -> None:
        tree = alice.responses("Sales")
        found.append(tree is not None and tree.shortcut("quote") is not None)
        found.append([m.word for m in alice.check_spelling("Thank you for waitting.", "en-US")])

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert found.count(True) == 2
    assert found.count(["waitting"]) == 2
    alice.close()
