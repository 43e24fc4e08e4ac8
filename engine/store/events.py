"""SQL of the ``events`` table: the audit trail, one row per thing that happened.

:mod:`engine.audit` decides what is written (the kinds, their details); this
module only reads and writes rows. Writes join the caller's transaction, so
an event commits with the change it describes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from engine.store.db import Store
from engine.store.dialect import marks

_COLUMNS = "id, at, kind, conversation_id, message, agent_id, detail_json"


def insert(
    store: Store,
    *,
    at: str,
    kind: str,
    conversation_id: int | None,
    archive_id: int | None,
    agent_id: str | None,
    detail: dict[str, object],
) -> int:
    """Write one event (joins an open transaction); its id."""
    with store.transaction() as conn:
        row = conn.execute(
            "INSERT INTO events (at, kind, conversation_id, message, agent_id, detail_json) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (
                at,
                kind,
                conversation_id,
                archive_id,
                agent_id,
                json.dumps(detail, ensure_ascii=False),
            ),
        ).fetchone()
    return int(row[0])


def newest_id(store: Store) -> int:
    """The id of the newest event (0 when there is none): changes at every event."""
    row = store.query_one("SELECT COALESCE(MAX(id), 0) FROM events")
    return int(row[0]) if row else 0


def newest_id_but(store: Store, kinds: Sequence[str]) -> int:
    """The id of the newest event not of ``kinds`` (0 when there is none).

    Read backwards from the newest event, so a run of ``kinds`` costs a few rows.
    """
    row = store.query_one(
        f"SELECT id FROM events WHERE kind NOT IN ({marks(kinds)}) ORDER BY id DESC LIMIT 1",
        tuple(kinds),
    )
    return int(row[0]) if row else 0


def newest_of(store: Store, conversation_id: int) -> int:
    """The id of the newest event of one conversation (0 when there is none)."""
    row = store.query_one(
        "SELECT COALESCE(MAX(id), 0) FROM events WHERE conversation_id = ?", (conversation_id,)
    )
    return int(row[0]) if row else 0


def of_conversation(
    store: Store, conversation_id: int, *, after: int = 0, limit: int = 1000
) -> list[sqlite3.Row]:
    """A conversation's events after event id ``after``, oldest first."""
    return store.query(
        f"SELECT {_COLUMNS} FROM events WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?",
        (conversation_id, after, limit),
    )


def of_kinds(store: Store, kinds: Sequence[str], *, limit: int = 1000) -> list[sqlite3.Row]:
    """Events of some kinds, oldest first."""
    return store.query(
        f"SELECT {_COLUMNS} FROM events WHERE kind IN ({marks(kinds)}) ORDER BY id LIMIT ?",
        (*kinds, limit),
    )


def count_to_since(store: Store, kind: str, since: str, to: str) -> int:
    """Events of ``kind`` since ``since`` whose detail's ``to`` is ``to``."""
    to_field = store.dialect.json_text("detail_json", "to")
    row = store.query_one(
        f"SELECT COUNT(*) FROM events WHERE kind = ? AND at >= ? AND {to_field} = ?",
        (kind, since, to),
    )
    return int(row[0]) if row else 0


def per_minute(store: Store, kind: str, since: str) -> list[sqlite3.Row]:
    """(``YYYY-MM-DDTHH:MM``, count) of events of ``kind`` since ``since``."""
    return store.query(
        "SELECT substr(at, 1, 16), COUNT(*) FROM events WHERE kind = ? AND at >= ? GROUP BY 1",
        (kind, since),
    )


def detail(row: sqlite3.Row) -> dict[str, object]:
    """The detail of an event row as a dict."""
    value = json.loads(row["detail_json"] or "{}")
    return value if isinstance(value, dict) else {}
