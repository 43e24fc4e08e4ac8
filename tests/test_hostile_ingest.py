"""No message stops another, nor the engine (issue 14, item 1: per-message isolation).

Poisoned messages (raw 8-bit bytes in X-Mailer, X-Original-To, Delivered-To,
Return-Path, Content-Type parameters and List-Id; the corpus of
``tests/hostile_mail.py``; one the parser is made to fail on) sit in the
middle of ordinary ones. Through ``micc import`` and through ``micc serve``
against a real Dovecot every one is archived byte for byte; the ordinary ones
are routed; a poisoned one is routed (when the parser copes) or unrouted with
its reason, in the supervisor's Problems list. Only a failure of the store
itself stops a batch, and then the mail server is told nothing.
"""

from __future__ import annotations

import dataclasses
import json
import mailbox
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import imapclient
import pytest

import engine.ingest
from engine import outbox
from engine.archive import ArchivedIncoming
from engine.config import Config, parse_config
from engine.engine import Engine
from engine.importer import import_paths
from engine.ingest import AfterArchive, IngestResult, ingest
from engine.mail.parse import ParsedMessage, parse_message
from engine.ports import FetchedMessage
from engine.store import Store, now_iso
from engine.store import health as health_rows
from engine.store.db import StoreError
from engine.supervision.problems import problem_items
from micc_tui.cli.main import main
from tests.hostile_mail import hostile_messages
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant

SALES = "Solidus.Sales.Retail@seclab.com"

#: A header that makes the (patched) parser raise, as a parser bug would.
PARSER_BUG = b"X-Test-Parser-Bug: yes\r\n"
#: A header that makes the (patched) confirmation hook fail like a full disk.
DISK_FULL = b"X-Test-Disk-Full: yes\r\n"


def _crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def ordinary(n: int) -> bytes:
    """A plain customer e-mail to a routed address."""
    return _crlf(customer_mail(SALES, n=n, subject=f"Ordinary {n}"))


def poisoned(name: str, *, headers: bytes = b"", content_type: bytes | None = None) -> bytes:
    """A customer e-mail to Sales with raw 8-bit ``headers`` (CRLF-terminated lines)."""
    kind = content_type or b"text/plain; charset=utf-8"
    return (
        b"From: Carla Customer <carla@customer.example>\r\n"
        b"To: " + SALES.encode() + b"\r\n"
        b"Subject: Poisoned " + name.encode() + b"\r\n"
        b"Date: Thu, 03 Dec 2026 09:00:00 +0000\r\n"
        b"Message-ID: <poisoned-"
        + name.encode()
        + b"@customer.example>\r\n"
        + headers
        + b"MIME-Version: 1.0\r\nContent-Type: "
        + kind
        + b"\r\n\r\nPlease help.\r\n"
    )


#: One raw 8-bit header each (the ones named by issue 14), then all at once.
OWN_POISONED: list[tuple[str, bytes]] = [
    ("x-mailer", poisoned("x-mailer", headers=b"X-Mailer: Outl\xc3\xb6ok 16.0\r\n")),
    (
        "x-original-to",
        poisoned("x-original-to", headers=b"X-Original-To: Solidus.Sales.B\xfcro@seclab.com\r\n"),
    ),
    ("delivered-to", poisoned("delivered-to", headers=b"Delivered-To: m\xe4ster@seclab.com\r\n")),
    ("return-path", poisoned("return-path", headers=b"Return-Path: <b\xc3\xb6unce@c.example>\r\n")),
    (
        "content-type",
        poisoned("content-type", content_type=b'text/plain; charset=utf-8; name="R\xe9sum\xe9"'),
    ),
    ("list-id", poisoned("list-id", headers=b"List-Id: Kund\xe4r <kunder.lists.example>\r\n")),
    (
        "all-at-once",
        poisoned(
            "all-at-once",
            headers=(
                b"X-Mailer: Outl\xc3\xb6ok\r\nX-Original-To: s\xe4les@seclab.com\r\n"
                b"Delivered-To: m\xc3\xa4ster@seclab.com\r\nReturn-Path: <\xff@c.example>\r\n"
                b"List-Id: \x80\x81\x82 <l.example>\r\n"
            ),
            content_type=b"text/plain; charset=\xc3\xbctf-8; format=fl\xf6wed",
        ),
    ),
    ("parser-bug", poisoned("parser-bug", headers=PARSER_BUG)),
]


