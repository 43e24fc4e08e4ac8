"""Drafts kept while an agent writes (issue 15 item 8): the store, the guard, the lifecycle.

A real store file each time: the rows written are read back by a second
connection, as the next console on the same store would.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from engine import lifecycle, saved_drafts
from engine.bootstrap import open_store
from engine.config import Config
from engine.service import ContactCenter, open_contact_center
from engine.store import Store
from engine.store import drafts as rows
from engine.supervision import open_supervision
from tests.agent_fixtures import NOW, deliver, hold, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2, to="Solidus.Support@seclab.com"))
    store.close()
    return config


@pytest.fixture
def store(config: Config) -> Store:
    return Store(config.store.path)


def center(config: Config, agent: str = "alice") -> ContactCenter:
    return open_contact_center(config, agent, clock=lambda: NOW)


def row(
    slot: str, body: str, conversation: int | None = 1, agent: str = "alice"
) -> dict[str, object]:
    return {
        "agent_id": agent,
        "slot": slot,
        "conversation_id": conversation,
        "service_group": "Sales",
        "kind": "reply",
        "to_json": '["c1@example.org"]',
        "cc_json": "[]",
        "subject": "Re: Order question 1",
        "body": body,
        "attachments_json": "[]",
        "locale": "en-US",
        "cursor_row": 2,
        "cursor_column": 5,
        "saved_at": "2026-11-26T15:00:00+00:00",
    }


# -- the store module ---------------------------------------------------------------


def test_a_draft_is_saved_replaced_loaded_and_deleted(config: Config, store: Store) -> None:
    rows.put(store, row("conversation 1", "first words"))
    rows.put(store, row("conversation 1", "first words, and more"))
    rows.put(store, row("new Sales", "a new e-mail", conversation=None))
    rows.put(store, row("conversation 1", "bob's own", agent="bob"))
    with Store(config.store.path, migrate=False) as other:  # the next console
        found = rows.get(other, "alice", "conversation 1")
        assert found is not None and found["body"] == "first words, and more"
        assert (found["cursor_row"], found["cursor_column"]) == (2, 5)
        assert rows.conversations_of(other, "alice") == {1}
    assert store.query_one("SELECT count(*) FROM drafts")[0] == 3  # type: ignore[index]
    assert rows.delete(store, "alice", "conversation 1")
    assert not rows.delete(store, "alice", "conversation 1")
    assert rows.get(store, "alice", "conversation 1") is None
    assert rows.get(store, "bob", "conversation 1") is not None  # per agent
    assert rows.get(store, "alice", "new Sales") is not None
    assert rows.delete_of_conversation(store, "bob", 1) == 1


def test_a_row_missing_a_column_is_refused(store: Store) -> None:
    incomplete = row("conversation 1", "text")
    del incomplete["saved_at"]
    with pytest.raises(ValueError, match="saved_at"):
        rows.put(store, incomplete)


def test_the_store_with_drafts_stays_private(config: Config, store: Store) -> None:
    rows.put(store, row("conversation 1", "private words"))
    assert stat.S_IMODE(Path(config.store.path).stat().st_mode) == 0o600


# -- keeping a draft: only of one's own e-mail in progress ----------------------------


def test_a_draft_round_trips_through_the_facade(config: Config) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    fresh = alice.draft(taken.id, "reply")
    typed = fresh.edited(to=("c1@example.org", "x@example.org"), body="Dear you,\n\nSoon.\n")
    assert alice.keep_draft(typed, (2, 5))
    restored = center(config).restore_draft(alice.draft(taken.id, "reply"))
    assert restored is not None
    assert restored.draft.body == "Dear you,\n\nSoon.\n"
    assert restored.draft.to == ("c1@example.org", "x@example.org")
    assert restored.draft.in_reply_to == fresh.in_reply_to  # threading is the engine's
    assert restored.cursor == (2, 5) and restored.saved_at
    assert alice.drafted() == {taken.id}


def test_the_saved_kind_wins_when_another_is_opened(config: Config) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    alice.keep_draft(alice.draft(taken.id, "forward").edited(to=("expert@example.org",)))
    restored = alice.restore_draft(alice.draft(taken.id, "reply"))
    assert restored is not None
    assert restored.draft.kind == "forward" and restored.draft.subject.startswith("Fwd:")
    assert restored.draft.to == ("expert@example.org",)


def test_a_new_e_mail_is_kept_per_group(config: Config) -> None:
    alice = center(config)
    alice.keep_draft(alice.draft_new("Sales").edited(subject="Our spring offer"))
    restored = alice.restore_draft(alice.draft_new("Sales"))
    assert restored is not None and restored.draft.subject == "Our spring offer"
    assert alice.drafted() == frozenset()  # no conversation to mark on the desk


def test_no_draft_is_kept_of_an_e_mail_one_does_not_hold(config: Config) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    draft = alice.draft(taken.id, "reply")
    alice.put_back(taken.id)
    assert not alice.keep_draft(draft.edited(body="too late"))
    assert alice.restore_draft(draft) is None


def test_files_that_may_no_longer_be_attached_are_named_not_attached(
    config: Config, store: Store
) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    fresh = alice.draft(taken.id, "reply")
    alice.keep_draft(fresh.edited(attachments=(Path("/etc/passwd"),)))
    restored = alice.restore_draft(fresh)
    assert restored is not None
    assert restored.draft.attachments == ()
    assert restored.not_attached and restored.not_attached[0].startswith("passwd (")


# -- the draft goes when the e-mail is sent or leaves the agent ------------------------


def test_sending_removes_the_draft(config: Config) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    draft = alice.draft(taken.id, "reply").edited(body="Your order left today.")
    assert alice.keep_draft(draft)
    alice.send(draft)
    assert alice.restore_draft(draft) is None and alice.drafted() == frozenset()


def test_sending_a_new_e_mail_or_a_forward_removes_its_draft(config: Config) -> None:
    alice = center(config)
    new = alice.draft_new("Sales").edited(to=("x@example.org",), subject="Hello")
    alice.keep_draft(new)
    alice.send(new)
    assert alice.restore_draft(alice.draft_new("Sales")) is None
    taken = alice.take_next("Sales")
    assert taken is not None
    forward = alice.draft(taken.id, "forward").edited(to=("expert@example.org",))
    alice.keep_draft(forward)
    alice.send(forward)  # the conversation stays in progress with alice
    assert alice.restore_draft(forward) is None


@pytest.mark.parametrize("how", ["put back", "transfer", "close", "junk", "release"])
def test_the_draft_goes_when_the_e_mail_leaves_the_agent(config: Config, how: str) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    draft = alice.draft(taken.id, "reply").edited(body="Half a thought")
    assert alice.keep_draft(draft)
    if how == "put back":
        alice.put_back(taken.id)
    elif how == "transfer":
        alice.transfer(taken.id, "Support", "")
    elif how == "close":
        alice.close_item(taken.id, "Answered by phone")
    elif how == "junk":
        alice.junk(taken.id)
    else:
        open_supervision(config, "carol", clock=lambda: NOW).release(taken.id)
    assert alice.drafted() == frozenset()
    assert alice.restore_draft(draft) is None


def test_a_released_e_mail_does_not_bring_the_draft_to_the_next_agent(config: Config) -> None:
    alice, bob = center(config), center(config, "bob")
    taken = alice.take_next("Support")
    assert taken is not None
    assert alice.keep_draft(alice.draft(taken.id, "reply").edited(body="Alice's words"))
    open_supervision(config, "carol", clock=lambda: NOW).release(taken.id)
    hold(bob, taken.id)
    assert bob.restore_draft(bob.draft(taken.id, "reply")) is None
    assert bob.drafted() == frozenset()
    # ...and if it comes back to alice later, her old words are gone too.
    bob.put_back(taken.id)
    hold(alice, taken.id)
    assert alice.restore_draft(alice.draft(taken.id, "reply")) is None


def test_a_draft_stays_while_the_customer_writes_again(config: Config, store: Store) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    alice.keep_draft(alice.draft(taken.id, "reply").edited(body="Working on it"))
    again = mail(3, subject="Re: Order question 1", sender="c1@example.org")
    deliver(
        store, config, again.replace(b"\n\n", b"\nIn-Reply-To: <m1@example.org>\n\n", 1), start=10
    )
    item = alice.item(taken.id)
    assert item is not None and item.state == lifecycle.State.IN_PROGRESS
    assert len(alice.conversation(taken.id)) == 2  # the new message joined it
    assert alice.drafted() == {taken.id}


def test_forget_and_drafted(config: Config, store: Store) -> None:
    alice = center(config)
    taken = alice.take_next("Sales")
    assert taken is not None
    draft = alice.draft(taken.id, "reply")
    assert saved_drafts.keep(store, "alice", draft)
    assert saved_drafts.drafted(store, "alice") == {taken.id}
    assert saved_drafts.forget(store, "alice", draft)
    assert not saved_drafts.forget(store, "alice", draft)
    assert saved_drafts.find(store, "alice", draft) is None
