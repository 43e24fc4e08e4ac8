"""Automatic confirmations are queued with the archived e-mail, loop-protected."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from engine.config import Config, load_config
from engine.ingest import ingest
from engine.ports import FetchedMessage
from engine.store import Store
from micc_tui.cli.main import main


@pytest.fixture
def config(tmp_path: Path) -> Config:
    assert main(["init", str(tmp_path / "ws")]) == 0
    return load_config(tmp_path / "ws" / "micc.toml")


def mail(
    n: int,
    *,
    to: str = "Solidus.Sales.Retail@seclab.com",
    sender: str = "kund@example.se",
    extra: str = "",
) -> FetchedMessage:
    raw = (
        f"From: Kund {n} <{sender}>\r\nTo: {to}\r\nSubject: Fråga {n}\r\n"
        f"Message-ID: <q{n}@example.se>\r\n{extra}\r\nHej!\r\n"
    ).encode()
    return FetchedMessage(f"test:{n}", "test", raw)


def confirmations(store: Store) -> list[email.message.EmailMessage]:
    rows = store.query(
        "SELECT r.raw FROM outbox o JOIN raw_messages r ON r.message = o.message "
        "WHERE o.kind = 'confirmation' ORDER BY o.id"
    )
    return [
        email.message_from_bytes(bytes(r[0]), policy=policy.default)  # type: ignore[misc]
        for r in rows
    ]


def test_a_new_conversation_gets_one_threaded_confirmation(config: Config, store: Store) -> None:
    [result] = ingest(store, config, [mail(1)])
    [sent] = confirmations(store)
    assert sent["From"].addresses[0].addr_spec == "Solidus.Sales.Retail@seclab.com"
    assert sent["To"].addresses[0].addr_spec == "kund@example.se"
    assert sent["In-Reply-To"] == "<q1@example.se>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Subject"] == "Re: Fråga 1"
    assert "Kund 1" in sent.get_body(preferencelist=("plain",)).get_content()
    row = store.query_one("SELECT conversation_id, mail_from FROM outbox")
    assert row is not None and row[0] == result.conversation_id
    # A follow-up in the same conversation is not confirmed again.
    ingest(store, config, [mail(2, extra="In-Reply-To: <q1@example.se>\r\n")])
    assert len(confirmations(store)) == 1


def test_no_confirmation_for_backlog_automatic_mail_or_unconfigured_access(
    config: Config, store: Store
) -> None:
    ingest(store, config, [mail(1)], backlog=True)
    ingest(store, config, [mail(2, extra="Auto-Submitted: auto-replied\r\n")])
    ingest(store, config, [mail(3, sender="mailer-daemon@example.se")])
    ingest(store, config, [mail(4, to="Solidus.Marketing@seclab.com")])  # no template
    assert confirmations(store) == []
    reasons = store.query("SELECT COUNT(*) FROM events WHERE kind = 'confirmation_skipped'")
    assert reasons[0][0] == 3


def test_a_hundred_mails_from_one_sender_get_at_most_the_limit(
    config: Config, store: Store
) -> None:
    ingest(store, config, [mail(n) for n in range(100)])
    assert len(confirmations(store)) == config.confirmations.max_per_sender_per_hour
    ingest(store, config, [mail(1000, sender="other@example.se")])
    assert len(confirmations(store)) == config.confirmations.max_per_sender_per_hour + 1


def test_our_own_confirmation_coming_back_is_not_confirmed(config: Config, store: Store) -> None:
    ingest(store, config, [mail(1)])
    [sent] = confirmations(store)
    bounced = FetchedMessage(
        "test:back",
        "test",
        bytes(sent)
        .replace(b"To: ", b"X-Was-To: ")
        .replace(b"\nFrom: ", b"\nTo: Solidus.Support@seclab.com\nFrom: "),
    )
    ingest(store, config, [bounced])
    assert len(confirmations(store)) == 1
