"""A conversation's life: its states, and every transition between them.

This module is the only writer of a conversation's ``state`` and holder
(``agent_id``). Each transition names the states it starts from and the
holder it expects, and changes the row in one compare-and-set statement: if
someone else moved the conversation first (a supervisor released it, another
agent answered it), nothing changes and :class:`ConversationMoved` says what
happened, by whom and when. The transition's event is written in the same
transaction (:func:`engine.audit.record`), with the state it left and entered.
When a conversation leaves its holder's hands (put back, transferred,
released, closed, answered) the draft they kept of it
(:mod:`engine.saved_drafts`) goes in that transaction too: it is theirs, and
the next agent starts afresh.

::

    new e-mail ──► queued ◄──────────────┐ put back, release, transfer,
       │             │ take              │ customer writes again (answered, closed)
       │             ▼                   │
       │        in_progress ─────────────┘
       │             │ reply (review) ──► pending_review ─ approve ─► answered
       │             │ reply ─────────────────────────────────────► answered
       │             │ close / junk ──► closed / junk
       │             │ forward (to a third party): stays in_progress
       │             ▲                        │ reject
       │             └────────────────────────┘
       │             │ wait for the customer ──► pending_customer
       │             ▲                               │ the customer writes: back to
       │             └───────────────────────────────┘ the agent if Available, else
       │                                               queued; a reminder due, or a
       │                                               supervisor's release: queued
       └──► unrouted ─ assign, route again ─► queued;  discard ─► closed

In a group that offers its e-mails (:mod:`engine.distribution`) a queued
conversation may be offered to one agent: it stays queued, with an offer row,
until the agent accepts (``accept_offer``: in progress with them), rejects it,
or the offer expires. Any move out of the queue withdraws the offer. A
supervisor may ``give`` a queued conversation to a named agent outright, and
an agent logged out by a supervisor or by silence has their e-mails
returned to the queue first in line (``return_to_queue``).

While a conversation waits for the customer its holder is the agent who
waits; it is in nobody's hand nor in a queue until the customer writes or
the reminder (``remind_at``) is due.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from engine import dates
from engine.audit import Event, EventKind, describe, newest, record, trail
from engine.errors import Refused
from engine.router import Route
from engine.store import Store, iso_of, now_iso, presence
from engine.store import conversations as rows
from engine.store import drafts as draft_rows
from engine.store import offers as offer_rows
from engine.store.conversations import ANYONE


class State(StrEnum):
    """Where a conversation is in its life. The values are stored."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    PENDING_REVIEW = "pending_review"
    PENDING_CUSTOMER = "pending_customer"
    ANSWERED = "answered"
    CLOSED = "closed"
    JUNK = "junk"
    UNROUTED = "unrouted"

    @property
    def words(self) -> str:
        """The state as a person reads it: ``in progress``."""
        return self.value.replace("_", " ")


#: A customer's new message puts these back in the queue.
REOPENED_BY_CUSTOMER: Final = (State.ANSWERED, State.CLOSED)
#: A customer's follow-up without threading headers joins these (and, for a
#: while, those in REOPENED_BY_CUSTOMER): see engine.ingest.
FOLLOW_UPS_JOIN: Final = (
    State.QUEUED,
    State.IN_PROGRESS,
    State.PENDING_REVIEW,
    State.PENDING_CUSTOMER,
)
#: Work not finished: waiting, being worked on, waiting for review or for the
#: customer, or a problem.
OPEN: Final = (
    State.QUEUED,
    State.IN_PROGRESS,
    State.PENDING_REVIEW,
    State.PENDING_CUSTOMER,
    State.UNROUTED,
)
#: States a supervisor fixes by hand (matched no service access).
PROBLEMS: Final = (State.UNROUTED,)
#: Finished by the agent who holds them, for the day's figures.
HANDLED: Final = (
    State.ANSWERED,
    State.CLOSED,
    State.JUNK,
    State.PENDING_REVIEW,
    State.PENDING_CUSTOMER,
)

