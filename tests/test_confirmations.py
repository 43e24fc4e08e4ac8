"""Automatic confirmations: loop protection, rate limit, and the message itself."""

from __future__ import annotations

import email
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage, Message

import pytest

from engine.config import Config, ServerConfig, ServiceAccessConfig, ServiceGroupConfig
from engine.config.model import ImapConfig
from engine.confirmations import (
    Decision,
    build_confirmation,
    confirmation_decision,
    own_addresses,
    reply_subject,
)
from engine.mail.parse import parse_message
from engine.templates import TemplateContext, render
from tests.corpus import mail_gem, mail_gem_files

OWN = ("Solidus.Sales.*@seclab.com", "support@seclab.com", "micc@seclab.com")


def decide(
    headers: Mapping[str, str] | None = None,
    sender: str = "anna@example.com",
    sent: int = 0,
    limit: int = 3,
    backlog: bool = False,
) -> tuple[bool, str]:
    decision = confirmation_decision(headers or {}, sender, OWN, sent, limit, backlog)
    return decision.send, decision.reason


def header_map(message: Message) -> dict[str, str]:
    """Lower-case names, first value: what ingest passes."""
    found: dict[str, str] = {}
    for name, value in message.items():
        found.setdefault(name.lower(), str(value))
    return found


def test_an_ordinary_customer_mail_is_confirmed() -> None:
    assert decide({"subject": "Help", "auto-submitted": "no"}) == (True, "ok")
    assert decide(sender="Anna Lindqvist <anna@example.com>") == (True, "ok")


@pytest.mark.parametrize(
    "headers",
    [
        {"auto-submitted": "auto-replied"},
        {"auto-submitted": "Auto-Generated; owner-email=x@y"},
        {"precedence": "bulk"},
        {"precedence": "List"},
        {"precedence": " junk "},
        {"x-loop": "support@other.example"},
        {"list-id": "<users.lists.example.org>"},
        {"x-autoreply": "yes"},
        {"x-auto-response-suppress": "DR, AutoReply"},
        {"return-path": "<>"},
        {"content-type": "multipart/report; report-type=delivery-status"},
    ],
)
def test_automatic_and_list_mail_gets_no_confirmation(headers: dict[str, str]) -> None:
    send, reason = decide(headers)
    assert not send and reason != "ok"


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.example.com",
        "postmaster@example.com",
        "no-reply@shop.example",
        "noreply+orders@shop.example",
        "Do_Not_Reply@bank.example",
        "bounces+1234@sendgrid.net",
        "users-request@lists.example.org",
        "owner-users@lists.example.org",
        "Mailer Daemon <mailer-daemon@googlemail.com>",
    ],
)
def test_robot_senders_get_no_confirmation(sender: str) -> None:
    send, reason = decide(sender=sender)
    assert not send and reason.startswith("automatic sender")


@pytest.mark.parametrize("sender", ["solidus.sales.se@SECLAB.com", "support@seclab.com"])
def test_our_own_addresses_get_no_confirmation(sender: str) -> None:
    assert decide(sender=sender) == (False, f"our own address {sender}")


def test_people_whose_names_look_like_robots_are_still_confirmed() -> None:
    for sender in ("noreen@example.com", "post@example.com", "daemon.fan@example.com"):
        assert decide(sender=sender) == (True, "ok")


def test_backlog_and_missing_sender() -> None:
    assert not decide(backlog=True)[0]
    assert decide(sender="") == (False, "no usable sender address")
    assert decide(sender="undisclosed-recipients:;")[0] is False


def test_a_hundred_mails_from_one_sender_give_at_most_the_limit_per_hour() -> None:
    limit = 3
    start = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    sent_at: list[datetime] = []
    for index in range(100):
        now = start + timedelta(seconds=36 * index)  # 100 mails in one hour
        in_last_hour = sum(1 for t in sent_at if now - t < timedelta(hours=1))
        if confirmation_decision({}, "anna@example.com", OWN, in_last_hour, limit, False).send:
            sent_at.append(now)
    assert len(sent_at) == limit
    assert sent_at == [start, start + timedelta(seconds=36), start + timedelta(seconds=72)]


def test_the_limit_is_per_hour_not_for_ever() -> None:
    start = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    sent_at: list[datetime] = []
    for index in range(100):
        now = start + timedelta(minutes=6 * index)  # 100 mails over ten hours
        in_last_hour = sum(1 for t in sent_at if now - t < timedelta(hours=1))
        if confirmation_decision({}, "anna@example.com", OWN, in_last_hour, 2, False).send:
            sent_at.append(now)
    for moment in sent_at:
        window = [t for t in sent_at if timedelta(0) <= t - moment < timedelta(hours=1)]
        assert len(window) <= 2
    assert len(sent_at) == 20  # two per hour, ten hours


def test_limit_zero_turns_confirmations_off() -> None:
    assert decide(limit=0)[0] is False


def test_bounces_in_the_real_corpus_get_no_confirmation() -> None:
    reports = mail_gem_files("multipart_report_emails")
    assert len(reports) == 5
    for path in reports:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.compat32)
        headers = header_map(message)
        decision = confirmation_decision(headers, headers.get("from", ""), OWN, 0, 3, False)
        assert not decision.send, path.name


