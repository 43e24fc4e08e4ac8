"""Writing e-mails (issue 15, items 4-7): new e-mails, recipients, the status after
Ctrl+S, forwards to a third party and replies sent back from review."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from engine import audit
from engine.bootstrap import open_store
from engine.config import Config
from engine.lease import Lease
from engine.lifecycle import State
from engine.mail.addresses import typed_addresses
from engine.service import QUEUED_WITHOUT_ENGINE, open_contact_center
from engine.supervision import open_supervision
from micc_tui.agent import AgentApp
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.spell_area import SpellTextArea
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import NOW, deliver, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2), mail(3, to="Solidus.Marketing@seclab.com"))
    store.close()
    return config


def text_of(composer: ComposerScreen, widget: str) -> str:
    return str(composer.query_one(widget).render())


def notices(app: AgentApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def outbox_kinds(config: Config) -> list[str]:
    with open_store(config) as store:
        return [str(r[0]) for r in store.query("SELECT kind FROM outbox ORDER BY id")]


async def composer_for(app: AgentApp, pilot: object, *keys: str) -> ComposerScreen:
    await settle(pilot, lambda: table(app).row_count >= 1)  # type: ignore[arg-type]
    await pilot.press(*keys)  # type: ignore[attr-defined]
    await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))  # type: ignore[arg-type]
    assert isinstance(app.screen, ComposerScreen)
    return app.screen


# -- item 4: new e-mails -------------------------------------------------------------


async def test_a_new_email_opens_with_the_groups_new_email_template(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await composer_for(app, pilot, "w")
        body = composer.query_one("#composer-body", SpellTextArea).text
    # The reply template greets the customer who wrote and names their subject.
    assert "Dear" not in body and "your message about" not in body
    assert body.startswith("Hello,")  # templates/sales-new.html
    assert "Kind regards," in body  # the signature still follows


async def test_a_recipient_that_is_not_an_address_is_refused_in_the_field(
    config: Config,
) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await composer_for(app, pilot, "w")
        await pilot.press(*"not an addressTest", "tab", "tab", *"Prices", "ctrl+s")
        await settle(
            pilot, lambda: "not an addressTest" in text_of(composer, "#composer-to-problem")
        )
        problem = composer.query_one("#composer-to-problem")
        assert problem.display and "Not an e-mail address" in text_of(
            composer, "#composer-to-problem"
        )
        assert app.screen is composer and app.focused is composer.query_one("#composer-to")
        assert outbox_kinds(config) == []
        composer.query_one("#composer-to", Input).value = "Pat Partner <pat@example.net>"
        await settle(pilot, lambda: not problem.display)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
    assert outbox_kinds(config) == ["new"]
    with open_store(config) as store:
        rcpt = store.query_one("SELECT rcpt_json FROM outbox")
    assert rcpt is not None and rcpt[0] == '["pat@example.net"]'


async def test_an_empty_subject_asks_before_sending(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await composer_for(app, pilot, "w")
        await pilot.press(*"pat@example.net", "ctrl+s")
        await settle(pilot, lambda: "No subject" in text_of(composer, "#composer-subject-problem"))
        assert app.screen is composer and outbox_kinds(config) == []
        assert app.focused is composer.query_one("#composer-subject")
        await pilot.press("ctrl+s")  # the answer: send it without one
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
    assert outbox_kinds(config) == ["new"]


def test_the_engine_refuses_a_recipient_that_is_not_an_address(config: Config) -> None:
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    try:
        draft = alice.draft_new("Sales").edited(to=("not an addressTest",), subject="Prices")
        with pytest.raises(Exception, match="not an addressTest is not an e-mail address"):
            alice.send(draft)
    finally:
        alice.close()
    assert outbox_kinds(config) == []


@pytest.mark.parametrize(
    ("typed", "good", "bad"),
    [
        ("not an addressTest", (), ("not an addressTest",)),
        ("carol@example.comHello ther", (), ("carol@example.comHello ther",)),
        ('a@b.example; "Last, First" <f@x.example>', ("a@b.example", "f@x.example"), ()),
        ("Åsa Öberg <åsa@exämple.se>, x@", ("åsa@exämple.se",), ("x@",)),
    ],
)
def test_typed_addresses_are_whole_addresses_or_refused(
    typed: str, good: tuple[str, ...], bad: tuple[str, ...]
) -> None:
    found, wrong = typed_addresses(typed)
    assert tuple(address for _, address in found) == good
    assert wrong == bad


# -- item 5: the status after Ctrl+S -------------------------------------------------


async def test_sent_is_said_only_while_an_engine_runs(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count >= 1)
        await pilot.press("n")
        await composer_for(app, pilot, "r")
        await pilot.press(*"Here it is.", "ctrl+s")
        await settle(pilot, lambda: QUEUED_WITHOUT_ENGINE in notices(app))
        assert "Sent." not in notices(app)

        with open_store(config) as store:
            engine = Lease(store.path, ttl=600, heartbeat=600)
            assert engine.try_acquire(store)
            try:
                await pilot.press("2", "n")
                await composer_for(app, pilot, "r")
                await pilot.press(*"Here it is.", "ctrl+s")
                await settle(pilot, lambda: "Sent." in notices(app))
            finally:
                engine.release(store)
    assert outbox_kinds(config) == ["reply", "reply"]


# -- item 6: forwards ------------------------------------------------------------------


async def test_a_forward_does_not_answer_the_customers_email(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count >= 1)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        composer = await composer_for(app, pilot, "f")
        assert app.focused is composer.query_one("#composer-to")
        await pilot.press(*"accounts@partner.example", "ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        await settle(pilot, lambda: table(app).row_count == 1)  # still in hand
    assert outbox_kinds(config) == ["forward"]
    with open_store(config) as store:
        row = store.query_one("SELECT state, agent_id FROM conversations WHERE id = 1")
        kinds = [e.kind for e in audit.trail(store, 1)]
    assert row is not None and (row[0], row[1]) == (State.IN_PROGRESS, "alice")
    assert "forwarded" in kinds and "replied" not in kinds


def test_a_reviewed_forward_leaves_the_conversation_with_its_agent(config: Config) -> None:
    bob = open_contact_center(config, "bob", clock=lambda: NOW)
    carol = open_supervision(config, "carol", clock=lambda: NOW)
    try:
        taken = bob.take_next("Marketing")
        assert taken is not None
        forward = bob.draft(taken.id, "forward").edited(to=("pat@partner.example",))
        assert bob.send(forward).pending_review
        assert bob.item(taken.id).state == State.IN_PROGRESS  # type: ignore[union-attr]
        [waiting] = carol.reviews()
        carol.approve(waiting.outbox_id)
        item = bob.item(taken.id)
        assert item is not None and (item.state, item.agent_id) == (State.IN_PROGRESS, "bob")
    finally:
        bob.close()
        carol.close()


# -- item 7: sent back from review -----------------------------------------------------


async def test_a_rejected_reply_reopens_with_the_agents_draft_and_the_comment(
    config: Config,
) -> None:
    bob = open_contact_center(config, "bob", clock=lambda: NOW)
    carol = open_supervision(config, "carol", clock=lambda: NOW)
    try:
        taken = bob.take_next("Marketing")
        assert taken is not None
        draft = bob.draft(taken.id, "reply")
        mine = draft.edited(cc=("boss@example.org",), body="Bob's own careful words.\n")
        bob.send(mine)
        [waiting] = carol.reviews()
        carol.reject(waiting.outbox_id, "say it more kindly")
    finally:
        bob.close()
        carol.close()
    app = make_app(config, "bob")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1")  # in hand: back in Bob's hands
        await settle(pilot, lambda: table(app).row_count == 1)
        composer = await composer_for(app, pilot, "r")
        body = composer.query_one("#composer-body", SpellTextArea).text
        told = text_of(composer, "#composer-sent-back")
        cc = composer.query_one("#composer-cc", Input).value
    assert "Bob's own careful words." in body
    assert "Hello Customer 3" not in body  # not a fresh template
    assert "Carol White: say it more kindly" in told
    assert cc == "boss@example.org"
