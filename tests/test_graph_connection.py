"""Test Connection for Graph, and a wrong or expired secret while the engine runs."""

from __future__ import annotations

import pytest

from engine.adapters.graph import (
    GraphAuthError,
    GraphSender,
    check_connection,
    store_health,
)
from engine.errors import MailServerError
from engine.importer import import_paths
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


def _by_name(report_lines: list[str]) -> dict[str, str]:
    found = {}
    for line in report_lines:
        mark, rest = line[:4].strip(), line[5:]
        name, _, detail = rest.partition(": ")
        found[name] = f"{mark} {detail}"
    return found


def test_everything_granted_passes_and_exercises_each_permission(tenant: GraphTenant) -> None:
    tenant.deliver(mail("Solidus.Support@seclab.com", "already there"))
    config = tenant.config("archive")
    report = check_connection(config)
    lines = _by_name(report.lines())
    assert report.ok, report.lines()
    for permission in (
        "Mail.Read",
        "Mail.ReadBasic",
        "Mail.ReadBasic.All",
        "Mail.ReadWrite",
        "Mail.Send",
    ):
        assert lines[permission].startswith("ok granted"), lines[permission]
    assert "MIME" in lines["Mail.Read"]
    assert "draft" in lines["Mail.ReadWrite"]
    assert "does not exist yet" in lines["archive folder"]
    assert "Send As" in lines and "solidus.salescall@seclab.com" in lines["Send As"]
    # Nothing a person would notice: no mail sent, the draft gone, the inbox as it was.
    assert tenant.server.sent == []
    assert tenant.server.folder_messages(MASTER, "drafts") == []
    assert tenant.inbox() == 1
    assert report.status().ok


def test_a_wrong_secret_is_named_with_where_it_came_from(tenant: GraphTenant) -> None:
    tenant.set_secret("not-the-secret")
    report = check_connection(tenant.config())
    assert not report.ok
    line = next(x for x in report.lines() if x.startswith("FAIL token"))
    assert "client secret in file" in line and "graph-secret is wrong" in line
    assert "Value" in line and "not-the-secret" not in line


def test_an_expired_secret_says_to_create_a_new_one(tenant: GraphTenant) -> None:
    tenant.app.secret_expired = True
    report = check_connection(tenant.config())
    line = next(x for x in report.lines() if x.startswith("FAIL token"))
    assert "has expired" in line and "Certificates & secrets" in line


def test_a_missing_secret_variable(tenant: GraphTenant) -> None:
    config = tenant.config()
    assert config.server.graph is not None
    graph = config.server.graph.model_copy(
        update={"client_secret_env": "MICC_NO_SUCH_VAR", "client_secret_file": None}
    )
    config = config.model_copy(update={"server": config.server.model_copy(update={"graph": graph})})
    report = check_connection(config)
    assert report.lines() == [
        "FAIL client secret: the Graph client secret: environment "
        "variable MICC_NO_SUCH_VAR is not set"
    ]


def test_unknown_client_id_and_tenant(tenant: GraphTenant) -> None:
    config = tenant.config()
    assert config.server.graph is not None
    for field, value, words in (
        ("client_id", "1111", "is not registered in tenant"),
        ("tenant_id", "2222", "tenant"),
    ):
        graph = config.server.graph.model_copy(update={field: value})
        changed = config.model_copy(
            update={"server": config.server.model_copy(update={"graph": graph})}
        )
        line = next(x for x in check_connection(changed).lines() if x.startswith("FAIL"))
        assert words in line and value in line, line


def test_missing_permissions_are_named(tenant: GraphTenant) -> None:
    tenant.app.roles = {"Mail.Read", "Mail.ReadBasic.All", "Mail.ReadWrite"}
    report = check_connection(tenant.config())
    lines = _by_name(report.lines())
    assert (
        lines["Mail.Send"].startswith("FAIL")
        and "lacks the Mail.Send permission" in lines["Mail.Send"]
        and "Grant admin consent" in lines["Mail.Send"]
    )
    assert lines["Mail.ReadBasic"].startswith("FAIL not granted")
    assert lines["Mail.ReadBasic.All"].startswith("ok")
    assert tenant.server.sent == []


