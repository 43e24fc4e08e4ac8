"""The conversation as the reading pane shows it (engine.thread, ContactCenter.thread).

The quote request with its spec sheet and the follow-up "Any news?" are one
thread: every message, note and event in order; a reply can answer (and quote)
an earlier message of it.
"""

from __future__ import annotations

import pytest

from engine import lifecycle, notes
from engine.archive import ArchivedMessage
from engine.config import Config
from engine.errors import Refused
from engine.service import open_contact_center
from engine.store import Store
from engine.thread import entries, first_words
from tests.agent_fixtures import deliver, mail

ANNA = "anna@example.org"
SPEC = ("spec.csv", b"part,qty\nA-1,40\n")


def quote_and_follow_up(store: Store, config: Config) -> None:
    deliver(
        store,
        config,
        mail(
            1,
            subject="Quote request",
            sender=ANNA,
            body="Please quote 40.\n",
            attachment=SPEC,
        ),
    )
    lifecycle.take(store, "alice", 1)
    notes.add(store, 1, "alice", "Asked the warehouse about stock")
    lifecycle.release(store, "carol", 1)
    follow = mail(
        2,
        subject="Re: Quote request",
        sender=ANNA,
        body="> Please quote 40.\n\nAny news?\nDid you get my spec sheet?\n",
    )
    deliver(store, config, follow, start=1)


def test_messages_notes_and_events_come_in_order(store: Store, config: Config) -> None:
    quote_and_follow_up(store, config)
    thread = entries(store, 1)
    shown = [(e.kind, e.event.kind if e.event else None) for e in thread]
    assert shown == [
        ("message", None),
        ("event", "taken"),
        ("note", None),
        ("event", "released"),
        ("message", None),
    ]
    first, last = thread[0].message, thread[-1].message
    assert first is not None and last is not None
    assert [a["filename"] for a in first.attachments] == ["spec.csv"]
    # First words: the customer's own, not the quote.
    assert thread[-1].snippet == "Any news? Did you get my spec sheet?"
    assert thread[2].snippet == "Asked the warehouse about stock"
    assert len({e.key for e in thread}) == len(thread)
    # Heads: a line needs the first words only.
    assert not first.whole


def test_first_words_of_an_html_only_message() -> None:

    html = "<html><body><p>Buenos días:</p><p>Somos una cadena</p></body></html>"
    message = ArchivedMessage(
        1, "in", 1, "", "s", "", "", [], [], None, "", "", html, [], [], "", 0
    )
    assert first_words(message) == "Buenos días: Somos una cadena"
    long = ArchivedMessage(
        1, "in", 1, "", "s", "", "", [], [], None, "", "word " * 100, "", [], [], "", 0
    )
    cut = first_words(long, 20)
    assert len(cut) == 20 and cut.endswith("…")


def test_the_agent_sees_the_thread_of_their_groups_only(store: Store, config: Config) -> None:
    quote_and_follow_up(store, config)
    deliver(store, config, mail(3, to="Solidus.Marketing@seclab.com"), start=2)
    alice = open_contact_center(config, "alice")
    try:
        assert alice.thread(1)[0].kind == "message"
        with pytest.raises(Refused):
            alice.thread(2)
        first = alice.thread_message(1, 1, 100_000)
        assert first.body_text.startswith("Please quote 40.")
        with pytest.raises(Refused):
            alice.thread_message(1, 3, 100)  # another conversation's message
    finally:
        alice.close()


def test_a_reply_can_answer_an_earlier_message(store: Store, config: Config) -> None:
    quote_and_follow_up(store, config)
    alice = open_contact_center(config, "alice")
    try:
        alice.take(1)
        latest = alice.draft(1, "reply")
        assert "> Any news?" in latest.body
        earlier = alice.draft(1, "reply", message_id=1)
        assert "> Please quote 40." in earlier.body and "Any news?" not in earlier.body
        assert earlier.in_reply_to == "<m1@example.org>"
        deliver(store, config, mail(9, to="Solidus.Marketing@seclab.com"), start=5)
        with pytest.raises(Refused):
            alice.draft(1, "reply", message_id=3)
    finally:
        alice.close()
