"""The dialect seam: the few places where SQLite and PostgreSQL write SQL differently.

Every query in the store package is plain SQL that both speak (``RETURNING``,
``ON CONFLICT ... DO UPDATE``, ``COALESCE``, ``CASE``) except what is named
here: full-text search, reading a field of a JSON column, comparing columns
that may be NULL, a text's size in bytes, how a write transaction begins, and
savepoints. A store module asks its :class:`Store`'s ``dialect`` for these
fragments instead of writing them.

Only SQLite is implemented today; a PostgreSQL store supplies its own
:class:`Dialect` (``to_tsvector``/``@@``, ``->>``, ``IS NOT DISTINCT FROM``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Sorts after every character (UTF-8 bytes compared, as SQLite's BINARY does).
_HIGHEST = "\U0010ffff"


@dataclass(frozen=True)
class Dialect:
    """SQL fragments that differ between databases."""

    name: str

    def begin_write(self) -> str:
        """The statement that starts a write transaction holding the write lock."""
        return "BEGIN IMMEDIATE"

    def savepoint(self, name: str) -> str:
        """The statement that opens savepoint ``name`` inside a transaction."""
        return f"SAVEPOINT {name}"

    def rollback_to(self, name: str) -> str:
        """The statement that undoes what was written since savepoint ``name``."""
        return f"ROLLBACK TO SAVEPOINT {name}"

    def release(self, name: str) -> str:
        """The statement that ends savepoint ``name``, keeping its writes in the transaction."""
        return f"RELEASE SAVEPOINT {name}"

    def same(self, column: str) -> str:
        """``column`` equals one parameter, NULL equal to NULL."""
        return f"{column} IS ?"

    def json_text(self, column: str, key: str) -> str:
        """The text of field ``key`` of the JSON object in ``column``."""
        return f"json_extract({column}, '$.{key}')"

    def byte_length(self, column: str) -> str:
        """The size of the text in ``column`` in UTF-8 bytes (PostgreSQL: ``octet_length``)."""
        return f"length(CAST({column} AS BLOB))"

    def fts_ids(self) -> str:
        """A subquery of message ids whose text matches one parameter, newest first.

        The parameter is a query made by :func:`engine.archive.fts_query`.
        """
        return "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC"

    def starts_with(self, column: str, prefix: str) -> tuple[str, tuple[str, str]]:
        """``column`` starts with ``prefix``, taken literally; the fragment and its parameters.

        A range, so an index on ``column`` serves it and ``%`` or ``_`` in
        ``prefix`` are plain characters (PostgreSQL: ``starts_with()`` or ``^@``).
        """
        return f"({column} >= ? AND {column} < ?)", (prefix, prefix + _HIGHEST)

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        """An INSERT of ``columns`` that updates the other columns when ``key`` exists."""
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        return (
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )


#: The embedded default.
SQLITE = Dialect("sqlite")


def marks(values: Sequence[object]) -> str:
    """``?, ?, ?``: one placeholder per value, for ``IN (...)``."""
    return ",".join("?" * len(values))