def test_without_readwrite_the_probe_fails_in_words(tenant: GraphTenant) -> None:
    tenant.app.roles = {"Mail.Read", "Mail.ReadBasic", "Mail.ReadBasic.All", "Mail.Send"}
    lines = _by_name(check_connection(tenant.config()).lines())
    assert (
        lines["Mail.ReadWrite"].startswith("FAIL") and "Mail.ReadWrite" in lines["Mail.ReadWrite"]
    )


def test_an_application_access_policy_that_excludes_the_mailbox(tenant: GraphTenant) -> None:
    tenant.server.mailboxes[MASTER.lower()].blocked_by_policy = True
    line = next(x for x in check_connection(tenant.config()).lines() if x.startswith("FAIL"))
    assert line.startswith("FAIL mailbox") and "Application Access Policy" in line
    assert "auth-limit-mailbox-access" in line


def test_an_unknown_mailbox(tenant: GraphTenant) -> None:
    del tenant.server.mailboxes[MASTER.lower()]
    line = next(x for x in check_connection(tenant.config()).lines() if x.startswith("FAIL"))
    assert "was not found" in line and "user under [server.graph]" in line


def test_outbound_only_needs_only_mail_send(tenant: GraphTenant) -> None:
    tenant.app.roles = {"Mail.Send", "Mail.ReadBasic.All"}
    report = check_connection(tenant.config(outbound_only=True))
    assert report.ok, report.lines()
    assert not any(line.split(":")[0].endswith("Mail.ReadWrite") for line in report.lines())
    assert any(line.startswith("note incoming: outbound_only") for line in report.lines())


def test_a_wrong_secret_while_running_shows_in_health_and_the_rest_goes_on(
    tenant: GraphTenant,
) -> None:
    config = tenant.config("delete")
    store = Store(config.store.path)
    health = store_health(config.store.path)
    source = source_for(config, health=health)
    tenant.deliver(mail("Solidus.Support@seclab.com", "before"))
    assert len(run_cycle(store, config, source, mailbox=source.mailbox)) == 1

    # The secret is replaced by a wrong one, and msal's cached token expires.
    tenant.set_secret("rotated-wrongly")
    tenant.server.tokens.clear()
    tenant.deliver(mail("Solidus.Support@seclab.com", "during"))
    with pytest.raises(GraphAuthError) as caught:
        run_cycle(store, config, source, mailbox=source.mailbox)
    assert isinstance(caught.value, MailServerError)  # what the serve loop catches
    assert (caught.value.kind, caught.value.permanent) == ("credentials", True)
    row = store.query_one("SELECT state, detail FROM engine_health WHERE name = 'graph'")
    assert row is not None and row[0] == "error"
    assert "client secret in file" in row[1] and "is wrong" in row[1]
    assert tenant.inbox() == 1, "nothing is lost: the mail waits in the inbox"

    # The rest of the engine keeps working: mail still comes in by import.
    eml = tenant.root / "walk-in.eml"
    eml.write_bytes(mail("Solidus.Sales.Asia@seclab.com", "imported meanwhile"))
    assert import_paths(store, config, [eml]).archived == 1

    # The administrator fixes the secret file; the same source recovers, no restart.
    tenant.set_secret(tenant.app.secret)
    results = run_cycle(store, config, source, mailbox=source.mailbox)
    assert [r.duplicate for r in results] == [False]
    row = store.query_one("SELECT state FROM engine_health WHERE name = 'graph'")
    assert row is not None and row[0] == "ok"


def test_an_expired_secret_in_the_sender_is_reported_too(tenant: GraphTenant) -> None:
    config = tenant.config()
    tenant.app.secret_expired = True
    sender = GraphSender(client_for(config, health=store_health(config.store.path)))
    store = Store(config.store.path)
    with pytest.raises(GraphAuthError, match="has expired"):
        sender.send(
            "Solidus.Support@seclab.com",
            ["c@example.net"],
            b"From: Solidus.Support@seclab.com\r\nTo: c@example.net\r\n"
            b"Message-ID: <e1@seclab.com>\r\n\r\nhi\r\n",
        )
    row = store.query_one("SELECT state, detail FROM engine_health WHERE name = 'graph'")
    assert row is not None and row[0] == "error" and "has expired" in row[1]
