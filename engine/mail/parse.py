"""Turn raw RFC 822 bytes into the fields the contact center works with.

Parsing never raises: whatever is broken is recorded in ``problems`` and the
rest is read as well as it can be. The raw bytes are kept elsewhere, verbatim.

The stdlib parser runs with the ``compat32`` policy and the fields are decoded
with the stdlib's own tools (``decode_header``, ``getaddresses`` and the
content manager that ``policy.default`` uses for bodies). ``policy.default``
reads the same structure but builds header objects and re-parses Content-Type
at every access, which made it five times slower on ordinary mail.

Hostile input (issue 14) is bounded and kept inert:

- addresses are split from the raw header before RFC 2047 decoding, display
  names decoded after (:mod:`engine.mail.addresses`); recipients are
  de-duplicated with a set (100,000 recipients parse in a fraction of a second);
- charsets are read as mail clients read them (:mod:`engine.mail.charsets`):
  superset codecs for the common mislabels, raw 8-bit header bytes as UTF-8,
  then the message's declared charsets, then cp1252;
- MIME nesting deeper than :data:`MAX_DEPTH` levels is not followed (a named
  problem), and a parser giving up on deeper nesting keeps what it read;
- no string field of a :class:`ParsedMessage` holds a lone surrogate or a NUL
  (:func:`_guarded`, the last step of :func:`parse_message`).
"""

from __future__ import annotations

import copy
import dataclasses
import email
import email.errors
import email.utils
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from typing import Any

from engine.mail.addresses import read_addresses, single_line, unfold
from engine.mail.charsets import (
    decode_raw_header,
    decode_raw_value,
    decode_text,
    decode_words,
    header_bytes,
    html_charset,
)
from engine.mail.html import incoming_text

#: Headers that name the original recipient of a message in the master mailbox.
RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "resent-to")

#: MIME containers nested deeper than this are not opened (a named problem).
MAX_DEPTH = 100


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
    try:
        parsed = _parse(raw)
    except RecursionError:
        parsed = _unparsed(raw, f"MIME nesting deeper than {MAX_DEPTH} levels: unreadable")
    except Exception as exc:  # a bug or a stdlib surprise: keep the message readable
        parsed = _unparsed(raw, f"cannot parse the message: {exc!r}")
    return _guarded(parsed)


def _parse(raw: bytes) -> ParsedMessage:
    problems: list[str] = []
    try:
        msg, stopped = _read(raw)
    except Exception as exc:  # the stdlib parser is lenient, but not infinitely
        return _unparsed(raw, f"cannot parse the message: {exc!r}")
    if msg is None:
        return _unparsed(raw, stopped or "cannot parse the message")
    if stopped:
        problems.append(stopped)
    headers: dict[str, list[str]] = {}
    try:
        for name, value in msg.raw_items():
            headers.setdefault(name.lower(), []).append(str(value))
    except Exception as exc:
        problems.append(f"broken headers: {exc!r}")
    for defect in getattr(msg, "defects", ())[:5]:
        problems.append(f"MIME defect: {defect.__class__.__name__}")
    declared = _Declared(msg)

    def text(name: str) -> str:
        """The first value of header ``name``, raw 8-bit bytes decoded."""
        return decode_raw_value(_first(headers, name), declared).replace("\x00", "")

    read: dict[str, list[tuple[str, str]]] = {}

    def addresses(name: str) -> list[tuple[str, str]]:
        if name not in read:
            label = _LABELS.get(name, name)
            read[name] = read_addresses(headers.get(name, []), declared, problems, label)
        return read[name]

    from_pairs = addresses("from")
    from_name, from_address = from_pairs[0] if from_pairs else ("", "")
    # De-duplicated in one pass with a set: linear in the number of addresses.
    seen: set[str] = set()
    add = seen.add
    recipients = [
        address
        for name in RECIPIENT_HEADERS
        for _, address in addresses(name)
        if address and not ((key := address.lower()) in seen or add(key))
    ]

    body_text, body_html, attachments = _contents(msg, problems, declared)
    return ParsedMessage(
        message_id=_msg_id(text("message-id")),
        subject=_words(_first(headers, "subject"), declared, problems, "Subject"),
        from_name=from_name,
        from_address=from_address,
        to=tuple(a for _, a in addresses("to")),
        cc=tuple(a for _, a in addresses("cc")),
        reply_to=tuple(a for _, a in addresses("reply-to")),
        recipients=tuple(recipients),
        date=_date(text("date"), problems),
        in_reply_to=_msg_id(text("in-reply-to")),
        references=tuple(_MSG_ID.findall(text("references"))),
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        headers={
            name: _unfold(decode_raw_value(values[0], declared)).replace("\x00", "")
            for name, values in headers.items()
        },
        problems=tuple(problems),
        content_hash=content_hash(raw),
    )


