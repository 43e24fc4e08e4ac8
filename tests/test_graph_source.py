"""The Graph mail source against the local stand-in server: routing, policies, exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.adapters.graph import GraphSource, GraphUnavailable
from engine.adapters.graph.source import SET_ASIDE_AFTER
from engine.ingest import ingest
from engine.queue import list_items
from engine.store import Store
from tests.graph_fixtures import (
    MASTER,
    GraphTenant,
    deliver_four_kinds,
    graph_server_fixture,  # noqa: F401 - fixture
    load_bookmark,
    mail,
    run_cycle,
    source_for,
    tenant_fixture,  # noqa: F401 - fixture
)


def _store(tenant: GraphTenant) -> Store:
    return Store(tenant.root / "micc.db")


def _mime_reads(tenant: GraphTenant) -> int:
    return sum(
        1
        for method, path in tenant.server.requests
        if method == "GET" and path.split("?")[0].endswith("/$value")
    )


def _queues(store: Store) -> dict[str, tuple[str | None, str]]:
    return {
        item.subject: (item.service_group, item.state)
        for item in list_items(store, states=("queued", "unrouted"))
    }


@pytest.mark.parametrize("policy", ["delete", "trash", "archive", "keep"])
def test_routing_each_policy_and_a_second_run_imports_nothing(
    tenant: GraphTenant, policy: str
) -> None:
    config = tenant.config(policy)  # type: ignore[arg-type]
    deliver_four_kinds(tenant)
    source = source_for(config)
    store = _store(tenant)
    source.connect()

    first = run_cycle(store, config, source, mailbox=source.mailbox)

    assert [r.duplicate for r in first] == [False] * 4
    assert _queues(store) == {
        "wildcard": ("Sales", "queued"),
        "plus address": ("Billing", "queued"),
        "only through Cc": ("Support", "queued"),
        "matches nothing": (None, "unrouted"),
    }
    server = tenant.server
    inbox = server.folder_messages(MASTER, "inbox")
    deleted = server.folder_messages(MASTER, "deleteditems")
    archived = server.folder_messages(MASTER, "Processed")
    expected = {"delete": (0, 0, 0), "trash": (0, 4, 0), "archive": (0, 0, 4), "keep": (4, 0, 0)}[
        policy
    ]
    assert (len(inbox), len(deleted), len(archived)) == expected
    raw = {bytes(r[0]) for r in store.query("SELECT raw FROM raw_messages")}
    assert raw == {m.raw for m in inbox + deleted + archived} or policy == "delete"

    reads = _mime_reads(tenant)
    second = run_cycle(store, config, source, mailbox=source.mailbox)
    assert second == []
    assert _mime_reads(tenant) == reads, "a second run downloads nothing"
    assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 4
    source.close()


def test_archive_folder_is_found_or_created_once_and_nested(tenant: GraphTenant) -> None:
    config = tenant.config("archive", archive_folder="Contact center/Done")
    store = _store(tenant)
    for round_ in range(2):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"round {round_}"))
        source = source_for(config)  # a new process finds the folder it made before
        run_cycle(store, config, source, mailbox=source.mailbox)
        source.close()
    box = tenant.server.mailboxes[MASTER.lower()]
    names = sorted(f.name for f in box.folders.values() if not f.well_known)
    assert names == ["Contact center", "Done"]
    assert len(tenant.server.folder_messages(MASTER, "Done")) == 2


def test_moved_messages_keep_their_ids(tenant: GraphTenant) -> None:
    config = tenant.config("trash")
    handle = tenant.deliver(mail("Solidus.Support@seclab.com", "immutable"))
    source = source_for(config)
    run_cycle(_store(tenant), config, source, mailbox=source.mailbox)
    assert [m.id for m in tenant.server.folder_messages(MASTER, "deleteditems")] == [handle]


def test_keep_reads_only_new_mail_after_the_bookmark(tenant: GraphTenant) -> None:
    config = tenant.config("keep")
    store = _store(tenant)
    source = source_for(config)
    for n in range(5):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"first {n}"))
    assert len(run_cycle(store, config, source, mailbox=source.mailbox, batch=2)) == 5
    bookmark = load_bookmark(store, source.mailbox)
    assert bookmark is not None and bookmark.last == 5 and bookmark.detail["since"]
    reads = _mime_reads(tenant)
    for n in range(3):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"second {n}"))
    results = run_cycle(store, config, source, mailbox=source.mailbox, batch=2)
    assert [r.duplicate for r in results] == [False] * 3
    assert _mime_reads(tenant) == reads + 3
    assert tenant.inbox() == 8
    listing = [p for m, p in tenant.server.requests if "/mailFolders/inbox/messages" in p]
    assert "receivedDateTime+ge+" in listing[-1] or "receivedDateTime%20ge" in listing[-1]


def test_paging_follows_next_link_and_finishes_the_inbox_in_one_call(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    for n in range(25):
        tenant.deliver(mail("Solidus.Sales.Asia@seclab.com", f"paged {n:02}"))
    source = source_for(config)
    store = _store(tenant)
    results = run_cycle(store, config, source, mailbox=source.mailbox, batch=10)
    assert len(results) == 25 and not any(r.duplicate for r in results)
    assert tenant.inbox() == 0
    assert any("%24skip=" in p or "$skip=" in p for _, p in tenant.server.requests)
    subjects = [r[0] for r in store.query("SELECT subject FROM messages ORDER BY id")]
    assert sorted(subjects) == [f"paged {n:02}" for n in range(25)]


def test_a_crash_after_archiving_before_the_policy_runs_is_repaired(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    for n in range(3):
        tenant.deliver(mail("Solidus.Support@seclab.com", f"crash {n}"))
    store = _store(tenant)
    source = source_for(config)
    # The first run archives and stores the bookmark, then "crashes": no policy.
    batch, _ = next(iter(source.fetch_new(None, 50)))
    ingest(store, config, batch)
    assert tenant.inbox() == 3

    results = run_cycle(store, config, source_for(config), mailbox=source.mailbox)
    assert [r.duplicate for r in results] == [True] * 3
    assert tenant.inbox() == 0
    assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 3


def test_a_message_deleted_between_listing_and_reading_is_skipped(tenant: GraphTenant) -> None:
    config = tenant.config("keep")
    gone = tenant.deliver(mail("Solidus.Support@seclab.com", "gone"))
    tenant.deliver(mail("Solidus.Support@seclab.com", "stays"))
    source = source_for(config)
    pages = source.fetch_new(None, 50)
    # Delete after the listing request, before the MIME is read: wrap the
    # source's reader so the deletion happens at exactly that moment.
    original = source._fetch_mime

    def delete_then_read(item: dict[str, str]) -> object:
        if item["id"] == gone:
            with tenant.server.lock:
                tenant.server.mailboxes[MASTER.lower()].messages.pop(gone, None)
        return original(item)

    source._fetch_mime = delete_then_read  # type: ignore[assignment,method-assign]
    batch, _ = next(iter(pages))
    assert [m.handle for m in batch] != [] and gone not in [m.handle for m in batch]


def test_a_message_whose_mime_keeps_failing_is_set_aside_and_the_rest_flows(
    tenant: GraphTenant,
) -> None:
    config = tenant.config("delete")
    tenant.deliver(mail("Solidus.Support@seclab.com", "before"))
    stuck = tenant.deliver(mail("Solidus.Support@seclab.com", "damaged item"))
    tenant.deliver(mail("Solidus.Support@seclab.com", "after"))
    reports: list[tuple[str, str]] = []
    source = GraphSource(
        source_for(config).client,
        policy="delete",
        inbox_health=lambda state, detail: reports.append((state, detail)),
    )
    store = _store(tenant)
    tenant.server.fail_next(SET_ASIDE_AFTER, status=500, path_contains=f"{stuck}/$value")
    for _ in range(SET_ASIDE_AFTER - 1):  # a passing fault: the cycle fails, nothing is lost
        with pytest.raises(GraphUnavailable, match="500"):
            run_cycle(store, config, source, mailbox=source.mailbox)
        assert _queues(store) == {} and tenant.inbox() == 3 and reports == []
    # It keeps failing: set aside, and the mail before and after it flows.
    run_cycle(store, config, source, mailbox=source.mailbox)
    assert set(_queues(store)) == {"before", "after"}
    assert tenant.inbox() == 1 and list(source.set_aside()) == [stuck]
    assert len(reports) == 1 and reports[0][0] == "warn" and "500" in reports[0][1]
    # Still in the inbox and tried again each pass: once readable, it is archived.
    run_cycle(store, config, source, mailbox=source.mailbox)
    assert set(_queues(store)) == {"before", "damaged item", "after"}
    assert tenant.inbox() == 0 and source.set_aside() == {}
    assert reports[-1][0] == "ok"


def test_with_keep_an_unreadable_message_stops_the_cycle_with_its_reason(
    tenant: GraphTenant,
) -> None:
    # keep has no escape: the bookmark would move past a message set aside.
    config = tenant.config("keep")
    stuck = tenant.deliver(mail("Solidus.Support@seclab.com", "damaged item"))
    tenant.deliver(mail("Solidus.Support@seclab.com", "after"))
    source = source_for(config)
    store = _store(tenant)
    tenant.server.fail_next(SET_ASIDE_AFTER + 1, status=500, path_contains=f"{stuck}/$value")
    for _ in range(SET_ASIDE_AFTER + 1):
        with pytest.raises(GraphUnavailable, match="500"):
            run_cycle(store, config, source, mailbox=source.mailbox)
    assert _queues(store) == {}
    run_cycle(store, config, source, mailbox=source.mailbox)
    assert set(_queues(store)) == {"damaged item", "after"}


def test_wait_for_mail_polls_until_mail_arrives(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    source = source_for(config)
    assert source.wait_for_mail(0.5) is False
    tenant.deliver(mail("Solidus.Support@seclab.com", "arrives"))
    assert source.wait_for_mail(5.0) is True
    assert GraphSource.supports_push is False


def test_source_key_and_raw_bytes_are_verbatim(tenant: GraphTenant, tmp_path: Path) -> None:
    config = tenant.config("keep")
    raw = (
        b"From: =?iso-8859-1?q?J=F6rg?= <j@example.de>\r\nTo: Solidus.Support@seclab.com\r\n"
        b"Subject: caf\xe9 8-bit\r\n\r\nbody \xff\r\n"
    )
    handle = tenant.deliver(raw)
    source = source_for(config)
    batch, _ = next(iter(source.fetch_new(None, 10)))
    assert batch[0].raw == raw
    assert batch[0].source_key == f"graph:{MASTER.lower()}:{handle}"
    assert batch[0].handle == handle


def test_leftovers_name_the_archived_batch_still_in_the_inbox(tenant: GraphTenant) -> None:
    config = tenant.config("archive")
    handles = [tenant.deliver(mail("Solidus.Support@seclab.com", f"left {n}")) for n in range(3)]
    store = Store(config.store.path)
    source = source_for(config)
    batch, bookmark = next(iter(source.fetch_new(None, 50)))
    ingest(store, config, batch)  # archived with its bookmark; then the crash
    assert sorted(source.leftovers(bookmark)) == sorted(handles)
    source.mark_processed(source.leftovers(bookmark), "archive")
    assert source.leftovers(bookmark) == []
    assert len(tenant.server.folder_messages(MASTER, "Processed")) == 3
    assert source_for(tenant.config("keep")).leftovers(bookmark) == []


def test_sliced_waits_poll_graph_once_per_poll_interval(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    source = source_for(config)  # poll_seconds = 0.2
    source.poll_seconds = 0.5
    before = len(tenant.server.requests)
    for _ in range(10):  # the engine waits in 0.1 s slices: one second in all
        assert source.wait_for_mail(0.1) is False
    polls = len(tenant.server.requests) - before - 2  # minus the sign-in
    assert 1 <= polls <= 3
