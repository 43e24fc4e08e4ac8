"""The demo's embedded servers speak real IMAP and SMTP to ordinary clients."""

from __future__ import annotations

import mailbox
import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from micc_tui.demo.servers import CUSTOMERS_USER, DemoMailServers, ServerError

MASTER = "SolidusMasterAcct@seclab.com"
MESSAGE = b"From: a@shop.example\r\nTo: Solidus.Support@seclab.com\r\nSubject: hi\r\n\r\nbody\r\n"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[DemoMailServers]:
    with DemoMailServers(
        MASTER, local_domains=["seclab.com"], record_mbox=tmp_path / "sent.mbox"
    ) as running:
        yield running


def imap(servers: DemoMailServers, user: str = MASTER, password: str | None = None) -> IMAPClient:
    client = IMAPClient(servers.host, port=servers.imap_port, ssl=False, timeout=10)
    client.login(user, password or servers.password)
    return client


def test_imap_login_lists_named_folders_and_fetches_delivered_mail(
    servers: DemoMailServers,
) -> None:
    uid = servers.deliver(MESSAGE)
    client = imap(servers)
    try:
        names = {name for _, _, name in client.list_folders()}
        assert {"INBOX", "Sent", "Trash", "Processed"} <= names
        assert b"IDLE" in client.capabilities()
        client.select_folder("INBOX")
        fetched = client.fetch([uid], ["BODY.PEEK[]"])
        assert fetched[uid][b"BODY[]"] == MESSAGE
    finally:
        client.logout()


def test_imap_rejects_a_wrong_password(servers: DemoMailServers) -> None:
    client = IMAPClient(servers.host, port=servers.imap_port, ssl=False, timeout=10)
    try:
        with pytest.raises(Exception, match=r"(?i)auth|invalid|fail"):
            client.login(MASTER, "wrong")
    finally:
        client.shutdown()


def test_idle_reports_each_delivery_without_split_lines(servers: DemoMailServers) -> None:
    # imapclient issue #519: pymap's responses written in pieces broke idle_check.
    client = imap(servers)
    try:
        client.select_folder("INBOX")
        for number in range(1, 41):
            client.idle()
            servers.deliver(MESSAGE)
            responses = client.idle_check(timeout=5)
            client.idle_done()
            assert (number, b"EXISTS") in responses
    finally:
        client.logout()


def test_smtp_delivers_local_mail_to_the_master_mailbox_and_records_the_rest(
    servers: DemoMailServers, tmp_path: Path
) -> None:
    raw = b"From: Solidus.Support@seclab.com\r\nTo: a@shop.example\r\nSubject: Re: hi\r\n\r\nok\r\n"
    with smtplib.SMTP(servers.host, servers.smtp_port, timeout=10) as smtp:
        smtp.login(MASTER, servers.password)
        smtp.sendmail("Solidus.Support@seclab.com", ["a@shop.example"], raw)
        smtp.sendmail("a@shop.example", ["Solidus.Sales.Retail@seclab.com"], MESSAGE)
    sent = servers.wait_for_sent(2, timeout=10)
    assert [m.recipients for m in sent] == [
        ("a@shop.example",),
        ("Solidus.Sales.Retail@seclab.com",),
    ]
    assert sent[0].raw == raw
    assert sent[0].login == MASTER
    assert servers.count() == 1
    assert servers.count(user=CUSTOMERS_USER) == 1
    recorded = mailbox.mbox(str(tmp_path / "sent.mbox"))
    assert [m["Subject"] for m in recorded] == ["Re: hi", "hi"]
    customer = imap(servers, CUSTOMERS_USER, servers.customers_password)
    try:
        customer.select_folder("INBOX", readonly=True)
        assert len(customer.search("ALL")) == 1
    finally:
        customer.logout()


def test_smtp_rejects_a_wrong_password(servers: DemoMailServers) -> None:
    with (
        smtplib.SMTP(servers.host, servers.smtp_port, timeout=10) as smtp,
        pytest.raises(smtplib.SMTPAuthenticationError),
    ):
        smtp.login(MASTER, "wrong")


def test_stop_closes_open_connections_and_the_ports() -> None:
    servers = DemoMailServers(MASTER)
    servers.start()
    client = imap(servers)
    client.select_folder("INBOX")
    client.idle()
    servers.stop()
    assert not servers.running
    with pytest.raises(OSError):
        IMAPClient(servers.host, port=servers.imap_port, ssl=False, timeout=2)
    with pytest.raises(ServerError):
        servers.deliver(MESSAGE)


def test_prune_keeps_the_newest_messages_of_the_folders_that_only_grow(
    servers: DemoMailServers,
) -> None:
    for _ in range(5):
        servers.deliver(MESSAGE, folder="Processed")
        servers.deliver(MESSAGE)
    newest = servers.deliver(MESSAGE, folder="Processed")
    assert servers.prune(keep=2) == 4
    assert servers.count(folder="Processed") == 2
    assert servers.count() == 5  # the master INBOX is the engine's to empty
    client = imap(servers)
    try:
        client.select_folder("Processed", readonly=True)
        assert client.search("ALL")[-1] == newest
    finally:
        client.logout()
