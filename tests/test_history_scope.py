"""An agent's customer history and search stay inside the agent's groups, by exact address.

Issue 14, item 4: ``h`` showed a Sales and Support agent a Marketing-only
e-mail, and the history of ``bob@example.com`` listed ``alice.bob@example.com``
(a full-text phrase match). History now matches the stored from, to and cc
addresses exactly (any case), and only conversations of the agent's groups.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from engine import archive
from engine.config import Config
from engine.errors import Refused
from engine.service import ContactCenter, open_contact_center
from engine.store import Store
from tests.agent_fixtures import NOW, deliver, mail

SALES = "Solidus.Sales.Retail@seclab.com"
SUPPORT = "Solidus.Support@seclab.com"
MARKETING = "Solidus.Marketing@seclab.com"


def center(config: Config, agent: str = "alice") -> ContactCenter:
    # alice is in Sales and Support (micc_tui/skeleton/micc.toml), not Marketing.
    return open_contact_center(config, agent, clock=lambda: NOW)


def conversation_of(store: Store, subject: str) -> int:
    row = store.query_one("SELECT id FROM conversations WHERE subject = ?", (subject,))
    assert row is not None, subject
    return int(row[0])


def test_history_leaves_out_conversations_of_other_groups(config: Config, store: Store) -> None:
    bob = "bob@example.com"
    deliver(
        store,
        config,
        mail(1, sender=bob, subject="Sales one"),
        mail(2, sender=bob, subject="Marketing only", to=MARKETING),
        mail(3, sender=bob, subject="Support one", to=SUPPORT),
        mail(4, sender=bob, subject="Sales now"),
    )
    history = center(config).history(conversation_of(store, "Sales now"))
    assert [m.subject for m in history] == ["Support one", "Sales one"]


def test_history_matches_the_exact_address_in_any_case(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1, sender="alice.bob@example.com", subject="Not bob"),
        mail(2, sender="bob@example.com.evil", subject="Not bob either"),
        mail(3, sender="BOB@Example.COM", subject="Bob shouting"),
        mail(4, sender="someone@example.org", subject="Bob in cc", cc="Bob@example.com"),
        mail(5, sender="bob@example.com", subject="Bob now"),
    )
    history = center(config).history(conversation_of(store, "Bob now"))
    assert [m.subject for m in history] == ["Bob in cc", "Bob shouting"]


def test_history_shows_what_was_sent_to_the_customer(config: Config, store: Store) -> None:
    deliver(store, config, mail(1, sender="bob@example.com", subject="Question"))
    first = conversation_of(store, "Question")
    reply = EmailMessage()
    reply["From"] = SALES
    reply["To"] = "Bob@Example.com"
    reply["Subject"] = "Re: Question"
    reply["Message-ID"] = "<reply1@seclab.com>"
    reply.set_content("Here is the answer.\n")
    archive.archive_outgoing(store, first, "outbox:1", bytes(reply))
    deliver(store, config, mail(2, sender="bob@example.com", subject="Follow-up"), start=10)
    second = conversation_of(store, "Follow-up")
    assert second != first
    history = center(config).history(second)
    assert [(m.direction, m.subject) for m in history] == [
        ("out", "Re: Question"),
        ("in", "Question"),
    ]


def test_a_transferred_conversation_leaves_the_history(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1, sender="bob@example.com", subject="Moves to Marketing"),
        mail(2, sender="bob@example.com", subject="Stays"),
    )
    alice = center(config)
    moving = conversation_of(store, "Moves to Marketing")
    stays = conversation_of(store, "Stays")
    assert [m.subject for m in alice.history(stays)] == ["Moves to Marketing"]
    alice.take(moving)
    alice.transfer(moving, "Marketing", "pricing")
    assert alice.history(stays) == []


def test_history_of_a_conversation_outside_the_agents_groups_is_refused(
    config: Config, store: Store
) -> None:
    deliver(store, config, mail(1, sender="bob@example.com", to=MARKETING, subject="Elsewhere"))
    with pytest.raises(Refused, match="not in your service groups"):
        center(config).history(conversation_of(store, "Elsewhere"))


def test_agent_search_covers_only_the_agents_groups(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1, subject="Invoice ORD-1 sales"),
        mail(2, subject="Invoice ORD-1 marketing", to=MARKETING),
        mail(3, subject="Invoice ORD-1 support", to=SUPPORT),
    )
    alice = center(config)
    assert [m.subject for m in alice.search("invoice")] == [
        "Invoice ORD-1 support",
        "Invoice ORD-1 sales",
    ]
    # Supervisors and the CLI search everything.
    assert len(archive.search(store, "invoice")) == 3


def test_an_existing_archive_gets_its_addresses_indexed(config: Config, store: Store) -> None:
    deliver(
        store,
        config,
        mail(1, sender="Carol@Example.com", subject="Old one"),
        mail(2, sender="carol@example.com", subject="Old two"),
    )
    # The archive as it was before migration 0006_message_addresses.
    with store.transaction() as conn:
        conn.execute("DROP TABLE message_addresses")
        conn.execute("DELETE FROM _migrations WHERE name = '0006_message_addresses'")
    assert "0006_message_addresses" in store.migrate()
    history = center(config).history(conversation_of(store, "Old two"))
    assert [m.subject for m in history] == ["Old one"]


def test_odd_addresses_never_raise(store: Store) -> None:
    for address in ("", "a\x00b@example.com", '"bob"@example.com', "bob@example.com\ud800"):
        assert archive.customer_history(store, address, ("Sales",)) == []
    assert archive.customer_history(store, "bob@example.com", ()) == []
