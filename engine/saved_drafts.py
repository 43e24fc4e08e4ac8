"""Drafts kept in the store while an agent writes, so a dropped connection loses little.

The composer saves what the agent has written (To, Cc, Subject, the body,
attached files, the spelling language and where the cursor was) every few
seconds while it changes. Each agent has at most one draft per *slot*
(:attr:`engine.drafts.Draft.slot`): the conversation answered or forwarded,
or for a new e-mail the service group it is sent from. Drafts are the agent's
own: no other agent, and no supervisor, ever sees one.

A draft of a conversation is kept only while the agent holds it in
progress: once the conversation leaves them (put back, transferred,
released, closed, answered) :mod:`engine.lifecycle` removes it in the same
transaction, and a late save is refused here. Restoring one only fills the
composer: sending still goes through the lifecycle's guard. Queueing the
e-mail removes its draft (:func:`engine.replies.submit`, same transaction).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.drafts import Draft, DraftKind
from engine.lifecycle import State
from engine.store import Store, now_iso
from engine.store import conversations as conversation_rows
from engine.store import drafts as rows


@dataclass(frozen=True)
class SavedDraft:
    """What an agent had written, as last saved.

    Attributes:
        kind: reply, reply_all, forward or new.
        group: the service group it is sent for.
        conversation_id: the conversation (None for a new e-mail).
        to: recipients as typed.
        cc: copy recipients as typed.
        subject: the subject.
        body: the text body.
        attachments: paths of the files attached (checked again when restored).
        locale: the spelling language.
        cursor: the body's cursor (row, column), 0-based.
        saved_at: when it was saved (ISO, UTC).
    """

    kind: DraftKind
    group: str
    conversation_id: int | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[str, ...]
    locale: str
    cursor: tuple[int, int]
    saved_at: str

    def onto(self, base: Draft) -> Draft:
        """``base`` (a fresh draft of the same kind) with what the agent had written.

        From, threading and what the conversation had come to stay ``base``'s:
        they are the engine's, not the agent's. Attachments are left out; the
        caller checks each one again before attaching it.
        """
        return base.edited(
            to=self.to,
            cc=self.cc,
            subject=self.subject,
            body=self.body,
            locale=self.locale or base.locale,
            answer_row=self.cursor[0],
            attachments=(),
        )


def keep(store: Store, agent_id: str, draft: Draft, cursor: tuple[int, int] = (0, 0)) -> bool:
    """Save ``draft`` as the agent's draft of its slot (replacing the one saved before).

    Returns:
        False, saving nothing, when the draft answers a conversation the agent
        no longer holds in progress (it moved on while they wrote).
    """
    with store.transaction():
        if draft.conversation_id is not None:
            row = conversation_rows.current(store, draft.conversation_id)
            if row is None or row["state"] != State.IN_PROGRESS or row["agent_id"] != agent_id:
                return False
        rows.put(
            store,
            {
                "agent_id": agent_id,
                "slot": draft.slot,
                "conversation_id": draft.conversation_id,
                "service_group": draft.group,
                "kind": draft.kind,
                "to_json": json.dumps(list(draft.to)),
                "cc_json": json.dumps(list(draft.cc)),
                "subject": draft.subject,
                "body": draft.body,
                "attachments_json": json.dumps([str(p) for p in draft.attachments]),
                "locale": draft.locale,
                "cursor_row": max(cursor[0], 0),
                "cursor_column": max(cursor[1], 0),
                "saved_at": now_iso(),
            },
        )
    return True


def find(store: Store, agent_id: str, draft: Draft) -> SavedDraft | None:
    """The agent's saved draft of the same slot as ``draft``, or None."""
    row = rows.get(store, agent_id, draft.slot)
    if row is None:
        return None
    return SavedDraft(
        kind=row["kind"],
        group=row["service_group"],
        conversation_id=row["conversation_id"],
        to=tuple(_texts(row["to_json"])),
        cc=tuple(_texts(row["cc_json"])),
        subject=row["subject"],
        body=row["body"],
        attachments=tuple(_texts(row["attachments_json"])),
        locale=row["locale"],
        cursor=(int(row["cursor_row"]), int(row["cursor_column"])),
        saved_at=row["saved_at"],
    )


def forget(store: Store, agent_id: str, draft: Draft) -> bool:
    """Remove the agent's saved draft of ``draft``'s slot; False when there was none."""
    return rows.delete(store, agent_id, draft.slot)


def drafted(store: Store, agent_id: str) -> frozenset[int]:
    """The conversations the agent has a saved draft of."""
    return frozenset(rows.conversations_of(store, agent_id))


def _texts(value: str) -> list[str]:
    """A JSON list of strings as stored; anything else there is left out."""
    try:
        found = json.loads(value or "[]")
    except ValueError:
        return []
    return [v for v in found if isinstance(v, str)] if isinstance(found, list) else []


__all__ = ["SavedDraft", "drafted", "find", "forget", "keep"]