def corpus(*, resource: bool = False) -> list[tuple[str, bytes]]:
    """Ordinary mail with every poisoned message in the middle: (name, raw), in order.

    With ``resource``, the big ones of ``tests/hostile_mail.py`` too (100,000
    recipients, 5,000-deep multipart, 500-deep attached message).
    """
    bad = [(f"own-{name}", raw) for name, raw in OWN_POISONED]
    bad += [(f"hostile-{name}", raw) for name, raw in hostile_messages(SALES, resource=resource)]
    found: list[tuple[str, bytes]] = [("ordinary-first", ordinary(1000))]
    for n, item in enumerate(bad):
        found += [(f"ordinary-{n}", ordinary(n)), item]
    found.append(("ordinary-last", ordinary(1001)))
    return found


@pytest.fixture
def parser_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser raises on messages holding :data:`PARSER_BUG`, as a bug in it would."""

    def buggy(raw: bytes) -> ParsedMessage:
        if PARSER_BUG in raw:
            raise RecursionError("simulated parser bug")
        return parse_message(raw)

    monkeypatch.setattr(engine.ingest, "parse_message", buggy)


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def check_outcome(store: Store, expected: dict[str, tuple[str, bytes]]) -> None:
    """Every message archived byte for byte; ordinary ones routed; the rest routed or a problem.

    ``expected`` maps a message's source to its name and the bytes it had there.
    """
    rows = store.query(
        "SELECT m.source, r.raw, c.state, c.service_group, c.reason, m.conversation_id "
        "FROM messages m JOIN raw_messages r ON r.message = m.id "
        "JOIN conversations c ON c.id = m.conversation_id WHERE m.direction = 'in'"
    )
    assert sorted(r[0] for r in rows) == sorted(expected)
    problems = {p.conversation_id: p for p in problem_items(store, limit=10_000)}
    parked = []
    for source, raw, state, group, reason, conversation_id in rows:
        name, original = expected[source]
        assert bytes(raw) == original, name
        if name.startswith("ordinary"):
            assert (state, group) == ("queued", "Sales"), name
        elif state == "unrouted":
            assert reason, name
            assert problems[conversation_id].reason == reason, name
            parked.append(name)
        else:
            assert (state, group) == ("queued", "Sales"), name
    assert "own-parser-bug" in parked
    [reason] = [r[4] for r in rows if expected[r[0]][0] == "own-parser-bug"]
    assert "RecursionError" in reason and "simulated parser bug" in reason
    # No message left a second conversation or an orphan behind.
    assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == len(expected)


# -- (a) micc import -----------------------------------------------------------------


def import_json(capsys: pytest.CaptureFixture[str], config: Config, path: Path) -> object:
    capsys.readouterr()
    code = main(["--config", str(config.source), "import", str(path), "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


@pytest.mark.parametrize("form", ["folder", "mbox"])
@pytest.mark.usefixtures("parser_bug")
def test_micc_import_archives_every_message_around_poisoned_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    config = tenant(tmp_path / "center", imap_port=1, user="m@test.local", smtp_port=1)
    messages = corpus(resource=form == "folder")
    expected: dict[str, tuple[str, bytes]] = {}
    if form == "folder":
        path = tmp_path / "mail"
        path.mkdir()
        for n, (name, raw) in enumerate(messages):
            file = path / f"{n:03d}-{name}.eml"
            file.write_bytes(raw)
            expected[f"import:{file.resolve()}"] = (name, raw)
    else:
        path = tmp_path / "mail.mbox"
        box = mailbox.mbox(path)
        keys = [box.add(raw) for _, raw in messages]
        box.close()
        box = mailbox.mbox(path)
        for key, (name, _) in zip(keys, messages, strict=True):
            # What the mbox holds (its From_ line aside) is what must be archived.
            expected[f"import:{path.resolve()}#{key}"] = (name, box.get_bytes(key))
        box.close()
    first = import_json(capsys, config, path)
    assert isinstance(first, dict)
    assert first["archived"] == len(messages) and first["duplicates"] == 0
    assert first["routed"] + first["unrouted"] == len(messages)
    assert first["unreadable"] == []
    parked = {expected[str(p["key"]).rsplit(":", 1)[0]][0]: p["reason"] for p in first["parked"]}
    assert "simulated parser bug" in parked["own-parser-bug"]
    with Store(config.store.path) as store:
        check_outcome(store, expected)
    again = import_json(capsys, config, path)
    assert isinstance(again, dict)
    assert (again["archived"], again["duplicates"]) == (0, len(messages))
    with Store(config.store.path) as store:
        assert store.query_one("SELECT COUNT(*) FROM messages")[0] == len(messages)


# -- (b) micc serve --once against Dovecot -------------------------------------------


def imap(dovecot: Dovecot, user: str) -> imapclient.IMAPClient:
    client = imapclient.IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False)
    client.login(user, PASSWORD)
    return client


def append_all(dovecot: Dovecot, user: str, messages: list[tuple[str, bytes]]) -> dict[int, str]:
    """APPEND ``messages`` to INBOX in order; UID -> name.

    The UIDs come from each APPEND's answer (UIDPLUS ``[APPENDUID v uid]``), not
    from a SEARCH: a running engine may already have deleted the first ones.
    """
    client = imap(dovecot, user)
    named: dict[int, str] = {}
    try:
        for name, raw in messages:
            answer = client.append("INBOX", raw)
            found = re.search(rb"\[APPENDUID \d+ (\d+)\]", answer)
            assert found is not None, answer
            named[int(found[1])] = name
        # Selecting moves them from new/ to cur/ (Maildir), where tests find their files.
        client.select_folder("INBOX")
    finally:
        client.logout()
    assert len(named) == len(messages)
    return named


def deliver_at_once(dovecot: Dovecot, user: str, messages: list[tuple[str, bytes]]) -> None:
    """Put ``messages`` into INBOX in one COPY, so a running engine sees them as one batch.

    They are appended to a staging folder first: APPENDs one by one to INBOX
    would let an engine in IDLE read the first ones before the last arrive.
    """
    client = imap(dovecot, user)
    try:
        if not client.folder_exists("Staging"):
            client.create_folder("Staging")
        for _name, raw in messages:
            client.append("Staging", raw)
        client.select_folder("Staging")
        staged = client.search(["ALL"])
        client.copy(staged, "INBOX")
        client.delete_messages(staged)
        client.expunge()
    finally:
        client.logout()


def server_bytes(dovecot: Dovecot, user: str) -> dict[int, bytes]:
    """What the server hands out for each message of INBOX (the bytes to archive)."""
    client = imap(dovecot, user)
    try:
        client.select_folder("INBOX", readonly=True)
        found = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
        return {int(uid): bytes(data[b"BODY[]"]) for uid, data in found.items()}
    finally:
        client.logout()


def folder_counts(dovecot: Dovecot, user: str) -> dict[str, int]:
    client = imap(dovecot, user)
    try:
        return {
            name: int(client.folder_status(name, ["MESSAGES"])[b"MESSAGES"])
            for _, _, name in client.list_folders()
        }
    finally:
        client.logout()


def serve_once(config: Config, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--config", str(config.source), "serve", "--once"])
    return code, capsys.readouterr().out


def expected_from_server(
    dovecot: Dovecot, user: str, names: dict[int, str]
) -> dict[str, tuple[str, bytes]]:
    held = server_bytes(dovecot, user)
    assert sorted(held) == sorted(names)
    return {f"imap:INBOX#{uid}": (names[uid], raw) for uid, raw in held.items()}


def check_serve_outcome(store: Store, expected: dict[str, tuple[str, bytes]]) -> None:
    # An IMAP message's source is its folder; its UID is in the dedupe key.
    rows = store.query("SELECT id, source_key FROM messages WHERE direction = 'in'")
    uid_of = {int(r[0]): int(str(r[1]).split(":")[3]) for r in rows}
    keyed = {}
    for archive_id, uid in uid_of.items():
        keyed[archive_id] = expected[f"imap:INBOX#{uid}"]
    rows = store.query(
        "SELECT m.id, r.raw, c.state, c.service_group, c.reason, m.conversation_id "
        "FROM messages m JOIN raw_messages r ON r.message = m.id "
        "JOIN conversations c ON c.id = m.conversation_id WHERE m.direction = 'in'"
    )
    assert len(rows) == len(expected)
    problems = {p.conversation_id: p for p in problem_items(store, limit=10_000)}
    parked = []
    for archive_id, raw, state, group, reason, conversation_id in rows:
        name, original = keyed[archive_id]
        assert bytes(raw) == original, name
        if name.startswith("ordinary") or state != "unrouted":
            assert (state, group) == ("queued", "Sales"), name
        else:
            assert reason and problems[conversation_id].reason == reason, name
            parked.append(name)
    assert "own-parser-bug" in parked
    assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == len(expected)


@pytest.mark.parametrize("policy", ["delete", "trash"])
@pytest.mark.usefixtures("parser_bug")
def test_micc_serve_once_archives_every_message_and_empties_the_mailbox(
    dovecot: Dovecot,
    master_user: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    policy: str,
) -> None:
    messages = corpus()
    names = append_all(dovecot, master_user, messages)
    expected = expected_from_server(dovecot, master_user, names)
    config = tenant(
        tmp_path,
        imap_port=dovecot.imap_port,
        user=master_user,
        smtp_port=1,
        policy=policy,
        batch=7,  # several batches, poisoned ones in the middle of some
    )
    code, out = serve_once(config, capsys)
    assert code == 0, out
    assert f"read {len(messages)} new message(s)" in out
    with Store(config.store.path) as store:
        check_serve_outcome(store, expected)
    counts = folder_counts(dovecot, master_user)
    assert counts["INBOX"] == 0
    assert counts["Trash"] == (len(messages) if policy == "trash" else 0)
    code, out = serve_once(config, capsys)
    assert code == 0 and "read 0 new message(s)" in out, out
    with Store(config.store.path) as store:
        assert store.query_one("SELECT COUNT(*) FROM messages")[0] == len(messages)


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The confirmation hook fails like a full disk on messages holding :data:`DISK_FULL`.

    The returned list counts the failures; clear ``armed`` (its first item) to stop them.
    """
    state = [1, 0]  # armed, failures
    real = engine.ingest.confirm

    def confirm(config: Config, store: Store, item: ArchivedIncoming) -> None:
        raw = store.query_one("SELECT raw FROM raw_messages WHERE message = ?", (item.message,))
        if state[0] and raw is not None and DISK_FULL in bytes(raw[0]):
            state[1] += 1
            raise sqlite3.OperationalError("database or disk is full")
        real(config, store, item)

    monkeypatch.setattr(engine.ingest, "confirm", confirm)
    return state


