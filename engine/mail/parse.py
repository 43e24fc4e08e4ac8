"""Turn raw RFC 822 bytes into the fields the contact center works with.

Parsing never raises: whatever is broken is recorded in ``problems`` and the
rest is read as well as it can be. The raw bytes are kept elsewhere, verbatim.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message

#: Headers that name the original recipient of a message in the master mailbox.
RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "resent-to")


@dataclass(frozen=True)
class Attachment:
    """An attachment as listed to agents (the bytes stay in the raw message)."""

    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    """What the engine reads from one e-mail."""

    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    #: Every original-recipient address, in header order, for the router.
    recipients: tuple[str, ...]
    date: datetime | None
    in_reply_to: str
    references: tuple[str, ...]
    body_text: str
    body_html: str
    attachments: tuple[Attachment, ...]
    #: Lower-cased header name -> first raw value, for loop protection and display.
    headers: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    content_hash: str = ""


def content_hash(raw: bytes) -> str:
    """A stable digest of the raw bytes: the same content, the same e-mail."""
    return hashlib.sha256(raw).hexdigest()


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse ``raw`` (an RFC 822 message); never raises."""
    problems: list[str] = []
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # the stdlib parser is lenient, but not infinitely
        return _unparsed(raw, f"cannot parse the message: {exc!r}")
    headers: dict[str, list[str]] = {}
    try:
        for name, value in msg.raw_items():
            headers.setdefault(name.lower(), []).append(str(value))
    except Exception as exc:
        problems.append(f"broken headers: {exc!r}")
    for defect in getattr(msg, "defects", ())[:5]:
        problems.append(f"MIME defect: {defect.__class__.__name__}")

    from_pairs = _addresses(headers.get("from", []), problems, "From")
    from_name, from_address = from_pairs[0] if from_pairs else ("", "")
    to = tuple(a for _, a in _addresses(headers.get("to", []), problems, "To"))
    cc = tuple(a for _, a in _addresses(headers.get("cc", []), problems, "Cc"))
    reply_to = tuple(a for _, a in _addresses(headers.get("reply-to", []), problems, "Reply-To"))
    recipients: list[str] = []
    for name in RECIPIENT_HEADERS:
        for _, address in _addresses(headers.get(name, []), problems, name):
            if address and address.lower() not in (r.lower() for r in recipients):
                recipients.append(address)

    body_text, body_html = _bodies(msg, problems)
    return ParsedMessage(
        message_id=_msg_id(_first(headers, "message-id")),
        subject=_decoded(_first(headers, "subject"), problems, "Subject"),
        from_name=from_name,
        from_address=from_address,
        to=to,
        cc=cc,
        reply_to=reply_to,
        recipients=tuple(recipients),
        date=_date(_first(headers, "date"), problems),
        in_reply_to=_msg_id(_first(headers, "in-reply-to")),
        references=tuple(_MSG_ID.findall(_first(headers, "references"))),
        body_text=body_text,
        body_html=body_html,
        attachments=tuple(_attachments(msg, problems)),
        headers={name: _unfold(values[0]) for name, values in headers.items()},
        problems=tuple(problems),
        content_hash=content_hash(raw),
    )


def _unparsed(raw: bytes, reason: str) -> ParsedMessage:
    text = raw.decode("utf-8", errors="replace")
    return ParsedMessage(
        message_id="", subject="", from_name="", from_address="", to=(), cc=(), reply_to=(),
        recipients=(), date=None, in_reply_to="", references=(), body_text=text,
        body_html="", attachments=(), problems=(reason,), content_hash=content_hash(raw),
    )


_MSG_ID = re.compile(r"<[^<>\s]+>")


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value).strip()


def _msg_id(value: str) -> str:
    found = _MSG_ID.search(value)
    if found:
        return found.group(0)
    value = _unfold(value)
    return f"<{value}>" if value and " " not in value else ""


