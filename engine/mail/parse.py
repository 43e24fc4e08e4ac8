"""Turn raw RFC 822 bytes into the fields the contact center works with.

Parsing never raises: whatever is broken is recorded in ``problems`` and the
rest is read as well as it can be. The raw bytes are kept elsewhere, verbatim.

The stdlib parser runs with the ``compat32`` policy and the fields are decoded
with the stdlib's own tools (``decode_header``, ``getaddresses`` and the
content manager that ``policy.default`` uses for bodies). ``policy.default``
reads the same structure but builds header objects and re-parses Content-Type
at every access, which made it five times slower on ordinary mail.
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
from email.contentmanager import raw_data_manager
from email.message import Message

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
        msg = email.message_from_bytes(raw, policy=policy.compat32)
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

    body_text, body_html, attachments = _contents(msg, problems)
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
        attachments=attachments,
        headers={name: _unfold(values[0]) for name, values in headers.items()},
        problems=tuple(problems),
        content_hash=content_hash(raw),
    )


def _unparsed(raw: bytes, reason: str) -> ParsedMessage:
    text = raw.decode("utf-8", errors="replace")
    return ParsedMessage(
        message_id="",
        subject="",
        from_name="",
        from_address="",
        to=(),
        cc=(),
        reply_to=(),
        recipients=(),
        date=None,
        in_reply_to="",
        references=(),
        body_text=text,
        body_html="",
        attachments=(),
        problems=(reason,),
        content_hash=content_hash(raw),
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
        content = raw_data_manager.get_content(part)
        if isinstance(content, str):
            return _clean_surrogates(content).replace("\r\n", "\n")
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError, TypeError) as exc:
        problems.append(f"body: {exc.__class__.__name__} ({part.get_content_charset()!r})")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset() or "", "utf-8", "latin-1"):
        try:
            return payload.decode(charset or "utf-8").replace("\r\n", "\n")
        except (LookupError, UnicodeError):
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _leaves(part: Message) -> Iterable[Message]:
    """Leaf parts in order; an attached message/rfc822 is one leaf, not opened."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    yield from _leaves(sub)
        return
    yield part


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    name = str(name)
    if "\ufffd" in name:
        name = _filename_from_8bit(part) or name
    if "=?" in name:
        name = _decoded(name, [], "filename")
    return _clean_surrogates(name)


def _filename_from_8bit(part: Message) -> str | None:
    """Re-read a file name sent as raw 8-bit bytes (compat32 turns them into U+FFFD)."""
    probe = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            probe[key] = _clean_surrogates(str(value))
    found = probe.get_filename()
    return str(found) if found else None


def _contents(msg: Message, problems: list[str]) -> tuple[str, str, tuple[Attachment, ...]]:
    """One pass over the MIME tree: the text body, the HTML body and the attachments."""
    text: str | None = None
    markup: str | None = None
    attachments: list[Attachment] = []
    try:
        leaves = list(_leaves(msg))
    except Exception as exc:
        problems.append(f"MIME structure: {exc.__class__.__name__}")
        leaves = []
    for part in leaves:
        kind = part.get_content_type()
        filename = _filename(part)
        if _is_attachment(part, filename):
            attachments.append(_attachment(part, len(attachments) + 1, filename, kind))
        elif kind == "text/plain" and text is None:
            text = _part_text(part, problems)
        elif kind == "text/html" and markup is None:
            markup = _part_text(part, problems)
    body_text, body_html = text or "", markup or ""
    if not body_text and body_html:
        body_text = html_to_search_text(body_html)
    if not body_text and not body_html and msg.get_content_maintype() == "multipart":
        # A multipart whose boundaries are broken keeps its body as one string:
        # show it rather than nothing.
        payload = msg.get_payload()
        if isinstance(payload, str):
            body_text = _clean_surrogates(payload)
    return body_text, body_html, tuple(attachments)


def _is_attachment(part: Message, filename: str | None) -> bool:
    """Agents see a part as an attachment when it is named, marked so, or not text."""
    return (
        part.get_content_disposition() == "attachment"
        or filename is not None
        or part.get_content_maintype() not in ("text", "multipart")
    )


def _attachment(part: Message, index: int, filename: str | None, kind: str) -> Attachment:
    payload = part.get_payload()
    size = len(payload) if isinstance(payload, str) else 0
    if (part.get("content-transfer-encoding") or "").strip().lower() == "base64":
        size = size * 3 // 4
    return Attachment(index, filename or _unnamed(index, kind), kind, size)


def _unnamed(index: int, kind: str) -> str:
    return f"attachment-{index}.eml" if kind == "message/rfc822" else f"attachment-{index}"


_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def html_to_search_text(markup: str) -> str:
    """A quick text of an HTML body for searching; display uses a real converter."""
    text = _TAGS.sub(" ", markup)
    text = html.unescape(text)
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """Return (filename, decoded bytes) of attachment number ``index`` (1-based)."""
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    found = 0
    for part in _leaves(msg):
        filename = _filename(part)
        if not _is_attachment(part, filename):
            continue
        found += 1
        if found == index:
            inner = part.get_payload()
            if (
                part.get_content_type() == "message/rfc822"
                and isinstance(inner, list)
                and inner
                and isinstance(inner[0], Message)
            ):
                return filename or _unnamed(index, "message/rfc822"), inner[0].as_bytes()
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            return filename or _unnamed(index, part.get_content_type()), data
    return None