def test_a_store_failure_stops_the_batch_and_the_server_is_told_nothing(
    dovecot: Dovecot,
    master_user: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    disk_full: list[int],
) -> None:
    messages = [
        ("ordinary-0", ordinary(0)),
        ("disk-full", poisoned("disk-full", headers=DISK_FULL)),
        ("ordinary-1", ordinary(1)),
    ]
    append_all(dovecot, master_user, messages)
    config = tenant(tmp_path, imap_port=dovecot.imap_port, user=master_user, smtp_port=1)
    code, out = serve_once(config, capsys)
    assert code == 1, out
    assert disk_full[1] == 1
    with Store(config.store.path) as store:
        assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 0
        assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == 0
        assert store.query_one("SELECT COUNT(*) FROM sync_state")[0] == 0
        health = store.query_one("SELECT state, detail FROM engine_health WHERE name = 'fetch'")
        assert health is not None and health[0] == "error" and "disk is full" in health[1]
    assert folder_counts(dovecot, master_user)["INBOX"] == 3  # nothing expunged
    disk_full[0] = 0  # space was freed
    code, out = serve_once(config, capsys)
    assert code == 0, out
    with Store(config.store.path) as store:
        assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 3
    assert folder_counts(dovecot, master_user)["INBOX"] == 0


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.usefixtures("parser_bug")
def test_the_serve_loop_outlives_poisoned_mail_and_a_store_failure(
    dovecot: Dovecot, master_user: str, tmp_path: Path, disk_full: list[int]
) -> None:
    config = tenant(tmp_path, imap_port=dovecot.imap_port, user=master_user, smtp_port=1)
    stop = threading.Event()
    codes: list[int] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            codes.append(Engine(config, stop=stop, wait_slice=0.2, max_backoff=0.5).run())
        except BaseException as exc:
            failures.append(exc)
            raise

    runner = threading.Thread(target=run, name="engine")
    runner.start()
    store = Store(config.store.path)

    def archived() -> int:
        return int(store.query_one("SELECT COUNT(*) FROM messages WHERE direction = 'in'")[0])

    try:
        wait_for("the engine", lambda: store.query_one("SELECT 1 FROM lease") is not None)
        deliver_at_once(
            dovecot,
            master_user,
            [
                ("ordinary-0", ordinary(0)),
                ("parser-bug", poisoned("parser-bug", headers=PARSER_BUG)),
                ("x-mailer", OWN_POISONED[0][1]),
                ("disk-full", poisoned("disk-full", headers=DISK_FULL)),
                ("ordinary-1", ordinary(1)),
            ],
        )
        wait_for("the store failure", lambda: disk_full[1] >= 1)
        assert runner.is_alive() and archived() == 0
        disk_full[0] = 0
        wait_for("every message", lambda: archived() == 5)
        wait_for("the mailbox emptied", lambda: folder_counts(dovecot, master_user)["INBOX"] == 0)
        assert runner.is_alive()
    finally:
        stop.set()
        runner.join(timeout=30)
        store.close()
    assert failures == [] and codes == [0]


