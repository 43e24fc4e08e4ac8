"""A contact center in a temporary folder, with fixed mail, for the agent console's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from engine import lifecycle
from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.ingest import ingest
from engine.ports import FetchedMessage
from engine.service import ContactCenter
from engine.store import Store
from micc_tui.cli.setup import copy_skeleton

#: The moment the tests pretend it is (snapshots show waiting times against it).
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def workspace(folder: Path) -> Config:
    """``micc init`` in ``folder``: the Solidus example config, migrated store."""
    copy_skeleton(folder)
    config = load_config(str(folder / "micc.toml"))
    open_store(config).close()
    return config


def hold(center: ContactCenter, conversation_id: int) -> None:
    """Put the e-mail in the agent's hand, whatever its group's distribution.

    In an offer group an agent cannot pick an e-mail out of order (``t``);
    a test that needs one in hand takes it as the lifecycle does.
    """
    lifecycle.take(center.store, center.agent.id, conversation_id)


def edit_config(config: Config, old: str, new: str) -> Config:
    """Replace ``old`` (which must be there) by ``new`` in the config's file; the config again."""
    assert config.source is not None
    text = config.source.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {config.source}"
    config.source.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_config(str(config.source))


def mail(
    number: int,
    *,
    to: str = "Solidus.Sales.Retail@seclab.com",
    subject: str | None = None,
    name: str | None = None,
    sender: str | None = None,
    body: str | None = None,
    html: str | None = None,
    attachment: tuple[str, bytes] | None = None,
    cc: str | None = None,
) -> bytes:
    """A customer's e-mail, numbered so every field is predictable.

    With ``html`` and no ``body``, the e-mail is HTML only; with both,
    multipart/alternative.
    """
    message = EmailMessage()
    message["From"] = f'"{name or f"Customer {number}"}" <{sender or f"c{number}@example.org"}>'
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject if subject is not None else f"Order question {number}"
    message["Date"] = format_datetime(NOW - timedelta(hours=3, minutes=-number))
    message["Message-ID"] = f"<m{number}@example.org>"
    if html is not None and body is None:
        message.set_content(html, subtype="html")  # HTML only
    else:
        message.set_content(body if body is not None else f"Hello,\nwhere is order {number}?\n")
        if html is not None:
            message.add_alternative(html, subtype="html")
    if attachment is not None:
        message.add_attachment(
            attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0]
        )
    return bytes(message)


def deliver(store: Store, config: Config, *raws: bytes, start: int = 0) -> None:
    """Ingest raw messages as if fetched from the master mailbox.

    Automatic confirmations are left out (tests/test_autoreply.py covers them):
    the consoles' tests look at the customers' mail alone.
    """
    items = [FetchedMessage(f"test:{start + i}", "test", raw) for i, raw in enumerate(raws)]
    ingest(store, config, items, after_archive=())


def fix_received(store: Store) -> None:
    """Pin every conversation's received time, one minute apart, for stable snapshots."""
    with store.transaction() as conn:
        for (conversation,) in conn.execute("SELECT id FROM conversations").fetchall():
            stamp = (NOW - timedelta(minutes=90 - conversation)).isoformat()
            conn.execute(
                "UPDATE conversations SET received = ?, created = ? WHERE id = ?",
                (stamp, stamp, conversation),
            )
            conn.execute(
                "UPDATE messages SET received = ? WHERE conversation_id = ?", (stamp, conversation)
            )