#: Outbox kinds that answer the customer; a forward to a third party does not.
ANSWERS: Final = frozenset({"reply", "reply_all"})

#: Keep the holder as it is (:func:`_move`'s ``to_holder``).
_KEEP: Final = object()

#: Event kinds that move a conversation, for the story a refusal tells.
_MOVES = frozenset(
    {
        EventKind.RECEIVED,
        EventKind.REOPENED,
        EventKind.TAKEN,
        EventKind.PUT_BACK,
        EventKind.RELEASED,
        EventKind.TRANSFERRED,
        EventKind.CLOSED,
        EventKind.JUNK,
        EventKind.ASSIGNED,
        EventKind.DISCARDED,
        EventKind.REROUTED,
        EventKind.REPLIED,
        EventKind.REVIEW_APPROVED,
        EventKind.REVIEW_REJECTED,
        EventKind.WAITING_FOR_CUSTOMER,
        EventKind.REMINDER_EXPIRED,
        EventKind.OFFER_ACCEPTED,
        EventKind.GIVEN,
        EventKind.RETURNED,
    }
)


class OfferRefused(Refused):
    """An offer could not be accepted or made: it expired, went elsewhere, or was never made."""


class ConversationMoved(Refused):
    """A transition found the conversation not as it expected; nothing was changed.

    Attributes:
        conversation_id: the conversation.
        action: what was tried, as a verb (``answered``, ``taken``...).
        state: the state it is in now (None: it does not exist).
        holder: who holds it now.
        events: what happened to it since the caller last looked (or lately).
    """

    def __init__(
        self,
        conversation_id: int,
        action: str,
        state: str | None,
        holder: str | None,
        events: Sequence[Event],
    ) -> None:
        self.conversation_id = conversation_id
        self.action = action
        self.state = state
        self.holder = holder
        self.events = tuple(events)
        super().__init__(self.explain())

    def story(self, name_of: Callable[[str], str] = lambda agent_id: agent_id) -> str:
        """What happened meanwhile: ``released by Carol at 14:02, answered by Bob at 14:05``."""
        return ", ".join(describe(e, name_of) for e in self.events if e.kind in _MOVES)

    def explain(self, name_of: Callable[[str], str] = lambda agent_id: agent_id) -> str:
        """The whole refusal in words, with agents' names from ``name_of``."""
        if self.state is None:
            return f"e-mail {self.conversation_id} does not exist"
        known = {str(s) for s in State}
        now = State(self.state).words if self.state in known else self.state
        who = f" by {name_of(self.holder)}" if self.holder else ""
        words = f"e-mail {self.conversation_id} cannot be {self.action} now: it is {now}{who}"
        story = self.story(name_of)
        return f"{words} ({story})" if story else words


def _refusal(store: Store, conversation_id: int, action: str, since: int | None) -> Refused:
    row = rows.current(store, conversation_id)
    if row is None:
        return ConversationMoved(conversation_id, action, None, None, ())
    events = trail(store, conversation_id, after=since or 0)
    if since is None:
        events = [e for e in events if e.kind in _MOVES][-3:]
    return ConversationMoved(conversation_id, action, row["state"], row["agent_id"], events)


