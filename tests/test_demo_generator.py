"""The demo's customer e-mails parse cleanly and route to the expected service groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Config, load_config
from engine.mail.parse import parse_message
from engine.router import ActiveAccess, route
from micc_tui.demo.generator import MailGenerator
from micc_tui.demo.workspace import create_workspace

#: Tour case -> the service group the example tenant routes it to (None: unrouted).
EXPECTED_GROUP = {
    "plain": "Sales",
    "html": "Support",
    "japanese": "Support",
    "attachment-csv": "Sales",
    "plus-address": "Support",
    "html-only": "Marketing",
    "attachment-pdf": "Sales",
    "cc": "Marketing",
    "screenshot": "Support",
    "unmatched": None,
    "auto-reply": "Support",
    "italian": "Sales",
}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    folder: Path = tmp_path_factory.mktemp("demo")
    return load_config(str(create_workspace(folder)))


def accesses(config: Config) -> list[ActiveAccess]:
    return [ActiveAccess(a.name, a.address, a.service_group) for a in config.service_access]


def test_the_tour_covers_every_case_and_routes_as_expected(config: Config) -> None:
    tour = MailGenerator(seed=7).tour()
    assert [m.case for m in tour] == list(MailGenerator.TOUR)
    groups = {}
    for mail in tour:
        parsed = parse_message(mail.raw)
        assert parsed.problems == (), mail.case
        assert parsed.subject == mail.subject
        assert parsed.message_id == mail.message_id
        groups[mail.case] = route(parsed.recipients, accesses(config)).service_group
    originals = {m.message_id: m for m in tour}
    follow_up = next(m for m in tour if m.case == "follow-up")
    original = originals[parse_message(follow_up.raw).in_reply_to]
    assert groups.pop("follow-up") == groups[original.case]
    assert groups == EXPECTED_GROUP


def test_languages_bodies_and_attachments_survive_parsing() -> None:
    tour = {m.case: parse_message(m.raw) for m in MailGenerator(seed=3).tour()}
    assert "保証期間" in tour["japanese"].body_text
    assert "Bestellung" in tour["html"].body_text and "<b>" in tour["html"].body_html
    assert "catálogo" in tour["html-only"].body_html
    assert [a.filename for a in tour["attachment-csv"].attachments] == ["beställning.csv"]
    assert [a.content_type for a in tour["attachment-pdf"].attachments] == ["application/pdf"]
    assert [a.filename for a in tour["screenshot"].attachments] == ["screenshot.png"]
    assert tour["auto-reply"].headers["auto-submitted"] == "auto-replied"
    languages = {m.language for m in MailGenerator(seed=3).tour()}
    assert {"en", "de", "sv", "es", "ja", "fr", "it"} <= languages


def test_mail_uses_crlf_line_endings_for_smtp_and_imap() -> None:
    for mail in MailGenerator(seed=1).tour():
        assert b"\n" not in mail.raw.replace(b"\r\n", b"")


def test_same_seed_same_mail_and_the_stream_goes_on_after_the_tour() -> None:
    first = [(m.case, m.subject, m.sender) for m in MailGenerator(seed=5).tour()]
    second = [(m.case, m.subject, m.sender) for m in MailGenerator(seed=5).tour()]
    assert first == second
    stream = MailGenerator(seed=5)
    mails = [next(stream) for _ in range(60)]
    assert [m.case for m in mails[: len(MailGenerator.TOUR)]] == list(MailGenerator.TOUR)
    assert len({m.message_id for m in mails}) == 60
    assert all(parse_message(m.raw).problems == () for m in mails)
