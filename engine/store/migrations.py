"""Named schema migrations, applied once each and recorded in ``_migrations``.

Add new migrations at the end of :data:`MIGRATIONS`; never edit one that has
shipped. Each runs inside the transaction that records it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

Migration = tuple[str, Callable[[sqlite3.Connection], None]]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    # executescript() would commit the caller's transaction, so statements run
    # one by one; complete_statement() keeps trigger bodies whole.
    def run(conn: sqlite3.Connection) -> None:
        buffer = ""
        for line in sql.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                conn.execute(buffer)
                buffer = ""
        if buffer.strip():
            conn.execute(buffer)

    return run


_INITIAL = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL DEFAULT '',
    customer_name TEXT NOT NULL DEFAULT '',
    customer_address TEXT NOT NULL DEFAULT '',
    service_access TEXT,
    service_group TEXT,
    state TEXT NOT NULL,
    agent_id TEXT,
    reason TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    received TEXT NOT NULL,
    last_message INTEGER
);
CREATE INDEX conversations_queue ON conversations (state, service_group, received);
CREATE INDEX conversations_agent ON conversations (agent_id, state);
CREATE INDEX conversations_customer ON conversations (customer_address);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    source_key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    in_reply_to TEXT NOT NULL DEFAULT '',
    references_json TEXT NOT NULL DEFAULT '[]',
    subject TEXT NOT NULL DEFAULT '',
    from_name TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL DEFAULT '',
    to_json TEXT NOT NULL DEFAULT '[]',
    cc_json TEXT NOT NULL DEFAULT '[]',
    recipients_json TEXT NOT NULL DEFAULT '[]',
    addresses TEXT NOT NULL DEFAULT '',
    date TEXT,
    received TEXT NOT NULL,
    body_text TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    attachments_json TEXT NOT NULL DEFAULT '[]',
    headers_json TEXT NOT NULL DEFAULT '{}',
    problems_json TEXT NOT NULL DEFAULT '[]',
    conversation_id INTEGER REFERENCES conversations (id)
);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_conversation ON messages (conversation_id, received);
CREATE INDEX messages_from ON messages (from_address);
CREATE TABLE raw_messages (
    message INTEGER PRIMARY KEY REFERENCES messages (id),
    raw BLOB NOT NULL
);
CREATE TABLE access_activation (
    name TEXT PRIMARY KEY,
    active INTEGER NOT NULL,
    activation_seq INTEGER,
    activated_at TEXT,
    changed_at TEXT NOT NULL
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER REFERENCES conversations (id),
    message INTEGER REFERENCES messages (id),
    kind TEXT NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_json TEXT NOT NULL,
    state TEXT NOT NULL,
    agent_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    conversation_id INTEGER,
    message INTEGER,
    agent_id TEXT,
    detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_conversation ON events (conversation_id);
CREATE TABLE sync_state (
    mailbox TEXT PRIMARY KEY,
    uidvalidity INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0,
    detail_json TEXT NOT NULL DEFAULT '{}',
    updated TEXT NOT NULL
);
CREATE TABLE lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    expires REAL NOT NULL,
    acquired TEXT NOT NULL
);
CREATE TABLE agent_status (
    agent_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    pid INTEGER,
    last_seen TEXT NOT NULL
);
CREATE TABLE engine_health (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL
);
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, body_text, addresses, content='messages', content_rowid='id'
);
CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, subject, body_text, addresses)
    VALUES (new.id, new.subject, new.body_text, new.addresses);
END;
CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, subject, body_text, addresses)
    VALUES ('delete', old.id, old.subject, old.body_text, old.addresses);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF subject, body_text, addresses ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, subject, body_text, addresses)
    VALUES ('delete', old.id, old.subject, old.body_text, old.addresses);
    INSERT INTO messages_fts (rowid, subject, body_text, addresses)
    VALUES (new.id, new.subject, new.body_text, new.addresses);
END
"""

_SPELLING_IGNORE = """
CREATE TABLE spelling_ignore (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('agent', 'group')),
    owner TEXT NOT NULL,
    culture TEXT NOT NULL,
    word TEXT NOT NULL,
    added_at TEXT NOT NULL,
    UNIQUE (scope, owner, culture, word)
);
CREATE INDEX spelling_ignore_culture ON spelling_ignore (culture, scope, owner)
"""

# The supervisor's dashboard counts the day's answers per group and per agent
# (a range over ``updated`` within one state) and the arrivals per minute (a
# range over ``at`` within one event kind); without these both scan the archive.
_SUPERVISOR_INDEXES = """
CREATE INDEX conversations_state_updated ON conversations (state, updated, service_group, agent_id);
CREATE INDEX events_kind_at ON events (kind, at)
"""

# Engine lease priorities (issue 10): ``micc serve`` outranks the standby
# engines that consoles run. The holder's priority, and the one request for the
# lease by a higher-priority process (who, where, how much, until when): the
# holder sees it on its heartbeat and hands the lease over between transactions.
_LEASE_PRIORITY = """
ALTER TABLE lease ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lease ADD COLUMN wanted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE lease ADD COLUMN wanted_pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lease ADD COLUMN wanted_host TEXT NOT NULL DEFAULT '';
ALTER TABLE lease ADD COLUMN wanted_priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lease ADD COLUMN wanted_until REAL NOT NULL DEFAULT 0
"""