def _move(
    store: Store,
    conversation_id: int,
    kind: EventKind,
    *,
    action: str,
    states: Sequence[State],
    holder: str | object | None,
    to_state: State,
    to_holder: str | object | None,
    actor: str | None,
    since: int | None = None,
    values: Mapping[str, object] | None = None,
    newest_message_below: int | None = None,
    **detail: object,
) -> None:
    """The one compare-and-set every transition goes through, with its event."""
    at = now_iso()
    with store.transaction():
        row = rows.current(store, conversation_id)
        if row is None or row["state"] not in states:
            raise _refusal(store, conversation_id, action, since)
        before, held_by = row["state"], row["agent_id"]
        if holder is not ANYONE and held_by != holder:
            raise _refusal(store, conversation_id, action, since)
        new_holder = held_by if to_holder is _KEEP else to_holder
        assert new_holder is None or isinstance(new_holder, str)
        changed = rows.change(
            store,
            conversation_id,
            states=[str(s) for s in states],
            holder=held_by,
            to_state=str(to_state),
            to_holder=new_holder,
            at=at,
            values=values,
            newest_message_below=newest_message_below,
        )
        if not changed:
            raise _refusal(store, conversation_id, action, since)
        if held_by and (new_holder != held_by or to_state != State.IN_PROGRESS):
            draft_rows.delete_of_conversation(store, held_by, conversation_id)
            if actor == held_by:
                # The agent let go of it themselves: idle from now (wrap-up after a reply).
                sent = row["service_group"] if kind == EventKind.REPLIED else None
                presence.finished_work(store, held_by, at, sent_group=sent)
        if before == State.QUEUED:
            _settle_offer(store, conversation_id, to_state, new_holder, values, at)
        if before == State.QUEUED and to_state == State.IN_PROGRESS and new_holder:
            presence.offered(store, new_holder, at)
        story: dict[str, object] = {"from_state": before, "to_state": str(to_state)}
        if held_by and held_by != actor:
            story["holder"] = held_by
        record(
            store,
            kind,
            conversation_id=conversation_id,
            agent_id=actor,
            at=at,
            detail={**story, **detail},
        )


def _settle_offer(
    store: Store,
    conversation_id: int,
    to_state: State,
    to_holder: str | None,
    values: Mapping[str, object] | None,
    at: str,
) -> None:
    """A queued conversation moves: an offer of it to someone else is withdrawn."""
    if to_state == State.QUEUED and "service_group" not in (values or {}):
        return
    offer = offer_rows.delete(store, conversation_id)
    offer_rows.forget_refusals(store, conversation_id)
    if offer is not None and offer["agent_id"] != to_holder:
        record(
            store,
            EventKind.OFFER_WITHDRAWN,
            conversation_id=conversation_id,
            at=at,
            detail={"agent": offer["agent_id"], "to_state": str(to_state)},
        )


# -- arrival -------------------------------------------------------------------------


def open_conversation(
    store: Store,
    *,
    subject: str,
    customer_name: str,
    customer_address: str,
    route: Route,
    unrouted_reason: str,
) -> tuple[int, State]:
    """Start a conversation for a customer's first e-mail; its id and state.

    Queued for its service group when routed, else unrouted with the reason.
    Its event is written by :func:`message_arrived`, once the message is archived.
    """
    state = State.QUEUED if route.routed else State.UNROUTED
    conversation_id = rows.insert(
        store,
        subject=subject,
        customer_name=customer_name,
        customer_address=customer_address,
        service_access=route.service_access,
        service_group=route.service_group,
        state=str(state),
        reason="" if route.routed else unrouted_reason,
        at=now_iso(),
        priority=route.priority,
    )
    return conversation_id, state


def message_arrived(
    store: Store,
    conversation_id: int,
    archive_id: int,
    *,
    new_conversation: bool,
    **detail: object,
) -> State:
    """A customer's message was archived into the conversation; its state now.

    A new message re-opens an answered or closed conversation: back in the
    queue, nobody holding it, waiting since now. One waiting for the customer
    goes back to the agent who waits when they are logged in and Available,
    else to its group's queue. Otherwise the state stays (an agent holding it
    sees the new message). Writes ``received`` (and ``reopened``) events.
    """
    with store.transaction():
        row = rows.current(store, conversation_id)
        assert row is not None, f"conversation {conversation_id} vanished inside a transaction"
        state = State(row["state"])
        at = now_iso()
        rows.set_last_message(store, conversation_id, archive_id)
        record(
            store,
            EventKind.RECEIVED,
            conversation_id=conversation_id,
            archive_id=archive_id,
            at=at,
            detail={
                "from_state": None if new_conversation else str(state),
                "to_state": str(state),
                "new_conversation": new_conversation,
                **detail,
            },
        )
        if state in REOPENED_BY_CUSTOMER:
            _move(
                store,
                conversation_id,
                EventKind.REOPENED,
                action="reopened",
                states=REOPENED_BY_CUSTOMER,
                holder=ANYONE,
                to_state=State.QUEUED,
                to_holder=None,
                actor=None,
                values={"received": at},
            )
            state = State.QUEUED
        elif state == State.PENDING_CUSTOMER:
            state = _answered_while_waiting(store, conversation_id, row["agent_id"], at)
    return state


