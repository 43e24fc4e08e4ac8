"""Sending through Graph's sendMail: the right From (Send As), threading, exactly once."""

from __future__ import annotations

import email
import email.policy

import pytest

from engine import archive
from engine.adapters.graph import GraphAccessError, GraphError, GraphSender
from engine.archive import archive_outgoing
from engine.confirmations import build_confirmation
from engine.drafts import reply_from
from engine.ingest import ingest
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


def _reply(
    config_from: str, to: str, subject: str, in_reply_to: str, references: str = ""
) -> bytes:
    message = build_confirmation(
        "Thank you, we are on it.\n",
        html=False,
        from_address=config_from,
        to_address=to,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
    )
    return message.as_bytes()


def test_replies_leave_from_the_right_address_with_threading_kept(tenant: GraphTenant) -> None:
    config = tenant.config("delete")
    store = Store(config.store.path)
    tenant.deliver(mail("Solidus.Sales.Europe@seclab.com", "Offer please"))
    tenant.deliver(mail("billing+invoice@seclab.com", "Invoice 42"))
    source = source_for(config)
    results = run_cycle(store, config, source, mailbox=source.mailbox)
    sender = GraphSender(client_for(config))
    sent_ids = {}
    for result in results:
        assert result.message is not None and result.route.service_group
        original = archive.get(store, result.message)
        assert original is not None
        group = config.group(result.route.service_group)
        access = config.access(result.route.service_access or "")
        assert group is not None and access is not None
        from_address = reply_from(group, access.address, (*original.to, *original.cc), config)
        raw = _reply(from_address, original.from_address, original.subject, original.message_id)
        sender.send(from_address, [original.from_address], raw)
        archive_outgoing(store, result.conversation_id, f"test-out:{result.message}", raw)
        sent_ids[original.subject] = (from_address, original.message_id)

    sent = {
        email.message_from_bytes(s.raw, policy=email.policy.default)["Subject"]: s
        for s in tenant.server.sent
    }
    offer, invoice = sent["Re: Offer please"], sent["Re: Invoice 42"]
    # Sales replies from the address the customer wrote to; Billing from the group's.
    assert offer.sender == "solidus.sales.europe@seclab.com"
    assert invoice.sender == "billing@seclab.com"
    for subject, item in (("Offer please", offer), ("Invoice 42", invoice)):
        parsed = email.message_from_bytes(item.raw, policy=email.policy.default)
        assert parsed["In-Reply-To"] == sent_ids[subject][1]
        assert sent_ids[subject][1] in parsed["References"]
        assert item.message_id == parsed["Message-ID"]
        assert item.recipients == ["customer@example.net"]
    sent_items = tenant.server.folder_messages(MASTER, "sentitems")
    assert {m.internet_message_id for m in sent_items} == {offer.message_id, invoice.message_id}

    # The customer answers our reply: it joins the same conversation.
    tenant.deliver(
        mail(
            "Solidus.Sales.Europe@seclab.com", "Re: Re: Offer please", in_reply_to=offer.message_id
        )
    )
    again = run_cycle(store, config, source, mailbox=source.mailbox)
    first_offer = next(r for r in results if r.route.service_group == "Sales")
    assert again[0].conversation_id == first_offer.conversation_id


def test_a_message_already_in_sent_items_is_not_sent_again(tenant: GraphTenant) -> None:
    config = tenant.config()
    sender = GraphSender(client_for(config))
    raw = _reply("Solidus.Support@seclab.com", "customer@example.net", "Once", "<c1@example>")
    sender.send("Solidus.Support@seclab.com", ["customer@example.net"], raw)
    # A crash before the outbox row was marked sent: the outbox tries again.
    sender.send("Solidus.Support@seclab.com", ["customer@example.net"], raw)
    assert len(tenant.server.sent) == 1


def test_missing_send_as_is_explained_and_permanent(tenant: GraphTenant) -> None:
    sender = GraphSender(client_for(tenant.config()))
    raw = _reply("Solidus.Marketing@seclab.com", "customer@example.net", "Hi", "<c2@example>")
    with pytest.raises(GraphAccessError) as caught:
        sender.send("Solidus.Marketing@seclab.com", ["customer@example.net"], raw)
    assert caught.value.permanent
    assert "Send As" in str(caught.value) and MASTER in str(caught.value)
    assert tenant.server.sent == []


def test_envelope_recipients_missing_from_the_headers_become_bcc(tenant: GraphTenant) -> None:
    sender = GraphSender(client_for(tenant.config()))
    raw = _reply("Solidus.Support@seclab.com", "customer@example.net", "Copy", "<c3@example>")
    sender.send("Solidus.Support@seclab.com", ["customer@example.net", "boss@seclab.com"], raw)
    assert tenant.server.sent[0].recipients == ["customer@example.net", "boss@seclab.com"]


def test_a_message_over_graphs_request_limit_is_refused_before_sending(tenant: GraphTenant) -> None:
    sender = GraphSender(client_for(tenant.config()))
    raw = _reply("Solidus.Support@seclab.com", "customer@example.net", "Big", "<c4@example>")
    raw = raw.replace(b"Thank you", b"x" * 3_200_000)
    with pytest.raises(GraphError) as caught:
        sender.send("Solidus.Support@seclab.com", ["customer@example.net"], raw)
    assert caught.value.permanent and "4 MB" in str(caught.value)


def test_sending_works_without_any_read_permission_when_outbound_only(tenant: GraphTenant) -> None:
    tenant.app.roles = {"Mail.Send"}
    config = tenant.config(outbound_only=True)
    sender = GraphSender(client_for(config))
    raw = _reply("Solidus.Support@seclab.com", "customer@example.net", "Out", "<c5@example>")
    sender.send("Solidus.Support@seclab.com", ["customer@example.net"], raw)
    assert len(tenant.server.sent) == 1
    assert sender.check_sent_items is False  # it cannot read Sent Items, so it stopped asking
    # ingest is untouched by sending: an import still works beside it.
    store = Store(config.store.path)
    assert ingest(store, config, []) == []
