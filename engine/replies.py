"""Replies and new e-mails: from an agent's draft to a message in the outbox.

The draft (:mod:`engine.drafts`) already carries From per the group's
``reply_using_incoming_address`` rule, the recipients, the subject and the
threading ids. Here the message itself is written: From with the group's
name, To/Cc, Subject ("Re: " never piled up), Date, a Message-ID in the
sender's domain, In-Reply-To and References, text and optional HTML, and
attachments (the agent's files and, for a forward, the original's).

A draft that opened with an HTML template or signature goes as
multipart/alternative: the text as typed, and the HTML part built from it
(:func:`engine.templates.html_reply.compose`), its signature's pictures as
``cid:`` parts of a multipart/related beside it. The bytes written here are
the bytes archived, sent and filed in Sent.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from engine import archive, attachments, lifecycle, outbox
from engine.config import Config
from engine.confirmations import reply_subject
from engine.drafts import Draft
from engine.errors import Refused
from engine.mail.parse import attachment_bytes, parse_message
from engine.store import Store
from engine.store import drafts as draft_rows
from engine.templates.html_reply import compose
from engine.templates.text import html_to_text

#: An HTML response as (the text the composer inserts, its HTML).
HtmlResponse = tuple[str, str]


def build_message(
    draft: Draft,
    config: Config,
    *,
    html: str | None = None,
    store: Store | None = None,
    now: datetime | None = None,
    responses: Sequence[HtmlResponse] = (),
) -> EmailMessage:
    """Write the e-mail for ``draft``.

    Args:
        draft: what the agent wrote.
        config: the tenant (the group's name becomes From's display name).
        html: an HTML body to send beside the text one, if any (else the
            draft's HTML template or signature makes one).
        store: where a forward's original attachments are read from.
        now: the Date to write (None: now).
        responses: the group's HTML responses, so one inserted unchanged
            goes as its HTML.
    """
    group = config.group(draft.group)
    sender = draft.from_address or (group.email if group else "") or config.server.outgoing_address
    if not sender:
        raise ValueError(f"service group {draft.group} has no address to send from")
    message = EmailMessage()
    message["From"] = Address(display_name=draft.group, addr_spec=sender)
    if draft.to:
        message["To"] = ", ".join(draft.to)
    if draft.cc:
        message["Cc"] = ", ".join(draft.cc)
    subject = draft.subject
    if draft.kind in ("reply", "reply_all"):
        subject = reply_subject(subject)
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    domain = sender.rpartition("@")[2] or "micc.invalid"
    # An explicit domain: make_msgid would otherwise ask DNS for this host's name.
    message["Message-ID"] = make_msgid(domain=domain)
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
        chain = [r for r in draft.references if r and r != draft.in_reply_to]
        message["References"] = " ".join([*chain, draft.in_reply_to])
    if html:
        message.set_content(draft.body or html_to_text(html))
        message.add_alternative(html, subtype="html")
    elif draft.html_opening is not None:
        _alternatives(message, draft, responses, domain)
    else:
        message.set_content(draft.body)
    _attach(message, draft, config, store)
    return message


def _alternatives(
    message: EmailMessage, draft: Draft, responses: Sequence[HtmlResponse], domain: str
) -> None:
    """Text and HTML of the same e-mail; the signature's pictures related to the HTML."""
    assert draft.html_opening is not None
    body = compose(
        draft.body,
        draft.html_opening,
        responses,
        new_cid=lambda: make_msgid("signature", domain=domain)[1:-1],
    )
    message.set_content(draft.body)
    message.add_alternative(body.html, subtype="html")
    if not body.images:
        return
    html_part = next(p for p in message.iter_parts() if p.get_content_type() == "text/html")
    assert isinstance(html_part, EmailMessage)
    for image in body.images:
        html_part.add_related(
            image.data,
            maintype=image.maintype,
            subtype=image.subtype,
            cid=f"<{image.cid}>",
            disposition="inline",
            filename=image.filename,
        )


def _attach(message: EmailMessage, draft: Draft, config: Config, store: Store | None) -> None:
    for path in draft.attachments:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        # Checked again now: only from the group's allowed folders, symlinks followed.
        data = attachments.read(config, draft.group, path)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    if draft.forward_message is not None and store is not None:
        # A forward's attachments are the original's, from its archived raw bytes,
        # never from the filesystem; and only from a message of the conversation.
        original = archive.get(store, draft.forward_message)
        if original is None or original.conversation_id != draft.conversation_id:
            raise Refused(
                f"message {draft.forward_message} is not part of the e-mail being forwarded"
            )
        raw = archive.raw(store, draft.forward_message)
        if raw is None:
            return
        for index in range(1, len(parse_message(raw).attachments) + 1):
            found = attachment_bytes(raw, index)
            if found is None:
                continue
            name, data = found
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            maintype, subtype = kind.split("/", 1)
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)


def envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """The SMTP envelope of a message: (sender, every To/Cc/Bcc address)."""
    sender = getaddresses([str(message.get("from", ""))])
    recipients = [
        a
        for _, a in getaddresses(
            [str(v) for h in ("to", "cc", "bcc") for v in message.get_all(h, [])]
        )
        if a
    ]
    return (sender[0][1] if sender else ""), list(dict.fromkeys(recipients))


def submit(
    store: Store,
    config: Config,
    draft: Draft,
    *,
    agent_id: str | None,
    review: bool,
    html: str | None = None,
    responses: Sequence[HtmlResponse] = (),
) -> int:
    """Queue an agent's e-mail: archive it, queue it and answer its conversation at once.

    A forward is queued the same way, but its conversation stays in progress
    with the agent (a third party was written to, not the customer).

    Args:
        store: the store.
        config: the tenant.
        draft: the finished draft.
        agent_id: who sends it.
        review: the group reviews e-mails before sending (a supervisor approves).
        html: an optional HTML body beside the text.
        responses: the group's HTML responses (see :func:`build_message`).

    Returns:
        The outbox id.

    Raises:
        ConversationMoved: the agent no longer holds the conversation; nothing
            was archived or queued.
        Refused: an attached file cannot be read, is outside the group's
            attachment folders or too big, or (with Microsoft Graph) the
            e-mail is too big for one sendMail request.
    """
    message = build_message(draft, config, html=html, store=store, responses=responses)
    mail_from, recipients = envelope(message)
    if "Bcc" in message:
        del message["Bcc"]
    raw = message.as_bytes(policy=SMTP)
    too_big = attachments.graph_refusal(config, raw)
    if too_big:
        raise Refused(too_big)
    with store.transaction():
        outbox_id = outbox.enqueue(
            store,
            raw,
            mail_from=mail_from,
            recipients=recipients,
            conversation_id=draft.conversation_id,
            kind=draft.kind,
            agent_id=agent_id,
            review=review,
        )
        if draft.conversation_id is not None:
            if agent_id is None:
                raise ValueError("a reply in a conversation needs the agent who holds it")
            # Only the holder may answer or forward: a stale composer is refused here,
            # and the whole transaction (archive copy, outbox row) rolls back with it.
            # A forward goes to a third party: the customer is not answered by it.
            transition = lifecycle.reply if draft.kind in lifecycle.ANSWERS else lifecycle.forward
            transition(
                store,
                agent_id,
                draft.conversation_id,
                review=review,
                since=draft.seen or None,
                outbox_id=outbox_id,
            )
        if agent_id is not None:
            # Queued: the copy kept while it was written must not be restored again.
            draft_rows.delete(store, agent_id, draft.slot)
    return outbox_id


def submit_message(
    store: Store,
    message: EmailMessage,
    *,
    conversation_id: int | None,
    kind: str,
    agent_id: str | None = None,
    review: bool = False,
) -> int:
    """Queue a finished message (e.g. an automatic confirmation) as it is."""
    mail_from, recipients = envelope(message)
    if "Bcc" in message:
        del message["Bcc"]
    return outbox.enqueue(
        store,
        message.as_bytes(policy=SMTP),
        mail_from=mail_from,
        recipients=recipients,
        conversation_id=conversation_id,
        kind=kind,
        agent_id=agent_id,
        review=review,
    )