def _answered_while_waiting(
    store: Store, conversation_id: int, waiting: str | None, at: str
) -> State:
    """The customer answered: back to the agent who waits if they can take it, else queued."""
    back = waiting is not None and presence.available(store, waiting, datetime.now(UTC))
    to_state = State.IN_PROGRESS if back else State.QUEUED
    _move(
        store,
        conversation_id,
        EventKind.REOPENED,
        action="reopened",
        states=(State.PENDING_CUSTOMER,),
        holder=waiting,
        to_state=to_state,
        to_holder=waiting if back else None,
        actor=None,
        values={
            "received": at,
            "remind_at": None,
            "reason": "" if back else f"the customer answered; {waiting} is not available",
        },
    )
    return to_state


# -- an agent at the desk --------------------------------------------------------------


def take(store: Store, agent_id: str, conversation_id: int) -> None:
    """Give ``agent_id`` this conversation if it is still queued and not offered to another."""
    with store.transaction():
        offer = offer_rows.of_conversation(store, conversation_id)
        if offer is not None and offer["agent_id"] != agent_id:
            raise OfferRefused(
                f"e-mail {conversation_id} is offered to {offer['agent_id']} right now"
            )
        _move(
            store,
            conversation_id,
            EventKind.TAKEN,
            action="taken",
            states=(State.QUEUED,),
            holder=ANYONE,
            to_state=State.IN_PROGRESS,
            to_holder=agent_id,
            actor=agent_id,
            values={"ahead": 0},
        )


def accept_offer(store: Store, agent_id: str, conversation_id: int, now: datetime) -> None:
    """The agent accepts the e-mail offered to them: it is theirs, in progress.

    Raises:
        OfferRefused: the offer is gone (it expired, was withdrawn, or never was).
        ConversationMoved: the conversation is no longer queued.
    """
    with store.transaction():
        offer = offer_rows.delete(store, conversation_id, agent_id)
        if offer is None:
            raise OfferRefused(f"e-mail {conversation_id} is not offered to you (any more)")
        if offer["expires_at"] <= iso_of(now):
            raise OfferRefused(f"the offer of e-mail {conversation_id} expired")
        _move(
            store,
            conversation_id,
            EventKind.OFFER_ACCEPTED,
            action="accepted",
            states=(State.QUEUED,),
            holder=None,
            to_state=State.IN_PROGRESS,
            to_holder=agent_id,
            actor=agent_id,
            values={"ahead": 0},
            offered_at=offer["offered_at"],
        )


def take_next(store: Store, agent_id: str, groups: Sequence[str]) -> int | None:
    """Give ``agent_id`` the oldest queued conversation of ``groups``; None when all are empty."""
    if not groups:
        return None
    at = now_iso()
    with store.transaction():
        taken = rows.take_oldest(
            store,
            agent_id,
            groups,
            from_state=str(State.QUEUED),
            to_state=str(State.IN_PROGRESS),
            at=at,
        )
        if taken is not None:
            presence.offered(store, agent_id, at)
            record(
                store,
                EventKind.TAKEN,
                conversation_id=taken,
                agent_id=agent_id,
                at=at,
                detail={"from_state": str(State.QUEUED), "to_state": str(State.IN_PROGRESS)},
            )
    return taken


def put_back(store: Store, agent_id: str, conversation_id: int) -> None:
    """Return a conversation the agent holds to its queue."""
    _move(
        store,
        conversation_id,
        EventKind.PUT_BACK,
        action="put back",
        states=(State.IN_PROGRESS,),
        holder=agent_id,
        to_state=State.QUEUED,
        to_holder=None,
        actor=agent_id,
    )


