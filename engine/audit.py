"""The audit trail: who received, took, released, transferred, replied, reviewed, closed.

Every change of a conversation or an outbox item writes one event with
:func:`record`, inside the transaction that makes the change, so the trail
and the state never disagree. Conversation transitions carry the state they
left and the state they entered (``from_state``/``to_state`` in the detail).
:func:`trail` reads a conversation's events back and :func:`describe` tells one
in words ("released by Carol at 14:02").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from engine import dates
from engine.store import Store, now_iso
from engine.store import events as rows


class EventKind(StrEnum):
    """What happened. The values are stored; never change one that has shipped."""

    RECEIVED = "received"
    REOPENED = "reopened"
    TAKEN = "taken"
    PUT_BACK = "put_back"
    RELEASED = "released"
    TRANSFERRED = "transferred"
    CLOSED = "closed"
    JUNK = "junk"
    ASSIGNED = "assigned"
    DISCARDED = "discarded"
    REROUTED = "rerouted"
    REPLIED = "replied"
    FORWARDED = "forwarded"
    NOTE_ADDED = "note_added"
    REPLY_QUEUED = "reply_queued"
    REPLY_TO_REVIEW = "reply_to_review"
    REVIEW_APPROVED = "review_approved"
    REVIEW_REJECTED = "review_rejected"
    SENT = "sent"
    SEND_FAILED = "send_failed"
    SEND_IN_DOUBT = "send_in_doubt"
    SEND_RETRIED = "send_retried"
    SEND_DISCARDED = "send_discarded"
    CONFIRMATION_QUEUED = "confirmation_queued"
    CONFIRMATION_SKIPPED = "confirmation_skipped"
    ACCESS_ACTIVATED = "access_activated"
    ACCESS_DEACTIVATED = "access_deactivated"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    REMINDER_EXPIRED = "reminder_expired"
    OFFERED = "offered"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_REJECTED = "offer_rejected"
    OFFER_EXPIRED = "offer_expired"
    OFFER_WITHDRAWN = "offer_withdrawn"
    GIVEN = "given"
    RETURNED = "returned"
    AGENT_STATE = "agent_state"


@dataclass(frozen=True)
class Event:
    """One line of the audit trail."""

    id: int
    at: str
    kind: str
    conversation_id: int | None
    #: The archived message it concerns (a received e-mail, a reply), if any.
    archive_id: int | None
    agent_id: str | None
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The event as ``micc history --json`` prints it."""
        return {
            "id": self.id,
            "at": self.at,
            "kind": self.kind,
            "agent_id": self.agent_id,
            "archive_id": self.archive_id,
            "detail": self.detail,
        }


def record(
    store: Store,
    kind: EventKind,
    /,
    *,
    conversation_id: int | None = None,
    archive_id: int | None = None,
    agent_id: str | None = None,
    at: str | None = None,
    detail: Mapping[str, object] | None = None,
    **more: object,
) -> int:
    """Write one event, joining the caller's transaction; its id.

    Args:
        store: the store, inside the transaction that makes the change.
        kind: what happened.
        conversation_id: the conversation it happened to.
        archive_id: the archived message it concerns.
        agent_id: who did it (None: the engine or a customer).
        at: when (default now).
        detail: what else tells the story (``from_state``, ``to_state``, ``reason``...).
        **more: more of the same, as keywords; None values are left out.
    """
    return rows.insert(
        store,
        at=at or now_iso(),
        kind=str(kind),
        conversation_id=conversation_id,
        archive_id=archive_id,
        agent_id=agent_id,
        detail={k: v for k, v in {**(detail or {}), **more}.items() if v is not None},
    )


def trail(store: Store, conversation_id: int, *, after: int = 0) -> list[Event]:
    """A conversation's events, oldest first (only those after event id ``after``)."""
    return [
        Event(
            r["id"],
            r["at"],
            r["kind"],
            r["conversation_id"],
            r["message"],
            r["agent_id"],
            rows.detail(r),
        )
        for r in rows.of_conversation(store, conversation_id, after=after)
    ]


def newest(store: Store, conversation_id: int) -> int:
    """The id of the conversation's newest event (0 when it has none)."""
    return rows.newest_of(store, conversation_id)


