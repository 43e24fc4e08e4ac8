"""The SMTP sender against aiosmtpd: encryption, AUTH, refusals in words."""

from __future__ import annotations

import pytest

from engine.adapters.errors import MailServerError
from engine.adapters.smtp import SmtpSender, SmtpSettings
from tests.servers.dovecot import Dovecot, free_port
from tests.servers.smtp import SmtpServer

RAW = (
    b"From: a@seclab.com\nTo: c@customer.example\nMessage-ID: <m1@seclab.com>\n"
    b"Subject: Re: order\n\nline one\nline two\n"
)


def sender_for(server: SmtpServer, dovecot: Dovecot, **kw: object) -> SmtpSender:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "encryption": server.mode,
        "username": server.user,
        "password": server.password,
        "ca_file": dovecot.cert_path,
        "timeout": 10.0,
    }
    values.update(kw)
    return SmtpSender(SmtpSettings(**values))  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["ssl", "starttls", "none"])
def test_sends_with_each_encryption_and_auth(dovecot: Dovecot, mode: str) -> None:
    with SmtpServer(dovecot.cert_path, dovecot.root / "key.pem", mode=mode) as server:
        sender = sender_for(server, dovecot)
        try:
            sender.send("a@seclab.com", ["c@customer.example"], RAW)
            sender.send("a@seclab.com", ["c@customer.example"], RAW.replace(b"<m1", b"<m2"))
        finally:
            sender.close()
        assert server.message_ids() == ["<m1@seclab.com>", "<m2@seclab.com>"]
        accepted = server.accepted[0]
        assert accepted.recipients == ("c@customer.example",)
        assert b"line one\r\nline two\r\n" in accepted.raw  # bare LF made CRLF


def test_failures_are_explained_in_words(dovecot: Dovecot) -> None:
    with SmtpServer(dovecot.cert_path, dovecot.root / "key.pem", mode="starttls") as server:
        with pytest.raises(MailServerError, match="bad credentials") as bad:
            sender_for(server, dovecot, password="N0t-The-Pa55").connect()
        assert bad.value.permanent and "N0t-The-Pa55" not in str(bad.value)
        with pytest.raises(MailServerError, match="TLS failure"):
            sender_for(server, dovecot, encryption="ssl").connect()
        with pytest.raises(MailServerError, match="not trusted"):
            sender_for(server, dovecot, ca_file=None).connect()
    with pytest.raises(MailServerError, match="connection refused") as refused:
        sender_for(server, dovecot, port=free_port()).connect()
    assert not refused.value.permanent


@pytest.mark.parametrize(
    ("reply", "permanent"), [("451 4.3.0 try later", False), ("554 5.7.1 no thanks", True)]
)
def test_refusal_says_whether_a_retry_can_help(
    dovecot: Dovecot, smtp_server: SmtpServer, reply: str, permanent: bool
) -> None:
    smtp_server.handler.reply = reply
    sender = sender_for(smtp_server, dovecot)
    with pytest.raises(MailServerError) as caught:
        sender.send("a@seclab.com", ["c@customer.example"], RAW)
    assert caught.value.permanent is permanent
    assert reply.split()[0] in str(caught.value)
    smtp_server.handler.reply = None
    sender.send("a@seclab.com", ["c@customer.example"], RAW)  # reconnects by itself
    sender.close()
    assert smtp_server.message_ids() == ["<m1@seclab.com>"]