def transfer(store: Store, agent_id: str, conversation_id: int, group: str, note: str) -> None:
    """Move a conversation the agent holds to another group's queue, with a note."""
    _move(
        store,
        conversation_id,
        EventKind.TRANSFERRED,
        action="transferred",
        states=(State.IN_PROGRESS,),
        holder=agent_id,
        to_state=State.QUEUED,
        to_holder=None,
        actor=agent_id,
        values={"service_group": group, "reason": note},
        service_group=group,
        reason=note,
    )


def close(store: Store, agent_id: str, conversation_id: int, reason: str) -> None:
    """Close a conversation the agent holds without a reply; the reason is kept."""
    _move(
        store,
        conversation_id,
        EventKind.CLOSED,
        action="closed",
        states=(State.IN_PROGRESS,),
        holder=agent_id,
        to_state=State.CLOSED,
        to_holder=_KEEP,
        actor=agent_id,
        values={"reason": reason},
        reason=reason,
    )


def junk(store: Store, agent_id: str, conversation_id: int) -> None:
    """Mark a conversation the agent holds as junk (it stays in the archive)."""
    _move(
        store,
        conversation_id,
        EventKind.JUNK,
        action="marked as junk",
        states=(State.IN_PROGRESS,),
        holder=agent_id,
        to_state=State.JUNK,
        to_holder=_KEEP,
        actor=agent_id,
        values={"reason": "junk"},
    )


def reply(
    store: Store,
    agent_id: str,
    conversation_id: int,
    *,
    review: bool,
    since: int | None = None,
    outbox_id: int | None = None,
) -> None:
    """The holder answered: the conversation is answered, or waits for review.

    Args:
        store: the store, inside the transaction that queues the reply.
        agent_id: who wrote it; they must hold the conversation.
        conversation_id: the conversation.
        review: the group reviews replies before sending.
        since: the newest event the agent had seen when they began writing; a
            refusal tells what happened after it.
        outbox_id: the queued reply, for the trail.

    Raises:
        ConversationMoved: the agent no longer holds the conversation
            (released, transferred, answered by someone else...).
    """
    _move(
        store,
        conversation_id,
        EventKind.REPLIED,
        action="answered by you",
        states=(State.IN_PROGRESS,),
        holder=agent_id,
        to_state=State.PENDING_REVIEW if review else State.ANSWERED,
        to_holder=_KEEP,
        actor=agent_id,
        since=since,
        outbox=outbox_id,
        review=review or None,
    )


def forward(
    store: Store,
    agent_id: str,
    conversation_id: int,
    *,
    since: int | None = None,
    outbox_id: int | None = None,
    review: bool = False,
) -> None:
    """The holder forwarded the customer's e-mail to a third party.

    Only the holder may, as for a reply; but the customer is not answered,
    so the conversation stays in progress with them.

    Args:
        store: the store, inside the transaction that queues the forward.
        agent_id: who wrote it; they must hold the conversation.
        conversation_id: the conversation.
        since: the newest event the agent had seen when they began writing.
        outbox_id: the queued forward, for the trail.
        review: the forward waits for a supervisor's review.

    Raises:
        ConversationMoved: the agent no longer holds the conversation.
    """
    _move(
        store,
        conversation_id,
        EventKind.FORWARDED,
        action="forwarded by you",
        states=(State.IN_PROGRESS,),
        holder=agent_id,
        to_state=State.IN_PROGRESS,
        to_holder=_KEEP,
        actor=agent_id,
        since=since,
        outbox=outbox_id,
        review=review or None,
    )