#: How each kind reads after the name of who did it ("released by Carol").
_VERBS: dict[str, str] = {
    EventKind.RECEIVED: "e-mail received",
    EventKind.REOPENED: "reopened by the customer's reply",
    EventKind.TAKEN: "taken",
    EventKind.PUT_BACK: "put back",
    EventKind.RELEASED: "released",
    EventKind.TRANSFERRED: "transferred",
    EventKind.CLOSED: "closed",
    EventKind.JUNK: "marked as junk",
    EventKind.ASSIGNED: "assigned",
    EventKind.DISCARDED: "discarded",
    EventKind.REROUTED: "routed again",
    EventKind.REPLIED: "answered",
    EventKind.FORWARDED: "forwarded",
    EventKind.NOTE_ADDED: "note added",
    EventKind.REPLY_QUEUED: "reply queued",
    EventKind.REPLY_TO_REVIEW: "reply sent to review",
    EventKind.REVIEW_APPROVED: "reply approved",
    EventKind.REVIEW_REJECTED: "reply rejected",
    EventKind.SENT: "reply sent",
    EventKind.SEND_FAILED: "sending failed",
    EventKind.SEND_IN_DOUBT: "sending cut short by a crash",
    EventKind.SEND_RETRIED: "sending retried",
    EventKind.SEND_DISCARDED: "failed reply given up",
    EventKind.CONFIRMATION_QUEUED: "automatic confirmation queued",
    EventKind.CONFIRMATION_SKIPPED: "no automatic confirmation",
    EventKind.WAITING_FOR_CUSTOMER: "set to wait for the customer",
    EventKind.REMINDER_EXPIRED: "reminder due, back in the queue",
    EventKind.OFFERED: "offered",
    EventKind.OFFER_ACCEPTED: "offer accepted",
    EventKind.OFFER_REJECTED: "offer rejected",
    EventKind.OFFER_EXPIRED: "offer not answered",
    EventKind.OFFER_WITHDRAWN: "offer withdrawn",
    EventKind.GIVEN: "given",
    EventKind.RETURNED: "returned to the queue, first in line",
    EventKind.AGENT_STATE: "state changed",
}


#: Kinds whose detail names the agent an e-mail went to (``offered to Alice``).
_TO_AGENT = frozenset({EventKind.OFFERED, EventKind.GIVEN, EventKind.OFFER_WITHDRAWN})


def describe(
    event: Event,
    name_of: Callable[[str], str] = lambda agent_id: agent_id,
    when: Callable[[str], str] = dates.when,
) -> str:
    """One event in words: ``released by Carol at 14:02``.

    Args:
        event: the event.
        name_of: an agent's display name from their id.
        when: how a stored time is written.
    """
    verb = _VERBS.get(event.kind, event.kind.replace("_", " "))
    words = verb
    if event.kind == EventKind.RECEIVED and event.detail.get("new_conversation") is False:
        words = "the customer wrote again"
    if event.kind == EventKind.TRANSFERRED and event.detail.get("service_group"):
        words += f" to {event.detail['service_group']}"
    if event.kind == EventKind.ASSIGNED and event.detail.get("service_group"):
        words += f" to {event.detail['service_group']}"
    if event.kind in _TO_AGENT and event.detail.get("agent"):
        words += f" to {name_of(str(event.detail['agent']))}"
    if event.kind == EventKind.OFFER_EXPIRED and event.detail.get("agent"):
        words += f" by {name_of(str(event.detail['agent']))}"
    if event.agent_id:
        words += f" by {name_of(event.agent_id)}"
    words += f" at {when(event.at)}"
    if event.kind == EventKind.REPLIED and event.detail.get("review"):
        words += "; the reply waits for review"
    words += _waiting_words(event, name_of, when)
    reason = event.detail.get("reason") or event.detail.get("comment")
    if reason and event.kind not in (EventKind.RECEIVED,):
        words += f" ({reason})"
    return words


def _waiting_words(event: Event, name_of: Callable[[str], str], when: Callable[[str], str]) -> str:
    """What waiting for the customer adds: the reminder, or where the reply took it."""
    if event.kind == EventKind.WAITING_FOR_CUSTOMER:
        remind_at = event.detail.get("remind_at")
        return f"; reminder {when(str(remind_at))}" if remind_at else "; no reminder"
    if event.kind == EventKind.REOPENED and event.detail.get("from_state") == "pending_customer":
        holder = event.detail.get("holder")
        if event.detail.get("to_state") == "in_progress" and holder:
            return f"; back with {name_of(str(holder))}"
        return "; back in the queue"
    return ""


__all__ = ["Event", "EventKind", "describe", "newest", "record", "trail"]
