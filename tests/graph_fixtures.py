"""Fixtures for the Graph connector tests: the local stand-in server and a tenant using it.

:func:`run_cycle` is one pass of what the serve loop does with a mail source
(read the bookmark, fetch, archive and route the batch together with the new
bookmark in one transaction, then apply the processed-mail policy). The tests
drive the Graph source through it, through :func:`engine.ingest.ingest` and
the ports, exactly as the loop must.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest

from engine.adapters.graph import GraphClient, GraphSource
from engine.config import Config, parse_config
from engine.ingest import IngestResult, ingest
from engine.ports import MailSource, ProcessedPolicy
from engine.store import Store
from engine.sync import load_bookmark, save_bookmark
from tests.servers.graph import App, GraphServer

MASTER = "SolidusMasterAcct@seclab.com"
SECRET_FILE = "graph-secret"

CONFIG = """
[store]
path = "micc.db"

[server]
type = "graph"
processed = "{policy}"
archive_folder = "{archive_folder}"
outgoing_address = "noreply@seclab.com"

[server.graph]
tenant_id = "{tenant}"
client_id = "{client}"
client_secret_file = "{secret_file}"
user = "{master}"
outbound_only = {outbound_only}
authority = "{authority}"
graph_url = "{graph_url}"
ca_file = "{ca_file}"
poll_seconds = 0.2
fetch_batch = 10

[[service_group]]
name = "Sales"
email = "Solidus.SalesCall@seclab.com"
reply_using_incoming_address = true

[[service_group]]
name = "Billing"
email = "Billing@seclab.com"
reply_using_incoming_address = false

[[service_group]]
name = "Support"
email = "Solidus.Support@seclab.com"

[[service_access]]
name = "Sales"
address = "Solidus.Sales.*@seclab.com"
service_group = "Sales"

[[service_access]]
name = "Billing"
address = "billing+*@seclab.com"
service_group = "Billing"

[[service_access]]
name = "Support"
address = "Solidus.Support@seclab.com"
service_group = "Support"

[[agent]]
id = "anna"
name = "Anna Berg"
first_name = "Anna"
groups = ["Sales", "Billing", "Support"]
"""


@dataclass
class GraphTenant:
    """A tenant whose ``[server.graph]`` points at the local stand-in server."""

    server: GraphServer
    app: App
    root: Path

    def config(
        self,
        policy: ProcessedPolicy = "delete",
        *,
        archive_folder: str = "Processed",
        outbound_only: bool = False,
    ) -> Config:
        """Write ``micc.toml`` for this policy and return it parsed."""
        text = CONFIG.format(
            policy=policy,
            archive_folder=archive_folder,
            tenant=self.server.tenant_id,
            client=self.app.client_id,
            secret_file=SECRET_FILE,
            master=MASTER,
            outbound_only=str(outbound_only).lower(),
            authority=self.server.authority,
            graph_url=self.server.graph_url,
            ca_file=self.server.cert,
        )
        path = self.root / "micc.toml"
        path.write_text(text, encoding="utf-8")
        return parse_config(text, path)

    def set_secret(self, secret: str) -> None:
        """Write the client secret file the config names."""
        (self.root / SECRET_FILE).write_text(secret + "\n", encoding="utf-8")

    def deliver(self, raw: bytes) -> str:
        """Deliver a message to the master mailbox's inbox; return its Graph id."""
        return self.server.deliver(MASTER, raw)

    def inbox(self) -> int:
        """How many messages the inbox holds."""
        return len(self.server.folder_messages(MASTER, "inbox"))


@pytest.fixture(name="graph_server")
def graph_server_fixture(tmp_path: Path) -> Iterator[GraphServer]:
    """The stand-in server, started on a free loopback port."""
    server = GraphServer(tmp_path / "graph-server").start()
    yield server
    server.stop()


@pytest.fixture(name="tenant")
def tenant_fixture(graph_server: GraphServer, tmp_path: Path) -> GraphTenant:
    """An app with all five permissions, a master mailbox with Send As on group addresses."""
    app = graph_server.add_app()
    graph_server.add_mailbox(
        MASTER,
        send_as={
            "Solidus.SalesCall@seclab.com",
            "Solidus.Sales.Europe@seclab.com",
            "Solidus.Sales.Asia@seclab.com",
            "Billing@seclab.com",
            "Solidus.Support@seclab.com",
        },
    )
    root = tmp_path / "tenant"
    root.mkdir()
    result = GraphTenant(graph_server, app, root)
    result.set_secret(app.secret)
    return result


def mail(
    to: str,
    subject: str,
    *,
    cc: str = "",
    sender: str = "customer@example.net",
    body: str = "Hello,\n\nplease call me back.\n",
    in_reply_to: str = "",
) -> bytes:
    """A customer's e-mail as raw bytes, with a fresh Message-ID."""
    message = EmailMessage()
    message["From"] = f"Customer <{sender}>"
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="example.net")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def deliver_four_kinds(tenant: GraphTenant) -> None:
    """A wildcard address, a plus address, a Cc-only match and one nobody matches."""
    tenant.deliver(mail("Solidus.Sales.Europe@seclab.com", "wildcard"))
    tenant.deliver(mail("billing+invoice@seclab.com", "plus address"))
    tenant.deliver(mail("someone@example.org", "only through Cc", cc="Solidus.Support@seclab.com"))
    tenant.deliver(mail("nobody@seclab.com", "matches nothing"))


def client_for(config: Config, **options: Any) -> GraphClient:
    """A Graph client for the tenant's mailbox (options as :class:`GraphClient` takes)."""
    assert config.server.graph is not None
    return GraphClient(config.server.graph, **options)


def source_for(config: Config, **options: Any) -> GraphSource:
    """The tenant's Graph source, with its policy and archive folder."""
    assert config.server.graph is not None
    return GraphSource(
        client_for(config, **options),
        policy=config.server.processed,
        archive_folder=config.server.archive_folder,
        poll_seconds=0.2,
    )


def run_cycle(
    store: Store, config: Config, source: MailSource, *, mailbox: str, batch: int = 50
) -> list[IngestResult]:
    """One serve-loop pass over ``source``: fetch, archive + bookmark, then the policy."""
    results: list[IngestResult] = []
    for messages, bookmark in source.fetch_new(load_bookmark(store, mailbox), batch):
        with store.transaction():
            results += ingest(store, config, messages)
            save_bookmark(store, bookmark)
        # Duplicates too: a message archived before a crash is processed now.
        source.mark_processed([m.handle for m in messages], config.server.processed)
    return results
