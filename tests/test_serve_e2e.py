"""End to end: customer mail by LMTP into Dovecot, ``micc serve --once``, replies to aiosmtpd."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import imapclient
import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from micc_tui.cli.main import main
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.replying import AGENT, reply_to
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant

#: The four kinds of address, and the group each must reach.
FOUR = [
    ({"to": "Solidus.Sales.EMEA@seclab.com"}, "Sales"),  # wildcard
    ({"to": "solidus.support+help@gmail.com"}, "Support"),  # plus-address
    ({"to": "someone@partner.example", "cc": "marketing@seclab.com"}, "Marketing"),  # Cc only
    ({"to": "nobody@nowhere.example"}, None),  # unrouted
]


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def serve_once(config: Config, capsys: pytest.CaptureFixture[str]) -> str:
    assert config.source is not None
    code = main(["--config", str(config.source), "serve", "--once"])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def folder_counts(dovecot: Dovecot, user: str) -> dict[str, int]:
    client = imapclient.IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False)
    client.login(user, PASSWORD)
    try:
        return {
            name: int(client.folder_status(name, ["MESSAGES"])[b"MESSAGES"])
            for _, _, name in client.list_folders()
        }
    finally:
        client.logout()


@pytest.mark.parametrize("policy", ["delete", "trash", "archive", "keep"])
def test_four_addresses_reach_their_queues_and_the_mailbox_follows_the_policy(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    policy: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for n, (headers, _) in enumerate(FOUR):
        dovecot.deliver(
            master_user,
            customer_mail(headers["to"], cc=headers.get("cc", ""), n=n, subject=f"Question {n}"),
        )
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp_server.port,
        policy=policy,
    )
    out = serve_once(config, capsys)
    assert "read 4 new message(s)" in out
    with Store(config.store.path) as store:
        rows = store.query("SELECT subject, service_group, state FROM conversations ORDER BY id")
        assert [(r[0], r[1], r[2]) for r in rows] == [
            (f"Question {n}", group, "queued" if group else "unrouted")
            for n, (_, group) in enumerate(FOUR)
        ]
        assert store.query_one("SELECT COUNT(*) FROM raw_messages")[0] == 4
    counts = folder_counts(dovecot, master_user)
    expected = {"delete": (0, 0, 0), "trash": (0, 4, 0), "archive": (0, 0, 4), "keep": (4, 0, 0)}[
        policy
    ]
    assert (counts["INBOX"], counts["Trash"], counts.get("Processed", 0)) == expected
    out = serve_once(config, capsys)
    assert "read 0 new message(s)" in out
    with Store(config.store.path) as store:
        assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 4


def test_replies_leave_from_the_right_address_threaded_and_filed_in_sent(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dovecot.deliver(
        master_user,
        customer_mail(
            "Solidus.Sales.EMEA@seclab.com",
            subject="Re: RE: Order 17",
            message_id="<c1@cust.example>",
            extra_headers="References: <older@cust.example>\nIn-Reply-To: <older@cust.example>\n",
        ),
    )
    dovecot.deliver(
        master_user,
        customer_mail(
            "solidus.support+help@gmail.com", subject="Printer", message_id="<c2@cust.example>"
        ),
    )
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp_server.port,
        extra=AGENT,
    )
    serve_once(config, capsys)
    with open_store(config) as store:
        sales, support = (
            int(r[0]) for r in store.query("SELECT id FROM conversations ORDER BY id")
        )
        reply_to(store, config, sales, "Your order ships today.")
        reply_to(store, config, support, "Try turning it off and on.")
        assert store.query_one("SELECT COUNT(*) FROM outbox WHERE state = 'queued'")[0] == 2
    out = serve_once(config, capsys)
    assert "sent 2" in out
    sent = {a.message_id: a for a in smtp_server.accepted}
    assert len(sent) == 2
    by_subject = {}
    for accepted in sent.values():
        msg = email.message_from_bytes(accepted.raw, policy=email.policy.default)
        by_subject[str(msg["subject"])] = msg
        assert accepted.recipients == ("carla@customer.example",)
    sales_reply, support_reply = by_subject["Re: Order 17"], by_subject["Re: Printer"]
    # Sales answers from the address the customer wrote to; Support from its own.
    assert sales_reply["from"].addresses[0].addr_spec == "Solidus.Sales.EMEA@seclab.com"
    assert support_reply["from"].addresses[0].addr_spec == "support@seclab.com"
    assert sales_reply["in-reply-to"] == "<c1@cust.example>"
    assert str(sales_reply["references"]).split() == ["<older@cust.example>", "<c1@cust.example>"]
    assert sales_reply["date"] and sales_reply["message-id"].endswith("@seclab.com>")
    assert folder_counts(dovecot, master_user)["Sent"] == 2
    with Store(config.store.path) as store:
        assert store.query_one("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")[0] == 2
        out_rows = store.query("SELECT conversation_id FROM messages WHERE direction = 'out'")
        assert sorted(r[0] for r in out_rows) == [sales, support]
        states = store.query("SELECT state FROM conversations ORDER BY id")
        assert [r[0] for r in states] == ["answered", "answered"]
    # The customer answers our reply: it joins the same conversation, back in the queue.
    our_id = str(sales_reply["message-id"])
    dovecot.deliver(
        master_user,
        customer_mail(
            "Solidus.Sales.EMEA@seclab.com",
            subject="Re: Order 17",
            message_id="<c3@cust.example>",
            extra_headers=f"In-Reply-To: {our_id}\nReferences: <c1@cust.example> {our_id}\n",
        ),
    )
    serve_once(config, capsys)
    with Store(config.store.path) as store:
        row = store.query_one(
            "SELECT conversation_id FROM messages WHERE message_id = ?", ("<c3@cust.example>",)
        )
        assert row[0] == sales
        assert (
            store.query_one("SELECT state FROM conversations WHERE id = ?", (sales,))[0] == "queued"
        )
        assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == 2


def test_server_that_files_sent_mail_itself_gets_no_copy(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dovecot.deliver(master_user, customer_mail("Solidus.Sales.X@seclab.com"))
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=smtp_server.port,
        extra=AGENT,
        append_sent=False,
    )
    serve_once(config, capsys)
    with open_store(config) as store:
        reply_to(store, config, 1)
    serve_once(config, capsys)
    assert len(smtp_server.accepted) == 1
    assert folder_counts(dovecot, master_user)["Sent"] == 0


def _big_attachment_mail(size: int) -> bytes:
    import base64

    blob = base64.encodebytes(b"\x00\x01PDF" * (size // 5)).decode()
    return (
        "From: big@customer.example\nTo: Solidus.Sales.Big@seclab.com\nSubject: scan\n"
        "Message-ID: <big@customer.example>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee "
        "attached\n--B\nContent-Type: application/pdf; name=scan.pdf\nContent-Disposition: "
        f"attachment; filename=scan.pdf\nContent-Transfer-Encoding: base64\n\n{blob}--B--\n"
    ).encode()


BAD = [
    b"From: broken@customer.example\nTo: Solidus.Sales.A@seclab.com\nSubject: broken mime\n"
    b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="nope"\n\n--wrong\n'
    b"Content-Type: text/plain\n\nthe boundary never comes\n",
    b"From: x@customer.example\nTo: Solidus.Sales.A@seclab.com\nSubject: charset\n"
    b"Content-Type: text/plain; charset=x-unknown-martian\n\n\xe4\xf6\xfc bytes\n",
    "From: Jürgen Müller <j@customer.example>\nTo: Solidus.Sales.A@seclab.com\n"
    "Subject: Größe über 8-bit\n\nraw 8-bit headers\n".encode(),
    b"From: nodate@customer.example\nTo: Solidus.Sales.A@seclab.com\nSubject: no ids\n\n"
    b"no Message-ID and no Date\n",
]


@pytest.mark.slow
def test_bad_input_is_archived_raw_and_blocks_nothing(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    big = _big_attachment_mail(25 * 1024 * 1024)
    messages = [big, *BAD, customer_mail("Solidus.Sales.After@seclab.com", subject="after")]
    for raw in messages:
        dovecot.deliver(master_user, raw)
    config = tenant(
        tmp_path, imap_port=dovecot.imap_port, user=master_user, smtp_port=smtp_server.port, batch=3
    )
    out = serve_once(config, capsys)
    assert f"read {len(messages)} new message(s)" in out
    with Store(config.store.path) as store:
        rows = store.query(
            "SELECT m.subject, m.size, r.raw, m.problems_json, c.service_group "
            "FROM messages m JOIN raw_messages r ON r.message = m.id "
            "JOIN conversations c ON c.id = m.conversation_id ORDER BY m.id"
        )
        assert len(rows) == len(messages)
        crlf = [m.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for m in messages]
        # Verbatim: what the customer sent, under the trace headers Dovecot adds.
        assert all(bytes(r[2]).endswith(m) for r, m in zip(rows, crlf, strict=True))
        assert rows[0][1] > 25_000_000 and rows[0][4] == "Sales"
        assert rows[3][0] == "Größe über 8-bit"
        assert all(r[4] == "Sales" for r in rows)
        assert rows[-1][0] == "after"
        assert any(json.loads(r[3]) for r in rows[1:3])
    assert folder_counts(dovecot, master_user)["INBOX"] == 0