def wait_for_customer(
    store: Store,
    agent_id: str,
    conversation_id: int,
    remind_at: str | None,
    note: str = "",
) -> None:
    """The holder waits for the customer's answer: the e-mail leaves their hand and the queue.

    The agent stays its holder, as the one who waits. The customer's next
    message brings it back (:func:`message_arrived`); a reminder due brings
    it back to the queue (:func:`remind_expired`). An e-mail the agent has
    just answered may wait too ("send and wait": they asked the customer
    something).

    Args:
        store: the store.
        agent_id: who waits; they must hold the conversation.
        conversation_id: the conversation.
        remind_at: when to be reminded (stored time, UTC ISO 8601), or None.
        note: why, in the agent's words (kept as the conversation's reason).

    Raises:
        ConversationMoved: the agent does not hold the conversation.
    """
    _move(
        store,
        conversation_id,
        EventKind.WAITING_FOR_CUSTOMER,
        action="set to wait for the customer",
        states=(State.IN_PROGRESS, State.ANSWERED),
        holder=agent_id,
        to_state=State.PENDING_CUSTOMER,
        to_holder=_KEEP,
        actor=agent_id,
        values={"remind_at": remind_at, "reason": note.strip()},
        remind_at=remind_at,
        reason=note.strip() or None,
    )


def remind_expired(store: Store, now: datetime) -> list[int]:
    """Return to their queues the conversations whose reminder is due at ``now``; their ids.

    Each is marked with why (``reminder: no answer from the customer since
    <date>``) and writes a ``reminder_expired`` event. One the customer
    answered meanwhile is left alone.
    """
    moved = []
    for row in rows.reminders_due(store, str(State.PENDING_CUSTOMER), iso_of(now)):
        since = dates.date_time(row["updated"])
        reason = f"reminder: no answer from the customer since {since}"
        try:
            _move(
                store,
                int(row["id"]),
                EventKind.REMINDER_EXPIRED,
                action="returned to the queue",
                states=(State.PENDING_CUSTOMER,),
                holder=row["agent_id"],
                to_state=State.QUEUED,
                to_holder=None,
                actor=None,
                values={"remind_at": None, "reason": reason, "received": iso_of(now)},
                reason=reason,
            )
        except ConversationMoved:
            continue  # the customer wrote (or a supervisor acted) meanwhile
        moved.append(int(row["id"]))
    return moved


# -- supervisors -------------------------------------------------------------------------


def release(
    store: Store, supervisor_id: str, conversation_id: int, holder: str | object | None = ANYONE
) -> None:
    """A supervisor returns an agent's conversation to the queue.

    In progress with the agent, or waiting for the customer on their behalf.

    Args:
        store: the store.
        supervisor_id: who releases it.
        conversation_id: the conversation.
        holder: the agent the supervisor saw holding it (default: whoever does).
    """
    _move(
        store,
        conversation_id,
        EventKind.RELEASED,
        action="released",
        states=(State.IN_PROGRESS, State.PENDING_CUSTOMER),
        holder=holder,
        to_state=State.QUEUED,
        to_holder=None,
        actor=supervisor_id,
        values={"remind_at": None},
    )


def give(store: Store, supervisor_id: str, conversation_id: int, agent_id: str) -> None:
    """A supervisor gives a queued conversation to a named agent outright."""
    _move(
        store,
        conversation_id,
        EventKind.GIVEN,
        action="given",
        states=(State.QUEUED,),
        holder=ANYONE,
        to_state=State.IN_PROGRESS,
        to_holder=agent_id,
        actor=supervisor_id,
        values={"ahead": 0},
        agent=agent_id,
    )


def return_to_queue(
    store: Store, actor: str | None, conversation_id: int, holder: str, reason: str
) -> None:
    """An agent's e-mail goes back to the queue first in line (they logged out, or went silent)."""
    _move(
        store,
        conversation_id,
        EventKind.RETURNED,
        action="returned to the queue",
        states=(State.IN_PROGRESS,),
        holder=holder,
        to_state=State.QUEUED,
        to_holder=None,
        actor=actor,
        values={"ahead": 1, "reason": reason},
        reason=reason,
    )