# One owner for a conversation's life (issue 13): event kinds are an enum whose
# values have no spaces; internal notes; the outbox looked up by conversation
# (whether a conversation was answered meanwhile, micc outbox list).
_LIFECYCLE = """
UPDATE events SET kind = 'put_back' WHERE kind = 'put back';
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    agent_id TEXT,
    body TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, id);
CREATE INDEX outbox_conversation ON outbox (conversation_id, id)
"""

# History by exact address (issue 14): one row per address a message is from,
# to or cc'd to, folded to lower case (:func:`address_key`), so a customer's
# history is an indexed equality, never a full-text phrase match.
_MESSAGE_ADDRESSES = """
CREATE TABLE message_addresses (
    address TEXT NOT NULL,
    message INTEGER NOT NULL REFERENCES messages (id),
    PRIMARY KEY (address, message)
)
"""


def address_key(address: str) -> str:
    """An address as ``message_addresses`` keeps it: trimmed, lower case, no surrogates."""
    return "".join(c for c in address if not "\ud800" <= c <= "\udfff").strip().lower()


def message_address_keys(from_address: str, to: list[str], cc: list[str]) -> list[str]:
    """The distinct keys of a message's from, to and cc addresses, in that order."""
    keys = (address_key(a) for a in (from_address, *to, *cc) if isinstance(a, str))
    return list(dict.fromkeys(k for k in keys if k))


def _message_addresses(conn: sqlite3.Connection) -> None:
    _script(_MESSAGE_ADDRESSES)(conn)
    for row in conn.execute("SELECT id, from_address, to_json, cc_json FROM messages").fetchall():
        keys = message_address_keys(
            row[1] or "", json.loads(row[2] or "[]"), json.loads(row[3] or "[]")
        )
        conn.executemany(
            "INSERT INTO message_addresses (address, message) VALUES (?, ?)",
            [(key, row[0]) for key in keys],
        )


# Attachment sizes were once estimated from their base64 text (3/4 of it, line
# breaks included: "403 B" for 393 bytes saved). Rows archived since hold the
# decoded size; older ones are flagged here and measured again from their raw
# bytes when first read (engine.archive), since measuring needs the MIME parser.
_ATTACHMENT_SIZES = """
ALTER TABLE messages ADD COLUMN attachments_measured INTEGER NOT NULL DEFAULT 1;
UPDATE messages SET attachments_measured = 0 WHERE attachments_json NOT IN ('', '[]');
CREATE INDEX messages_attachments_unmeasured ON messages (id) WHERE attachments_measured = 0;
"""

# A customer's follow-up without threading headers joins their conversation
# with the same subject (engine.ingest): found by the sender, in any case.
_CUSTOMER_THREADS = """
CREATE INDEX conversations_customer_lower ON conversations (lower(customer_address), updated);
"""


# Address completion in the composer (issue 15, item 14): who wrote to a
# group's conversations (the sender of an incoming message, with the name it
# gave) and whom the group wrote to (the To and Cc of an outgoing one), one row
# per message and address. Typed text is a prefix of ``address_key`` or of
# ``name_key`` (both folded to lower case) within one group: a range of an
# index that holds all the query reads, so neither the messages nor the
# conversations are visited. Each row carries its conversation's group, and a
# trigger moves the rows with the conversation when it changes group (a
# transfer takes its addresses along, in the same transaction).
_CORRESPONDENTS = """
CREATE TABLE correspondents (
    address_key TEXT NOT NULL,
    message INTEGER NOT NULL REFERENCES messages (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    service_group TEXT,
    address TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    name_key TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (address_key, message)
) WITHOUT ROWID;
CREATE INDEX correspondents_group_address ON correspondents (service_group, address_key);
CREATE INDEX correspondents_group_name ON correspondents (service_group, name_key)
    WHERE name_key <> '';
CREATE INDEX correspondents_conversation ON correspondents (conversation_id);
CREATE TRIGGER conversations_group_correspondents AFTER UPDATE OF service_group ON conversations
WHEN new.service_group IS NOT old.service_group BEGIN
    UPDATE correspondents SET service_group = new.service_group WHERE conversation_id = new.id;
END
"""


def correspondent_rows(
    direction: str, from_name: str, from_address: str, to: list[str], cc: list[str]
) -> list[tuple[str, str, str, str]]:
    """(address key, address, name, name key) of a message's correspondents.

    Incoming: its sender, with the display name it gave. Outgoing: its To and
    Cc (the archive keeps their addresses only). The group's own addresses
    (the From of what it sends, the To of what it receives) are not among them.
    """
    incoming = direction == "in"
    pairs = [(from_name, from_address)] if incoming else [("", a) for a in (*to, *cc)]
    found: dict[str, tuple[str, str, str, str]] = {}
    for name, address in pairs:
        key = address_key(address) if isinstance(address, str) else ""
        if key and "@" in key and key not in found:
            shown = name.strip() if isinstance(name, str) else ""
            found[key] = (key, address.strip(), shown, address_key(shown))
    return list(found.values())


