"""Automatic confirmations, queued in the same transaction that archives the e-mail.

The decision (loop protection) is :func:`engine.confirmations.confirmation_decision`;
this module gathers its inputs from the store and the config, renders the
service access's template and puts the confirmation in the durable outbox.
A customer gets one for each new conversation, never for backlog mail found in
the mailbox at first start, and never beyond the hourly limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.archive import ArchivedIncoming
from engine.audit import EventKind, record
from engine.config import Config
from engine.confirmations import build_confirmation, confirmation_decision, own_addresses
from engine.outbox import enqueue
from engine.store import Store, events
from engine.templates import TemplateContext, render_file

#: Event kinds written here; the hourly limit counts the first.
QUEUED = EventKind.CONFIRMATION_QUEUED
SKIPPED = EventKind.CONFIRMATION_SKIPPED


def sent_last_hour(store: Store, address: str) -> int:
    """How many confirmations went to ``address`` in the past hour."""
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="microseconds")
    return events.count_to_since(store, QUEUED, since, address.lower())


def _note(store: Store, item: ArchivedIncoming, kind: EventKind, **detail: object) -> None:
    record(
        store, kind, conversation_id=item.conversation_id, archive_id=item.message, detail=detail
    )


def confirm(config: Config, store: Store, item: ArchivedIncoming) -> None:
    """Queue the service access's automatic confirmation for ``item``, if one is due.

    Runs inside the ingest transaction (an ``after_archive`` hook).
    """
    if not item.route.routed or not item.new_conversation:
        return
    access = config.access(item.route.service_access or "")
    if access is None or access.auto_confirmation is None:
        return
    parsed = item.parsed
    decision = confirmation_decision(
        parsed.headers,
        parsed.from_address,
        own_addresses(config),
        sent_last_hour(store, parsed.from_address),
        config.confirmations.max_per_sender_per_hour,
        item.backlog,
    )
    if not decision.send:
        _note(store, item, SKIPPED, reason=decision.reason, to=parsed.from_address.lower())
        return
    group = config.group(item.route.service_group or "")
    context = TemplateContext(
        subject=parsed.subject,
        from_name=parsed.from_name,
        from_address=parsed.from_address,
        received=datetime.now(UTC),
        service_access=access.name,
        service_group=group.name if group else "",
        service_group_email=group.email if group else "",
        locale=(group.locale if group and group.locale else config.locale),
    )
    try:
        rendered = render_file(access.auto_confirmation, context)
    except OSError as exc:
        _note(
            store,
            item,
            SKIPPED,
            reason=f"cannot read {access.auto_confirmation}: {exc.strerror or exc}",
            to=parsed.from_address.lower(),
        )
        return
    sender = (
        item.route.matched_address
        or (group.email if group else "")
        or config.server.outgoing_address
    )
    message = build_confirmation(
        rendered.body,
        html=rendered.html,
        from_address=sender,
        from_name=access.name,
        to_address=parsed.from_address,
        to_name=parsed.from_name,
        subject=parsed.subject,
        in_reply_to=parsed.message_id or None,
        references=parsed.references,
    )
    enqueue(
        store,
        bytes(message),
        mail_from=sender,
        recipients=[parsed.from_address],
        conversation_id=item.conversation_id,
        kind="confirmation",
    )
    _note(store, item, QUEUED, to=parsed.from_address.lower(), service_access=access.name)
