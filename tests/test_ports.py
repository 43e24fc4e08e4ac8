"""Ports say what they can do: declared capabilities, one error, no mail library in the core.

The engine reads a source's capabilities directly (never ``getattr``) and
catches only :class:`~engine.errors.MailServerError`; so every adapter must
declare each capability and turn what its libraries raise into that error.
These tests hold the IMAP, SMTP and Graph adapters to it against the real
servers the other tests use.
"""

from __future__ import annotations

import ast
import inspect
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.adapters import graph
from engine.adapters.graph import GraphSource, GraphUnavailable
from engine.adapters.imap import ImapSettings, ImapSource
from engine.adapters.smtp import SmtpSender, SmtpSettings
from engine.config.model import GraphConfig
from engine.engine import CONNECTION_ERRORS, Engine
from engine.errors import MailServerError
from engine.ports import Bookmark, MailSource
from engine.store import Store
from tests.graph_fixtures import (
    GraphTenant,
    graph_server_fixture,  # noqa: F401 - fixture
    mail,
    source_for,
    tenant_fixture,  # noqa: F401 - fixture
)
from tests.servers.dovecot import PASSWORD, Dovecot, free_port
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import customer_mail

ROOT = Path(__file__).resolve().parents[1]
#: The engine's core: what runs the serve loop whatever the server type.
CORE = ("engine/engine.py", "engine/sync.py", "engine/standby.py")
#: Libraries only the adapters may use.
MAIL_LIBRARIES = {"imaplib", "smtplib", "imapclient", "httpx", "msal"}
#: What MailSource declares (its public members), read from the protocol itself.
SOURCE_MEMBERS = sorted(n for n in vars(MailSource) if not n.startswith("_"))
CAPABILITIES = ("supports_push", "idling", "files_sent_itself", "can_append_sent", "fetch_batch")


# -- the core knows no mail library -------------------------------------------------


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", CORE)
def test_the_engine_core_imports_no_mail_library(module: str) -> None:
    assert not _imported(ROOT / module) & MAIL_LIBRARIES


