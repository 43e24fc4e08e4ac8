"""One incoming cycle: read new mail, archive and route it, then apply the policy.

Order matters for exactly once: each batch and the bookmark after it are
committed in one transaction (:func:`engine.ingest.ingest` joins it) before
the server is touched; the processed-mail policy runs afterwards. A crash
between the two leaves archived messages in the mailbox: the next cycle finds
them through :meth:`MailSource.leftovers` and applies the policy then.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engine.config import Config
from engine.ingest import IngestResult, ingest
from engine.mail.parse import content_hash
from engine.ports import Bookmark, FetchedMessage, MailSource, ProcessedPolicy, unreadable
from engine.store import Store, messages, now_iso, sync_state


@dataclass
class SyncReport:
    """What one cycle did."""

    fetched: int = 0
    archived: int = 0
    duplicates: int = 0
    processed: int = 0
    #: Messages the server would not give (handle: its words), left in the mailbox.
    unreadable: dict[str, str] = field(default_factory=dict)


def load_bookmark(store: Store, mailbox: str) -> Bookmark | None:
    """The stored bookmark of ``mailbox``, or None before its first read."""
    row = sync_state.load(store, mailbox)
    if row is None:
        return None
    return Bookmark(mailbox, row[0], int(row[1]), dict(json.loads(row[2] or "{}")))


def save_bookmark(store: Store, bookmark: Bookmark) -> None:
    """Store ``bookmark``; joins an open transaction."""
    sync_state.save(
        store,
        bookmark.mailbox,
        bookmark.validity,
        bookmark.last,
        json.dumps(bookmark.detail),
        now_iso(),
    )


def sync_once(
    store: Store,
    config: Config,
    source: MailSource,
    *,
    batch: int,
    policy: ProcessedPolicy,
    on_batch: Callable[[Sequence[IngestResult]], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> SyncReport:
    """Read everything new from ``source`` into the store, batch by batch.

    Args:
        store: the store.
        config: the tenant (routing).
        source: a connected mail source.
        batch: messages per FETCH and per transaction.
        policy: what happens to a message on the server once it is archived.
        on_batch: told about each batch after it was committed.
        should_stop: checked between batches (shutdown, lost lease).
    """
    report = SyncReport()
    bookmark = load_bookmark(store, source.mailbox_key)
    if policy != "keep":
        left = source.leftovers(bookmark)
        if left:
            source.mark_processed(left, policy)
            report.processed += len(left)
    first_run = bookmark is None
    for fetched, after in source.fetch_new(bookmark, batch):
        items = list(fetched)
        if bookmark is not None and bookmark.validity != after.validity:
            # The server renumbered the folder: what we archived before has new
            # UIDs (so new keys), but not new content.
            items = _drop_known_content(store, items)
        with store.transaction():
            results = ingest(store, config, items, backlog=first_run)
            save_bookmark(store, after)
        bookmark = after
        report.fetched += len(items)
        report.archived += sum(not r.duplicate for r in results)
        report.duplicates += sum(r.duplicate for r in results)
        if on_batch is not None:
            on_batch(results)
        if policy != "keep" and fetched:
            source.mark_processed([i.handle for i in fetched], policy)
            report.processed += len(fetched)
        if should_stop():
            break
    report.unreadable = unreadable(bookmark)
    return report


def _drop_known_content(store: Store, items: Sequence[FetchedMessage]) -> list[FetchedMessage]:
    kept = []
    for item in items:
        if not messages.has_incoming_content(store, item.source, content_hash(item.raw)):
            kept.append(item)
    return kept
