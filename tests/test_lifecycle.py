"""The lifecycle module: each transition applies only to the state and holder it expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import audit, lifecycle, outbox, queue
from engine.audit import EventKind
from engine.config import Config
from engine.errors import Refused
from engine.lifecycle import ConversationMoved, State
from engine.outbox import OutboxMoved, OutboxState
from engine.service import ContactCenter, open_contact_center
from engine.store import Store
from engine.supervision import review
from tests.agent_fixtures import deliver, mail


def state(store: Store, conversation: int) -> tuple[str, str | None]:
    item = queue.get_item(store, conversation)
    assert item is not None
    return item.state, item.agent_id


def test_each_transition_moves_state_and_holder_and_writes_its_event(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1), mail(2), mail(3, to="nobody@elsewhere.example"))
    assert lifecycle.take_next(store, "alice", ["Sales"]) == 1
    assert state(store, 1) == (State.IN_PROGRESS, "alice")
    lifecycle.put_back(store, "alice", 1)
    assert state(store, 1) == (State.QUEUED, None)
    lifecycle.take(store, "alice", 1)
    lifecycle.transfer(store, "alice", 1, "Support", "a support matter")
    assert state(store, 1) == (State.QUEUED, None)
    assert queue.get_item(store, 1).service_group == "Support"  # type: ignore[union-attr]
    lifecycle.take(store, "bob", 1)
    lifecycle.close(store, "bob", 1, "answered by phone")
    assert state(store, 1) == (State.CLOSED, "bob")
    lifecycle.take(store, "alice", 2)
    lifecycle.junk(store, "alice", 2)
    assert state(store, 2) == (State.JUNK, "alice")
    lifecycle.assign(store, "carol", 3, "Marketing")
    assert state(store, 3) == (State.QUEUED, None)

    kinds = [e.kind for e in audit.trail(store, 1)]
    assert kinds == ["received", "taken", "put_back", "taken", "transferred", "taken", "closed"]
    transferred = audit.trail(store, 1)[4]
    assert transferred.detail == {
        "from_state": "in_progress",
        "to_state": "queued",
        "service_group": "Support",
        "reason": "a support matter",
    }
    assert audit.describe(transferred, {"alice": "Alice Smith"}.get).startswith(
        "transferred to Support by Alice Smith at "
    )


def test_a_transition_on_a_moved_conversation_changes_nothing_and_says_why(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1))
    lifecycle.take(store, "alice", 1)
    with pytest.raises(ConversationMoved) as refused:
        lifecycle.take(store, "bob", 1)
    assert refused.value.state == State.IN_PROGRESS and refused.value.holder == "alice"
    assert "cannot be taken now: it is in progress by alice" in str(refused.value)
    for wrong in (
        lambda: lifecycle.put_back(store, "bob", 1),
        lambda: lifecycle.close(store, "bob", 1, "why"),
        lambda: lifecycle.reply(store, "bob", 1, review=False),
        lambda: lifecycle.assign(store, "carol", 1, "Sales"),
        lambda: lifecycle.release(store, "carol", 1, holder="bob"),
    ):
        with pytest.raises(ConversationMoved):
            wrong()
    assert state(store, 1) == (State.IN_PROGRESS, "alice")
    assert [e.kind for e in audit.trail(store, 1)] == ["received", "taken"]
    with pytest.raises(ConversationMoved, match="e-mail 99 does not exist"):
        lifecycle.take(store, "alice", 99)


def test_the_refusal_tells_what_happened_since_the_draft_was_opened(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1))
    lifecycle.take(store, "alice", 1)
    seen = lifecycle.seen(store, 1)
    lifecycle.release(store, "carol", 1)
    lifecycle.take(store, "bob", 1)
    lifecycle.reply(store, "bob", 1, review=False)
    with pytest.raises(ConversationMoved) as refused:
        lifecycle.reply(store, "alice", 1, review=False, since=seen)
    names = {"bob": "Bob", "carol": "Carol"}.get
    story = refused.value.story(lambda agent: names(agent) or agent)
    assert story.startswith("released by Carol at ")
    assert ", taken by Bob at " in story and ", answered by Bob at " in story
    assert [e.kind for e in refused.value.events] == ["released", "taken", "replied"]


def test_a_customer_writing_again_reopens_answered_and_closed_ones(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1))
    lifecycle.take(store, "alice", 1)
    lifecycle.reply(store, "alice", 1, review=False)
    reply = b"In-Reply-To: <m1@example.org>\r\n" + mail(5)
    deliver(store, config, reply, start=10)
    assert state(store, 1) == (State.QUEUED, None)
    events = audit.trail(store, 1)
    assert [e.kind for e in events][-2:] == ["received", "reopened"]
    assert events[-1].detail["from_state"] == "answered"
    # While an agent holds it, a new message stays with them.
    lifecycle.take(store, "bob", 1)
    deliver(store, config, b"In-Reply-To: <m5@example.org>\r\n" + mail(6), start=20)
    assert state(store, 1) == (State.IN_PROGRESS, "bob")


def center(config: Config, agent: str) -> ContactCenter:
    return open_contact_center(config, agent)


def test_approving_a_reply_after_the_customer_wrote_again_is_refused(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1, to="Solidus.Marketing@seclab.com"))
    bob = center(config, "bob")
    taken = bob.take_next("Marketing")
    assert taken is not None
    sent = bob.send(bob.draft(taken.id, "reply").edited(body="Answer\n"))
    assert sent.pending_review
    deliver(store, config, b"In-Reply-To: <m1@example.org>\r\n" + mail(2), start=5)
    with pytest.raises(ConversationMoved, match="the customer wrote again at "):
        review.approve(store, "carol", sent.outbox_id)
    assert outbox.get(store, sent.outbox_id).state == OutboxState.REVIEW  # type: ignore[union-attr]
    assert state(store, taken.id) == (State.PENDING_REVIEW, "bob")
    # Sending it back works: bob answers both messages.
    review.reject(store, "carol", sent.outbox_id, "the customer wrote again")
    assert state(store, taken.id) == (State.IN_PROGRESS, "bob")
    with pytest.raises(OutboxMoved, match="is not waiting for review"):
        review.approve(store, "carol", sent.outbox_id)


def test_outbox_transitions_are_guarded_too(store: Store, config: Config) -> None:
    deliver(store, config, mail(1))
    alice = center(config, "alice")
    taken = alice.take_next()
    assert taken is not None
    sent = alice.send(alice.draft(taken.id, "reply").edited(body="Hi\n"))
    item = outbox.claim(store)
    assert item is not None and item.id == sent.outbox_id and item.attempts == 1
    assert outbox.claim(store) is None  # nothing else is due; the claimed one is sending
    outbox.mark_sent(store, item)
    with pytest.raises(OutboxMoved, match="is not being sent"):
        outbox.mark_sent(store, item)
    with pytest.raises(OutboxMoved, match="has not failed"):
        outbox.retry_failed(store, item.id, "carol")
    kinds = [e.kind for e in audit.trail(store, taken.id)]
    assert kinds[-1] == EventKind.SENT and kinds.count(EventKind.SENT) == 1


def test_an_attachment_gone_before_sending_is_refused_and_nothing_is_queued(
    store: Store, config: Config, tmp_path: Path
) -> None:
    deliver(store, config, mail(1))
    # Files may be attached from tmp_path ([attachments] folders).
    allowed = config.attachments.model_copy(update={"folders": (tmp_path,)})
    alice = center(config.model_copy(update={"attachments": allowed}), "alice")
    taken = alice.take_next()
    assert taken is not None
    spec = tmp_path / "spec.csv"
    spec.write_text("a,b\n")
    draft = alice.attach(alice.draft(taken.id, "reply"), spec)
    spec.unlink()
    with pytest.raises(Refused, match=r"cannot attach .*spec\.csv"):
        alice.send(draft)
    assert outbox.listing(store) == []
    assert state(store, taken.id) == (State.IN_PROGRESS, "alice")


def test_refusal_words_write_times_in_the_locales_format() -> None:
    """'released by Carol at 2:02 PM' in en-US, '14:02' in de-DE, the date when not today."""
    from datetime import UTC, datetime, timedelta

    from engine import dates

    today = datetime.now().astimezone().replace(hour=14, minute=2, second=0, microsecond=0)
    earlier = today - timedelta(days=3)

    def released(moment: datetime) -> audit.Event:
        stamp = moment.astimezone(UTC).isoformat()
        return audit.Event(1, stamp, EventKind.RELEASED, 1, None, "carol", {})

    try:
        dates.use_locale("en-US")
        assert audit.describe(released(today), lambda _: "Carol") == "released by Carol at 2:02 PM"
        shown = audit.describe(released(earlier), lambda _: "Carol")
        assert shown == f"released by Carol at {dates.date_time(earlier)}"
        assert earlier.strftime("%-m/%-d/%y") in shown
        dates.use_locale("de-DE")
        assert audit.describe(released(today), lambda _: "Carol") == "released by Carol at 14:02"
    finally:
        dates.use_locale("en-US")
