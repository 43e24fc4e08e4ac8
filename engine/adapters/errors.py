"""Failures of mail servers, told in words a person can act on.

:class:`~engine.errors.MailServerError` is the product's error; :func:`explain`
turns what sockets, TLS, imaplib (and so imapclient) and smtplib raise into
one. The IMAP and SMTP adapters call it at their boundary, so nothing above
them meets those libraries' exceptions.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl

from engine.errors import MailServerError


def explain(exc: BaseException, service: str, host: str, port: int) -> MailServerError:
    """Turn a low-level exception into a :class:`MailServerError` with words.

    Args:
        exc: what the socket, TLS or protocol layer raised.
        service: "IMAP" or "SMTP", for the message.
        host: the server's host name.
        port: the server's port.
    """
    where = f"{service} server {host}:{port}"
    if isinstance(exc, MailServerError):
        return exc
    if isinstance(exc, ConnectionRefusedError):
        return MailServerError(
            f"connection refused by {where}: nothing listens there "
            "(wrong host or port, or the server is down)",
            "refused",
        )
    if isinstance(exc, socket.gaierror):
        return MailServerError(f"host {host!r} not found (DNS): check the host name", "host")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailServerError(
            f"TLS failure with {where}: its certificate is not trusted "
            f"({exc.verify_message}); install the CA or fix the host name",
            "tls",
        )
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or str(exc)
        hint = ""
        if "WRONG_VERSION_NUMBER" in str(reason).upper() or "record" in str(exc).lower():
            hint = ": the server did not answer with TLS; is the encryption right for this port?"
        return MailServerError(f"TLS failure with {where} ({reason}){hint}", "tls")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return MailServerError(f"no answer from {where} in time (firewall or overload?)", "timeout")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailServerError(
            f"bad credentials: {where} refused the user name or password "
            f"({exc.smtp_code} {_smtp_text(exc.smtp_error)})",
            "credentials",
            permanent=True,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailServerError(f"{where}: {exc}", "protocol", permanent=True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        details = "; ".join(f"{r}: {_smtp_text(e[1])}" for r, e in exc.recipients.items())
        permanent = all(e[0] >= 500 for e in exc.recipients.values())
        return MailServerError(
            f"{where} refused the recipients ({details})", "rejected", permanent=permanent
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailServerError(
            f"{where} answered {exc.smtp_code} {_smtp_text(exc.smtp_error)}",
            "rejected",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailServerError(f"{where} closed the connection ({exc})", "protocol")
    if isinstance(exc, imaplib.IMAP4.abort):
        return MailServerError(f"{where} dropped the connection ({_imap_text(exc)})", "protocol")
    if isinstance(exc, imaplib.IMAP4.error):  # imapclient's errors too
        return MailServerError(f"{where} refused a command ({_imap_text(exc)})", "protocol")
    if isinstance(exc, EOFError):
        return MailServerError(f"{where} closed the connection", "protocol")
    if isinstance(exc, ConnectionError | OSError):
        return MailServerError(f"cannot talk to {where}: {exc.__class__.__name__} {exc}", "refused")
    return MailServerError(f"{where}: {exc.__class__.__name__}: {exc}", "protocol")


def _imap_text(exc: BaseException) -> str:
    # imapclient puts the server's bytes in the message: "b'[ALERT] ...'".
    text = str(exc)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text


def _smtp_text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


__all__ = ["MailServerError", "explain"]
