"""A customer's follow-up joins their conversation, with or without threading headers.

"Any news? Did you get my spec sheet?" sent as a new e-mail (no In-Reply-To, a
``Re:`` subject or the same one) belongs to the quote request it follows up
while that is open, or answered or closed within the configured window; a new
subject, another customer or another service group starts a new conversation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine import audit, lifecycle, queue
from engine.config import Config, load_config
from engine.config.model import ConversationsConfig
from engine.lifecycle import State
from engine.mail.subjects import bare_subject, same_thread_subject
from engine.store import Store, messages
from tests.agent_fixtures import deliver, mail, workspace

QUOTE = "Quote request"
ANNA = "anna@example.org"


def follow_up(number: int, subject: str = f"Re: {QUOTE}", **kwargs: str) -> bytes:
    kwargs.setdefault("sender", ANNA)
    body = "Any news? Did you get my spec sheet?\n"
    return mail(number, subject=subject, name="Anna Berg", body=body, **kwargs)


def quote_request(store: Store, config: Config) -> None:
    spec = ("spec.csv", b"part,qty\nA-1,40\n")
    deliver(store, config, mail(1, subject=QUOTE, sender=ANNA, attachment=spec))


def thread(store: Store, conversation: int) -> list[str]:
    return [row["subject"] for row in messages.of_conversation(store, conversation)]


def conversation_count(store: Store) -> int:
    return len(queue.list_items(store, states=[str(s) for s in State]))


def age(store: Store, conversation: int, days: int) -> None:
    """Make the conversation's last change ``days`` old."""
    stamp = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
    with store.transaction() as conn:
        conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (stamp, conversation))


def with_window(config: Config, days: int) -> Config:
    return config.model_copy(
        update={"conversations": ConversationsConfig(follow_up_window_days=days)}
    )


def test_a_follow_up_without_headers_joins_the_open_conversation(
    store: Store, config: Config
) -> None:
    quote_request(store, config)
    lifecycle.take(store, "alice", 1)
    # The sender's address in another case, the subject under two prefixes.
    deliver(
        store, config, follow_up(2, "AW: Re:  quote REQUEST", sender="Anna@Example.org"), start=1
    )
    assert conversation_count(store) == 1
    assert thread(store, 1) == [QUOTE, "AW: Re:  quote REQUEST"]
    # Still in alice's hand: she sees the new message.
    item = queue.get_item(store, 1)
    assert item is not None and (item.state, item.agent_id) == (State.IN_PROGRESS, "alice")
    received = [e for e in audit.trail(store, 1) if e.kind == "received"]
    assert received[-1].detail["joined_by"] == "subject"
    assert received[-1].detail["new_conversation"] is False


def test_the_same_subject_again_joins_too(store: Store, config: Config) -> None:
    quote_request(store, config)
    deliver(store, config, follow_up(2, QUOTE), start=1)
    assert conversation_count(store) == 1


def test_an_answered_conversation_is_reopened_within_the_window_only(
    store: Store, config: Config
) -> None:
    quote_request(store, config)
    lifecycle.take(store, "alice", 1)
    lifecycle.reply(store, "alice", 1, review=False)
    age(store, 1, 6)
    deliver(store, config, follow_up(2), start=1)
    item = queue.get_item(store, 1)
    assert item is not None and item.state == State.QUEUED
    assert thread(store, 1) == [QUOTE, f"Re: {QUOTE}"]

    lifecycle.take(store, "alice", 1)
    lifecycle.close(store, "alice", 1, "done")
    age(store, 1, 8)
    deliver(store, config, follow_up(3), start=2)
    assert conversation_count(store) == 2
    assert thread(store, 1) == [QUOTE, f"Re: {QUOTE}"]


def test_the_window_is_configurable(store: Store, config: Config) -> None:
    quote_request(store, config)
    lifecycle.take(store, "alice", 1)
    lifecycle.reply(store, "alice", 1, review=False)
    age(store, 1, 20)
    deliver(store, with_window(config, 30), follow_up(2), start=1)
    assert conversation_count(store) == 1

    lifecycle.take(store, "alice", 1)
    lifecycle.reply(store, "alice", 1, review=False)
    # 0 days: only open conversations are joined, even one answered a second ago.
    deliver(store, with_window(config, 0), follow_up(3), start=2)
    assert conversation_count(store) == 2


def test_a_new_subject_another_customer_or_group_starts_a_new_conversation(
    store: Store, config: Config
) -> None:
    quote_request(store, config)
    deliver(
        store,
        config,
        follow_up(2, "Delivery address change"),
        follow_up(3, sender="someone.else@example.org"),
        follow_up(4, to="Solidus.Support@seclab.com"),
        start=1,
    )
    assert conversation_count(store) == 4
    assert thread(store, 1) == [QUOTE]


def test_an_empty_subject_is_no_thread(store: Store, config: Config) -> None:
    deliver(store, config, mail(1, subject="", sender=ANNA))
    deliver(store, config, follow_up(2, ""), follow_up(3, "Re:"), start=1)
    assert conversation_count(store) == 3


def test_junk_and_unrouted_conversations_are_not_joined(store: Store, config: Config) -> None:
    quote_request(store, config)
    lifecycle.take(store, "alice", 1)
    lifecycle.junk(store, "alice", 1)
    deliver(
        store, config, mail(2, subject="Hi", sender=ANNA, to="nobody@elsewhere.example"), start=1
    )
    deliver(
        store,
        config,
        follow_up(3),
        follow_up(4, "Re: Hi", to="nobody@elsewhere.example"),
        start=2,
    )
    assert conversation_count(store) == 4


def test_headers_still_win_over_the_subject(store: Store, config: Config) -> None:
    """A reply naming the first message joins it even under a new subject."""
    quote_request(store, config)
    deliver(store, config, mail(2, subject=QUOTE, sender=ANNA), start=1)  # joins 1
    assert conversation_count(store) == 1
    raw = follow_up(3, "Something else entirely").replace(
        b"Message-ID: <m3@example.org>",
        b"Message-ID: <m3@example.org>\nIn-Reply-To: <m1@example.org>",
    )
    deliver(store, config, raw, start=2)
    assert conversation_count(store) == 1
    assert len(thread(store, 1)) == 3


def test_the_window_is_read_from_the_config_file(tmp_path: Path) -> None:
    config = workspace(tmp_path / "ws")
    assert config.conversations.follow_up_window_days == 7
    path = tmp_path / "ws" / "micc.toml"
    text = path.read_text()
    assert "\nfollow_up_window_days = 7\n" in text  # the skeleton documents it
    path.write_text(text.replace("\nfollow_up_window_days = 7\n", "\nfollow_up_window_days = 30\n"))
    assert load_config(str(path)).conversations.follow_up_window_days == 30


def test_subjects_compare_under_reply_prefixes() -> None:
    assert bare_subject("Re: AW:  SV[2]: Quote   request") == "Quote request"
    assert same_thread_subject("RE: quote request", "Quote Request")
    assert not same_thread_subject("Re:", "")
    assert not same_thread_subject("Quote request", "Quote request 2")
