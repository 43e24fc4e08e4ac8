"""What the agent console looks like at 80x24 and 160x50 (fixed mail, fixed clock, UTC)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

import engine.lifecycle
from engine.bootstrap import open_store
from engine.config import Config
from engine.service import open_contact_center
from engine.supervision import open_supervision
from micc_tui.agent.address_completion import AddressInput
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.dialogs import TextPrompt, TransferDialog
from micc_tui.agent.help import HelpScreen
from micc_tui.agent.pickers import ResponsePicker
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import NOW, deliver, fix_received, mail, workspace

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    # What the console does is recorded at a pinned time: the reading pane's
    # trail lines ("taken by Alice Smith at ...") are the same in every run.
    monkeypatch.setattr(engine.lifecycle, "now_iso", lambda: NOW.isoformat())
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, name="Åsa Öberg", subject="Invoice 4711 is wrong"),
        mail(2, to="Solidus.Support@seclab.com", subject="Printer makes [bold]noise[/]"),
        mail(3, subject="Quote for 40 chairs", attachment=("chairs.pdf", b"%PDF-1.4")),
        mail(
            4,
            to="Solidus.Support+priority@seclab.com",
            name="Very Long Customer Name GmbH",
            subject="A subject so long that it cannot fit in any column of the queue",
        ),
        mail(5, to="Solidus.Marketing@seclab.com"),
    )
    fix_received(store)
    store.close()
    return config


async def ready(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await settle(
        pilot,
        lambda: (
            table(app).row_count == 4  # type: ignore[arg-type]
            and screen(app).reading is not None
        ),
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_the_desk(snap_compare: SnapCompare, config: Config, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(config), terminal_size=size, run_before=ready)


#: An HTML-only e-mail like the Spanish customer's (issue 16 item 4), with a link and a table.
SPANISH_HTML = (
    "<html><head><style>p {margin: 0}</style></head><body><p>Buenos días:</p>"
    "<p>Somos una cadena de <b>papelerías</b> en Sevilla y nos gustaría recibir el "
    '<a href="https://solidus.example/catalogo">catálogo de 2027</a> y la tarifa para '
    "distribuidores.</p><ul><li>¿Tienen material promocional en español?</li>"
    "<li>¿Organizan demostraciones en tienda?</li></ul>"
    "<table><tr><th>Tienda</th><th>Ciudad</th></tr><tr><td>Centro</td><td>Sevilla</td></tr>"
    "</table><p>Un saludo,<br>María García</p></body></html>"
)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_an_html_only_email_in_the_reading_pane(
    snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]
) -> None:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, name="María García", subject="Solicitud de catálogo", html=SPANISH_HTML),
    )
    fix_received(store)
    store.close()

    async def reading(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await settle(
            pilot,
            lambda: table(app).row_count == 1 and screen(app).reading is not None,  # type: ignore[arg-type]
        )

    assert snap_compare(make_app(config), terminal_size=size, run_before=reading)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_searching_the_e_mail_read(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    async def search(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        screen(pilot.app).query_one("#reading").focus()  # type: ignore[arg-type]
        await pilot.press("slash", *"is", "enter", "n")  # the second place is the current one
        await settle(pilot)

    assert snap_compare(make_app(config), terminal_size=size, run_before=search)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_the_composer(snap_compare: SnapCompare, config: Config, size: tuple[int, int]) -> None:
    async def compose(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await ready(pilot)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press(*"Thank you, we recieved it.")
        await settle(pilot, lambda: bool(app.screen.query_one("#composer-body").marked))  # type: ignore[attr-defined]
        app.clear_notifications()
        # A blinking cursor would make the picture depend on the moment it is taken.
        app.screen.query_one("#composer-body").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(make_app(config), terminal_size=size, run_before=compose)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_a_new_email_with_a_recipient_that_is_not_an_address(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    async def compose(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await ready(pilot)
        await pilot.press("w")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press(*"not an addressTest", "ctrl+s")
        problem = app.screen.query_one("#composer-to-problem")
        await settle(pilot, lambda: problem.display)
        app.clear_notifications()
        app.screen.query_one("#composer-to").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(make_app(config), terminal_size=size, run_before=compose)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_addresses_offered_in_to(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    async def compose(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await ready(pilot)
        await pilot.press("w")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press(*"pat@partner.example, c")
        to = app.screen.query_one("#composer-to", AddressInput)
        # Sales' customers (Åsa Öberg, Customer 3), the newest first; not Support's.
        await settle(pilot, lambda: to.choices.option_count == 2 and to.choices.display)
        app.clear_notifications()
        to.cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(config), terminal_size=size, run_before=compose)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_a_reply_sent_back_from_review(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    bob = open_contact_center(config, "bob", clock=lambda: NOW)
    carol = open_supervision(config, "carol", clock=lambda: NOW)
    try:
        taken = bob.take_next("Marketing")
        assert taken is not None
        bob.send(bob.draft(taken.id, "reply").edited(body="We will see about it.\n"))
        [waiting] = carol.reviews()
        carol.reject(waiting.outbox_id, "Please say when: the order leaves on Monday.")
    finally:
        bob.close()
        carol.close()

    async def compose(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        body = app.screen.query_one("#composer-body")
        await settle(pilot, lambda: body.has_focus)
        app.clear_notifications()
        body.cursor_blink = False  # type: ignore[attr-defined]
        # Without the focus the cursor is not drawn: the picture no longer depends
        # on the blink's phase when it was stopped.
        app.screen.set_focus(None)
        await settle(pilot)

    assert snap_compare(make_app(config, "bob"), terminal_size=size, run_before=compose)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_the_response_tree_filtered(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    async def compose(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await ready(pilot)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(app.screen, ResponsePicker))
        # n took the Support Priority e-mail (priority 1): Support's responses.
        await pilot.press(*"dela")
        preview = app.screen.query_one("#response-preview")
        await settle(pilot, lambda: "parcel is on its way" in str(preview.render()))
        app.clear_notifications()
        app.screen.query_one("#response-filter").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(make_app(config), terminal_size=size, run_before=compose)


async def take_first(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await ready(pilot)
    await pilot.press("n")
    await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
    app.clear_notifications()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_the_help(snap_compare: SnapCompare, config: Config, size: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(make_app(config), terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_transfer_asks_for_the_group(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    async def transfer(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await take_first(pilot)
        await pilot.press("x")
        await settle(pilot, lambda: isinstance(app.screen, TransferDialog))
        app.screen.query_one("#transfer-note").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.press("tab", *"needs", "enter", *"pricing")
        await pilot.click("#ok")  # no group chosen yet: it asks for one
        await pilot.pause()

    assert snap_compare(make_app(config), terminal_size=size, run_before=transfer)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_close_reasons_under_the_box(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    async def close(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await take_first(pilot)
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("#prompt-input").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.press("enter", "down", "down")  # refused empty, then down to the reasons
        await pilot.pause()

    assert snap_compare(make_app(config), terminal_size=size, run_before=close)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_the_whole_conversation(
    snap_compare: SnapCompare,
    tmp_path: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A quote request with its file, a note and the trail, around the follow-up read."""
    import engine.notes
    from engine import lifecycle, notes

    monkeypatch.setattr(engine.notes, "now_iso", lambda: NOW.isoformat())
    config = workspace(tmp_path / "thread")
    with open_store(config) as store:
        quote = mail(
            1,
            name="Anna Berg",
            sender="anna@example.org",
            subject="Quote request",
            body="Please quote 40 Ergo chairs, delivered to Lyon.\n",
            attachment=("spec.csv", b"part,qty\nA-1,40\n"),
        )
        deliver(store, config, quote)
        lifecycle.take(store, "alice", 1)
        notes.add(store, 1, "alice", "Asked the warehouse about stock in Lyon")
        lifecycle.release(store, "carol", 1)
        follow = mail(
            2,
            name="Anna Berg",
            sender="anna@example.org",
            subject="Re: Quote request",
            body="Any news? Did you get my spec sheet?\n",
        )
        deliver(store, config, follow, start=1)

        # In order, minutes apart: the request, taken, the note, released, the follow-up.
        def at(minutes: int) -> str:
            return (NOW - timedelta(minutes=minutes)).isoformat()

        with store.transaction() as conn:
            conn.execute("UPDATE messages SET received = ? WHERE id = 1", (at(60),))
            conn.execute("UPDATE messages SET received = ? WHERE id = 2", (at(5),))
            conn.execute("UPDATE conversations SET received = ?, created = ?", (at(5), at(60)))
            conn.execute("UPDATE notes SET created = ?", (at(45),))
            for kind, minutes in (("taken", 50), ("note_added", 45), ("released", 40)):
                conn.execute("UPDATE events SET at = ? WHERE kind = ?", (at(minutes), kind))

    async def opened(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await settle(
            pilot,
            lambda: (
                screen(app).reading is not None  # type: ignore[arg-type]
                and screen(app).reading.lines is not None  # type: ignore[arg-type, union-attr]
            ),
        )
        screen(app).query_one("#reading").scroll_home(animate=False)  # type: ignore[arg-type]
        await settle(pilot)

    assert snap_compare(make_app(config), terminal_size=size, run_before=opened)
