"""Addresses the composer completes To and Cc with: one service group's archive (issue 15, item 14).

Who wrote to the group's conversations and whom the group wrote to, matched by
the start of the address or of the display name in any case, typed text taken
literally, the most frequent first and then the most recent. An agent is only
offered addresses of a group they are in, and a transferred conversation
takes its addresses to its new group.
"""

from __future__ import annotations

import sqlite3
from email.message import EmailMessage

import pytest

from engine import archive
from engine.config import Config
from engine.service import ContactCenter, open_contact_center
from engine.store import Store
from tests.agent_fixtures import NOW, deliver, mail

MARKETING = "Solidus.Marketing@seclab.com"


def center(config: Config, agent: str = "alice") -> ContactCenter:
    # alice is in Sales and Support (micc_tui/skeleton/micc.toml), not Marketing.
    return open_contact_center(config, agent, clock=lambda: NOW)


def offered(store: Store, group: str, typed: str, limit: int = 6) -> list[tuple[str, str, int]]:
    return [
        (c.address, c.name, c.messages)
        for c in archive.correspondents(store, group, typed, limit=limit)
    ]


def conversation_of(store: Store, subject: str) -> int:
    row = store.query_one("SELECT id FROM conversations WHERE subject = ?", (subject,))
    assert row is not None, subject
    return int(row[0])


def send_out(store: Store, conversation: int, to: str, cc: str = "", number: int = 1) -> None:
    reply = EmailMessage()
    reply["From"] = "Solidus.SalesCall@seclab.com"
    reply["To"] = to
    if cc:
        reply["Cc"] = cc
    reply["Subject"] = "Re: question"
    reply["Message-ID"] = f"<out{number}@seclab.com>"
    reply.set_content("An answer.\n")
    archive.archive_outgoing(store, conversation, f"outbox:{number}", bytes(reply))


def test_the_start_of_the_address_or_of_the_name_in_any_case(store: Store, config: Config) -> None:
    deliver(
        store,
        config,
        mail(1, sender="maria.lopez@example.com", name="Maria Lopez"),
        mail(2, sender="olga@example.net", name="MARTIN Olga"),
        mail(3, sender="anna.maria@example.org", name="Anna"),
    )
    assert offered(store, "Sales", "MAR") == [
        ("olga@example.net", "MARTIN Olga", 1),
        ("maria.lopez@example.com", "Maria Lopez", 1),
    ]
    assert offered(store, "Sales", "maria.l") == [("maria.lopez@example.com", "Maria Lopez", 1)]
    assert offered(store, "Sales", "lopez") == []  # neither starts with it
    assert offered(store, "Sales", "  ") == []


def test_the_most_frequent_first_then_the_most_recent(store: Store, config: Config) -> None:
    deliver(
        store,
        config,
        mail(1, sender="mo@example.com", name="Mo"),
        mail(2, sender="mia@example.com", name="Mia"),
        mail(3, sender="max@example.com", name="Max"),
        mail(4, sender="mia@example.com", name="Mia"),
        mail(5, sender="mo@example.com", name="Mo"),
        mail(6, sender="mona@example.com", name="Mona"),
    )
    assert [a for a, _, _ in offered(store, "Sales", "m")] == [
        "mo@example.com",  # twice, the newest of the two
        "mia@example.com",  # twice
        "mona@example.com",  # once, the newest
        "max@example.com",
    ]
    assert [a for a, _, _ in offered(store, "Sales", "m", limit=2)] == [
        "mo@example.com",
        "mia@example.com",
    ]


def test_whom_the_group_wrote_to_counts_and_the_groups_own_addresses_do_not(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1, sender="pat@example.com", name="Pat Customer"))
    first = conversation_of(store, "Order question 1")
    send_out(store, first, "Pat@Example.com", cc="Paula Partner <paula@partner.example>")
    found = offered(store, "Sales", "pa")
    # Pat: one message in, one out; the name is the one Pat wrote with.
    assert ("pat@example.com", "Pat Customer", 2) in found
    assert ("paula@partner.example", "", 1) in found
    # The group's address (the To of what it receives, the From of what it sends) is not a
    # correspondent.
    assert offered(store, "Sales", "solidus") == []


