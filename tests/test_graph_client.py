"""The Graph client against the local stand-in: msal tokens, Retry-After, the 4-request gate."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from engine.adapters.graph import (
    GraphSource,
    GraphThrottled,
    GraphUnavailable,
    store_health,
)
from engine.adapters.graph.client import parse_retry_after
from engine.store import Store
from tests.graph_fixtures import (
    MASTER,
    GraphTenant,
    client_for,
    graph_server_fixture,  # noqa: F401 - fixture
    mail,
    run_cycle,
    source_for,
    tenant_fixture,  # noqa: F401 - fixture
)

INBOX = "/mailFolders/inbox/messages"


def test_parse_retry_after_seconds_dates_and_garbage() -> None:
    now = datetime(2026, 3, 7, 14, 5, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(" 1.5 ", now) == 1.5
    assert parse_retry_after("-3", now) == 0.0
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_msal_gets_a_real_token_once_and_reuses_it(tenant: GraphTenant) -> None:
    client = client_for(tenant.config())
    for _ in range(3):
        client.get_json(INBOX, what="listing")
    assert tenant.server.token_requests == 1
    sign_in = [p for m, p in tenant.server.requests if "/v1.0/" not in p]
    assert sign_in[0].endswith("/v2.0/.well-known/openid-configuration")
    assert sign_in[1].endswith("/oauth2/v2.0/token")


def test_a_token_near_expiry_is_renewed_before_it_runs_out(tenant: GraphTenant) -> None:
    # msal treats a token as expired five minutes early: one that lives 4
    # minutes is renewed for every request, long before Graph would refuse it.
    tenant.server.token_lifetime = 240
    client = client_for(tenant.config())
    for _ in range(3):
        client.get_json(INBOX, what="listing")
    assert tenant.server.token_requests == 3


def test_a_token_graph_rejects_is_replaced_once(tenant: GraphTenant) -> None:
    client = client_for(tenant.config())
    client.get_json(INBOX, what="listing")
    tenant.server.tokens.clear()  # Graph no longer accepts it (revoked, rotated keys)
    client.get_json(INBOX, what="listing")
    assert tenant.server.token_requests == 2


def test_a_storm_of_three_429s_is_waited_out_and_shows_in_engine_health(
    tenant: GraphTenant,
) -> None:
    config = tenant.config("delete")
    for n in range(6):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"storm {n}"))
    store = Store(config.store.path)
    source = GraphSource(
        client_for(config, health=store_health(config.store.path)), policy="delete"
    )
    # The listing is one request at a time, so these three come in a row.
    tenant.server.fail_next(3, status=429, retry_after="1", path_contains="/inbox/messages")
    seen: list[tuple[str, str]] = []
    finished = threading.Event()

    def watch() -> None:
        watcher = Store(config.store.path)
        while not finished.is_set():
            row = watcher.query_one("SELECT state, detail FROM engine_health WHERE name = 'graph'")
            if row is not None and (row[0], row[1]) not in seen:
                seen.append((row[0], row[1]))
            time.sleep(0.05)
        watcher.close()

    thread = threading.Thread(target=watch)
    thread.start()
    started = time.monotonic()
    try:
        results = run_cycle(store, config, source, mailbox=source.mailbox, batch=10)
    finally:
        finished.set()
        thread.join()
    waited = time.monotonic() - started

    assert waited >= 3.0, "three Retry-After: 1 answers in a row mean at least 3 s of waiting"
    assert len(results) == 6 and not any(r.duplicate for r in results)
    assert tenant.inbox() == 0
    assert not tenant.server.faults
    throttled = [d for s, d in seen if s == "warn"]
    assert throttled and "throttled until" in throttled[0] and "Retry-After 1 s" in throttled[0]
    final = store.query_one("SELECT state, detail FROM engine_health WHERE name = 'graph'")
    assert final is not None and final[0] == "ok" and "last throttled until" in final[1]


def test_429s_to_parallel_downloads_hold_the_whole_mailbox_and_lose_nothing(
    tenant: GraphTenant,
) -> None:
    config = tenant.config("trash")
    for n in range(8):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"parallel storm {n}"))
    store = Store(config.store.path)
    source = source_for(config)
    tenant.server.fail_next(4, status=429, retry_after="1", path_contains="/$value")
    tenant.server.fail_next(2, status=503, retry_after="1", path_contains="/move")
    results = run_cycle(store, config, source, mailbox=source.mailbox)
    assert len(results) == 8 and not any(r.duplicate for r in results)
    assert len(tenant.server.folder_messages(MASTER, "deleteditems")) == 8
    assert not tenant.server.faults


def test_retry_after_as_an_http_date_is_honoured(tenant: GraphTenant) -> None:
    client = client_for(tenant.config())
    client.get_json(INBOX, what="warming up")
    when = datetime.now(UTC) + timedelta(seconds=2)
    tenant.server.fail_next(1, status=503, retry_after=format_datetime(when, usegmt=True))
    client.get_json(INBOX, what="listing")
    # HTTP dates have whole seconds: the wait ends at that second, not before.
    assert datetime.now(UTC) >= when.replace(microsecond=0)


def test_without_retry_after_the_wait_grows_exponentially(tenant: GraphTenant) -> None:
    client = client_for(tenant.config(), backoff_base=0.2)
    client.get_json(INBOX, what="warming up")
    tenant.server.fail_next(3, status=504, retry_after=None)
    started = time.monotonic()
    client.get_json(INBOX, what="listing")
    # 0.2, 0.4 and 0.8 s, each at least 80 % of itself (jitter).
    assert time.monotonic() - started >= 0.8 * (0.2 + 0.4 + 0.8)


def test_sendmail_is_not_repeated_blindly_after_a_504(tenant: GraphTenant) -> None:
    client = client_for(tenant.config())
    tenant.server.fail_next(1, status=504, retry_after=None, path_contains="/sendMail")
    with pytest.raises(GraphUnavailable):
        client.request("POST", "/sendMail", what="sending", json={}, ok=(202,), idempotent=False)
    assert sum(1 for m, p in tenant.server.requests if p.endswith("/sendMail")) == 1


def test_a_long_retry_after_is_not_slept_inline_and_holds_back_later_requests(
    tenant: GraphTenant,
) -> None:
    client = client_for(tenant.config(), max_inline_wait=1.0)
    client.get_json(INBOX, what="warming up")
    tenant.server.fail_next(1, status=429, retry_after="3600")
    with pytest.raises(GraphThrottled) as caught:
        client.get_json(INBOX, what="listing")
    assert caught.value.until > datetime.now(UTC) + timedelta(minutes=59)
    before = len(tenant.server.requests)
    other = client_for(tenant.config(), max_inline_wait=1.0)  # same mailbox, same gate
    with pytest.raises(GraphThrottled):
        other.get_json(INBOX, what="listing again")
    assert len(tenant.server.requests) == before, "nothing is sent while throttled"


def test_at_most_four_requests_run_at_once_per_mailbox(tenant: GraphTenant) -> None:
    tenant.server.delay = 0.15
    config = tenant.config()
    reader, other = client_for(config), client_for(config)  # e.g. the source and the sender
    reader.token()
    other.token()

    def call(n: int) -> None:
        (reader if n % 2 else other).get_json(INBOX, what="listing")

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(call, range(24)))
    assert tenant.server.max_concurrent[MASTER.lower()] == 4


def test_mime_downloads_run_four_at_a_time(tenant: GraphTenant) -> None:
    tenant.server.delay = 0.1
    config = tenant.config("keep")
    for n in range(12):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"parallel {n}"))
    source = source_for(config)
    batch, _ = next(iter(source.fetch_new(None, 50)))
    assert len(batch) == 12
    assert tenant.server.max_concurrent[MASTER.lower()] == 4
