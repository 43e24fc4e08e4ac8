"""Sending through Microsoft Graph's ``sendMail`` (the MailSender port).

The finished message goes as MIME: base64 in a ``text/plain`` body, Graph's
documented way to send MIME. Only MIME keeps everything the outbox built:
the From address of the service access or group (Exchange checks the master
mailbox's Send As permission on it), ``Message-ID``, ``In-Reply-To`` and
``References`` (Graph's JSON message accepts only ``X-`` headers, so a JSON
reply would lose its threading). Exchange saves a copy in the master
mailbox's Sent Items, which is ``saveToSentItems``'s default and the only
behaviour MIME sending has.

Before sending, Sent Items is searched for the message's ``Message-ID``: a
message accepted just before a crash, whose outbox row was not yet marked, is
then not sent twice. (Exchange files the copy a moment after it answers 202,
so a crash within that moment can still lead to a second copy.)
"""

from __future__ import annotations

import base64
import email.utils
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import compat32

from engine.adapters.graph.client import GraphClient
from engine.adapters.graph.errors import GraphAccessError, GraphError
from engine.ports import SourceStatus

#: Graph refuses request bodies over 4 MB; base64 makes MIME a third larger.
MAX_REQUEST_BYTES = 4 * 1024 * 1024


def _header_addresses(raw: bytes) -> tuple[str, set[str], str]:
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    sender = email.utils.parseaddr(str(headers.get("From", "")))[1]
    listed = {
        a.lower()
        for _, a in email.utils.getaddresses(
            [str(v) for name in ("To", "Cc", "Bcc") for v in headers.get_all(name, [])]
        )
        if a
    }
    return sender, listed, str(headers.get("Message-ID", "") or "").strip()


def with_envelope(raw: bytes, recipients: Sequence[str]) -> bytes:
    """``raw`` with a Bcc header for envelope recipients its headers do not name.

    Graph takes the recipients of a MIME message from its To, Cc and Bcc
    headers; the outbox's envelope may name more (a blind copy).
    """
    _, listed, _ = _header_addresses(raw)
    extra = [r for r in dict.fromkeys(recipients) if r.lower() not in listed]
    if not extra:
        return raw
    return f"Bcc: {', '.join(extra)}\r\n".encode("ascii", "replace") + raw


class GraphSender:
    """Sends finished messages as the master mailbox, From the address in the message.

    Args:
        client: the master mailbox's Graph client (closed with this sender).
        check_sent_items: look for the Message-ID in Sent Items before sending.
    """

    def __init__(self, client: GraphClient, *, check_sent_items: bool = True) -> None:
        self.client = client
        self.check_sent_items = check_sent_items

    def send(self, mail_from: str, recipients: Sequence[str], raw: bytes) -> None:
        """Send ``raw``; return when Graph accepted it (202) or it was already sent.

        Args:
            mail_from: the envelope sender. Graph has no envelope: it sends as
                the message's From address, which the outbox sets to the same.
            recipients: every address it goes to (To, Cc and blind copies).
            raw: the finished message, with Message-ID and threading headers.

        Raises:
            GraphError: refused or failed, in words; ``permanent`` when a retry
                cannot help (no Send As permission, too large, no recipient).
        """
        sender, _, message_id = _header_addresses(raw)
        if not sender:
            raise GraphError(
                "sending: the message has no From address", kind="rejected", permanent=True
            )
        if not recipients:
            raise GraphError("sending: no recipients", kind="rejected", permanent=True)
        if message_id and self.check_sent_items and self._in_sent_items(message_id):
            return
        body = base64.b64encode(with_envelope(raw, recipients))
        if len(body) > MAX_REQUEST_BYTES:
            raise GraphError(
                f"sending as {sender}: the message is {len(raw) / 1e6:.1f} MB; Graph's sendMail "
                "takes at most 4 MB of base64 MIME (about 3 MB of mail)",
                kind="rejected",
                status=413,
                permanent=True,
            )
        self.client.request(
            "POST",
            "/sendMail",
            what=f"sending as {sender}",
            content=body,
            headers={"Content-Type": "text/plain"},
            ok=(202,),
            idempotent=False,
        )

    def _in_sent_items(self, message_id: str) -> bool:
        try:
            return self.already_sent(message_id)
        except GraphAccessError:
            # An outbound-only app may hold Mail.Send alone: it cannot look,
            # so it sends, and stops asking.
            self.check_sent_items = False
            return False

    def already_sent(self, message_id: str) -> bool:
        """Whether Sent Items holds a message with this ``Message-ID``."""
        return self.client.sent_items_has(message_id)

    def describe(self) -> SourceStatus:
        """What Test Connection shows about the sending side."""
        return SourceStatus(
            True,
            f"Microsoft Graph sendMail as {self.client.user} "
            "(Send As for other From addresses; copies in Sent Items)",
            ("sendMail", "mime"),
        )

    def close(self) -> None:
        """Close the HTTP connections; never raises."""
        self.client.close()
