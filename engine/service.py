"""The facade the consoles call: one agent's view of the contact center.

A console never touches the store, the queue module or the outbox directly;
it calls :class:`ContactCenter`. Each method is blocking (SQLite, files) and is
meant to run in a worker thread: the facade keeps one :class:`Store` per thread,
opened on first use, because a SQLite connection belongs to one thread.

Drafts (what the composer edits) are built in :mod:`engine.drafts` and kept
while the agent writes in :mod:`engine.saved_drafts`; sending
goes through :mod:`engine.replies` and the durable outbox; responses and
spelling come from :mod:`engine.writing_aids`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from engine import (
    agent_state,
    archive,
    audit,
    dates,
    distribution,
    lease,
    lifecycle,
    notes,
    outbox,
    queue,
    replies,
    saved_drafts,
    thread,
)
from engine.archive import ArchivedMessage, Correspondent
from engine.audit import Event
from engine.config import AgentConfig, Config, ServiceGroupConfig
from engine.drafts import Draft, DraftKind, new_draft, reply_draft, sent_back_draft
from engine.errors import Refused
from engine.filenames import free_path, safe_filename
from engine.lifecycle import State
from engine.mail.addresses import typed_addresses
from engine.mail.parse import attachment_bytes
from engine.notes import Note
from engine.outbox import OutboxState
from engine.queue import QueueItem
from engine.responses import ResponseLibrary
from engine.spelling import Spelling
from engine.store import Store, events, health, messages, now_iso, presence
from engine.store import outbox as outbox_rows
from engine.store.threads import ThreadStores
from engine.thread import ThreadEntry
from engine.writing_aids import WritingAids

#: What a console records: Available, Away, or offline once it is closed.
AgentState = Literal["available", "away", "offline"]
#: Outbox states a supervisor's review leaves behind, as the agent sees them.
REVIEW_OUTCOMES = (OutboxState.APPROVED, OutboxState.REJECTED)
#: Events that change no agent's queue, in-hand or waiting list (see change_mark).
_NOT_IN_QUEUES = tuple(
    str(kind)
    for kind in (
        audit.EventKind.OFFERED,
        audit.EventKind.OFFER_REJECTED,
        audit.EventKind.OFFER_EXPIRED,
        audit.EventKind.OFFER_WITHDRAWN,
        audit.EventKind.AGENT_STATE,
        audit.EventKind.CONFIRMATION_QUEUED,
        audit.EventKind.CONFIRMATION_SKIPPED,
    )
)
#: Outbox states that change what an agent's console shows of its replies.
_OUTCOME_STATES = (*REVIEW_OUTCOMES, OutboxState.SENT)


@dataclass(frozen=True)
class GroupCount:
    """A service group as the console's group list shows it."""

    name: str
    queued: int
    in_progress: int
    can_originate: bool


@dataclass(frozen=True)
class HealthItem:
    """One engine part's health (fetcher, sender...), from ``engine_health``."""

    name: str
    state: str
    detail: str
    updated: str


@dataclass(frozen=True)
class ReviewOutcome:
    """A supervisor's decision on a reply this agent sent to review."""

    outbox_id: int
    conversation_id: int | None
    state: str
    comment: str
    subject: str


#: What the agent is told when their e-mail waits in the outbox with no engine to send it.
QUEUED_WITHOUT_ENGINE = "Queued: no engine is running; it leaves when one runs."


@dataclass(frozen=True)
class SendResult:
    """What :meth:`ContactCenter.send` did with a draft.

    Attributes:
        outbox_id: the outbox row.
        pending_review: it waits for a supervisor's review.
        engine_running: an engine held the lease when it was queued, so it leaves
            within seconds; without one it waits in the outbox.
        waiting: when it was sent to then wait for the customer: the reminder
            in words ("reminder 12/4/26, 9:00 AM", "no reminder"); else empty.
    """

    outbox_id: int
    pending_review: bool
    engine_running: bool
    waiting: str = ""

    @property
    def words(self) -> str:
        """What happened, as the agent is told: "Sent." only when an engine sends it."""
        if self.pending_review:
            return "Sent to review."
        sent = "Sent." if self.engine_running else QUEUED_WITHOUT_ENGINE
        return f"{sent} Waiting for the customer ({self.waiting})." if self.waiting else sent


