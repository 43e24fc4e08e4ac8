"""The IMAP source against a real Dovecot: encryption, folders, bookmark, policies, IDLE."""

from __future__ import annotations

import socket
import time

import pytest

from engine.adapters import folders as rules
from engine.adapters.errors import MailServerError
from engine.adapters.imap import ImapSettings, ImapSource
from engine.ports import Bookmark
from tests.servers.dovecot import PASSWORD, Dovecot, free_port
from tests.servers.tenant import customer_mail


def settings(dovecot: Dovecot, user: str, encryption: str = "none", **kw: object) -> ImapSettings:
    port = dovecot.imaps_port if encryption == "ssl" else dovecot.imap_port
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "encryption": encryption,
        "username": user,
        "password": PASSWORD,
        "ca_file": dovecot.cert_path,
        "timeout": 10.0,
    }
    values.update(kw)
    return ImapSettings(**values)  # type: ignore[arg-type]


def connected(dovecot: Dovecot, user: str, **kw: object) -> ImapSource:
    source = ImapSource(settings(dovecot, user, **kw))
    source.connect()
    return source


# -- folder detection (pure) -----------------------------------------------------------


def _f(name: str, *flags: str, delimiter: str = "/") -> rules.Folder:
    return rules.Folder(name, flags, delimiter)


@pytest.mark.parametrize(
    ("names", "sent", "trash"),
    [
        (["INBOX", "Sent Items", "Deleted Items"], "Sent Items", "Deleted Items"),
        (["INBOX", "Gesendete Elemente", "Papierkorb"], "Gesendete Elemente", "Papierkorb"),
        (["INBOX", "Éléments envoyés", "Corbeille"], "Éléments envoyés", "Corbeille"),
        (["INBOX", "[Gmail]/Sent Mail", "[Gmail]/Trash"], "[Gmail]/Sent Mail", "[Gmail]/Trash"),
        (["INBOX", "INBOX.Sent", "INBOX.Trash"], "INBOX.Sent", "INBOX.Trash"),
    ],
)
def test_localized_and_common_names_are_found(names: list[str], sent: str, trash: str) -> None:
    delimiter = "." if any(n.startswith("INBOX.") for n in names) else "/"
    found = rules.detect([_f(n, delimiter=delimiter) for n in names])
    assert (found["sent"].name, found["sent"].how) == (sent, "name")
    assert found["trash"].name == trash
    assert found["inbox"].name == "INBOX"


def test_special_use_beats_names_and_configured_beats_both() -> None:
    listing = [_f("INBOX"), _f("Sent"), _f("Gesendet", "\\HasNoChildren", "\\Sent")]
    assert rules.detect(listing)["sent"] == rules.Detected("sent", "Gesendet", "special-use")
    chosen = rules.detect(listing, {"sent": "Sent"})["sent"]
    assert chosen == rules.Detected("sent", "Sent", "configured")


def test_missing_roles_are_left_out() -> None:
    assert "trash" not in rules.detect([_f("INBOX"), _f("Projects")])


# -- against Dovecot -----------------------------------------------------------------


@pytest.mark.parametrize("encryption", ["ssl", "starttls", "none"])
def test_connects_with_each_encryption_and_detects_folders(
    dovecot: Dovecot, master_user: str, encryption: str
) -> None:
    source = connected(dovecot, master_user, encryption=encryption)
    try:
        assert "IDLE" in source.capabilities and source.supports_push
        assert {r: d.name for r, d in source.folders.items()} == {
            "inbox": "INBOX",
            "sent": "Sent",
            "trash": "Trash",
            "archive": "Archive",
            "drafts": "Drafts",
            "junk": "Junk",
        }
        assert source.folders["sent"].how == "special-use"
        assert "logged in as" in source.describe().summary
    finally:
        source.close()


def test_failures_are_explained_in_words(dovecot: Dovecot, master_user: str) -> None:
    cases = {
        "refused": settings(dovecot, master_user, port=free_port()),
        "tls": settings(dovecot, master_user, encryption="ssl", port=dovecot.imap_port),
        "credentials": settings(dovecot, master_user, password="N0t-The-Pa55"),
        "folder": settings(dovecot, master_user, inbox="Nowhere"),
    }
    words = {
        "refused": "connection refused",
        "tls": "TLS failure",
        "credentials": "bad credentials",
        "folder": "folder missing",
    }
    for kind, values in cases.items():
        with pytest.raises(MailServerError) as caught:
            ImapSource(values).connect()
        assert caught.value.kind == kind
        assert words[kind] in str(caught.value)
        assert "N0t-The-Pa55" not in str(caught.value)


def test_untrusted_certificate_is_a_tls_failure(dovecot: Dovecot, master_user: str) -> None:
    with pytest.raises(MailServerError, match="not trusted"):
        ImapSource(settings(dovecot, master_user, encryption="ssl", ca_file=None)).connect()