_NAMING = ("content-disposition", "content-type")
_LABELS = {"from": "From", "to": "To", "cc": "Cc", "reply-to": "Reply-To"}


def _read(raw: bytes) -> tuple[Message | None, str | None]:
    """The message tree, and why the parser stopped early (else None).

    The stdlib parser recurses once per MIME level and raises RecursionError
    a few hundred levels down; the tree read until then is kept.
    """
    created: list[Message] = []
    recording = False

    def factory(*args: Any, **kwargs: Any) -> Message:
        made = Message(*args, **kwargs)
        if recording and not created:
            created.append(made)
        return made

    parser = BytesFeedParser(_factory=factory, policy=policy.compat32)
    recording = True
    try:
        parser.feed(raw)
        root = parser.close()
    except RecursionError:
        return (
            created[0] if created else None,
            f"MIME nesting deeper than {MAX_DEPTH} levels: the parser stopped; "
            "the parts read before are kept (the raw message keeps all)",
        )
    return root, None


class _Declared:
    """The charsets the message's parts declare, looked up when first needed
    (only a header with raw 8-bit bytes needs them)."""

    def __init__(self, msg: Message) -> None:
        self._msg = msg
        self._found: list[str] | None = None

    def __iter__(self) -> Iterator[str]:
        if self._found is None:
            self._found = _declared_charsets(self._msg)
        return iter(self._found)


def _declared_charsets(msg: Message) -> list[str]:
    found: list[str] = []
    for part in _parts(msg, limit=1_000):
        try:
            charset = part.get_content_charset()
        except Exception:
            continue
        if charset and charset not in found and charset not in ("us-ascii", "utf-8"):
            found.append(charset)
    return found


def _unparsed(raw: bytes, reason: str) -> ParsedMessage:
    return unparsed(raw, reason, body_text=raw.decode("utf-8", errors="replace"))


def unparsed(raw: bytes, reason: str, *, body_text: str = "") -> ParsedMessage:
    """A message that could not be read: no fields, ``reason`` as its one problem."""
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
        body_text=body_text,
        body_html="",
        attachments=(),
        problems=(reason,),
        content_hash=content_hash(raw),
    )


_MSG_ID = re.compile(r"<[^<>\s]+>")


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


_unfold = unfold


def _msg_id(value: str) -> str:
    found = _MSG_ID.search(value)
    if found:
        return found.group(0)
    value = _unfold(value)
    return f"<{value}>" if value and " " not in value else ""


def _words(value: str, declared: Iterable[str], problems: list[str], name: str) -> str:
    """A header's text: RFC 2047 words and raw 8-bit bytes decoded, on one line."""
    if not value:
        return ""
    value = _unfold(value)
    found: list[str] = []
    try:
        text = decode_words(header_bytes(value), declared, found)
    except UnicodeError:
        text = decode_raw_value(value, declared)
    problems.extend(f"{name}: {problem}" for problem in found)
    return single_line(text)


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
        payload = part.get_payload(decode=True)
    except Exception as exc:
        problems.append(f"body: {exc.__class__.__name__}")
        return ""
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    if part.get_content_type() == "text/html":
        charset = html_charset(payload, charset)
    found: list[str] = []
    text = decode_text(payload, charset, found)
    problems.extend(f"body: {problem}" for problem in found)
    return text.replace("\r\n", "\n")