# -- (c) unit level: ingest() itself --------------------------------------------------

CONFIG = """
[[service_group]]
name = "Sales"
[[service_access]]
name = "Sales"
address = "Solidus.Sales.*@seclab.com"
service_group = "Sales"
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(CONFIG, tmp_path / "micc.toml")


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with Store(config.store.path) as opened:
        yield opened


def items(*raws: bytes) -> list[FetchedMessage]:
    return [FetchedMessage(f"test:{n}", "test", raw) for n, raw in enumerate(raws)]


def assert_parked(store: Store, result: IngestResult, raw: bytes, *words: str) -> None:
    """``result`` is an unrouted conversation of its own, raw bytes kept, the reason given."""
    assert not result.duplicate and result.message is not None
    assert result.state == "unrouted" and not result.route.routed
    assert result.error and all(w in result.error for w in words), result.error
    stored = store.query_one("SELECT raw FROM raw_messages WHERE message = ?", (result.message,))
    assert stored is not None and bytes(stored[0]) == raw
    [problem] = [p for p in problem_items(store) if p.conversation_id == result.conversation_id]
    assert problem.kind == "unrouted" and problem.reason == result.error


@pytest.mark.usefixtures("parser_bug")
def test_a_message_the_parser_fails_on_is_parked_and_the_others_are_routed(
    config: Config, store: Store
) -> None:
    bad = poisoned("parser-bug", headers=PARSER_BUG)
    first, middle, last = ingest(store, config, items(ordinary(1), bad, ordinary(2)))
    assert (first.state, first.route.service_group) == ("queued", "Sales")
    assert (last.state, last.route.service_group) == ("queued", "Sales")
    assert_parked(store, middle, bad, "RecursionError", "parsed", "simulated parser bug")
    again = ingest(store, config, items(ordinary(1), bad, ordinary(2)))
    assert all(r.duplicate for r in again)
    assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 3


@pytest.mark.usefixtures("parser_bug")
def test_the_import_report_names_the_parked_messages(
    config: Config, store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(ordinary(1))
    (folder / "b.eml").write_bytes(poisoned("parser-bug", headers=PARSER_BUG))
    report = import_paths(store, config, [folder])
    assert (report.archived, report.routed, report.unrouted) == (2, 1, 1)
    [(key, reason)] = report.parked
    assert str((folder / "b.eml").resolve()) in key and "simulated parser bug" in reason


def test_a_failing_hook_is_rolled_back_and_its_message_parked(config: Config, store: Store) -> None:
    bad = poisoned("hook")
    seen: list[int] = []

    def hook(store: Store, item: ArchivedIncoming) -> None:
        # Writes first (an outgoing message, a health row), then fails.
        outbox.enqueue(
            store,
            ordinary(99),
            mail_from="noreply@seclab.com",
            recipients=["carla@customer.example"],
            conversation_id=item.conversation_id,
            kind="confirmation",
        )
        health_rows.put(store, f"hook-{item.message}", "ok", "written by the hook", now_iso())
        if item.parsed.subject == "Poisoned hook":
            raise ValueError("template exploded")
        seen.append(item.message)

    hooks: list[AfterArchive] = [hook]
    first, middle, last = ingest(
        store, config, items(ordinary(1), bad, ordinary(2)), after_archive=hooks
    )
    assert [first.state, last.state] == ["queued", "queued"]
    assert seen == [first.message, last.message]
    assert_parked(store, middle, bad, "ValueError", "template exploded", "hook")
    # The failed message's own rows and the hook's writes are gone: one conversation
    # and one archived copy per message, outgoing mail only for the two good ones.
    assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == 3
    assert store.query_one("SELECT COUNT(*) FROM messages WHERE direction = 'in'")[0] == 3
    assert store.query_one("SELECT COUNT(*) FROM outbox")[0] == 2
    names = {r[0] for r in store.query("SELECT name FROM engine_health")}
    assert names == {f"hook-{first.message}", f"hook-{last.message}"}


def test_a_failed_reply_leaves_its_conversation_as_it_was(config: Config, store: Store) -> None:
    [original] = ingest(store, config, items(ordinary(1)), after_archive=())
    before = tuple(
        store.query_one("SELECT * FROM conversations WHERE id = ?", (original.conversation_id,))
    )
    last_event = store.query_one("SELECT MAX(id) FROM events")[0]
    mid = parse_message(ordinary(1)).message_id
    reply = poisoned("reply", headers=f"In-Reply-To: {mid}\r\n".encode())

    def hook(store: Store, item: ArchivedIncoming) -> None:
        raise KeyError("boom")

    [result] = ingest(
        store, config, [FetchedMessage("test:reply", "test", reply)], after_archive=[hook]
    )
    assert_parked(store, result, reply, "KeyError")
    assert result.conversation_id != original.conversation_id
    after = tuple(
        store.query_one("SELECT * FROM conversations WHERE id = ?", (original.conversation_id,))
    )
    assert after == before
    # Only the parked message's own events were added.
    added = store.query("SELECT conversation_id FROM events WHERE id > ?", (last_event,))
    assert added and {r[0] for r in added} == {result.conversation_id}


def test_what_the_store_cannot_keep_is_parked_with_what_could_be_read(
    config: Config, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old failure, whatever the parser does: header text with surrogates."""
    bad = poisoned("x-mailer", headers=b"X-Mailer: Outl\xc3\xb6ok\r\n")

    def old_parser(raw: bytes) -> ParsedMessage:
        parsed = parse_message(raw)
        if b"Outl\xc3\xb6ok" not in raw:
            return parsed
        # What the parser used to return: the raw bytes as surrogate escapes.
        headers = {**parsed.headers, "x-mailer": "Outl\udcc3\udcb6ok"}
        return dataclasses.replace(parsed, headers=headers)

    monkeypatch.setattr(engine.ingest, "parse_message", old_parser)
    first, middle, last = ingest(store, config, items(ordinary(1), bad, ordinary(2)))
    assert [first.state, last.state] == ["queued", "queued"]
    assert_parked(store, middle, bad, "UnicodeEncodeError", "archived")
    row = store.query_one(
        "SELECT subject, from_address, recipients_json, headers_json FROM messages WHERE id = ?",
        (middle.message,),
    )
    assert row is not None
    assert (row[0], row[1]) == ("Poisoned x-mailer", "carla@customer.example")
    assert json.loads(row[2]) == [SALES]  # a supervisor's "route again" can use them
    assert json.loads(row[3])["x-mailer"] == "Outlöok"