def test_bookmark_reads_only_new_mail_in_batches(dovecot: Dovecot, master_user: str) -> None:
    dovecot.deliver_many(master_user, [customer_mail("a@seclab.com", n=i) for i in range(5)])
    source = connected(dovecot, master_user)
    try:
        batches = list(source.fetch_new(None, 2))
        assert [len(items) for items, _ in batches] == [2, 2, 1]
        bookmark = batches[-1][1]
        assert bookmark.last == 5 and bookmark.validity
        keys = [i.source_key for items, _ in batches for i in items]
        assert len(set(keys)) == 5 and all(k.startswith("imap:") for k in keys)
        # The selected connection sees mail delivered since (NOOP before SEARCH).
        dovecot.deliver(master_user, customer_mail("a@seclab.com", n=99))
        again = [i for items, _ in source.fetch_new(bookmark, 10) for i in items]
        assert [i.handle for i in again] == ["6"]
        assert list(source.fetch_new(Bookmark(source.mailbox_key, bookmark.validity, 6), 10)) == []
        # A different UIDVALIDITY means: read everything again.
        stale = Bookmark(source.mailbox_key, 1, 6)
        assert sum(len(items) for items, _ in source.fetch_new(stale, 10)) == 6
    finally:
        source.close()


def test_fetch_changes_nothing_on_the_server(dovecot: Dovecot, master_user: str) -> None:
    dovecot.deliver(master_user, customer_mail("a@seclab.com"))
    source = connected(dovecot, master_user)
    try:
        list(source.fetch_new(None, 10))
        flags = source.client.get_flags([1])[1]
        assert b"\\Seen" not in flags and b"\\Deleted" not in flags
    finally:
        source.close()


def _count(source: ImapSource, folder: str) -> int:
    return int(source.client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"])


@pytest.mark.parametrize(
    ("policy", "inbox", "trash", "archive"),
    [("delete", 0, 0, 0), ("trash", 0, 3, 0), ("archive", 0, 0, 3), ("keep", 3, 0, 0)],
)
def test_processed_mail_policies(
    dovecot: Dovecot, master_user: str, policy: str, inbox: int, trash: int, archive: int
) -> None:
    dovecot.deliver_many(master_user, [customer_mail("a@seclab.com", n=i) for i in range(3)])
    source = connected(dovecot, master_user, archive_folder="Processed")
    try:
        handles = [i.handle for items, _ in source.fetch_new(None, 10) for i in items]
        source.mark_processed(handles, policy)  # type: ignore[arg-type]
        source.ensure_folder("Processed")
        assert (_count(source, "INBOX"), _count(source, "Trash"), _count(source, "Processed")) == (
            inbox,
            trash,
            archive,
        )
    finally:
        source.close()


def test_leftovers_are_archived_messages_still_in_the_inbox(
    dovecot: Dovecot, master_user: str
) -> None:
    dovecot.deliver_many(master_user, [customer_mail("a@seclab.com", n=i) for i in range(4)])
    source = connected(dovecot, master_user)
    try:
        ((_items, bookmark),) = list(source.fetch_new(None, 3))[:1]
        assert source.leftovers(bookmark) == ["1", "2", "3"]
        source.mark_processed(["1", "2"], "delete")
        assert source.leftovers(bookmark) == ["3"]
        assert source.leftovers(None) == []
    finally:
        source.close()


def test_idle_reports_a_delivery(dovecot: Dovecot, master_user: str) -> None:
    source = connected(dovecot, master_user)
    try:
        assert source.wait_for_mail(0.2) is True  # nothing read yet on this connection
        # An empty first read yields one empty batch: its bookmark says the mailbox was read.
        assert [items for items, _ in source.fetch_new(None, 10)] == [[]]
        assert source.wait_for_mail(0.2) is False
        assert source.idling
        dovecot.deliver(master_user, customer_mail("a@seclab.com"))
        deadline = time.monotonic() + 10
        while not source.wait_for_mail(0.5):
            assert time.monotonic() < deadline, "IDLE never reported the new message"
        assert not source.idling
        assert len([i for items, _ in source.fetch_new(None, 10) for i in items]) == 1
        # Announced during another command (here FETCH), not during IDLE: still found.
        dovecot.deliver(master_user, customer_mail("a@seclab.com", n=2))
        source.client.fetch([1], ["FLAGS"])
        assert source.wait_for_mail(0.2) is True
    finally:
        source.close()


def test_without_idle_it_polls(dovecot: Dovecot, master_user: str) -> None:
    source = connected(dovecot, master_user, idle=False, poll_seconds=0.3)
    try:
        assert not source.supports_push
        assert source.wait_for_mail(0.05) is True  # the first poll is due at once
        assert source.wait_for_mail(0.05) is False
        assert source.wait_for_mail(1.0) is True
    finally:
        source.close()


def test_sent_copy_and_lookup_by_message_id(dovecot: Dovecot, master_user: str) -> None:
    source = connected(dovecot, master_user)
    try:
        source.append_sent(customer_mail("x@y.example", message_id="<ours-1@seclab.com>"))
        assert source.sent_has("<ours-1@seclab.com>") is True
        assert source.sent_has("<ours-2@seclab.com>") is False
        assert _count(source, "Sent") == 1
        # Still working on the inbox afterwards.
        assert [items for items, _ in source.fetch_new(None, 10)] == [[]]
    finally:
        source.close()


def test_dropped_connection_raises_a_mail_server_error(dovecot: Dovecot, master_user: str) -> None:
    source = connected(dovecot, master_user)
    source.client.socket().shutdown(socket.SHUT_RDWR)
    with pytest.raises(MailServerError):  # never the socket's or imaplib's own error
        list(source.fetch_new(None, 10))
    source.close()
