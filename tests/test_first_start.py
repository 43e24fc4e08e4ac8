"""An engine started on an empty mailbox: the first customer e-mail is new mail.

Mail already in the master mailbox when the engine first reads it is backlog
(no automatic confirmation for it). A mailbox that was empty at that first
read has no backlog: the first e-mail to arrive afterwards is confirmed like
every later one. Both sources remember that first read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import outbox
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from tests.graph_fixtures import (
    GraphTenant,
    graph_server_fixture,  # noqa: F401 - fixture
    load_bookmark,
    mail,
    run_cycle,
    source_for,
    tenant_fixture,  # noqa: F401 - fixture
)
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.smtp import SmtpServer
from tests.servers.tenant import PASSWORD_ENV, customer_mail, tenant
from tests.test_serve_e2e import serve_once

CONFIRMED = 'auto_confirmation = "confirm.txt"\n'  # on the Marketing access


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def imap_tenant(tmp_path: Path, dovecot: Dovecot, user: str, smtp: SmtpServer) -> Config:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "confirm.txt").write_text("Dear $From.Name$,\nwe have your e-mail.\n")
    return tenant(
        tmp_path, imap_port=dovecot.imap_port, user=user, smtp_port=smtp.port, extra=CONFIRMED
    )


def confirmations(config: Config) -> list[str]:
    with open_store(config) as store:
        return [r.subject for r in outbox.listing(store) if r.kind == "confirmation"]


def test_the_first_e_mail_after_an_empty_first_read_is_confirmed(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = imap_tenant(tmp_path, dovecot, master_user, smtp_server)
    serve_once(config, capsys)  # the mailbox is empty
    dovecot.deliver(master_user, customer_mail("marketing@seclab.com", n=1, subject="Brochure"))
    serve_once(config, capsys)
    assert len(confirmations(config)) == 1


def test_mail_waiting_at_the_first_read_is_backlog(
    dovecot: Dovecot,
    master_user: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = imap_tenant(tmp_path, dovecot, master_user, smtp_server)
    dovecot.deliver(master_user, customer_mail("marketing@seclab.com", n=1, subject="Old"))
    serve_once(config, capsys)
    assert confirmations(config) == []
    dovecot.deliver(master_user, customer_mail("marketing@seclab.com", n=2, subject="New"))
    serve_once(config, capsys)
    assert len(confirmations(config)) == 1


def test_graph_remembers_an_empty_first_read(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    source = source_for(config)
    store = Store(tenant.root / "micc.db")
    source.connect()
    assert load_bookmark(store, source.mailbox) is None
    assert run_cycle(store, config, source, mailbox=source.mailbox) == []
    assert load_bookmark(store, source.mailbox) is not None
    tenant.deliver(mail("Solidus.Sales.Europe@seclab.com", "first"))
    [result] = run_cycle(store, config, source, mailbox=source.mailbox)
    assert not result.duplicate and result.route.service_group == "Sales"
