"""Random interleavings of everything people do to conversations, against a real store.

Three agents (alice, bob, dave) and a supervisor (carol) take, put back,
transfer, close, wait for the customer (with or without a reminder), go
Available or Away, open composers and send from them (perhaps long after the
conversation moved on), release, approve and reject reviewed replies, while
customers write new e-mails and answer old ones and the clock brings
reminders due. After every step:

- at most one reply per customer message (a reply answers the customer's
  messages before it; a rejected one does not count), and every reply was
  sent by the agent holding the conversation;
- an in-progress conversation always has a holder, and so has one waiting
  for the customer; only those waiting for the customer have a reminder;
  a conversation pending review has exactly one reply waiting for review, and a reply waiting for
  review belongs to a conversation pending review;
- every state change has its event: each conversation's events chain from
  state to state and end in the state it is in;
- a refused request changed nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine import archive, audit, lifecycle
from engine.audit import EventKind
from engine.bootstrap import open_store
from engine.config import load_config
from engine.drafts import Draft
from engine.errors import MiccError
from engine.ingest import ingest
from engine.lifecycle import State
from engine.ports import FetchedMessage
from engine.service import ContactCenter, open_contact_center
from engine.store import now_iso, presence
from engine.supervision import Supervision, open_supervision
from micc_tui.cli.setup import copy_skeleton

AGENTS = ("alice", "bob", "dave")
GROUPS = ("Sales", "Marketing", "Support")
#: Where customers write: Sales, Marketing (reviews replies), Support, and nowhere.
ADDRESSES = (
    "Solidus.Sales.Retail@seclab.com",
    "Solidus.Marketing@seclab.com",
    "Solidus.Support@seclab.com",
    "nobody@elsewhere.example",
)
#: Outbox kinds that answer the customer (a forward to a third party does not).
REPLY_KINDS = ("reply", "reply_all")

DAVE = """
[[agent]]
id = "dave"
name = "Dave Brown"
groups = ["Sales", "Marketing", "Support"]
role = "agent"
"""


class ConversationLives(RuleBasedStateMachine):
    """The model: only the store's own answers, checked against the rules above."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="micc-lifecycle-"))
        copy_skeleton(self.folder)
        toml = self.folder / "micc.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + DAVE, encoding="utf-8")
        self.config = load_config(str(toml))
        self.store = open_store(self.config)
        self.desks: dict[str, ContactCenter] = {
            a: open_contact_center(self.config, a) for a in AGENTS
        }
        self.carol: Supervision = open_supervision(self.config, "carol")
        self.drafts: list[tuple[str, Draft]] = []
        self.mails = 0
        #: The engine's clock for reminders: it only moves forward.
        self.now = datetime.now(UTC)

    def teardown(self) -> None:
        for desk in self.desks.values():
            desk.close()
        self.carol.close()
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers -------------------------------------------------------------------

    def _conversation(self, index: int) -> int | None:
        rows = self.store.query("SELECT id FROM conversations ORDER BY id")
        return int(rows[index % len(rows)][0]) if rows else None

    def _snapshot(self) -> tuple[Any, ...]:
        return (
            [tuple(r) for r in self.store.query("SELECT * FROM conversations ORDER BY id")],
            [tuple(r) for r in self.store.query("SELECT * FROM outbox ORDER BY id")],
            [tuple(r) for r in self.store.query("SELECT * FROM notes ORDER BY id")],
        )

    def _try(self, action: Any) -> None:
        """Do what a person asked; a refusal must leave the store as it was."""
        before = self._snapshot()
        try:
            action()
        except MiccError:
            assert self._snapshot() == before, "a refused request changed the store"

    def _customer_mail(self, to: str, in_reply_to: str = "") -> None:
        self.mails += 1
        message = EmailMessage()
        message["From"] = f"Customer {self.mails} <c{self.mails % 3}@example.org>"
        message["To"] = to
        message["Subject"] = f"Question {self.mails}"
        message["Message-ID"] = f"<q{self.mails}@example.org>"
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
        message.set_content(f"Question number {self.mails}\n")
        item = FetchedMessage(f"test:{self.mails}", "test", bytes(message))
        ingest(self.store, self.config, [item], after_archive=())

    # -- customers -------------------------------------------------------------------

    @rule(to=st.sampled_from(ADDRESSES))
    def customer_writes(self, to: str) -> None:
        self._customer_mail(to)

    @rule(index=st.integers(0, 40))
    def customer_writes_again(self, index: int) -> None:
        conversation = self._conversation(index)
        if conversation is None:
            return
        last = archive.conversation(self.store, conversation)[-1]
        self._customer_mail(ADDRESSES[0], in_reply_to=last.message_id)

    # -- agents ------------------------------------------------------------------------

    @rule(agent=st.sampled_from(AGENTS))
    def take_next(self, agent: str) -> None:
        self._try(self.desks[agent].take_next)

    @rule(agent=st.sampled_from(AGENTS), index=st.integers(0, 40))
    def take(self, agent: str, index: int) -> None:
        conversation = self._conversation(index)
        if conversation is not None:
            self._try(lambda: self.desks[agent].take(conversation))

    @rule(agent=st.sampled_from(AGENTS), index=st.integers(0, 40))
    def put_back(self, agent: str, index: int) -> None:
        conversation = self._conversation(index)
        if conversation is not None:
            self._try(lambda: self.desks[agent].put_back(conversation))

    @rule(agent=st.sampled_from(AGENTS), index=st.integers(0, 40), group=st.sampled_from(GROUPS))
    def transfer(self, agent: str, index: int, group: str) -> None:
        conversation = self._conversation(index)
        if conversation is not None:
            self._try(lambda: self.desks[agent].transfer(conversation, group, "over to you"))

    @rule(agent=st.sampled_from(AGENTS), index=st.integers(0, 40))
    def close(self, agent: str, index: int) -> None:
        conversation = self._conversation(index)
        if conversation is not None:
            self._try(lambda: self.desks[agent].close_item(conversation, "no reply needed"))

    @rule(
        agent=st.sampled_from(AGENTS),
        index=st.integers(0, 40),
        kind=st.sampled_from(("reply", "reply", "reply_all", "forward")),
    )
    def open_composer(self, agent: str, index: int, kind: str) -> None:
        conversation = self._conversation(index)
        if conversation is None:
            return
        try:
            draft = self.desks[agent].draft(conversation, kind)  # type: ignore[arg-type]
        except MiccError:
            return
        if kind == "forward":
            draft = draft.edited(to=("partner@example.net",))
        self.drafts.append((agent, draft.edited(body=f"Answer from {agent}\n")))

    @rule(index=st.integers(0, 40))
    def send(self, index: int) -> None:
        if not self.drafts:
            return
        agent, draft = self.drafts.pop(index % len(self.drafts))
        self._try(lambda: self.desks[agent].send(draft))

    @rule(index=st.integers(0, 40))
    def keep_as_note(self, index: int) -> None:
        if not self.drafts:
            return
        agent, draft = self.drafts.pop(index % len(self.drafts))
        if draft.conversation_id is not None:
            conversation = draft.conversation_id
            self._try(lambda: self.desks[agent].add_note(conversation, draft.body))

    @rule(
        agent=st.sampled_from(AGENTS),
        index=st.integers(0, 40),
        reminder=st.sampled_from(("no reminder", "in 2 hours", "tomorrow 9:00", "in a week")),
    )
    def wait_for_customer(self, agent: str, index: int, reminder: str) -> None:
        conversation = self._conversation(index)
        if conversation is not None:
            self._try(lambda: self.desks[agent].wait_for_customer(conversation, reminder))

    @rule(agent=st.sampled_from(AGENTS), available=st.booleans())
    def presence(self, agent: str, available: bool) -> None:
        presence.put(self.store, agent, "available" if available else "away", 1, now_iso())

    @rule(hours=st.integers(1, 200))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        lifecycle.remind_expired(self.store, self.now)

    # -- the supervisor ------------------------------------------------------------------

    @rule(index=st.integers(0, 40))
    def release(self, index: int) -> None:
        conversation = self._conversation(index)
        if conversation is not None:
            self._try(lambda: self.carol.release(conversation))

    @rule(index=st.integers(0, 40), group=st.sampled_from(GROUPS))
    def assign(self, index: int, group: str) -> None:
        conversation = self._conversation(index)
        if conversation is not None:
            self._try(lambda: self.carol.assign(conversation, group))

    @rule(index=st.integers(0, 40), approve=st.booleans())
    def review(self, index: int, approve: bool) -> None:
        rows = self.store.query("SELECT id FROM outbox ORDER BY id")
        if not rows:
            return
        outbox_id = int(rows[index % len(rows)][0])  # perhaps not (any more) under review
        if approve:
            self._try(lambda: self.carol.approve(outbox_id))
        else:
            self._try(lambda: self.carol.reject(outbox_id, "say it more kindly"))

    # -- what must always hold ---------------------------------------------------------

    @invariant()
    def one_reply_per_customer_message(self) -> None:
        marks = ",".join("?" * len(REPLY_KINDS))
        replies = self.store.query(
            f"SELECT o.conversation_id, o.message, o.agent_id FROM outbox o "
            f"WHERE o.kind IN ({marks}) AND o.state != 'rejected' AND "
            f"o.conversation_id IS NOT NULL",
            REPLY_KINDS,
        )
        per_interval: Counter[tuple[int, int]] = Counter()
        for conversation, reply, agent in replies:
            # The customer messages before it are the ones it answers.
            answered = self.store.query_one(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'in' "
                "AND id < ?",
                (conversation, reply),
            )
            assert answered is not None
            per_interval[(conversation, int(answered[0]))] += 1
            replied = [
                e
                for e in audit.trail(self.store, conversation)
                if e.kind == EventKind.REPLIED and e.agent_id == agent
            ]
            assert replied, f"a reply in conversation {conversation} has no 'replied' event"
            assert all(e.detail["from_state"] == State.IN_PROGRESS for e in replied)
            # The row said who held it when the reply was accepted: the sender.
            assert all("holder" not in e.detail for e in replied), replied
        doubled = {k: n for k, n in per_interval.items() if n > 1}
        assert not doubled, f"customer messages answered more than once: {doubled}"

    @invariant()
    def holders_and_reviews_agree(self) -> None:
        orphan = self.store.query_one(
            "SELECT COUNT(*) FROM conversations WHERE state = 'in_progress' AND agent_id IS NULL"
        )
        assert orphan is not None and orphan[0] == 0, "an in-progress e-mail has no holder"
        nobody = self.store.query_one(
            "SELECT COUNT(*) FROM conversations WHERE state = 'pending_customer' "
            "AND agent_id IS NULL"
        )
        assert nobody is not None and nobody[0] == 0, "nobody waits for the customer"
        stray = self.store.query_one(
            "SELECT COUNT(*) FROM conversations WHERE state != 'pending_customer' "
            "AND remind_at IS NOT NULL"
        )
        assert stray is not None and stray[0] == 0, "a reminder outlived the wait"
        waiting = Counter(
            int(r[0])
            for r in self.store.query(
                "SELECT conversation_id FROM outbox WHERE state = 'review' "
                "AND conversation_id IS NOT NULL AND kind IN ('reply', 'reply_all')"
            )
        )
        pending = {
            int(r[0])
            for r in self.store.query("SELECT id FROM conversations WHERE state = 'pending_review'")
        }
        assert set(waiting) == pending, (waiting, pending)
        assert all(n == 1 for n in waiting.values()), waiting

    @invariant()
    def every_state_change_has_its_event(self) -> None:
        for row in self.store.query("SELECT id, state FROM conversations"):
            state: str | None = None
            for event in audit.trail(self.store, int(row[0])):
                if "to_state" not in event.detail:
                    continue
                assert event.detail.get("from_state") == state, (row[0], event)
                state = event.detail["to_state"]
            assert state == row[1], f"conversation {row[0]} is {row[1]}, its events say {state}"


TestConversationLives = ConversationLives.TestCase
TestConversationLives.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
