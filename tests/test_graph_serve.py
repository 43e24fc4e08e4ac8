"""End to end with ``server.type = "graph"``: ``micc serve`` and ``micc test-connection``
against the local Graph stand-in (routing, each policy, replies, a 429 storm, a wrong secret).
"""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import archive, lifecycle, replies
from engine.drafts import reply_draft
from engine.engine import Engine
from engine.queue import get_item, list_items
from engine.store import Store
from tests.graph_fixtures import (
    MASTER,
    GraphTenant,
    deliver_four_kinds,
    graph_server_fixture,  # noqa: F401 - fixture
    mail,
    tenant_fixture,  # noqa: F401 - fixture
)

ROOT = Path(__file__).resolve().parents[1]


def micc(tenant: GraphTenant, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``micc --config <tenant> ARGS`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(tenant.root / "micc.toml"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _health(store: Store, name: str) -> tuple[str, str] | None:
    row = store.query_one("SELECT state, detail FROM engine_health WHERE name = ?", (name,))
    return None if row is None else (row[0], row[1])


@pytest.mark.parametrize("policy", ["delete", "trash", "archive", "keep"])
def test_serve_once_routes_applies_the_policy_and_a_second_run_imports_nothing(
    tenant: GraphTenant, policy: str
) -> None:
    config = tenant.config(policy)  # type: ignore[arg-type]
    deliver_four_kinds(tenant)

    first = micc(tenant, "serve", "--once")
    assert first.returncode == 0, first.stderr
    assert "read 4 new message(s)" in first.stdout

    store = Store(config.store.path)
    queues = {
        i.subject: (i.service_group, i.state)
        for i in list_items(store, states=("queued", "unrouted"))
    }
    assert queues == {
        "wildcard": ("Sales", "queued"),
        "plus address": ("Billing", "queued"),
        "only through Cc": ("Support", "queued"),
        "matches nothing": (None, "unrouted"),
    }
    where = {"delete": (0, 0, 0), "trash": (0, 4, 0), "archive": (0, 0, 4), "keep": (4, 0, 0)}[
        policy
    ]
    assert (
        tenant.inbox(),
        len(tenant.server.folder_messages(MASTER, "deleteditems")),
        len(tenant.server.folder_messages(MASTER, "Processed")),
    ) == where

    second = micc(tenant, "serve", "--once")
    assert second.returncode == 0, second.stderr
    assert "read 0 new message(s)" in second.stdout
    assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 4


def test_replies_leave_through_the_outbox_with_the_right_from_and_threading(
    tenant: GraphTenant,
) -> None:
    config = tenant.config("delete")
    tenant.deliver(mail("Solidus.Sales.Europe@seclab.com", "Offer please"))
    tenant.deliver(mail("billing+invoice@seclab.com", "Invoice 42"))
    assert micc(tenant, "serve", "--once").returncode == 0

    store = Store(config.store.path)
    agent = config.find_agent("anna")
    assert agent is not None
    asked: dict[str, str] = {}
    for item in list_items(store, states=("queued",)):
        messages = archive.conversation(store, item.id)
        original = messages[-1]
        raw = archive.raw(store, original.id) or b""
        group = config.group(item.service_group or "")
        assert group is not None
        draft = reply_draft("reply", item, original, raw, group, agent, config)
        lifecycle.take(store, "anna", item.id)  # only the holder may answer
        replies.submit(
            store, config, draft.edited(body="We are on it.\n"), agent_id="anna", review=False
        )
        asked[item.subject] = original.message_id

    result = micc(tenant, "serve", "--once")
    assert result.returncode == 0, result.stderr
    assert "sent 2" in result.stdout
    sent = {
        email.message_from_bytes(s.raw, policy=email.policy.default)["Subject"]: s
        for s in tenant.server.sent
    }
    offer, invoice = sent["Re: Offer please"], sent["Re: Invoice 42"]
    assert offer.sender == "solidus.sales.europe@seclab.com"  # the address written to
    assert invoice.sender == "billing@seclab.com"  # the group's (reply_using_incoming = false)
    for subject, item in (("Offer please", offer), ("Invoice 42", invoice)):
        parsed = email.message_from_bytes(item.raw, policy=email.policy.default)
        assert parsed["In-Reply-To"] == asked[subject]
        assert asked[subject] in parsed["References"]
    assert len(tenant.server.folder_messages(MASTER, "sentitems")) == 2

    # The customer answers our reply; it joins the same conversation.
    tenant.deliver(
        mail(
            "Solidus.Sales.Europe@seclab.com", "Re: Re: Offer please", in_reply_to=offer.message_id
        )
    )
    assert micc(tenant, "serve", "--once").returncode == 0
    offer_conversation = store.query_one(
        "SELECT conversation_id FROM messages WHERE message_id = ?", (asked["Offer please"],)
    )
    answer = store.query_one(
        "SELECT conversation_id FROM messages WHERE subject = ?", ("Re: Re: Offer please",)
    )
    assert offer_conversation is not None and answer is not None
    assert answer[0] == offer_conversation[0]
    assert get_item(store, answer[0]) is not None


def test_a_storm_of_three_429s_is_waited_out_visibly_and_loses_nothing(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    for n in range(5):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"storm {n}"))
    # Three in a row on the listing, which is one request at a time.
    tenant.server.fail_next(3, status=429, retry_after="1", path_contains="/inbox/messages")
    engine = Engine(config)
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(engine.run(once=True)))
    watcher = Store(config.store.path)
    seen: list[tuple[str, str]] = []
    started = time.monotonic()
    thread.start()
    while thread.is_alive():
        row = _health(watcher, "graph")
        if row is not None and row not in seen:
            seen.append(row)
        time.sleep(0.05)
    thread.join()

    assert codes == [0]
    assert time.monotonic() - started >= 3.0
    assert any(
        state == "warn" and "throttled until" in detail and "429" in detail
        for state, detail in seen
    ), seen
    assert watcher.query_one("SELECT COUNT(*) FROM messages")[0] == 5
    assert tenant.inbox() == 0 and not tenant.server.faults
    final = _health(watcher, "graph")
    assert final is not None and final[0] == "ok" and "last throttled until" in final[1]


def test_a_wrong_secret_is_explained_and_the_engine_recovers_when_it_is_fixed(
    tenant: GraphTenant,
) -> None:
    config = tenant.config("delete")
    tenant.set_secret("typo-in-the-secret")
    tenant.deliver(mail("Solidus.Support@seclab.com", "waiting"))

    check = micc(tenant, "test-connection")
    assert check.returncode == 1
    assert "FAIL token" in check.stdout and "is wrong for application" in check.stdout
    assert "typo-in-the-secret" not in check.stdout

    once = micc(tenant, "serve", "--once")
    assert once.returncode == 1
    store = Store(config.store.path)
    graph_row = _health(store, "graph")
    assert graph_row is not None and graph_row[0] == "error" and "is wrong" in graph_row[1]
    assert "client secret in file" in once.stderr  # the engine's log says it too

    # The engine keeps running (reconnecting with backoff) while the rest of the
    # contact center goes on: mail still comes in by import meanwhile.
    stop = threading.Event()
    engine = Engine(config, stop=stop)
    thread = threading.Thread(target=engine.run)
    thread.start()
    try:
        eml = tenant.root / "walk-in.eml"
        eml.write_bytes(mail("Solidus.Sales.Asia@seclab.com", "imported meanwhile"))
        imported = micc(tenant, "import", str(eml))
        assert imported.returncode == 0, imported.stderr
        assert thread.is_alive()
        tenant.set_secret(tenant.app.secret)  # the administrator fixes it
        deadline = time.monotonic() + 60
        while tenant.inbox() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert tenant.inbox() == 0
    subjects = {r[0] for r in store.query("SELECT subject FROM messages")}
    assert subjects == {"waiting", "imported meanwhile"}
    row = _health(store, "graph")
    assert row is not None and row[0] == "ok"


def test_serve_sets_an_unreadable_message_aside_and_the_mail_after_it_flows(
    tenant: GraphTenant,
) -> None:
    # The engine makes a new source after each failed cycle: the count of failed
    # downloads must survive that, or the damaged item would block the inbox forever.
    config = tenant.config("delete")
    stuck = tenant.deliver(mail("Solidus.Support@seclab.com", "damaged item"))
    tenant.deliver(mail("Solidus.Support@seclab.com", "after it"))
    tenant.server.fail_next(1000, status=500, path_contains=f"{stuck}/$value")
    store = Store(config.store.path)
    stop = threading.Event()
    engine = Engine(config, stop=stop, max_backoff=1.0)
    thread = threading.Thread(target=engine.run)
    thread.start()

    def wait(what: str, check: Callable[[], object]) -> None:
        deadline = time.monotonic() + 60
        while not check():
            assert thread.is_alive() and time.monotonic() < deadline, what
            time.sleep(0.1)

    try:
        wait(
            "the mail after it",
            lambda: store.query_one("SELECT COUNT(*) FROM messages WHERE subject = 'after it'")[0],
        )  # type: ignore[index]
        wait("the health row", lambda: _health(store, "graph inbox"))
        row = _health(store, "graph inbox")
        assert row is not None and row[0] == "warn" and "500" in row[1]
        assert tenant.inbox() == 1  # the damaged item stays where it was
        with tenant.server.lock:
            tenant.server.faults.clear()  # Exchange can read it again
        wait("the damaged item", lambda: tenant.inbox() == 0)
        wait("health ok again", lambda: (_health(store, "graph inbox") or ("",))[0] == "ok")
    finally:
        stop.set()
        thread.join(timeout=30)
    subjects = {r[0] for r in store.query("SELECT subject FROM messages")}
    assert subjects == {"damaged item", "after it"}


def test_test_connection_passes_for_a_good_tenant(tenant: GraphTenant) -> None:
    tenant.config("archive")
    result = micc(tenant, "test-connection")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   Mail.Send: granted" in result.stdout
    json_result = micc(tenant, "test-connection", "--json")
    assert '"ok": true' in json_result.stdout
