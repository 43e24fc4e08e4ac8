"""Automatic confirmations: whether to send one, and the message itself.

Pure functions for the ingest pipeline. The loop protection follows RFC 3834
(automatic responses to e-mail) and what mail systems actually send: never
answer automatic mail, mailing lists, bounces or ourselves, and never more
than a configured number of times per sender and hour.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from engine.config import Config
from engine.mail.subjects import bare_subject
from engine.router import matches
from engine.templates.text import html_to_text

#: The header our own automatic mail carries (RFC 3834).
AUTO_SUBMITTED = "auto-replied"
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
_AUTOMATIC_HEADERS = ("x-loop", "list-id", "x-autoreply", "x-autorespond")
#: Local parts (lower case, without ".", "-", "_" and "+tag") of robots.
_ROBOT_NAMES = frozenset({"mailerdaemon", "postmaster", "listserv", "majordomo"})
_ROBOT_PREFIXES = ("noreply", "donotreply", "mailerdaemon", "bounce")
_LIST_SUFFIXES = ("-request", "-bounces", "-owner")
#: Reply prefixes mail clients write, English and localized (Re, AW, SV, VS, Antw...).


@dataclass(frozen=True)
class Decision:
    """Whether to send an automatic confirmation, and why (for the event log)."""

    send: bool
    reason: str


def confirmation_decision(
    headers: Mapping[str, str],
    sender: str,
    own_addresses: Collection[str],
    sent_last_hour: int,
    limit: int,
    backlog: bool,
) -> Decision:
    """Decide whether an incoming e-mail gets an automatic confirmation.

    Args:
        headers: the e-mail's headers, lower-case names, first value of each.
        sender: the address a confirmation would go to (``From``, or
            ``Reply-To`` when the caller prefers it); ``Name <addr>`` is fine.
        own_addresses: our addresses and service access patterns (``*`` and
            ``?`` wildcards as in routing).
        sent_last_hour: confirmations already sent to this sender in the
            last hour.
        limit: the most confirmations per sender per hour.
        backlog: True for mail already in the mailbox at first start.

    Returns:
        ``send`` True with reason ``"ok"``, or False with the first rule that
        refused.
    """
    if backlog:
        return Decision(False, "backlog: already in the mailbox at first start")
    automatic = automatic_reason(headers)
    if automatic is not None:
        return Decision(False, automatic)
    address = parseaddr(sender)[1].strip()
    if "@" not in address:
        return Decision(False, "no usable sender address")
    if is_robot_address(address):
        return Decision(False, f"automatic sender {address}")
    if any(matches(pattern, address) for pattern in own_addresses):
        return Decision(False, f"our own address {address}")
    if sent_last_hour >= limit:
        return Decision(
            False, f"limit: {sent_last_hour} sent to {address} in the last hour (at most {limit})"
        )
    return Decision(True, "ok")


def own_addresses(config: Config) -> tuple[str, ...]:
    """Every address (or pattern) that is us: never confirm mail from these.

    Service access patterns, service group addresses, the outgoing address
    and the master mailbox's login names.
    """
    server = config.server
    graph_user = server.graph.user if server.graph is not None else ""
    found = [access.address for access in config.service_access]
    found += [group.email for group in config.service_group]
    found += [server.outgoing_address, server.imap.username, server.smtp.username, graph_user]
    return tuple(dict.fromkeys(a.strip() for a in found if "@" in a))


def automatic_reason(headers: Mapping[str, str]) -> str | None:
    """Why the headers mark an e-mail as automatic or list mail, or None when they do not."""
    auto_submitted = _token(headers.get("auto-submitted", ""))
    if auto_submitted not in ("", "no"):
        return f"auto-submitted: {auto_submitted}"
    precedence = _token(headers.get("precedence", ""))
    if precedence in _BULK_PRECEDENCE:
        return f"precedence: {precedence}"
    for name in _AUTOMATIC_HEADERS:
        if name in headers:
            return f"{name} present"
    suppress = {
        part.strip().lower() for part in headers.get("x-auto-response-suppress", "").split(",")
    }
    if suppress & {"all", "autoreply"}:
        return "x-auto-response-suppress asks for no automatic replies"
    if headers.get("return-path", "").strip() == "<>":
        return "empty return-path (a bounce)"
    if _token(headers.get("content-type", "")) == "multipart/report":
        return "a delivery or read report"
    return None


def is_robot_address(address: str) -> bool:
    """True for mailer-daemon, postmaster, no-reply, bounce and list-robot addresses."""
    local = address.rpartition("@")[0].lower().split("+", 1)[0]
    if local.startswith("owner-") or local.endswith(_LIST_SUFFIXES):
        return True
    squeezed = re.sub(r"[-_.]", "", local)
    return squeezed in _ROBOT_NAMES or squeezed.startswith(_ROBOT_PREFIXES)


def _token(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def reply_subject(subject: str) -> str:
    """``Re: subject`` with any reply prefixes already there removed (no ``Re: Re: AW:``)."""
    bare = bare_subject(subject)
    return f"Re: {bare}" if bare else "Re:"


def build_confirmation(
    body: str,
    *,
    html: bool,
    from_address: str,
    to_address: str,
    subject: str,
    in_reply_to: str | None = None,
    references: str | Sequence[str] = "",
    from_name: str = "",
    to_name: str = "",
    now: datetime | None = None,
) -> EmailMessage:
    """The automatic confirmation for one customer e-mail.

    Args:
        body: the rendered confirmation template.
        html: True when ``body`` is HTML; a plain-text alternative is added.
        from_address: the service access address the customer wrote to.
        to_address: the customer's address.
        subject: the customer's subject.
        in_reply_to: the customer's ``Message-ID``, if it had one.
        references: the customer's ``References`` (the header, or its ids).
        from_name: display name for From (such as the service access name).
        to_name: the customer's display name.
        now: the Date to write; None means now.

    Returns:
        A message ready for the outbox, marked ``Auto-Submitted: auto-replied``.

    Raises:
        ValueError: when an address cannot be written into a header.
    """
    message = EmailMessage()
    message["From"] = _address(from_name, from_address)
    message["To"] = _address(to_name, to_address)
    message["Subject"] = reply_subject(subject)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    domain = from_address.rpartition("@")[2] or "micc.invalid"
    # An explicit domain: make_msgid would otherwise ask DNS for our FQDN.
    message["Message-ID"] = make_msgid(domain=domain)
    parent = _message_id(in_reply_to)
    if parent:
        message["In-Reply-To"] = parent
        ids = references.split() if isinstance(references, str) else references
        chain = [_message_id(ref) for ref in ids if ref.strip() and _message_id(ref) != parent]
        message["References"] = " ".join([*chain, parent])
    message["Auto-Submitted"] = AUTO_SUBMITTED
    # Exchange then sends no out-of-office reply back to us.
    message["X-Auto-Response-Suppress"] = "All"
    if html:
        message.set_content(html_to_text(body))
        message.add_alternative(body, subtype="html")
    else:
        message.set_content(body)
    return message


def _address(name: str, address: str) -> Address:
    return Address(display_name=" ".join(name.split()), addr_spec=address.strip())


def _message_id(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    return value if value.startswith("<") else f"<{value}>"