def _parts(msg: Message, limit: int | None = None) -> Iterator[Message]:
    """Every part, depth first, without recursion and at most :data:`MAX_DEPTH` deep."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    count = 0
    while stack:
        part, depth = stack.pop()
        yield part
        count += 1
        if limit is not None and count >= limit:
            return
        payload = part.get_payload() if depth < MAX_DEPTH and part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend((sub, depth + 1) for sub in reversed(payload) if isinstance(sub, Message))


def _leaves(part: Message, problems: list[str] | None = None) -> list[Message]:
    """Leaf parts in order; an attached message/rfc822 is one leaf, not opened.

    Multiparts nested deeper than :data:`MAX_DEPTH` levels are not opened;
    ``problems`` hears about it once. No recursion: any depth is safe.
    """
    leaves: list[Message] = []
    stack: list[tuple[Message, int]] = [(part, 0)]
    too_deep = False
    while stack:
        current, depth = stack.pop()
        if current.is_multipart() and current.get_content_maintype() == "multipart":
            if depth >= MAX_DEPTH:
                too_deep = True
                continue
            payload = current.get_payload()
            if isinstance(payload, list):
                stack.extend(
                    (sub, depth + 1) for sub in reversed(payload) if isinstance(sub, Message)
                )
            continue
        leaves.append(current)
    if too_deep and problems is not None:
        problems.append(
            f"MIME nesting deeper than {MAX_DEPTH} levels: the parts below are not read "
            "(the raw message keeps them)"
        )
    return leaves


def _filename(part: Message, declared: Iterable[str] = ()) -> str | None:
    """The part's file name, decoded (RFC 2231, RFC 2047 or raw 8-bit bytes)."""
    missing = object()

    def charsets() -> list[str]:
        """The part's own charset first (looked up only when a name needs it)."""
        own = part.get_content_charset()
        return [own, *declared] if own else list(declared)

    try:
        probe = part
        raw = [(k, v) for k, v in part.raw_items() if k.lower() in _NAMING]
        if any(not str(v).isascii() for _, v in raw):
            # Raw 8-bit bytes: reading the header through the Message would turn
            # them into U+FFFD; decode them first, then read the parameters.
            probe = Message()
            for key, v in raw:
                probe[key] = decode_raw_value(str(v), charsets())
        value: Any = probe.get_param("filename", missing, "content-disposition")
        if value is missing:
            value = probe.get_param("name", missing, "content-type")
    except Exception:
        return None
    if value is missing or not value:
        return None
    if isinstance(value, tuple):
        # RFC 2231: (charset, language, text whose characters are bytes).
        label, _, text = value
        text = email.utils.unquote(str(text))
        try:
            name = decode_text(text.encode("latin-1"), str(label) if label else None)
        except UnicodeEncodeError:  # raw 8-bit bytes, decoded above
            name = text
    else:
        name = str(value)
        if "=?" in name:
            name = decode_words(header_bytes(name), charsets())
        elif not name.isascii():
            name = decode_raw_value(name, charsets())
    return single_line(name) or None