def test_a_store_failure_aborts_the_whole_batch(config: Config, store: Store) -> None:
    def hook(store: Store, item: ArchivedIncoming) -> None:
        if item.parsed.subject == "Poisoned full":
            raise sqlite3.OperationalError("database or disk is full")

    batch = items(ordinary(1), poisoned("full"), ordinary(2))
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        ingest(store, config, batch, after_archive=[hook])
    assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 0
    assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == 0
    assert len(ingest(store, config, batch, after_archive=())) == 3  # the store still works


def test_a_transaction_the_database_dropped_is_a_store_failure(
    config: Config, store: Store
) -> None:
    """If SQLite itself rolled the batch back, nothing may go on outside a transaction."""

    def hook(store: Store, item: ArchivedIncoming) -> None:
        if item.parsed.subject == "Poisoned dropped":
            store.conn.execute("ROLLBACK")  # as SQLite does on some I/O errors
            raise ValueError("after the rollback")

    batch = items(ordinary(1), poisoned("dropped"), ordinary(2))
    with pytest.raises(StoreError, match="rolled the transaction back"):
        ingest(store, config, batch, after_archive=[hook])
    assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 0
    assert store.query_one("SELECT COUNT(*) FROM conversations")[0] == 0
    assert len(ingest(store, config, batch, after_archive=())) == 3