# Waiting on the customer (issue 16): when the agent who waits wants to be
# reminded; the engine's loop finds the reminders due in the
# (state, remind_at) index without reading the other conversations.
_PENDING_CUSTOMER = """
ALTER TABLE conversations ADD COLUMN remind_at TEXT;
CREATE INDEX conversations_reminders ON conversations (state, remind_at)
"""


def _correspondents(conn: sqlite3.Connection) -> None:
    _script(_CORRESPONDENTS)(conn)
    cursor = conn.execute(
        "SELECT m.id, m.conversation_id, c.service_group, m.direction, m.from_name, "
        "m.from_address, m.to_json, m.cc_json FROM messages m "
        "JOIN conversations c ON c.id = m.conversation_id"
    )
    while batch := cursor.fetchmany(5000):
        conn.executemany(
            "INSERT INTO correspondents (address_key, address, name, name_key, message, "
            "conversation_id, service_group) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (*found, row[0], row[1], row[2])
                for row in batch
                for found in correspondent_rows(
                    row[3],
                    row[4] or "",
                    row[5] or "",
                    json.loads(row[6] or "[]"),
                    json.loads(row[7] or "[]"),
                )
            ],
        )


# Drafts kept while an agent writes (issue 15 item 8): what the composer holds,
# saved every few seconds, so a dropped SSH connection loses only the last
# seconds of typing. One row per agent and ``slot``: ``conversation <id>`` for
# a reply, reply-all or forward, ``new <group>`` for a new e-mail (a text key,
# since a NULL conversation would not be one in a UNIQUE key on either
# database). Addresses and file paths are JSON lists, as elsewhere.
_DRAFTS = """
CREATE TABLE drafts (
    agent_id TEXT NOT NULL,
    slot TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations (id),
    service_group TEXT NOT NULL,
    kind TEXT NOT NULL,
    to_json TEXT NOT NULL DEFAULT '[]',
    cc_json TEXT NOT NULL DEFAULT '[]',
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    attachments_json TEXT NOT NULL DEFAULT '[]',
    locale TEXT NOT NULL DEFAULT '',
    cursor_row INTEGER NOT NULL DEFAULT 0,
    cursor_column INTEGER NOT NULL DEFAULT 0,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (agent_id, slot)
);
CREATE INDEX drafts_conversation ON drafts (conversation_id, agent_id)
"""


# Automatic distribution (issue 17). A conversation's priority comes from its
# service access (1 highest); ``ahead`` puts e-mails returned from a console
# that went silent first in line. An offer is one row per conversation (never
# two at once) and one per agent, with an expiry: made and accepted in
# transactions, so a crash loses nothing and an offer past its expiry is made
# again. ``offer_refusals`` keeps who rejected which e-mail, so it goes to
# someone else first. The agent's row keeps why they are Away, since when the
# state holds, since when they are idle (longest idle first) and when they
# last sent a reply, from which group (wrap-up).
_DISTRIBUTION = """
ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 5;
ALTER TABLE conversations ADD COLUMN ahead INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_offer_order ON conversations (state, priority, ahead, received);
ALTER TABLE agent_status ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_status ADD COLUMN since TEXT;
ALTER TABLE agent_status ADD COLUMN idle_since TEXT;
ALTER TABLE agent_status ADD COLUMN sent_at TEXT;
ALTER TABLE agent_status ADD COLUMN sent_group TEXT;
CREATE TABLE offers (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id),
    agent_id TEXT NOT NULL UNIQUE,
    service_group TEXT NOT NULL,
    offered_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    offered_by TEXT
);
CREATE INDEX offers_expiry ON offers (expires_at);
CREATE TABLE offer_refusals (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    agent_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, agent_id)
)
"""


#: Every migration, in order. Names are recorded; never rename or edit a shipped one.
MIGRATIONS: list[Migration] = [
    ("0001_initial", _script(_INITIAL)),
    ("0002_spelling_ignore", _script(_SPELLING_IGNORE)),
    ("0003_supervisor_indexes", _script(_SUPERVISOR_INDEXES)),
    ("0004_lease_priority", _script(_LEASE_PRIORITY)),
    ("0005_lifecycle", _script(_LIFECYCLE)),
    ("0006_message_addresses", _message_addresses),
    ("0007_attachment_sizes", _script(_ATTACHMENT_SIZES)),
    ("0008_customer_threads", _script(_CUSTOMER_THREADS)),
    ("0009_correspondents", _correspondents),
    ("0010_drafts", _script(_DRAFTS)),
    ("0011_pending_customer", _script(_PENDING_CUSTOMER)),
    ("0012_distribution", _script(_DISTRIBUTION)),
]


def applied(conn: sqlite3.Connection) -> set[str]:
    """Names of the migrations already recorded in this database."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in conn.execute("SELECT name FROM _migrations")}


def record(conn: sqlite3.Connection, name: str) -> None:
    """Note that migration ``name`` has been applied."""
    conn.execute(
        "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
        (name, datetime.now(UTC).isoformat()),
    )