def _contents(
    msg: Message, problems: list[str], declared: Iterable[str]
) -> tuple[str, str, tuple[Attachment, ...]]:
    """One pass over the MIME tree: the text body, the HTML body and the attachments."""
    text: str | None = None
    markup: str | None = None
    attachments: list[Attachment] = []
    try:
        leaves = _leaves(msg, problems)
    except Exception as exc:
        problems.append(f"MIME structure: {exc.__class__.__name__}")
        leaves = []
    for part in leaves:
        kind = part.get_content_type()
        filename = _filename(part, declared)
        if _is_attachment(part, filename):
            attachments.append(_attachment(part, len(attachments) + 1, filename, kind))
        elif kind == "text/plain" and text is None:
            text = _part_text(part, problems)
        elif kind == "text/html" and markup is None:
            markup = _part_text(part, problems)
    body_text, body_html = text or "", markup or ""
    if _blank(body_text) and not _blank(body_html):
        # What a person reads, quotes and searches: the HTML as text, its
        # paragraphs, lists and links kept (the HTML itself stays in body_html).
        body_text = incoming_text(body_html)
    if not body_text and not body_html and msg.get_content_maintype() == "multipart":
        # A multipart whose boundaries are broken keeps its body as one string:
        # show it rather than nothing.
        payload = msg.get_payload()
        if isinstance(payload, str):
            body_text = decode_raw_header(header_bytes(payload), declared)
    return body_text, body_html, tuple(attachments)


def _is_attachment(part: Message, filename: str | None) -> bool:
    """Agents see a part as an attachment when it is named, marked so, or not text."""
    return (
        part.get_content_disposition() == "attachment"
        or filename is not None
        or part.get_content_maintype() not in ("text", "multipart")
    )


def _attachment(part: Message, index: int, filename: str | None, kind: str) -> Attachment:
    # The size of what saving it writes (attachment_bytes), not of its base64 or
    # quoted-printable text: "403 B" listed, 393 bytes saved, was a size nobody has.
    inner = part.get_payload()
    if kind == "message/rfc822" and isinstance(inner, list) and inner:
        size = len(_as_bytes(inner[0])) if isinstance(inner[0], Message) else 0
    else:
        try:
            decoded = part.get_payload(decode=True)
        except Exception:  # a hostile part: listed all the same, its size unknown
            decoded = None
        size = len(decoded) if isinstance(decoded, bytes) else 0
    return Attachment(index, filename or _unnamed(index, kind), kind, size)


def _unnamed(index: int, kind: str) -> str:
    return f"attachment-{index}.eml" if kind == "message/rfc822" else f"attachment-{index}"


def _blank(text: str) -> bool:
    return not text or text.isspace()


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """Return (filename, decoded bytes) of attachment number ``index`` (1-based).

    The numbering is the one :func:`parse_message` lists; any nesting depth
    is safe (no RecursionError).
    """
    try:
        msg, stopped = _read(raw)
    except Exception:
        return None
    if msg is None:
        return None
    declared = _Declared(msg)
    found = 0
    for part in _leaves(msg):
        filename = _filename(part, declared)
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
                name = filename or _unnamed(index, "message/rfc822")
                # The parser stopped inside it: what it read is incomplete, so
                # the attached message's bytes are cut from the raw message.
                whole = _raw_body(raw, _path(msg, part)) if stopped else None
                return name, whole if whole is not None else _as_bytes(inner[0])
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            return filename or _unnamed(index, part.get_content_type()), data
    return None


