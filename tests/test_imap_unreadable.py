"""A message the IMAP server cannot give holds up no other (issue 14: nothing stops the engine).

Dovecot answers a FETCH that reaches an unreadable message file with "FETCH
failed: Internal error occurred" and drops the connection, for the whole
FETCH. ``micc serve`` then reads the batch again message by message on a new
connection: every other message is archived and processed; the broken one is
left in the mailbox (never deleted: it was never archived), named in
``--once``'s summary and in engine health, and read at the first cycle after
the server can give it again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.config import Config
from engine.store import Store
from engine.store import health as health_rows
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.tenant import PASSWORD_ENV, tenant
from tests.test_hostile_ingest import append_all, folder_counts, ordinary, serve_once

pytestmark = pytest.mark.slow


def message_file(dovecot: Dovecot, user: str, words: bytes) -> Path:
    """The Maildir file holding ``words``."""
    maildir = dovecot.maildir(user)
    found = [
        path
        for folder in ("cur", "new")
        for path in (maildir / folder).iterdir()
        if words in path.read_bytes()
    ]
    assert len(found) == 1
    return found[0]


def subjects(config: Config) -> list[str]:
    with Store(config.store.path) as store:
        rows = store.query("SELECT subject FROM messages WHERE direction = 'in' ORDER BY id")
    return [str(row[0]) for row in rows]


def test_a_message_the_server_cannot_give_is_left_and_the_others_are_read(
    dovecot: Dovecot,
    master_user: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    messages = [(f"ordinary-{n}", ordinary(n)) for n in range(1, 6)]
    names = append_all(dovecot, master_user, messages)
    broken = message_file(dovecot, master_user, b"Ordinary 3")
    os.chmod(broken, 0)  # the mail user (never root) can no longer read it
    config = tenant(
        tmp_path, imap_port=dovecot.imap_port, user=master_user, smtp_port=1, policy="delete"
    )
    try:
        code, out = serve_once(config, capsys)
        assert code == 0, out
        assert "read 4 new message(s)" in out
        third = next(uid for uid, name in names.items() if name == "ordinary-3")
        assert "1 message(s) the mail server cannot give, left in the mailbox" in out
        assert f"({third}: FETCH failed" in out
        assert subjects(config) == [f"Ordinary {n}" for n in (1, 2, 4, 5)]
        assert folder_counts(dovecot, master_user)["INBOX"] == 1  # only the broken one
        with Store(config.store.path) as store:
            fetch = {r["name"]: r for r in health_rows.rows(store)}["fetch"]
        assert fetch["state"] == "warn" and "cannot give" in fetch["detail"]

        # Still broken: told again, and nothing else changes (it is not deleted).
        code, out = serve_once(config, capsys)
        assert code == 0 and "read 0 new message(s)" in out and "cannot give" in out, out
        assert folder_counts(dovecot, master_user)["INBOX"] == 1
    finally:
        os.chmod(broken, 0o600)

    # Readable again: archived at the next read, then processed like the others.
    code, out = serve_once(config, capsys)
    assert code == 0 and "read 1 new message(s)" in out and "cannot give" not in out, out
    assert sorted(subjects(config)) == [f"Ordinary {n}" for n in range(1, 6)]
    assert folder_counts(dovecot, master_user)["INBOX"] == 0
    with Store(config.store.path) as store:
        fetch = {r["name"]: r for r in health_rows.rows(store)}["fetch"]
    assert fetch["state"] == "ok"
