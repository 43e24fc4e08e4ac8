"""The SQLite store: one file shared by every process of the contact center.

Each process (the engine, every agent's console) opens its own
:class:`Store`; a ``Store`` belongs to the thread that opened it. The file is
in WAL mode so readers never wait for writers, and writes take the write lock
up front (``BEGIN IMMEDIATE``) and wait for it patiently, so a person never
sees "database is locked".
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from engine.errors import MiccError
from engine.store import migrations
from engine.store.dialect import SQLITE, Dialect
from engine.store.permissions import create_private_file

_T = TypeVar("_T")

#: How long one attempt waits inside SQLite for a lock held by another process.
BUSY_TIMEOUT_MS = 15_000
#: Attempts at taking the write lock before giving up (each waits BUSY_TIMEOUT_MS).
LOCK_ATTEMPTS = 8


class StoreError(MiccError):
    """The store cannot do what was asked; the message says why in words."""


def now_iso() -> str:
    """The current time, UTC, ISO 8601 with microseconds: sortable as text."""
    return iso_of(datetime.now(UTC))


def iso_of(moment: datetime) -> str:
    """``moment`` as the store writes times (UTC, ISO 8601, microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _why(path: Path, exc: BaseException) -> str:
    """Why a store file could not be opened, in words."""
    if path.is_dir():
        return "it is a folder, not a file"
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
        size = path.stat().st_size if path.exists() else 0
        return f"it is not a SQLite database (a file of {size} bytes)"
    if isinstance(exc, OSError):
        return exc.strerror or exc.__class__.__name__
    return str(exc)


def store_problem(path: Path) -> str | None:
    """Why the store at ``path`` could not be opened, without creating or changing it.

    None when it can be (an absent file can be: it is created on first use).
    """
    if not path.exists():
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            return f"cannot create the store {path}: {parent} is a file, not a folder"
        return None
    try:
        # immutable: read the header only, creating no -wal or -shm beside it.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error) as exc:
        return f"cannot open the store {path}: {_why(path, exc)}"
    return None


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class Store:
    """A connection to the store file, for the thread that created it."""

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        """Open (creating if needed) the store at ``path``.

        Raises:
            StoreError: it cannot be opened; the message names the path and why.
        """
        self.path = Path(path)
        self._thread = threading.get_ident()
        try:
            self.conn = self._connect(str(path))
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store {self.path}: {_why(self.path, exc)}") from None
        self._depth = 0
        self._savepoints = 0
        #: The SQL that differs between databases (see :mod:`engine.store.dialect`).
        self.dialect: Dialect = SQLITE
        if migrate:
            self.migrate()

    def _connect(self, path: str) -> sqlite3.Connection:
        if path != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Every group's mail: created 0600, and SQLite gives -wal and -shm its mode.
            create_private_file(self.path)
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def db(self) -> Any:
        """A ``sqlite_utils.Database`` over this connection, for scripts and inspection.

        Imported on first use: sqlite-utils pulls in numpy, about 140 ms at every
        console's start otherwise.
        """
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _retry(action: Callable[[], _T]) -> _T:
        delay = 0.01
        for attempt in range(LOCK_ATTEMPTS):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_lock_error(exc) or attempt == LOCK_ATTEMPTS - 1:
                    raise
                time.sleep(delay + random.random() * delay)
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested uses join the outer one.

        The write lock is taken at the start, so the body never fails half-way
        for want of a lock. Everything in the body commits together or not at all.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self._retry(lambda: self.conn.execute(self.dialect.begin_write()))
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            # SQLite may have rolled back already (a full disk, an I/O error):
            # then the error that did it is the one to report.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self._retry(lambda: self.conn.execute("COMMIT"))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the open transaction that can fail alone.

        When the body raises, its writes are undone and the exception goes on;
        the transaction stays open with everything written before, so the
        caller can carry on (ingest archives one message per savepoint). When
        the body returns, its writes stay in the transaction and commit with it.

        Raises:
            StoreError: no transaction is open (a savepoint outside one would
                commit on its own), or the database rolled the whole
                transaction back while the body ran (then nothing written
                before is left either, and the caller must not go on).
        """
        if not self._depth:
            raise StoreError("a savepoint needs an open transaction")
        self._savepoints += 1
        name = f"micc_{self._savepoints}"
        self.conn.execute(self.dialect.savepoint(name))
        try:
            yield
        except Exception as exc:
            if not self.conn.in_transaction:
                raise StoreError(
                    f"the database rolled the transaction back ({exc.__class__.__name__}: {exc})"
                ) from exc
            self.conn.execute(self.dialect.rollback_to(name))
            self.conn.execute(self.dialect.release(name))
            raise
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute(self.dialect.rollback_to(name))
                self.conn.execute(self.dialect.release(name))
            raise
        finally:
            self._savepoints -= 1
        self.conn.execute(self.dialect.release(name))

    @staticmethod
    def is_store_failure(exc: BaseException) -> bool:
        """Whether ``exc`` is the store itself failing, not the data given to it.

        A full disk, an I/O error, a lock that never came, a damaged file: such
        a failure would hit any write, so a batch stops (and is retried whole)
        instead of blaming one message. A constraint, a value SQLite cannot
        bind or encode, or any other exception is about the data at hand.
        """
        if isinstance(exc, StoreError):
            return True
        if not isinstance(exc, sqlite3.DatabaseError):
            return False
        return not isinstance(
            exc, (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.ProgrammingError)
        )

    def migrate(self) -> list[str]:
        """Apply the migrations this file lacks; return their names."""
        done: list[str] = []
        with self.transaction() as conn:
            have = migrations.applied(conn)
            for name, apply in migrations.MIGRATIONS:
                if name not in have:
                    apply(conn)
                    migrations.record(conn, name)
                    done.append(name)
        return done

    def query(
        self, sql: str, params: tuple[object, ...] | dict[str, object] = ()
    ) -> list[sqlite3.Row]:
        """Run a read query and return all rows."""
        return self._retry(lambda: self.conn.execute(sql, params).fetchall())

    def query_one(
        self, sql: str, params: tuple[object, ...] | dict[str, object] = ()
    ) -> sqlite3.Row | None:
        """Run a read query and return the first row, or None."""
        row: sqlite3.Row | None = self._retry(lambda: self.conn.execute(sql, params).fetchone())
        return row
