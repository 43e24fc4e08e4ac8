"""The composer: ::shortcuts, the response tree, misspellings and suggestions, sending."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.notifications import Notification
from textual.widgets import OptionList

from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.errors import Refused
from engine.service import QUEUED_WITHOUT_ENGINE, Draft, SendResult
from micc_tui.agent import AgentApp
from micc_tui.agent.attach_picker import AttachPicker
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.pickers import ResponsePicker, SuggestionPicker
from micc_tui.agent.spell_area import SpellTextArea
from micc_tui.workers import UNEXPECTED
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import deliver, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2, to="Solidus.Marketing@seclab.com"))
    store.close()
    return config


async def open_reply(app: AgentApp, pilot: object) -> ComposerScreen:
    await settle(pilot, lambda: table(app).row_count >= 1)  # type: ignore[arg-type]
    await pilot.press("n")  # type: ignore[attr-defined]
    await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
    await pilot.press("r")  # type: ignore[attr-defined]
    await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))  # type: ignore[arg-type]
    assert isinstance(app.screen, ComposerScreen)
    return app.screen


def body(composer: ComposerScreen) -> SpellTextArea:
    return composer.query_one("#composer-body", SpellTextArea)


def status(composer: ComposerScreen) -> str:
    return str(composer.query_one("#composer-status").render())


def errors(app: App[None]) -> list[Notification]:
    """The error notifications shown so far."""
    return [n for n in app._notifications if n.severity == "error"]


async def test_a_shortcut_becomes_the_rendered_response(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press(*"::quote", "space")
        await settle(pilot, lambda: "request for a quote" in body(composer).text)
        text = body(composer).text
        assert "::quote" not in text
        assert "Dear Customer 1," in text and "Solidus.SalesCall@seclab.com" in text


async def test_the_response_tree_inserts_at_the_cursor(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        before = body(composer).text
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(app.screen, ResponsePicker))
        # The first response in the file: Quotes and pricing > Quote request received.
        await pilot.press("enter")
        await settle(pilot, lambda: body(composer).text != before)
        assert "request for a quote" in body(composer).text


async def test_misspellings_are_marked_and_fixed_from_suggestions(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press(*"We recieved it ")
        await settle(pilot, lambda: any(m.word == "recieved" for m in body(composer).marked))
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, SuggestionPicker))
        picker = app.screen
        assert isinstance(picker, SuggestionPicker)
        assert "received" in picker.suggestions
        index = picker.suggestions.index("received")
        await pilot.press(*["down"] * index, "enter")
        await settle(pilot, lambda: "We received it" in body(composer).text)
        await settle(pilot, lambda: not any(m.word == "recieved" for m in body(composer).marked))


async def test_send_hands_the_edited_draft_to_the_engine(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(config)
    sent: list[Draft] = []

    def send(draft: Draft) -> SendResult:
        sent.append(draft)
        return SendResult(1, pending_review=False, engine_running=True)

    monkeypatch.setattr(app.center, "send", send)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        composer.query_one("#composer-cc").value = "boss@example.org; x@example.org"  # type: ignore[attr-defined]
        await pilot.press(*"Thanks!", "ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
    assert len(sent) == 1
    draft = sent[0]
    assert draft.to == ("c1@example.org",) and draft.cc == ("boss@example.org", "x@example.org")
    assert draft.from_address == "Solidus.Sales.Retail@seclab.com"
    assert draft.in_reply_to == "<m1@example.org>" and "Thanks!" in draft.body


async def test_a_failed_send_keeps_the_composer_open(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(config)

    def send(draft: Draft) -> SendResult:
        raise Refused("the outbox is unreachable")

    monkeypatch.setattr(app.center, "send", send)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(errors(app)))
        assert app.screen is composer
        assert "unreachable" in status(composer)
        shown = errors(app)[-1]
        assert shown.title == Refused.title and shown.message == "the outbox is unreachable"


async def test_an_attachment_gone_before_sending_is_named_and_sending_again_works(
    config: Config, tmp_path: Path
) -> None:
    # Agents attach files only from [attachments] folders, chosen in a picker.
    assert config.source is not None
    shared = config.source.parent / "shared"
    shared.mkdir()
    text = config.source.read_text(encoding="utf-8")
    config.source.write_text(
        text.replace("[attachments]\n", '[attachments]\nfolders = ["shared"]\n', 1),
        encoding="utf-8",
    )
    config = load_config(config.source)
    leaflet = shared / "leaflet.pdf"
    leaflet.write_bytes(b"%PDF-1.4 the leaflet")
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press(*"See the leaflet.")
        await pilot.press("ctrl+t")
        await settle(pilot, lambda: isinstance(app.screen, AttachPicker))
        files = app.screen.query_one("#attach-files", OptionList)
        await settle(pilot, lambda: files.option_count == 1)
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen is composer and bool(composer.draft.attachments))

        leaflet.unlink()  # moved away while the agent was still writing
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(errors(app)))
        assert "leaflet.pdf" in str(errors(app)[-1].message)
        assert "Traceback" not in str(errors(app)[-1].message)
        assert app.screen is composer
        assert "Sending…" not in status(composer) and "leaflet.pdf" in status(composer)
        assert "See the leaflet." in body(composer).text  # the e-mail as typed

        leaflet.write_bytes(b"%PDF-1.4 the leaflet")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        # No engine runs in this test: the reply waits in the outbox, and is told so.
        assert any(n.message == QUEUED_WITHOUT_ENGINE for n in app._notifications)
    store = open_store(config)
    try:
        assert store.query_one("SELECT COUNT(*) FROM outbox")[0] == 1
    finally:
        store.close()


async def test_an_unexpected_error_in_a_composer_worker_is_shown(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(config)

    def broken(group: str) -> None:
        raise RuntimeError("the response index is unreadable")

    monkeypatch.setattr(app.center, "responses", broken)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: bool(errors(app)))
        shown = errors(app)[-1]
        assert shown.title == UNEXPECTED
        assert shown.message == "the response index is unreadable"
        assert app.screen is composer  # still writing: the console carries on
        await pilot.press(*"Still here")
        await settle(pilot, lambda: "Still here" in body(composer).text)


async def test_review_groups_say_so_in_the_composer(config: Config) -> None:
    app = make_app(config, "bob")
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        assert composer.review
        assert "review" in str(composer.query_one("#composer-title").render())
        assert str(composer.query_one("#composer-from").render()) == "Solidus.Marketing@seclab.com"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 50)])
async def test_the_composer_opens_at_the_top_on_the_answer_line(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    # A long e-mail makes the quoted body taller than the screen: the body must still
    # open at its top (greeting shown) with the cursor on the empty answer line.
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    long_body = "".join(f"Line {n} of a long question about the order.\n" for n in range(60))
    deliver(
        store,
        config,
        mail(
            1,
            name="Åsa Öberg-Lund",
            body=long_body,
            subject="A subject long enough to wrap in the body's "
            "first paragraph at eighty columns or so",
        ),
    )
    store.close()
    app = make_app(config)
    async with app.run_test(size=size) as pilot:
        composer = await open_reply(app, pilot)
        area = body(composer)
        await settle(pilot, lambda: area.cursor_location == (composer.draft.answer_row, 0))
        assert area.scroll_offset.y == 0 and composer.scroll_offset.y == 0
        assert area.document.lines[:3] == ["Dear Åsa Öberg-Lund,", "", ""]
        head = composer.query_one("#composer-head")
        assert head.region.y == 0 and head.region.height >= 5
        assert composer.query_one("#composer-subject").value.startswith("Re: A subject")  # type: ignore[attr-defined]
        await pilot.press(*"Thanks Åsa, it ships today.")
        await settle(pilot, lambda: area.document.lines[2] == "Thanks Åsa, it ships today.")
        # The customer's and agent's names are not misspellings in this e-mail.
        await settle(pilot, lambda: composer.query_one("#composer-status").render() is not None)
        await settle(pilot)
        assert not [m.word for m in area.marked]


async def test_showing_the_body_after_layout_never_moves_the_cursor(config: Config) -> None:
    # Over a slow link the first layout can come after the agent started typing: the
    # step that scrolls the body into view once it has a size must leave the cursor
    # where the typing put it, or the text is split around the greeting.
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        area = body(composer)
        answer = composer.draft.answer_row
        await settle(pilot, lambda: area.cursor_location == (answer, 0))
        await pilot.press(*"Your order shi")
        composer._show_top()  # what runs after the first layout
        await pilot.press(*"ps today.")
        await settle(pilot)
        assert area.document.lines[answer] == "Your order ships today."
        assert area.document.lines[0].startswith("Dear ")
