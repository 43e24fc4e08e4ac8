"""Helpers for tests that answer customers: an agent's reply to a conversation."""

from __future__ import annotations

from engine import archive, lifecycle, queue
from engine.config import Config
from engine.drafts import reply_draft
from engine.lifecycle import State
from engine.replies import submit
from engine.store import Store

AGENT = """
[[agent]]
id = "alice"
name = "Alice Smith"
first_name = "Alice"
groups = ["Sales", "Support", "Marketing"]
"""


def reply_to(
    store: Store,
    config: Config,
    conversation_id: int,
    body: str = "Thanks!",
    *,
    review: bool = False,
) -> int:
    """Alice takes the conversation (if queued) and replies to its newest message; the outbox id."""
    item = queue.get_item(store, conversation_id)
    assert item is not None and item.service_group
    if item.state == State.QUEUED:
        lifecycle.take(store, "alice", conversation_id)
    row = store.query_one(
        "SELECT id FROM messages WHERE conversation_id = ? AND direction = 'in' "
        "ORDER BY id DESC LIMIT 1",
        (conversation_id,),
    )
    assert row is not None
    original = archive.get(store, int(row[0]))
    raw = archive.raw(store, int(row[0]))
    group = config.group(item.service_group)
    agent = config.find_agent("alice")
    assert original is not None and group is not None and agent is not None
    draft = reply_draft("reply", item, original, raw or b"", group, agent, config)
    draft = draft.edited(body=body + "\n\n" + draft.body)
    return submit(store, config, draft, agent_id="alice", review=review)
