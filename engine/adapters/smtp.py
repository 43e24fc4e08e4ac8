"""Sending over SMTP (smtplib): the write side of an IMAP/SMTP tenant.

One connection is kept open between sends and opened again when the server
dropped it. :meth:`SmtpSender.send` returns only when the server accepted the
message (250 after DATA); anything else raises :class:`MailServerError` with
``permanent`` telling the outbox whether retrying can help.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.adapters.errors import MailServerError, explain
from engine.adapters.imap import tls_context
from engine.config import Config, default_port, read_secret
from engine.ports import SourceStatus


@dataclass(frozen=True)
class SmtpSettings:
    """Everything needed to hand mail to the tenant's SMTP server."""

    host: str
    port: int
    encryption: str
    username: str = ""
    password: str = ""
    timeout: float = 60.0
    ca_file: Path | None = None
    #: True when the server keeps a copy of what it sends (Gmail, Office 365).
    files_sent_copy: bool = False

    def __repr__(self) -> str:  # the password must never reach a log
        return f"SmtpSettings({self.username}@{self.host}:{self.port}, {self.encryption})"

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings:
        """Read ``[server.smtp]`` (and the secret it names) from a tenant's config."""
        smtp = config.server.smtp
        password = ""
        if smtp.username:
            password = read_secret(smtp.password_env, smtp.password_file, "the SMTP password")
        return cls(
            host=smtp.host,
            port=smtp.port or default_port("smtp", smtp.encryption),
            encryption=smtp.encryption,
            username=smtp.username,
            password=password,
            timeout=smtp.timeout_seconds,
            ca_file=smtp.ca_file,
            files_sent_copy=config.server.imap.append_sent is False,
        )


class SmtpSender:
    """Hands finished messages to the SMTP server; one per thread."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.files_sent_copy = settings.files_sent_copy
        self._smtp: smtplib.SMTP | None = None
        self.features: tuple[str, ...] = ()

    def connect(self) -> None:
        """Connect, say EHLO, STARTTLS when asked, and log in.

        Raises:
            MailServerError: refused, TLS failure, bad credentials, timeout.
        """
        s = self.settings
        self.close()
        try:
            # Loading the system CAs costs tens of milliseconds: only when TLS is used.
            context = tls_context(s.ca_file) if s.encryption != "none" else None
            smtp: smtplib.SMTP
            if s.encryption == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                smtp.ehlo()
                if s.encryption == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise MailServerError(
                            f"SMTP server {s.host}:{s.port} does not offer STARTTLS; "
                            "choose encryption 'ssl' or 'none' for this port",
                            "tls",
                            permanent=True,
                        )
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if s.username:
                    if not smtp.has_extn("auth"):
                        raise MailServerError(
                            f"SMTP server {s.host}:{s.port} offers no AUTH (on this "
                            "encryption); leave username empty or use TLS",
                            "credentials",
                            permanent=True,
                        )
                    smtp.login(s.username, s.password)
            except BaseException:
                _quit(smtp)
                raise
        except Exception as exc:
            raise explain(exc, "SMTP", s.host, s.port) from exc
        with contextlib.suppress(OSError, AttributeError):
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.features = tuple(sorted(smtp.esmtp_features))
        self._smtp = smtp

    def send(self, mail_from: str, recipients: Sequence[str], raw: bytes) -> None:
        """Send ``raw`` (CRLF line ends are ensured); return once the server accepted it.

        Raises:
            MailServerError: ``permanent`` for a 5xx answer; otherwise retry later.
        """
        s = self.settings
        data = _crlf(raw)
        if self._smtp is not None and not self._alive(self._smtp):
            self.close()
        if self._smtp is None:
            self.connect()
        assert self._smtp is not None
        try:
            # Recipients refused while others were accepted still mean "it left":
            # sendmail raises only when none was accepted.
            self._smtp.sendmail(mail_from, list(recipients), data)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise explain(exc, "SMTP", s.host, s.port) from exc
        except UnicodeEncodeError as exc:
            # smtplib writes commands in ASCII (no SMTPUTF8): this address can never go.
            self.close()
            raise MailServerError(
                f"SMTP server {s.host}:{s.port}: cannot send with an address that is not "
                f"plain ASCII ({exc.object[exc.start : exc.end]!r} in {exc.object.strip()!r})",
                "rejected",
                permanent=True,
            ) from exc

    @staticmethod
    def _alive(smtp: smtplib.SMTP) -> bool:
        # Check a kept connection before use rather than retrying a failed send:
        # a drop during DATA cannot tell whether the server accepted the message.
        try:
            return smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def describe(self) -> SourceStatus:
        """What Test Connection shows about the SMTP server."""
        s = self.settings
        auth = f"logged in as {s.username}" if s.username else "no login"
        return SourceStatus(True, f"SMTP {s.host}:{s.port} ({s.encryption}): {auth}", self.features)

    def close(self) -> None:
        """Say QUIT and close; never raises."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            _quit(smtp)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except Exception:
        with contextlib.suppress(Exception):
            smtp.close()


def _crlf(raw: bytes) -> bytes:
    # smtplib sends bytes as given and servers reject bare LF ("Line too long").
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