def test_a_savepoint_undoes_only_its_own_writes(store: Store) -> None:
    with pytest.raises(StoreError), store.savepoint():
        pass
    with store.transaction():
        health_rows.put(store, "before", "ok", "", now_iso())
        with pytest.raises(ValueError), store.savepoint():
            health_rows.put(store, "inside", "ok", "", now_iso())
            raise ValueError("undo me")
        with store.savepoint():
            health_rows.put(store, "kept", "ok", "", now_iso())
    names = {r[0] for r in store.query("SELECT name FROM engine_health")}
    assert names == {"before", "kept"}


def test_store_failures_are_told_from_bad_data() -> None:
    assert Store.is_store_failure(sqlite3.OperationalError("database or disk is full"))
    assert Store.is_store_failure(sqlite3.OperationalError("database is locked"))
    assert Store.is_store_failure(sqlite3.DatabaseError("database disk image is malformed"))
    assert Store.is_store_failure(StoreError("cannot open"))
    assert not Store.is_store_failure(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not Store.is_store_failure(sqlite3.DataError("string or blob too big"))
    assert not Store.is_store_failure(UnicodeEncodeError("utf-8", "\udcc3", 0, 1, "surrogates"))
    assert not Store.is_store_failure(RecursionError())


@pytest.mark.usefixtures("parser_bug")
def test_micc_import_names_each_parked_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tenant(tmp_path / "center", imap_port=1, user="m@test.local", smtp_port=1)
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1.eml").write_bytes(ordinary(1))
    (folder / "2.eml").write_bytes(poisoned("bug", headers=PARSER_BUG))
    capsys.readouterr()
    code = main(["--config", str(config.source), "import", str(folder)])
    captured = capsys.readouterr()
    assert code == 0
    assert "2 files: 2 archived (1 routed, 1 unrouted)" in captured.out
    [line] = [x for x in captured.err.splitlines() if x.startswith("parked")]
    where = (folder / "2.eml").resolve()
    assert line.startswith(f"parked (archived as received, unrouted, in Problems): import:{where}:")
    assert "simulated parser bug" in line
