"""Drafts: what the composer opens with, before the agent edits it.

A draft is plain data: From (per the group's ``reply_using_incoming_address``
rule), To, Cc, Subject, a text body prefilled with the group's default
template (a new e-mail: its new-e-mail template), the signature and the
quoted original, and threading headers. When the template or the signature
in use is HTML, the draft also keeps the HTML of each of those pieces
(:mod:`engine.templates.html_reply`): the e-mail is then sent as text and
HTML, the agent's text put where it stands among them.
Building one is pure apart from reading template files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from engine.archive import ArchivedMessage
from engine.config import AgentConfig, Config, ServiceGroupConfig
from engine.confirmations import reply_subject
from engine.mail.html import message_text
from engine.mail.parse import parse_message
from engine.queue import QueueItem
from engine.router import matches
from engine.templates import RenderedTemplate, TemplateContext, render_file
from engine.templates.html_reply import (
    PLAIN_FRAME,
    HtmlOpening,
    Piece,
    quoted_html,
    template_opening,
)
from engine.templates.identifiers import short_datetime
from engine.templates.signatures import (
    append_signature,
    choose_signature,
    signature_block,
    signature_is_html,
    signature_text,
)

DraftKind = Literal["reply", "reply_all", "forward", "new"]
_FORWARD_PREFIX = re.compile(r"^\s*(?:fwd?|wg|tr|vs)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """An e-mail being written by an agent.

    Attributes:
        kind: reply, reply_all, forward or new.
        group: the service group it is sent for.
        conversation_id: the conversation answered (None for a new e-mail).
        from_address: the sender, decided by the group's rules (shown, not edited).
        to: recipients.
        cc: copy recipients.
        subject: the subject.
        body: the text body.
        in_reply_to: the Message-ID answered ('' for forwards and new e-mails).
        references: the References chain to write.
        attachments: files the agent attached.
        forward_message: the archived message whose attachments go with a forward.
        locale: the culture for spelling and dates.
        answer_row: the body's line (0-based) where the agent's own words go: an empty
            line of its own after the template's greeting.
        names: the people and group the e-mail is between; the spelling check accepts them.
        seen: the conversation's newest event when the draft was made; if the
            conversation moves on before it is sent, the refusal tells what
            happened after it.
        sent_back: for the agent's own e-mail a supervisor sent back from
            review, who did and their comment ("Carol White: say it more
            kindly"); empty otherwise.
        html_opening: the HTML of the template, signature and original the
            body opened with, when the template or the signature is HTML (the
            e-mail then goes as text and HTML); None for a text-only e-mail.
    """

    kind: DraftKind
    group: str
    conversation_id: int | None
    from_address: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[Path, ...] = ()
    forward_message: int | None = None
    locale: str = "en-US"
    answer_row: int = 0
    names: tuple[str, ...] = ()
    seen: int = 0
    sent_back: str = ""
    html_opening: HtmlOpening | None = None

    def edited(self, **changes: object) -> Draft:
        """A copy with some fields changed (what the composer hands back)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def slot(self) -> str:
        """Where the agent's saved copy is kept (:mod:`engine.saved_drafts`).

        One per conversation (``conversation 12``, whatever the kind), and for
        a new e-mail one per service group (``new Sales``).
        """
        if self.conversation_id is not None:
            return f"conversation {self.conversation_id}"
        return f"new {self.group}"


def context_for(
    group: ServiceGroupConfig,
    agent: AgentConfig,
    config: Config,
    *,
    item: QueueItem | None = None,
    original: ArchivedMessage | None = None,
    now: datetime | None = None,
) -> TemplateContext:
    """The template context of a draft (also used to render responses)."""
    received = None
    if original is not None:
        try:
            received = datetime.fromisoformat(original.received)
        except ValueError:
            received = None
    return TemplateContext(
        subject=original.subject if original else "",
        from_name=original.from_name if original else "",
        from_address=original.from_address if original else "",
        received=received,
        service_access=(item.service_access or "") if item else "",
        service_group=group.name,
        service_group_email=group.email,
        agent_name=agent.name,
        agent_first_name=agent.first_name,
        agent_last_name=agent.last_name,
        agent_chat_name=agent.chat_name,
        locale=group.locale or config.locale,
        now=now,
    )


def reply_from(
    group: ServiceGroupConfig,
    access_pattern: str | None,
    recipients: tuple[str, ...],
    config: Config,
) -> str:
    """The sender of a reply: the address the customer wrote to, or the group's.

    With ``reply_using_incoming_address`` the reply comes from the address of
    the service access the e-mail arrived on (the first recipient matching its
    pattern); otherwise, or when none matches, from the group's e-mail
    address, and as a last resort from the tenant's outgoing address.
    """
    if group.reply_using_incoming_address and access_pattern:
        found = next((r for r in recipients if matches(access_pattern, r)), None)
        if found:
            return found
    return group.email or config.server.outgoing_address


def _rendered(path: Path | None, context: TemplateContext) -> RenderedTemplate | None:
    if path is None:
        return None
    try:
        return render_file(path, context)
    except OSError:
        return None  # a missing template must not stop an agent from answering


@dataclass(frozen=True)
class _Opening:
    """What a draft opens with before the original: template and signature."""

    text: str
    #: A template leads (its greeting comes before the agent's answer).
    greeting: bool
    html: HtmlOpening | None = None

    def with_original(self, text: str, markup: str) -> HtmlOpening | None:
        """The HTML pieces with the original's (``text`` as quoted, ``markup`` its HTML)."""
        if self.html is None:
            return None
        piece = Piece(text.strip("\n"), markup)
        return replace(self.html, pieces=(*self.html.pieces, piece))


def _opening(
    group: ServiceGroupConfig,
    agent: AgentConfig,
    config: Config,
    context: TemplateContext,
    template_file: Path | None,
) -> _Opening:
    """The template and signature as text, and their HTML if either is HTML."""
    template = _rendered(template_file, context)
    body = template.as_text().replace("\r\n", "\n").strip("\n") if template else ""
    chosen = choose_signature(
        _rendered(agent.signature, context),
        _rendered(group.signature, context),
        config.confirmations.signature_preference,
    )
    text = append_signature(
        body, html=False, agent_signature=chosen, group_signature=None, prefer="agent"
    )
    greeting = bool(body.strip())
    html_template = template is not None and template.html
    if not html_template and (chosen is None or not signature_is_html(chosen)):
        return _Opening(text, greeting)
    before, after, pieces = (
        template_opening(template.body) if template and html_template else (*PLAIN_FRAME, ())
    )
    if chosen is not None:
        folder = chosen.path.parent if isinstance(chosen, RenderedTemplate) else None
        shown = signature_text(chosen).replace("\r\n", "\n")
        pieces = (*pieces, Piece(shown, signature_block(chosen), folder))
    return _Opening(text, greeting, HtmlOpening(before, after, pieces))


def with_answer_line(text: str, *, greeting: bool) -> tuple[str, int]:
    """``text`` with an empty line for the agent's answer, and that line's number.

    The line goes after the first paragraph (the template's greeting, "Dear
    ...,") between blank lines, so the agent starts typing on a line of their
    own; without a greeting it is the first line.
    """
    if not greeting:
        return ("\n\n" + text.lstrip("\n") if text.strip() else "\n"), 0
    head, _, rest = text.partition("\n\n")
    rest = rest.lstrip("\n")
    return head + "\n\n\n" + ("\n" + rest if rest else ""), head.count("\n") + 2


def _body(opening: _Opening, original: str = "") -> tuple[str, int]:
    text = opening.text
    if original:
        text = text.rstrip("\n") + "\n\n" + original if text.strip() else original
    return with_answer_line(text, greeting=opening.greeting)


_NAME_PART = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")


def names_of(*people: str) -> tuple[str, ...]:
    """The words of people's and groups' names ("Åsa Öberg-Lund" gives Åsa, Öberg-Lund...)."""
    words: dict[str, None] = {}
    for person in people:
        for found in _NAME_PART.findall(person):
            words[found] = None
            for part in found.split("-"):
                words[part] = None
    return tuple(w for w in words if w)


def _when(original: ArchivedMessage, culture: str) -> str:
    try:
        moment = datetime.fromisoformat(original.date or original.received)
    except ValueError:
        return original.date or original.received
    return short_datetime(moment, culture)


def _attribution(original: ArchivedMessage, when: str) -> str:
    who = original.from_name or original.from_address or "the customer"
    return f"On {when}, {who} wrote:"


def quote(original: ArchivedMessage, when: str) -> str:
    """The original message quoted with ``>``, under an attribution line."""
    text = message_text(original.body_text or "", original.body_html or "")
    lines = text.replace("\r\n", "\n").rstrip().split("\n")
    quoted = "\n".join("> " + line if line else ">" for line in lines)
    return f"{_attribution(original, when)}\n{quoted}\n"


def _forward_head(original: ArchivedMessage, when: str) -> str:
    return "\n".join(
        [
            "---------- Forwarded message ----------",
            f"From: {original.from_name} <{original.from_address}>".replace(" <>", ""),
            f"Date: {when}",
            f"Subject: {original.subject}",
            f"To: {', '.join(original.to)}",
        ]
    )


def _forward_block(original: ArchivedMessage, when: str) -> str:
    return _forward_head(original, when) + "\n\n" + (original.body_text or "").rstrip() + "\n"


def _original_html(original: ArchivedMessage, when: str, *, forward: bool) -> str:
    """The original as the HTML part carries it: the customer's HTML sanitized, or its text."""
    head = _forward_head(original, when) if forward else _attribution(original, when)
    return quoted_html(head, original.body_text or "", original.body_html or "", cite=not forward)


def reply_draft(
    kind: DraftKind,
    item: QueueItem,
    original: ArchivedMessage,
    raw: bytes,
    group: ServiceGroupConfig,
    agent: AgentConfig,
    config: Config,
    *,
    now: datetime | None = None,
) -> Draft:
    """A reply, reply-all or forward of ``original``.

    Args:
        kind: ``reply``, ``reply_all`` or ``forward``.
        item: the conversation as queued.
        original: the archived message answered.
        raw: its raw bytes (for Reply-To, recipients and References).
        group: the conversation's service group.
        agent: the agent writing.
        config: the tenant.
        now: the time templates show.
    """
    parsed = parse_message(raw) if raw else None
    recipients = parsed.recipients if parsed else tuple(original.to)
    access = config.access(item.service_access) if item.service_access else None
    sender = reply_from(group, access.address if access else None, recipients, config)
    context = context_for(group, agent, config, item=item, original=original, now=now)
    opening = _opening(group, agent, config, context, group.default_template)
    when = _when(original, context.locale)
    names = names_of(original.from_name, agent.name, agent.first_name, agent.last_name, group.name)
    if kind == "forward":
        bare = _FORWARD_PREFIX.sub("", original.subject)
        block = _forward_block(original, when)
        body, answer_row = _body(opening, block)
        html = opening.with_original(block, _original_html(original, when, forward=True))
        return Draft(
            kind,
            group.name,
            item.id,
            sender,
            (),
            (),
            f"Fwd: {bare}",
            body,
            forward_message=original.id,
            locale=context.locale,
            answer_row=answer_row,
            names=names,
            html_opening=html,
        )
    customer = (parsed.reply_to if parsed and parsed.reply_to else None) or (
        (original.from_address,) if original.from_address else ()
    )
    cc: tuple[str, ...] = ()
    if kind == "reply_all":
        mine = {sender.lower(), *(a.lower() for a in customer)}
        others = [
            a
            for a in (*original.to, *original.cc)
            if a.lower() not in mine and not (access and matches(access.address, a))
        ]
        cc = tuple(dict.fromkeys(others))
    references = (*(parsed.references if parsed else ()), original.message_id)
    quoted = quote(original, when)
    body, answer_row = _body(opening, quoted)
    return Draft(
        kind,
        group.name,
        item.id,
        sender,
        tuple(customer),
        cc,
        reply_subject(original.subject),
        body,
        in_reply_to=original.message_id,
        references=tuple(r for r in dict.fromkeys(references) if r),
        locale=context.locale,
        answer_row=answer_row,
        names=names,
        html_opening=opening.with_original(quoted, _original_html(original, when, forward=False)),
    )


def new_draft(
    group: ServiceGroupConfig, agent: AgentConfig, config: Config, *, now: datetime | None = None
) -> Draft:
    """A new outgoing e-mail from ``group``'s own address.

    It opens with the group's ``new_email_template``, never with the reply
    template (``default_template``): that one greets the customer who wrote
    and names their subject, and a new e-mail has neither. Without one it
    opens with the signature alone.
    """
    context = context_for(group, agent, config, now=now)
    opening = _opening(group, agent, config, context, group.new_email_template)
    body, answer_row = _body(opening)
    return Draft(
        "new",
        group.name,
        None,
        group.email,
        (),
        (),
        "",
        body,
        locale=context.locale,
        answer_row=answer_row,
        names=names_of(agent.name, agent.first_name, agent.last_name, group.name),
        html_opening=opening.html,
    )


def sent_back_draft(
    fresh: Draft, rejected: ArchivedMessage, kind: DraftKind, reviewer: str, comment: str
) -> Draft:
    """The agent's own e-mail a supervisor sent back, to edit and send again.

    Recipients, subject and text are the ones the agent wrote (as archived),
    not a fresh template; From and threading come from ``fresh``, the draft
    the agent would get today. Files the agent attached are not kept (only
    their names are archived with the e-mail): ``sent_back`` names them so
    they can be attached again; a forward's come from the original anyway.

    Args:
        fresh: a new draft of the same conversation and kind.
        rejected: the e-mail sent back, as archived.
        kind: its kind (reply, reply_all or forward).
        reviewer: the supervisor's name.
        comment: what they asked to change.
    """
    told = f"{reviewer}: {comment}" if comment else reviewer
    files = [str(a.get("filename") or "") for a in rejected.attachments]
    if kind != "forward" and any(files):
        told += " · attach again: " + ", ".join(f for f in files if f)
    return fresh.edited(
        kind=kind,
        to=tuple(rejected.to),
        cc=tuple(rejected.cc),
        subject=rejected.subject,
        body=rejected.body_text.replace("\r\n", "\n"),
        answer_row=0,
        sent_back=told,
    )