@dataclass(frozen=True)
class SavedAttachment:
    """What became of one attachment :meth:`ContactCenter.save_attachments` saved."""

    index: int
    #: The name the e-mail gives it (not yet made safe: show it escaped).
    name: str
    #: Where it was written; None when it was not.
    path: Path | None
    #: Why it was not written, in words; empty when it was.
    error: str


@dataclass(frozen=True)
class RestoredDraft:
    """A draft the agent had saved, ready for the composer again.

    Attributes:
        draft: what they had written, on a fresh draft of its kind.
        saved_at: when it was saved (ISO, UTC).
        cursor: where the body's cursor was (row, column), 0-based.
        not_attached: files that were attached but may no longer be, with why.
    """

    draft: Draft
    saved_at: str
    cursor: tuple[int, int]
    not_attached: tuple[str, ...] = ()


StoreFactory = Callable[[], Store]


class ContactCenter(WritingAids):
    """What one agent can see and do. Thread-safe: each thread gets its own store.

    Args:
        config: the tenant.
        agent_id: the agent's id from the config.
        open_store: opens a new :class:`Store` on the config's file (called once per thread).
        clock: the current time (tests pass a fixed one).

    Raises:
        Refused: the agent id is not in the config.
    """

    def __init__(
        self,
        config: Config,
        agent_id: str,
        open_store: StoreFactory,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        agent = config.find_agent(agent_id)
        if agent is None:
            known = ", ".join(a.id for a in config.agent) or "none"
            raise Refused(f"unknown agent {agent_id!r} (agents in the config: {known})")
        self.config = config
        self.agent: AgentConfig = agent
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._stores = ThreadStores(open_store)
        # Guards the response libraries and the spelling service (writing_aids).
        self._lock = threading.Lock()
        self._libraries: dict[str, ResponseLibrary] = {}
        self._spelling: Spelling | None = None

    # -- plumbing -----------------------------------------------------------------

    @property
    def store(self) -> Store:
        """This thread's store, opened on first use."""
        return self._stores.get()

    def close(self) -> None:
        """Close every store this facade opened (call once, at exit)."""
        self._stores.close()
        if self._spelling is not None:
            self._spelling.close()

    @property
    def groups(self) -> tuple[str, ...]:
        """The agent's service groups that exist in the config, in config order."""
        return tuple(g.name for g in self.config.service_group if g.name in self.agent.groups)

    def group(self, name: str) -> ServiceGroupConfig:
        """A service group by name; Refused if it does not exist."""
        found = self.config.group(name)
        if found is None:
            raise Refused(f"no service group called {name!r}")
        return found

    def change_mark(self) -> tuple[int, ...]:
        """A cheap fingerprint of the store: it differs whenever something changed.

        The newest event id covers the queues, leaving out events that change
        no queue (offers made or turned down elsewhere, agents' states,
        confirmations): with many consoles open, each would reload its whole
        view for every one. The agent's own state (the engine sets it Away when
        an offer goes unanswered, a supervisor may change it) is a part of its
        own. The outbox is folded in because review decisions and sending
        change outbox rows without an event. The order is (events, review
        outcomes, own state, engine health): a console that sees only the last
        part move redraws its status line, not its queue.
        """
        own = presence.status(self.store, self.agent.id)
        return (
            events.newest_id_but(self.store, _NOT_IN_QUEUES),
            outbox_rows.count_in(self.store, _OUTCOME_STATES, agent_id=self.agent.id),
            hash((own["state"], own["reason"]) if own is not None else None),
            hash(health.newest_update(self.store)),
        )

    # -- queues -------------------------------------------------------------------

    def group_counts(self) -> list[GroupCount]:
        """The agent's groups with queued and in-progress counts."""
        counts = queue.group_counts(self.store)
        return [
            GroupCount(
                name,
                counts.get(name, {}).get(State.QUEUED, 0),
                counts.get(name, {}).get(State.IN_PROGRESS, 0),
                bool(self.group(name).email),
            )
            for name in self.groups
        ]

    def queue(self, group: str | None = None, *, limit: int | None = None) -> list[QueueItem]:
        """Queued e-mails of one of the agent's groups (or all of them), oldest first."""
        return queue.list_items(self.store, groups=self._groups(group), limit=limit)

    def in_hand(self) -> list[QueueItem]:
        """The e-mails this agent holds (taken, not yet answered or closed)."""
        return queue.list_items(self.store, states=(State.IN_PROGRESS,), agent_id=self.agent.id)

    def waiting(self) -> list[QueueItem]:
        """The e-mails this agent waits on the customer for, oldest first."""
        return queue.list_items(
            self.store, states=(State.PENDING_CUSTOMER,), agent_id=self.agent.id
        )

    def _groups(self, group: str | None) -> tuple[str, ...]:
        if group is None:
            return self.groups
        if group not in self.groups:
            raise Refused(f"{self.agent.id} is not in service group {group!r}")
        return (group,)

    def take_next(self, group: str | None = None) -> QueueItem | None:
        """Take the first queued e-mail of ``group`` (or of all the agent's groups).

        The one offered to the agent, if any; else the first in line (by
        priority, then waiting time) that is not offered to someone else.
        Refused when the agent is not Available or holds as many as they may.
        """
        groups = self._groups(group)
        self._may_take()
        offer = distribution.offer_of(self.store, self.agent.id)
        if offer is not None and offer.service_group in groups:
            return self.accept_offer(offer.conversation_id)
        taken = lifecycle.take_next(self.store, self.agent.id, groups)
        return queue.get_item(self.store, taken) if taken is not None else None

    def take(self, conversation_id: int) -> QueueItem:
        """Take this e-mail; :class:`~engine.lifecycle.ConversationMoved` if someone was faster.

        In a group that offers its e-mails only the one offered to the agent
        may be taken (supervisors give others out of order).
        """
        item = self._visible(conversation_id)
        self._may_take()
        offer = distribution.offer_of(self.store, self.agent.id)
        if offer is not None and offer.conversation_id == conversation_id:
            return self.accept_offer(conversation_id)
        group = self.config.group(item.service_group or "")
        if group is not None and group.distribution == "offer" and item.state == State.QUEUED:
            raise Refused(
                f"{group.name} offers its e-mails one by one: wait for your offer, "
                "or press n for the next one"
            )
        lifecycle.take(self.store, self.agent.id, conversation_id)
        taken = queue.get_item(self.store, conversation_id)
        assert taken is not None
        return taken

    def _may_take(self) -> None:
        """Refused unless the agent is Available and holds fewer e-mails than they may."""
        if presence.state_of(self.store, self.agent.id) not in (None, "available"):
            raise Refused("you are Away: press s to be Available before taking e-mails")
        limit = agent_state.capacity(self.agent, self.config)
        held = queue.count_items(self.store, states=(State.IN_PROGRESS,), agent_id=self.agent.id)
        if held >= limit:
            raise Refused(
                f"you hold {held} e-mails, as many as you may: answer or put one back first"
            )

    # -- offers -------------------------------------------------------------------

    def offer(self) -> tuple[distribution.Offer, QueueItem] | None:
        """The e-mail offered to the agent right now, with what the banner shows of it."""
        offer = distribution.offer_of(self.store, self.agent.id)
        if offer is None:
            return None
        item = queue.get_item(self.store, offer.conversation_id)
        return (offer, item) if item is not None else None

    def accept_offer(self, conversation_id: int) -> QueueItem:
        """Accept the e-mail offered: it is in the agent's hand."""
        lifecycle.accept_offer(self.store, self.agent.id, conversation_id, datetime.now(UTC))
        item = queue.get_item(self.store, conversation_id)
        assert item is not None
        return item

    def reject_offer(self, conversation_id: int, reason: str) -> None:
        """Turn the offer down, saying why; it goes to the next agent."""
        distribution.reject(self.store, self.agent.id, conversation_id, reason)

    @property
    def away_reasons(self) -> tuple[str, ...]:
        """What the agent may say when going Away."""
        return tuple(self.config.distribution.away_reasons)

    def status(self) -> agent_state.AgentStatus:
        """The agent's state as supervisors see it (Offered, Busy, Wrap-up...)."""
        return agent_state.status(self.store, self.config, self.agent.id)

    def _visible(self, conversation_id: int) -> QueueItem:
        """The conversation, if it is in one of the agent's groups; else Refused."""
        item = queue.get_item(self.store, conversation_id)
        if item is None:
            raise Refused(f"e-mail {conversation_id} does not exist")
        if item.service_group not in self.groups:
            raise Refused(f"e-mail {conversation_id} is not in your service groups")
        return item

    def _visible_message(self, message: int) -> None:
        """Refused unless archived ``message`` is part of a conversation of your groups."""
        conversation = messages.conversation_of(self.store, message)
        if conversation is None:
            raise Refused(f"message {message} is not part of any of your e-mails")
        self._visible(conversation)

    def put_back(self, conversation_id: int) -> None:
        """Return an e-mail to its queue."""
        lifecycle.put_back(self.store, self.agent.id, conversation_id)

    def transfer(self, conversation_id: int, group: str, note: str) -> None:
        """Move an e-mail to another service group's queue, with a note for its agents.

        A note written is also kept as an internal note, in the same transaction:
        the receiving group's agents read it in the reading pane and, with who
        wrote it and when, in the trail, even after the e-mail has moved on again.
        """
        self.group(group)
        text = note.strip()
        with self.store.transaction():
            lifecycle.transfer(
                self.store,
                self.agent.id,
                conversation_id,
                group,
                text or f"transferred by {self.agent.id}",
            )
            if text:
                notes.add(self.store, conversation_id, self.agent.id, text)

    def close_item(self, conversation_id: int, reason: str) -> None:
        """Close an e-mail without replying; a reason is required."""
        if not reason.strip():
            raise Refused("say why the e-mail is closed without a reply")
        lifecycle.close(self.store, self.agent.id, conversation_id, reason.strip())

    def wait_for_customer(self, conversation_id: int, reminder: str) -> datetime | None:
        """Wait for the customer's answer to an e-mail in hand; when the reminder falls due.

        Args:
            conversation_id: the e-mail; the agent must hold it.
            reminder: ``no reminder``, ``tomorrow 9:00``, ``in 3 days``, a date
                and time in the tenant's locale... (:func:`engine.dates.reminder`).

        Raises:
            Refused: the reminder is not a moment to come.
            ConversationMoved: the agent does not hold the e-mail.
        """
        try:
            due = dates.reminder(reminder, self.clock(), self.config.locale)
        except ValueError as exc:
            raise Refused(f"reminder: {exc}") from None
        at = due.isoformat(timespec="microseconds") if due else None
        lifecycle.wait_for_customer(self.store, self.agent.id, conversation_id, at)
        return due

    def junk(self, conversation_id: int) -> None:
        """Mark an e-mail as junk (it stays in the archive)."""
        lifecycle.junk(self.store, self.agent.id, conversation_id)

    # -- the trail and notes ------------------------------------------------------

    def newest_event(self, conversation_id: int) -> int:
        """The id of the conversation's newest event: it changes whenever something happens."""
        return lifecycle.seen(self.store, conversation_id)

    def name_of(self, agent_id: str) -> str:
        """An agent's name as people read it (the id when the config does not know it)."""
        agent = self.config.find_agent(agent_id)
        return agent.name if agent is not None else agent_id

    def trail(self, conversation_id: int) -> list[Event]:
        """Everything that happened to a conversation of the agent's groups, oldest first."""
        self._visible(conversation_id)
        return audit.trail(self.store, conversation_id)

    def notes(self, conversation_id: int) -> list[Note]:
        """The internal notes on a conversation of the agent's groups, oldest first."""
        self._visible(conversation_id)
        return notes.of_conversation(self.store, conversation_id)

    def add_note(self, conversation_id: int, text: str) -> int:
        """Keep an internal note on a conversation (never sent to the customer)."""
        self._visible(conversation_id)
        return notes.add(self.store, conversation_id, self.agent.id, text)

    # -- reading ------------------------------------------------------------------

    def message(self, conversation_id: int) -> ArchivedMessage | None:
        """The conversation's latest incoming message (what the reading pane shows)."""
        item = queue.get_item(self.store, conversation_id)
        if item is None or item.message is None:
            return None
        return archive.get(self.store, item.message)

    def message_head(self, conversation_id: int, chars: int) -> ArchivedMessage | None:
        """:meth:`message` with only the first ``chars`` characters of its bodies."""
        item = queue.get_item(self.store, conversation_id)
        if item is None or item.message is None:
            return None
        return archive.head(self.store, item.message, chars)

    def whole(self, message: ArchivedMessage) -> ArchivedMessage:
        """``message`` with all of its bodies (read again when it is a head)."""
        if message.whole:
            return message
        found = archive.get(self.store, message.id)
        if found is None:
            raise Refused(f"message {message.id} is not in the archive")
        return found

    def item(self, conversation_id: int) -> QueueItem | None:
        """A conversation as a queue item."""
        return queue.get_item(self.store, conversation_id)

    def conversation(self, conversation_id: int) -> list[ArchivedMessage]:
        """Every message of a conversation, both directions, oldest first."""
        return archive.conversation(self.store, conversation_id)

    def thread(self, conversation_id: int, known: Sequence[ThreadEntry] = ()) -> list[ThreadEntry]:
        """The conversation's e-mails (heads), notes and trail, oldest first (your groups).

        ``known``: its entries read before (their first words are kept).
        """
        self._visible(conversation_id)
        return thread.entries(self.store, conversation_id, {e.key: e for e in known})

    def thread_message(self, conversation_id: int, message_id: int, chars: int) -> ArchivedMessage:
        """One e-mail of a conversation of your groups, with ``chars`` of its bodies."""
        self._visible(conversation_id)
        found = archive.head(self.store, message_id, chars)
        if found is None or found.conversation_id != conversation_id:
            raise Refused(f"message {message_id} is not part of e-mail {conversation_id}")
        return found

    def history(self, conversation_id: int, *, limit: int = 50) -> list[ArchivedMessage]:
        """The customer's other messages, newest first: only the agent's groups' conversations.

        The customer is the conversation's sender, matched by exact address
        (any case) in the from, to and cc of archived messages.
        """
        item = self._visible(conversation_id)
        if not item.from_address:
            return []
        return archive.customer_history(
            self.store,
            item.from_address,
            self.groups,
            exclude_conversation=conversation_id,
            limit=limit,
        )

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> list[ArchivedMessage]:
        """Archived e-mails of the agent's groups' conversations holding every word of ``text``."""
        return archive.search(self.store, text, limit=limit, offset=offset, groups=self.groups)

    def correspondents(self, group: str, typed: str, *, limit: int = 6) -> list[Correspondent]:
        """Addresses to complete ``typed`` with in an e-mail of ``group`` (To and Cc).

        From ``group``'s archive only (who wrote to it, whom it wrote to), and only
        when the agent is in ``group``: nothing from a group the agent is not in.
        The address or the display name starts with ``typed``, in any case.
        """
        if group not in self.groups:
            return []
        return archive.correspondents(self.store, group, typed, limit=limit)

    def save_attachment(self, message: int, index: int, folder: Path) -> Path:
        """Write attachment ``index`` of archived ``message`` into ``folder``; never overwrite.

        The name comes from the e-mail, so it is made a plain file name first
        (:func:`engine.filenames.safe_filename`: no folders, no controls or bidi
        characters, no leading dot or dash, at most 255 bytes).

        Raises:
            Refused: the message is not of your groups' conversations, or has no
                such attachment.
            OSError: the file could not be written (the folder, the disk...).
        """
        self._visible_message(message)
        data = archive.raw(self.store, message)
        found = attachment_bytes(data, index) if data is not None else None
        if found is None:
            raise Refused(f"message {message} has no attachment {index}")
        name, content = found
        folder.mkdir(parents=True, exist_ok=True)
        target = free_path(folder, safe_filename(name) or f"attachment-{index}")
        with open(target, "xb") as out:
            out.write(content)
        return target

    def save_attachments(self, message: int, folder: Path) -> list[SavedAttachment]:
        """Save every attachment of archived ``message`` into ``folder``, one outcome each.

        One that cannot be written (a name the file system refuses, a full
        disk) is reported and the others are still saved.
        """
        self._visible_message(message)
        found = archive.get(self.store, message)
        if found is None:
            raise Refused(f"message {message} is not in the archive")
        outcomes = []
        for index, attachment in enumerate(found.attachments, start=1):
            name = str(attachment.get("filename") or f"attachment-{index}")
            try:
                path = self.save_attachment(message, index, folder)
            except (OSError, Refused) as exc:
                reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
                outcomes.append(SavedAttachment(index, name, None, reason))
            else:
                outcomes.append(SavedAttachment(index, name, path, ""))
        return outcomes

    # -- writing ------------------------------------------------------------------

    def draft(
        self, conversation_id: int, kind: DraftKind, *, message_id: int | None = None
    ) -> Draft:
        """A reply, reply-all or forward of the conversation, prefilled for the composer.

        It answers (and quotes) the conversation's latest message, or
        ``message_id``: one of its earlier ones, picked in the thread.
        """
        item = queue.get_item(self.store, conversation_id)
        if item is None or item.message is None:
            raise Refused(f"e-mail {conversation_id} has no message to answer")
        answered = item.message if message_id is None else message_id
        original = archive.get(self.store, answered)
        if original is not None and original.conversation_id != conversation_id:
            raise Refused(f"message {answered} is not part of e-mail {conversation_id}")
        raw = archive.raw(self.store, answered)
        if original is None:
            raise Refused(f"message {answered} is missing from the archive")
        group = self.group(item.service_group or "")
        draft = reply_draft(
            kind, item, original, raw or b"", group, self.agent, self.config, now=self.clock()
        )
        draft = self._sent_back(draft) or draft
        # What the agent has seen: a refusal at sending tells what came after.
        return draft.edited(seen=lifecycle.seen(self.store, conversation_id))

    def _sent_back(self, fresh: Draft) -> Draft | None:
        """The agent's own e-mail of this kind a supervisor sent back, if it is still open.

        The newest reply (or reply-all) of the agent's in the conversation, or
        the newest forward for a forward, when a supervisor rejected it and
        the conversation was not closed since.
        """
        assert fresh.conversation_id is not None
        family = lifecycle.ANSWERS if fresh.kind in lifecycle.ANSWERS else {fresh.kind}
        mine = [
            row
            for row in outbox.listing(self.store, conversation_id=fresh.conversation_id)
            if row.kind in family and row.agent_id == self.agent.id
        ]
        row = mine[-1] if mine else None
        if row is None or row.state != OutboxState.REJECTED or row.archive_id is None:
            return None
        events = audit.trail(self.store, fresh.conversation_id)
        decisions = [
            i
            for i, e in enumerate(events)
            if e.kind == audit.EventKind.REVIEW_REJECTED and e.detail.get("outbox") == row.id
        ]
        finished = (audit.EventKind.CLOSED, audit.EventKind.JUNK, audit.EventKind.DISCARDED)
        if not decisions or any(e.kind in finished for e in events[decisions[-1] + 1 :]):
            return None
        written = archive.get(self.store, row.archive_id)
        if written is None:
            return None
        reviewer = self.name_of(events[decisions[-1]].agent_id or "a supervisor")
        return sent_back_draft(fresh, written, row.kind, reviewer, row.review_comment)  # type: ignore[arg-type]

    def draft_new(self, group_name: str) -> Draft:
        """A new outgoing e-mail from a group that has an address (only those may send)."""
        group = self.group(group_name)
        if group_name not in self.groups:
            raise Refused(f"{self.agent.id} is not in service group {group_name!r}")
        if not group.email:
            raise Refused(
                f"service group {group_name} has no e-mail address, so it cannot send new e-mails"
            )
        return new_draft(group, self.agent, self.config, now=self.clock())

    def originating_groups(self) -> list[str]:
        """The agent's groups that may send new e-mails (they have an address)."""
        return [name for name in self.groups if self.group(name).email]

    def send(self, draft: Draft) -> SendResult:
        """Send a draft (or send it to review, for groups that review before sending).

        Raises:
            Refused: no recipient, or a recipient that is not one whole e-mail
                address (:func:`engine.mail.addresses.typed_addresses`).
            ConversationMoved: the agent no longer holds the conversation.
        """
        if not draft.to and not draft.cc:
            raise Refused("the e-mail has no recipient")
        for typed in (*draft.to, *draft.cc):
            good, bad = typed_addresses(typed)
            if bad or len(good) != 1:
                raise Refused(f"{', '.join(bad) or typed} is not an e-mail address")
        group = self.group(draft.group)
        outbox_id = replies.submit(
            self.store,
            self.config,
            draft,
            agent_id=self.agent.id,
            review=group.review_before_sending,
            responses=self.html_responses(draft),
        )
        return SendResult(
            outbox_id, group.review_before_sending, engine_running=lease.running(self.store)
        )

    # -- drafts kept while writing (engine.saved_drafts) ----------------------------

    def keep_draft(self, draft: Draft, cursor: tuple[int, int] = (0, 0)) -> bool:
        """Save what the agent has written so far; False when the e-mail is no longer theirs."""
        return saved_drafts.keep(self.store, self.agent.id, draft, cursor)

    def restore_draft(self, fresh: Draft) -> RestoredDraft | None:
        """The agent's saved draft of ``fresh``'s conversation (or group), None if there is none.

        The saved kind wins: a reply-all saved is a reply-all again when the
        agent opens Reply. Attached files are checked again; those that may
        no longer be attached are named, not attached.
        """
        saved = saved_drafts.find(self.store, self.agent.id, fresh)
        if saved is None:
            return None
        base = fresh
        if saved.kind != fresh.kind and fresh.conversation_id is not None and saved.kind != "new":
            base = self.draft(fresh.conversation_id, saved.kind)
        draft = saved.onto(base)
        refused: list[str] = []
        for path in saved.attachments:
            try:
                draft = self.attach(draft, path)
            except Refused as exc:
                refused.append(f"{Path(path).name} ({exc})")
        return RestoredDraft(draft, saved.saved_at, saved.cursor, tuple(refused))

    def forget_draft(self, draft: Draft) -> None:
        """Remove the agent's saved draft of ``draft``'s conversation (or group), if any."""
        saved_drafts.forget(self.store, self.agent.id, draft)

    def drafted(self) -> frozenset[int]:
        """The conversations the agent has a saved, unsent draft of."""
        return saved_drafts.drafted(self.store, self.agent.id)

    def review_outcomes(self) -> list[ReviewOutcome]:
        """Decisions supervisors made on this agent's replies, newest first."""
        # The decision is an event: the outbox row moves on (approved, then sent).
        kinds = (audit.EventKind.REVIEW_APPROVED, audit.EventKind.REVIEW_REJECTED)
        rows = outbox_rows.decisions_for(self.store, self.agent.id, kinds, limit=50)
        return [
            ReviewOutcome(r[0], r[1], str(r[2]).removeprefix("review_"), r[3], r[4]) for r in rows
        ]

    # -- presence and health ------------------------------------------------------

    def set_state(self, state: AgentState, reason: str = "") -> None:
        """Record the agent as Available, Away (with a reason) or gone (also a heartbeat).

        The console's goodbye (``offline``) logs the agent out and keeps the
        e-mails in their hand (they chose to keep them); an offer goes to the
        next agent.
        """
        stored = agent_state.AgentState.LOGGED_OUT if state == "offline" else state
        agent_state.set_state(
            self.store,
            self.config,
            self.agent.id,
            stored,
            reason,
            pid=os.getpid(),
            keep_in_hand=True,
        )

    def heartbeat(self) -> None:
        """Say the console is still running, without changing the state."""
        presence.beat(self.store, self.agent.id, os.getpid(), now_iso())

    def away_reason(self) -> str:
        """Why the agent is Away ("" when Available, or no reason given)."""
        row = presence.status(self.store, self.agent.id)
        return str(row["reason"]) if row is not None and row["state"] != "available" else ""

    def state(self) -> AgentState:
        """The agent's recorded state as the console shows it (Away unless Available)."""
        return (
            "available" if presence.state_of(self.store, self.agent.id) == "available" else "away"
        )

    def health(self) -> list[HealthItem]:
        """The engine's parts and how they are doing."""
        return [HealthItem(r[0], r[1], r[2], r[3]) for r in health.rows(self.store)]


def open_contact_center(
    config: Config, agent_id: str, clock: Callable[[], datetime] | None = None
) -> ContactCenter:
    """The facade for ``agent_id`` on the config's store (migrated and synced once here)."""
    from engine.bootstrap import open_store

    first: list[Store] = [open_store(config)]

    def factory() -> Store:
        # The first thread reuses the store bootstrap opened; others skip migrations.
        return first.pop() if first else Store(config.store.path, migrate=False)

    return ContactCenter(config, agent_id, factory, clock)


__all__ = [
    "QUEUED_WITHOUT_ENGINE",
    "AgentState",
    "ContactCenter",
    "Correspondent",
    "Draft",
    "DraftKind",
    "GroupCount",
    "HealthItem",
    "Refused",
    "RestoredDraft",
    "ReviewOutcome",
    "SavedAttachment",
    "SendResult",
    "open_contact_center",
    "safe_filename",
]