def approve(
    store: Store,
    supervisor_id: str,
    conversation_id: int,
    *,
    reply_archive_id: int,
    outbox_id: int,
) -> None:
    """A reviewed reply was approved: its conversation is answered.

    Refused when the conversation moved on: it is no longer waiting for
    review, or the customer wrote again after the reply was written (the
    reply would not answer that).
    """
    _move(
        store,
        conversation_id,
        EventKind.REVIEW_APPROVED,
        action="approved",
        states=(State.PENDING_REVIEW,),
        holder=ANYONE,
        to_state=State.ANSWERED,
        to_holder=_KEEP,
        actor=supervisor_id,
        newest_message_below=reply_archive_id,
        since=_before_reply(store, conversation_id, outbox_id),
        outbox=outbox_id,
    )


def reject(
    store: Store,
    supervisor_id: str,
    conversation_id: int,
    *,
    writer: str | None,
    comment: str,
    outbox_id: int,
) -> None:
    """A reviewed reply was sent back: the writer holds the conversation again (or the queue)."""
    _move(
        store,
        conversation_id,
        EventKind.REVIEW_REJECTED,
        action="sent back",
        states=(State.PENDING_REVIEW,),
        holder=ANYONE,
        to_state=State.IN_PROGRESS if writer else State.QUEUED,
        to_holder=writer,
        actor=supervisor_id,
        values={"reason": f"reply rejected by {supervisor_id}: {comment}"},
        since=_before_reply(store, conversation_id, outbox_id),
        comment=comment,
        outbox=outbox_id,
    )


def _before_reply(store: Store, conversation_id: int, outbox_id: int) -> int | None:
    """The event just before a reply went to review: a refusal tells what came after."""
    for event in reversed(trail(store, conversation_id)):
        if event.kind == EventKind.REPLIED and event.detail.get("outbox") == outbox_id:
            return event.id
    return None


def assign(store: Store, supervisor_id: str, conversation_id: int, group: str) -> None:
    """A supervisor queues an unrouted conversation for ``group``."""
    _move(
        store,
        conversation_id,
        EventKind.ASSIGNED,
        action="assigned",
        states=PROBLEMS,
        holder=ANYONE,
        to_state=State.QUEUED,
        to_holder=None,
        actor=supervisor_id,
        values={"service_group": group, "reason": f"assigned to {group}"},
        service_group=group,
    )


def reroute(store: Store, supervisor_id: str, conversation_id: int, route: Route) -> None:
    """A supervisor routed an unrouted conversation again, and a service access matched."""
    _move(
        store,
        conversation_id,
        EventKind.REROUTED,
        action="routed again",
        states=PROBLEMS,
        holder=ANYONE,
        to_state=State.QUEUED,
        to_holder=None,
        actor=supervisor_id,
        values={
            "service_access": route.service_access,
            "service_group": route.service_group,
            "reason": f"routed again by {supervisor_id}",
            "priority": route.priority,
        },
        service_access=route.service_access,
        service_group=route.service_group,
        matched=route.matched_address,
    )


def discard(store: Store, supervisor_id: str, conversation_id: int, reason: str) -> None:
    """A supervisor discards an unrouted conversation (it stays archived)."""
    _move(
        store,
        conversation_id,
        EventKind.DISCARDED,
        action="discarded",
        states=PROBLEMS,
        holder=ANYONE,
        to_state=State.CLOSED,
        to_holder=None,
        actor=supervisor_id,
        values={"reason": reason},
        reason=reason,
    )


def seen(store: Store, conversation_id: int) -> int:
    """A mark of what the caller has seen of the conversation: its newest event id.

    Pass it as ``since`` to a later transition; a refusal then tells what
    happened after it.
    """
    return newest(store, conversation_id)


__all__ = [
    "ANSWERS",
    "FOLLOW_UPS_JOIN",
    "HANDLED",
    "OPEN",
    "PROBLEMS",
    "REOPENED_BY_CUSTOMER",
    "ConversationMoved",
    "OfferRefused",
    "State",
    "accept_offer",
    "approve",
    "assign",
    "close",
    "discard",
    "forward",
    "give",
    "junk",
    "message_arrived",
    "open_conversation",
    "put_back",
    "reject",
    "release",
    "remind_expired",
    "reply",
    "reroute",
    "return_to_queue",
    "seen",
    "take",
    "take_next",
    "transfer",
    "wait_for_customer",
]