def _path(root: Message, target: Message) -> list[int]:
    """Child indices from ``root`` down to ``target`` (found without recursion)."""
    stack: list[tuple[Message, list[int]]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        payload = node.get_payload() if node.is_multipart() else None
        if isinstance(payload, list) and node.get_content_maintype() == "multipart":
            stack.extend((sub, [*path, n]) for n, sub in enumerate(payload))
    return []


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _head_and_body(data: bytes) -> tuple[bytes, bytes]:
    if data.startswith((b"\n", b"\r\n")):
        return b"", data.split(b"\n", 1)[1]
    found = _BLANK_LINE.search(data)
    return (data[: found.start()], data[found.end() :]) if found else (data, b"")


def _raw_body(raw: bytes, path: list[int]) -> bytes | None:
    """The undecoded body of the part at ``path``, read level by level from the
    raw bytes (headers only at each level: no recursion); None if not found."""
    data = raw
    for index in path:
        head, body = _head_and_body(data)
        boundary = email.message_from_bytes(head, policy=policy.compat32).get_boundary()
        if not boundary:
            return None
        delimiter = re.compile(
            rb"(?:\A|\r?\n)--"
            + re.escape(boundary.encode("ascii", "surrogateescape"))
            + rb"(--)?[ \t]*(?:\r?\n|\Z)"
        )
        parts: list[bytes] = []
        start: int | None = None
        for match in delimiter.finditer(body):
            if start is not None:
                parts.append(body[start : match.start()])
            if match.group(1):
                start = None
                break
            start = match.end()
        if start is not None:
            parts.append(body[start:])
        if index >= len(parts):
            return None
        data = parts[index]
    return _head_and_body(data)[1]


def _as_bytes(msg: Message) -> bytes:
    """``msg.as_bytes()``; past the stdlib generator's recursion depth, built
    bottom-up: each container is generated with placeholders for its parts."""
    try:
        return msg.as_bytes()
    except Exception:  # RecursionError, or a part the parser left unfinished
        pass
    order: list[Message] = []
    stack = [msg]
    while stack:
        node = stack.pop()
        order.append(node)
        payload = node.get_payload() if node.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(sub for sub in payload if isinstance(sub, Message))
    done: dict[int, bytes] = {}
    for node in reversed(order):
        payload = node.get_payload() if node.is_multipart() else None
        if not isinstance(payload, list):
            done[id(node)] = _leaf_bytes(node)
            continue
        shell = copy.copy(node)
        holders: list[Message | str] = []
        spliced: list[tuple[bytes, bytes]] = []
        for sub in payload:
            if not isinstance(sub, Message):
                continue
            token = f"micc-part-{uuid.uuid4().hex}"
            holder = Message()
            holder.set_payload(token)
            holders.append(holder)
            spliced.append((b"\n" + token.encode(), done.pop(id(sub))))
        shell.set_payload(holders)
        data = shell.as_bytes()
        for token_bytes, sub_bytes in spliced:
            data = data.replace(token_bytes, sub_bytes, 1)
        done[id(node)] = data
    return done[id(msg)]


def _leaf_bytes(node: Message) -> bytes:
    try:
        return node.as_bytes()
    except Exception:  # a part the parser left unfinished: its headers at least
        shell = copy.copy(node)
        shell.set_payload("")
        try:
            return shell.as_bytes()
        except Exception:
            return b""


_BAD = re.compile("[\x00\ud800-\udfff]")


def _is_clean(text: str) -> bool:
    return "\x00" not in text and (text.isascii() or not _BAD.search(text))


def _clean(text: str) -> str:
    """No NUL, no lone surrogate: what SQLite and every widget can take."""
    if _is_clean(text):
        return text
    return _BAD.sub(lambda m: "" if m.group(0) == "\x00" else "\ufffd", text)


def _guarded(parsed: ParsedMessage) -> ParsedMessage:
    """The last step: whatever path a string took, it leaves clean."""
    return cleaned_fields(parsed, _clean)


def cleaned_fields(parsed: ParsedMessage, clean: Callable[[str], str]) -> ParsedMessage:
    """``parsed`` with ``clean`` applied to every string in it (``parsed`` itself when
    nothing holds a NUL or a lone surrogate)."""
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(parsed):
        value = getattr(parsed, item.name)
        cleaned: Any = value
        if isinstance(value, str):
            cleaned = clean(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], str):
            if not _is_clean("".join(value)):
                cleaned = tuple(clean(v) for v in value)
        elif isinstance(value, tuple) and value and isinstance(value[0], Attachment):
            cleaned = tuple(
                dataclasses.replace(
                    a, filename=clean(a.filename), content_type=clean(a.content_type)
                )
                for a in value
            )
        elif isinstance(value, dict) and not _is_clean("".join(value) + "".join(value.values())):
            cleaned = {clean(k): clean(v) for k, v in value.items()}
        if cleaned != value:
            changes[item.name] = cleaned
    return dataclasses.replace(parsed, **changes) if changes else parsed
