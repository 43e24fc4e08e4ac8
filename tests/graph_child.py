"""A stand-in for the ``micc serve`` child in the Graph crash tests, until the serve loop lands.

``python -m tests.graph_child CONFIG ingest`` runs incoming cycles
(:func:`tests.graph_fixtures.run_cycle`) until the inbox yields nothing;
``... send`` sends the outbox: each row is marked ``sending`` in its own
transaction before Graph is asked, and ``sent`` after the 202, as the durable
outbox does. The test kills this process with SIGKILL at random moments and
checks that nothing was archived or sent twice.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from engine.adapters.graph import GraphSender, GraphSource
from engine.adapters.graph.client import GraphClient
from engine.config import load_config
from engine.store import Store
from tests.graph_fixtures import run_cycle


def ingest_all(config_path: Path) -> None:
    """Incoming cycles until one reads nothing."""
    config = load_config(config_path)
    assert config.server.graph is not None
    store = Store(config.store.path)
    source = GraphSource(GraphClient(config.server.graph), policy=config.server.processed,
                         archive_folder=config.server.archive_folder)
    source.connect()
    print("ready", flush=True)
    while run_cycle(store, config, source, mailbox=source.mailbox, batch=10):
        pass


def send_all(config_path: Path) -> None:
    """Send every outbox row not yet sent, in-doubt ones (``sending``) included."""
    config = load_config(config_path)
    assert config.server.graph is not None
    store = Store(config.store.path)
    sender = GraphSender(GraphClient(config.server.graph))
    print("ready", flush=True)
    while True:
        row = store.query_one(
            "SELECT o.id, o.mail_from, o.rcpt_json, r.raw FROM outbox o JOIN raw_messages r "
            "ON r.message = o.message WHERE o.state IN ('queued', 'sending') ORDER BY o.id "
            "LIMIT 1")
        if row is None:
            return
        with store.transaction() as conn:
            conn.execute("UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
                         "WHERE id = ?", (row[0],))
        sender.send(row[1], json.loads(row[2]), bytes(row[3]))
        with store.transaction() as conn:
            conn.execute("UPDATE outbox SET state = 'sent' WHERE id = ?", (row[0],))


if __name__ == "__main__":
    {"ingest": ingest_all, "send": send_all}[sys.argv[2]](Path(sys.argv[1]))
