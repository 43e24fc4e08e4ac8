"""The store: migrations, WAL, and several processes writing at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from engine.store import Store
from engine.store.migrations import MIGRATIONS


def test_migrations_from_an_empty_file_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = Store(path, migrate=False)
    applied = store.migrate()
    assert applied == [name for name, _ in MIGRATIONS]
    assert store.migrate() == []
    names = [r[0] for r in store.query("SELECT name FROM _migrations ORDER BY name")]
    assert names == sorted(name for name, _ in MIGRATIONS)
    assert store.query_one("PRAGMA journal_mode")[0] == "wal"
    for table in (
        "conversations",
        "messages",
        "raw_messages",
        "outbox",
        "events",
        "sync_state",
        "lease",
        "access_activation",
        "messages_fts",
    ):
        assert store.db[table].exists(), table
    store.close()


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    try:
        with store.transaction() as conn:
            conn.execute("INSERT INTO events (at, kind) VALUES ('x', 'test')")
            raise RuntimeError("crash in the middle")
    except RuntimeError:
        pass
    assert store.query_one("SELECT COUNT(*) FROM events")[0] == 0


def _writer(path: str, worker: int, count: int, errors: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        store = Store(path)
        for i in range(count):
            with store.transaction() as conn:
                conn.execute(
                    "INSERT INTO events (at, kind, detail_json) VALUES (?, 'w', ?)",
                    (f"{worker}-{i}", "{}"),
                )
                # Hold the write lock a little while readers and writers pile up.
                conn.execute("SELECT COUNT(*) FROM events").fetchone()
        store.close()
    except sqlite3.Error as exc:  # pragma: no cover - the assertion below reports it
        errors.put(repr(exc))


def test_several_processes_write_at_once_without_lock_errors(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    Store(path).close()
    errors: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [
        multiprocessing.Process(target=_writer, args=(path, w, 200, errors)) for w in range(4)
    ]
    for worker in workers:
        worker.start()
    reader = Store(path)
    while any(w.is_alive() for w in workers):
        reader.query("SELECT COUNT(*) FROM events")  # readers never wait in WAL mode
    for worker in workers:
        worker.join()
    assert errors.empty(), errors.get()
    assert all(w.exitcode == 0 for w in workers)
    assert reader.query_one("SELECT COUNT(*) FROM events")[0] == 800
    reader.close()