def test_reply_subject_does_not_pile_up_prefixes() -> None:
    assert reply_subject("Order 7") == "Re: Order 7"
    assert reply_subject("RE: Re: AW: SV: Order 7") == "Re: Order 7"
    assert reply_subject("Re[2]: Order 7") == "Re: Order 7"
    assert reply_subject("Fwd: Order 7") == "Re: Fwd: Order 7"
    assert reply_subject("Regarding  the\r\n order") == "Re: Regarding the order"
    assert reply_subject("") == "Re:"


def build(body: str = "Thanks", html: bool = False) -> EmailMessage:
    return build_confirmation(
        body,
        html=html,
        from_address="solidus.sales.se@seclab.com",
        from_name="Solidus Sales",
        to_address="anna@example.com",
        to_name="Anna Lindqvist",
        subject="AW: Order 7",
        in_reply_to="<c1@example.com>",
        references="<c0@example.com> <c1@example.com>",
        now=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
    )


def test_the_confirmation_is_threaded_and_marked_automatic() -> None:
    message = email.message_from_bytes(bytes(build()), policy=policy.default)
    assert message["From"] == "Solidus Sales <solidus.sales.se@seclab.com>"
    assert message["To"] == "Anna Lindqvist <anna@example.com>"
    assert message["Subject"] == "Re: Order 7"
    assert message["In-Reply-To"] == "<c1@example.com>"
    assert message["References"] == "<c0@example.com> <c1@example.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Message-ID"].endswith("@seclab.com>")
    assert message["Date"] == "Thu, 26 Nov 2026 09:30:00 +0000"
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "Thanks"


def test_message_ids_are_unique_and_bare_ids_get_brackets() -> None:
    assert build()["Message-ID"] != build()["Message-ID"]
    bare = build_confirmation(
        "x",
        html=False,
        from_address="a@seclab.com",
        to_address="b@c.d",
        subject="s",
        in_reply_to="c1@example.com",
    )
    assert bare["In-Reply-To"] == "<c1@example.com>" and bare["References"] == "<c1@example.com>"
    lone = build_confirmation(
        "x", html=False, from_address="a@seclab.com", to_address="b@c.d", subject="s"
    )
    assert lone["In-Reply-To"] is None and lone["References"] is None


def test_an_html_confirmation_carries_a_text_alternative() -> None:
    body = "<html><body><p>Dear Anna,</p><ul><li>We got it</li></ul></body></html>"
    message = email.message_from_bytes(bytes(build(body, html=True)), policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content() == "Dear Anna,\n\n  - We got it\n"
    assert rich.get_content().strip() == body


def test_our_confirmation_is_never_confirmed_by_another_instance() -> None:
    message = email.message_from_bytes(bytes(build()), policy=policy.compat32)
    headers = header_map(message)
    decision = confirmation_decision(headers, headers["from"], (), 0, 3, False)
    assert decision == Decision(False, "auto-submitted: auto-replied")


def test_own_addresses_come_from_the_config() -> None:
    config = Config(
        server=ServerConfig(
            outgoing_address="noti@seclab.com",
            imap=ImapConfig(username="SolidusMasterAcct@seclab.com"),
        ),
        service_group=(
            ServiceGroupConfig(name="Sales", email="Solidus.SalesCall@seclab.com"),
            ServiceGroupConfig(name="Support"),
        ),
        service_access=(
            ServiceAccessConfig(
                name="Sales", address="Solidus.Sales.*@seclab.com", service_group="Sales"
            ),
        ),
    )
    own = own_addresses(config)
    assert own == (
        "Solidus.Sales.*@seclab.com",
        "Solidus.SalesCall@seclab.com",
        "noti@seclab.com",
        "SolidusMasterAcct@seclab.com",
    )
    assert confirmation_decision({}, "solidusmasteracct@seclab.com", own, 0, 3, False).send is False
    assert confirmation_decision({}, "solidus.sales.uk@seclab.com", own, 0, 3, False).send is False
    assert confirmation_decision({}, "anna@example.com", own, 0, 3, False).send is True


def test_the_ingest_path_end_to_end_on_a_real_message() -> None:
    raw = (mail_gem() / "plain_emails" / "raw_email_reply.eml").read_bytes()
    parsed = parse_message(raw)
    decision = confirmation_decision(parsed.headers, parsed.from_address, OWN, 0, 3, False)
    assert decision.send, decision.reason
    context = TemplateContext(
        subject=parsed.subject,
        from_name=parsed.from_name,
        from_address=parsed.from_address,
        service_access="Sales",
        received=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        timezone="UTC",
    )
    body = render("<p>Dear $From.Name$, about $Subject$: $Received$</p>", context, html=True)
    message = build_confirmation(
        body,
        html=True,
        from_address="solidus.sales.se@seclab.com",
        to_address=parsed.from_address,
        subject=parsed.subject,
        in_reply_to=parsed.message_id,
        references=parsed.references,
    )
    back = parse_message(bytes(message))
    assert back.in_reply_to.strip("<>") == parsed.message_id.strip("<>")
    assert back.references[-1].strip("<>") == parsed.message_id.strip("<>")
    assert back.subject == reply_subject(parsed.subject) and not back.subject.startswith("Re: Re")
    assert "11/26/26, 9:00" in back.body_text
    again = confirmation_decision(back.headers, back.from_address, (), 0, 3, False)
    assert again == Decision(False, "auto-submitted: auto-replied")