def _decoded(value: str, problems: list[str], name: str) -> str:
    """Decode RFC 2047 words; 8-bit bytes that arrived raw are already surrogate-escaped."""
    if not value:
        return ""
    value = _unfold(value)
    try:
        text = str(email.header.make_header(email.header.decode_header(value)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError) as exc:
        problems.append(f"{name}: cannot decode ({exc.__class__.__name__})")
        text = value
    return _clean_surrogates(text)


def _clean_surrogates(text: str) -> str:
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    # Raw 8-bit header bytes: most are UTF-8, the rest are shown as Latin-1.
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _addresses(values: Iterable[str], problems: list[str], name: str) -> list[tuple[str, str]]:
    values = list(values)
    if not values:
        return []
    decoded = [_decoded(v, problems, name) for v in values]
    try:
        pairs = email.utils.getaddresses(decoded)
    except Exception as exc:
        problems.append(f"{name}: unreadable addresses ({exc.__class__.__name__})")
        return []
    out = [(n.strip(), a.strip()) for n, a in pairs if a and "@" in a]
    if not out and any(v.strip() for v in decoded):
        # Keep something to show and route on: bare words are not addresses,
        # but the sender's display text is still useful to a person.
        bare = [(n.strip(), a.strip()) for n, a in pairs if a or n]
        if bare:
            problems.append(f"{name}: no valid address in {decoded[0][:80]!r}")
            return [(bare[0][0] or bare[0][1], "")] if name == "From" else []
    return out


def _date(value: str, problems: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(_unfold(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"Date: cannot read {value[:60]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _part_text(part: Message, problems: list[str]) -> str:
    try:
        if isinstance(part, EmailMessage):
            content = part.get_content()
            if isinstance(content, str):
                return content
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError, TypeError) as exc:
        problems.append(f"body: {exc.__class__.__name__} ({part.get_content_charset()!r})")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset() or "", "utf-8"):
        try:
            return payload.decode(charset) if charset else payload.decode("utf-8")
        except (LookupError, UnicodeError):
            continue
    return payload.decode("latin-1")


def _bodies(msg: EmailMessage, problems: list[str]) -> tuple[str, str]:
    text = html_body = ""
    try:
        plain = msg.get_body(preferencelist=("plain",))
        rich = msg.get_body(preferencelist=("html",))
    except Exception as exc:
        problems.append(f"body: cannot find the text part ({exc.__class__.__name__})")
        plain = rich = None
    if plain is not None:
        text = _part_text(plain, problems)
    if rich is not None:
        html_body = _part_text(rich, problems)
    if not text and html_body:
        text = html_to_search_text(html_body)
    if plain is None and rich is None and not msg.is_multipart():
        maintype = msg.get_content_maintype()
        if maintype == "text" or not msg.get("content-type"):
            text = _part_text(msg, problems)
    if not text and not html_body:
        # A multipart whose boundaries are broken keeps its body as one string:
        # show it rather than nothing.
        payload = msg.get_payload()
        if isinstance(payload, str):
            text = _clean_surrogates(payload)
    return text, html_body


_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def html_to_search_text(markup: str) -> str:
    """A quick text of an HTML body for searching; display uses a real converter."""
    text = _TAGS.sub(" ", markup)
    text = html.unescape(text)
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def _attachment_parts(msg: EmailMessage) -> Iterable[Message]:
    """The leaf parts agents see as attachments (not the text bodies)."""
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception:
            disposition, filename = None, None
        is_body_text = part.get_content_maintype() == "text" and not filename
        if disposition != "attachment" and (is_body_text or not filename):
            if part.get_content_maintype() in ("text", "multipart") or part is msg:
                continue
        yield part


def _attachments(msg: EmailMessage, problems: list[str]) -> Iterable[Attachment]:
    try:
        parts = list(_attachment_parts(msg))
    except Exception as exc:
        problems.append(f"attachments: {exc.__class__.__name__}")
        return
    for index, part in enumerate(parts, start=1):
        payload = part.get_payload()
        size = len(payload) if isinstance(payload, str) else 0
        if (part.get("content-transfer-encoding") or "").strip().lower() == "base64":
            size = size * 3 // 4
        try:
            filename = part.get_filename()
        except Exception:
            filename = None
        name = _clean_surrogates(str(filename)) if filename else f"attachment-{index}"
        yield Attachment(index, name, part.get_content_type(), size)


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """Return (filename, decoded bytes) of attachment number ``index`` (1-based)."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    listed = list(_attachments(msg, []))
    parts = list(_attachment_parts(msg))
    if not 1 <= index <= len(parts):
        return None
    payload = parts[index - 1].get_payload(decode=True)
    return listed[index - 1].filename, payload if isinstance(payload, bytes) else b""