def test_wildcards_in_the_typed_text_are_taken_literally(store: Store, config: Config) -> None:
    deliver(
        store,
        config,
        mail(1, sender="max@example.com", name="Max"),
        mail(2, sender="m_x@example.com", name="100% Sure"),
    )
    assert offered(store, "Sales", "%") == []
    assert offered(store, "Sales", "m%") == []
    assert offered(store, "Sales", "m_") == [("m_x@example.com", "100% Sure", 1)]
    assert offered(store, "Sales", "100%") == [("m_x@example.com", "100% Sure", 1)]


def test_only_the_groups_archive(store: Store, config: Config) -> None:
    deliver(
        store,
        config,
        mail(1, sender="sam.sales@example.com", name="Sam"),
        mail(2, sender="sue.marketing@example.com", name="Sue", to=MARKETING),
    )
    assert [a for a, _, _ in offered(store, "Sales", "s")] == ["sam.sales@example.com"]
    assert [a for a, _, _ in offered(store, "Marketing", "s")] == ["sue.marketing@example.com"]


def test_an_agent_is_offered_nothing_of_a_group_they_are_not_in(
    store: Store, config: Config
) -> None:
    deliver(store, config, mail(1, sender="sue@example.com", name="Sue", to=MARKETING))
    assert center(config).correspondents("Marketing", "su") == []
    assert center(config).correspondents("Sales", "su") == []
    bob = center(config, "bob")  # in Marketing
    assert [c.address for c in bob.correspondents("Marketing", "su")] == ["sue@example.com"]


def test_a_transferred_conversation_takes_its_addresses_along(store: Store, config: Config) -> None:
    deliver(store, config, mail(1, sender="tom@example.com", name="Tom"))
    alice = center(config)
    assert [c.address for c in alice.correspondents("Sales", "tom")] == ["tom@example.com"]
    conversation = conversation_of(store, "Order question 1")
    alice.take(conversation)
    alice.transfer(conversation, "Marketing", "pricing")
    assert alice.correspondents("Sales", "tom") == []
    assert offered(store, "Marketing", "tom") == [("tom@example.com", "Tom", 1)]


def test_the_migration_fills_in_the_archive_as_it_was(store: Store, config: Config) -> None:
    deliver(
        store,
        config,
        mail(1, sender="vera@example.com", name="Vera"),
        mail(2, sender="vic@example.com", name="Vic", to=MARKETING),
    )
    send_out(store, conversation_of(store, "Order question 1"), "val@example.com")
    before = offered(store, "Sales", "v")
    # The archive as it was before migration 0009_correspondents.
    with store.transaction() as conn:
        conn.execute("DROP TRIGGER conversations_group_correspondents")
        conn.execute("DROP TABLE correspondents")
        conn.execute("DELETE FROM _migrations WHERE name = '0009_correspondents'")
    with pytest.raises(sqlite3.OperationalError):
        offered(store, "Sales", "v")
    assert "0009_correspondents" in store.migrate()
    assert offered(store, "Sales", "v") == before
    assert sorted(a for a, _, _ in before) == ["val@example.com", "vera@example.com"]
    assert offered(store, "Marketing", "v") == [("vic@example.com", "Vic", 1)]


def test_the_lookup_is_an_index_range(
    store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hundreds of thousands of archived messages: typing must never scan them all,
    # nor visit the messages or the conversations.
    deliver(store, config, mail(1, sender="mia@example.com", name="Mia"))
    asked: list[tuple[str, tuple[object, ...]]] = []
    real_query, real_one = store.query, store.query_one

    def query(sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        asked.append((sql, params))
        return real_query(sql, params)

    def query_one(sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        asked.append((sql, params))
        return real_one(sql, params)

    monkeypatch.setattr(store, "query", query)
    monkeypatch.setattr(store, "query_one", query_one)
    assert offered(store, "Sales", "m") == [("mia@example.com", "Mia", 1)]
    monkeypatch.undo()
    assert len(asked) == 2  # the ranking, then the address and name of each found
    used: set[str] = set()
    for sql, params in asked:
        steps = [str(row[3]) for row in store.query("EXPLAIN QUERY PLAN " + sql, params)]
        # (scanning the matches found, "SCAN (subquery-2)", is what it is for)
        assert not [s for s in steps if s.startswith("SCAN") and "subquery" not in s], steps
        assert not [s for s in steps if " messages" in s or " conversations" in s], steps
        used.update(s for s in steps if "INDEX" in s)
    assert any("correspondents_group_address" in s for s in used)
    assert any("correspondents_group_name" in s for s in used)