@pytest.mark.parametrize("module", CORE)
def test_the_engine_core_probes_no_capability(module: str) -> None:
    # getattr(source, "idling", False) hid a missing capability behind a default.
    probed = [
        node.args[1].value
        for node in ast.walk(ast.parse((ROOT / module).read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr")
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value in (*CAPABILITIES, "append_sent", "permanent")
    ]
    assert probed == []


def test_the_serve_loop_reconnects_on_the_products_error_only() -> None:
    assert (MailServerError,) == CONNECTION_ERRORS


# -- each source declares every capability -----------------------------------------


def test_the_protocol_declares_the_capabilities() -> None:
    assert set(CAPABILITIES) | {"append_sent"} <= set(SOURCE_MEMBERS)
    for name in CAPABILITIES:
        assert isinstance(vars(MailSource)[name], property), name
        assert vars(MailSource)[name].__doc__, f"{name} says what it means"


def _imap(dovecot: Dovecot, user: str, **kw: object) -> ImapSource:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": dovecot.imap_port,
        "encryption": "none",
        "username": user,
        "password": PASSWORD,
        "timeout": 10.0,
    }
    values.update(kw)
    return ImapSource(ImapSettings(**values))  # type: ignore[arg-type]


def _graph_source() -> GraphSource:
    # No request leaves before connect(): the client only opens on first use.
    config = GraphConfig(tenant_id="t", client_id="c", user="master@seclab.com")
    return GraphSource(graph.GraphClient(config), fetch_batch=37)


def _declared(source: object, name: str) -> bool:
    # Statically: a property such as mailbox_key needs a connection to answer.
    try:
        inspect.getattr_static(source, name)
    except AttributeError:
        return False
    return True


@pytest.mark.parametrize("kind", ["imap", "graph"])
def test_each_source_implements_every_member_of_the_port(kind: str) -> None:
    source: MailSource = (
        ImapSource(ImapSettings("127.0.0.1", 1, "none", "u", "p", fetch_batch=37))
        if kind == "imap"
        else _graph_source()
    )
    try:
        missing = [n for n in SOURCE_MEMBERS if not _declared(source, n)]
        assert missing == []
        assert source.fetch_batch == 37
        for name in CAPABILITIES[:-1]:
            assert isinstance(getattr(source, name), bool), name
    finally:
        source.close()


def test_imap_capabilities_come_from_the_server_and_the_settings(
    dovecot: Dovecot, master_user: str
) -> None:
    before = _imap(dovecot, master_user)
    assert (before.supports_push, before.idling, before.can_append_sent) == (False, False, True)
    source = _imap(dovecot, master_user)
    source.connect()
    try:
        assert source.supports_push, "Dovecot offers IDLE"
        assert not source.files_sent_itself, "Dovecot is no Gmail: the engine files the copy"
        assert source.can_append_sent
        assert [items for items, _ in source.fetch_new(None, source.fetch_batch)] == [[]]
        assert source.wait_for_mail(0.2) is False
        assert source.idling, "an IDLE is open between waits"
    finally:
        source.close()
    polling = _imap(dovecot, master_user, idle=False, append_sent=False)
    polling.connect()
    try:
        assert not polling.supports_push and not polling.idling
        assert polling.files_sent_itself, "append_sent = false: the server files sent mail"
    finally:
        polling.close()


def test_graph_capabilities_and_batch_come_from_server_graph(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    assert config.server.graph is not None and config.server.graph.fetch_batch == 10
    assert config.server.imap.fetch_batch == 200, "the IMAP key is not what Graph reads"
    source = graph.build_source(config)
    try:
        assert source.fetch_batch == 10
        assert (source.supports_push, source.idling) == (False, False)
        assert source.files_sent_itself and not source.can_append_sent
        with pytest.raises(MailServerError) as caught:
            source.append_sent(mail("x@example.net", "a copy"))
        assert caught.value.permanent
    finally:
        source.close()


def test_the_serve_loop_lists_graph_pages_of_the_graph_batch(tenant: GraphTenant) -> None:
    config = tenant.config("keep")
    for n in range(3):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"number {n}"))
    assert Engine(config).run(once=True, lease_wait=10) == 0
    listings = [
        path
        for _, path in tenant.server.requests
        if "/mailFolders/inbox/messages?" in path and "asc" in path
    ]
    assert listings and all("top=10" in path for path in listings), listings
    with Store(config.store.path) as store:
        row = store.query_one("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
        assert row is not None and row[0] == 3


# -- adapter failures surface as MailServerError ------------------------------------


def _after_drop(source: ImapSource) -> None:
    source.client.socket().shutdown(socket.SHUT_RDWR)


IMAP_OPERATIONS: dict[str, Callable[[ImapSource], object]] = {
    "fetch_new": lambda s: list(s.fetch_new(None, 10)),
    "leftovers": lambda s: s.leftovers(Bookmark(s.mailbox_key, s._uidvalidity, 5)),
    "mark_processed": lambda s: s.mark_processed(["1"], "delete"),
    "append_sent": lambda s: s.append_sent(customer_mail("x@y.example")),
    "sent_has": lambda s: s.sent_has("<gone@seclab.com>"),
    "ensure_folder": lambda s: s.ensure_folder("New"),
}


@pytest.mark.parametrize("operation", sorted(IMAP_OPERATIONS))
def test_a_dropped_imap_connection_is_a_mail_server_error(
    dovecot: Dovecot, master_user: str, operation: str
) -> None:
    dovecot.deliver(master_user, customer_mail("a@seclab.com"))
    source = _imap(dovecot, master_user)
    source.connect()
    _after_drop(source)
    try:
        with pytest.raises(MailServerError) as caught:
            IMAP_OPERATIONS[operation](source)
        assert caught.value.kind in ("protocol", "refused")
        assert "IMAP server 127.0.0.1" in str(caught.value)
    finally:
        source.close()


def test_a_dropped_connection_during_idle_is_a_mail_server_error(
    dovecot: Dovecot, master_user: str
) -> None:
    source = _imap(dovecot, master_user)
    source.connect()
    try:
        assert source.wait_for_mail(0.2) is True  # nothing read yet on this connection
        list(source.fetch_new(None, 10))
        assert source.wait_for_mail(0.2) is False and source.idling
        _after_drop(source)
        started = time.monotonic()
        with pytest.raises(MailServerError):
            for _ in range(3):  # the first wait may see the closed socket as silence
                source.wait_for_mail(5.0)
        assert time.monotonic() - started < 2.0, "found out at once, not after the waits"
    finally:
        source.close()


def test_a_command_the_imap_server_refuses_is_a_mail_server_error(
    dovecot: Dovecot, master_user: str
) -> None:
    source = _imap(dovecot, master_user, sent="Nowhere")
    source.connect()
    try:
        with pytest.raises(MailServerError, match="refused a command") as caught:
            source.sent_has("<x@seclab.com>")
        assert caught.value.kind == "protocol"
        assert [b for b, _ in source.fetch_new(None, 10)] == [[]], "the inbox is selected again"
    finally:
        source.close()


def _smtp(server: SmtpServer, dovecot: Dovecot) -> SmtpSender:
    return SmtpSender(
        SmtpSettings(
            "127.0.0.1",
            server.port,
            server.mode,
            server.user,
            server.password,
            timeout=10.0,
            ca_file=dovecot.cert_path,
        )
    )


RAW = b"From: a@seclab.com\nTo: c@customer.example\nMessage-ID: <p1@seclab.com>\n\nHello\n"


def test_an_smtp_server_gone_between_sends_is_a_mail_server_error(dovecot: Dovecot) -> None:
    with SmtpServer(dovecot.cert_path, dovecot.root / "key.pem", mode="none") as server:
        sender = _smtp(server, dovecot)
        sender.send("a@seclab.com", ["c@customer.example"], RAW)
    try:
        with pytest.raises(MailServerError) as caught:
            sender.send("a@seclab.com", ["c@customer.example"], RAW)
        assert caught.value.kind == "refused" and not caught.value.permanent
    finally:
        sender.close()


def test_a_non_ascii_address_is_refused_for_good(dovecot: Dovecot, smtp_server: SmtpServer) -> None:
    sender = _smtp(smtp_server, dovecot)
    try:
        with pytest.raises(MailServerError, match="plain ASCII") as caught:
            sender.send("a@seclab.com", ["jörg@customer.example"], RAW)
        assert caught.value.permanent and caught.value.kind == "rejected"
        sender.send("a@seclab.com", ["c@customer.example"], RAW)  # the next one goes
    finally:
        sender.close()
    assert smtp_server.message_ids() == ["<p1@seclab.com>"]


def test_graph_errors_are_mail_server_errors_with_a_kind(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    source = source_for(config, backoff_base=0.01, max_attempts=2)
    try:
        source.connect()
        tenant.server.fail_next(1, status=500, retry_after=None)
        with pytest.raises(MailServerError) as failed:
            source.connect()
        assert isinstance(failed.value, graph.GraphError)
        assert (failed.value.kind, failed.value.permanent) == ("protocol", False)
        tenant.set_secret("rotated-wrongly")
        tenant.server.tokens.clear()
        source.client.forget_token()
        with pytest.raises(MailServerError) as denied:
            source.connect()
        assert (denied.value.kind, denied.value.permanent) == ("credentials", True)
    finally:
        source.close()


def test_graph_unreachable_is_a_refused_mail_server_error(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    assert config.server.graph is not None
    nowhere = f"https://127.0.0.1:{free_port()}"
    elsewhere = config.server.graph.model_copy(
        update={"authority": nowhere, "graph_url": f"{nowhere}/v1.0"}
    )
    source = GraphSource(graph.GraphClient(elsewhere, max_attempts=1))
    try:
        with pytest.raises(GraphUnavailable) as caught:
            source.connect()
        assert isinstance(caught.value, MailServerError)
        assert caught.value.kind == "refused" and not caught.value.permanent
    finally:
        source.close()
