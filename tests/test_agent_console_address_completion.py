"""To and Cc complete addresses from the service group's archive (issue 15, item 14).

Typing the start of an address (or of a name) in To or Cc lists the group's
correspondents under the field; ↓ ↑ pick, Enter takes, Esc closes, Tab moves
on. An address only another group's archive holds is never offered.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot

from engine.bootstrap import open_store
from engine.config import Config
from micc_tui.agent import AgentApp
from micc_tui.agent.address_completion import AddressInput, completed, typed_at
from micc_tui.agent.composer import ComposerScreen
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import deliver, mail, workspace

MARKETING = "Solidus.Marketing@seclab.com"
HOSTILE = "[red]Mark[/red] \x1b[2J"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, sender="maria.lopez@example.com", name="Maria Lopez"),
        mail(2, sender="mark@example.net", name=HOSTILE),
        mail(3, sender="olga@example.org", name="Marsh, Olga"),
        mail(4, sender="mallory@elsewhere.example", name="Mallory", to=MARKETING),
        mail(5, sender="maria.lopez@example.com", name="Maria Lopez"),
    )
    store.close()
    return config


async def new_email(app: AgentApp, pilot: Pilot[None]) -> ComposerScreen:
    await settle(pilot, lambda: table(app).row_count >= 1)
    await pilot.press("w")  # a new e-mail of Sales, the cursor in To
    await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
    assert isinstance(app.screen, ComposerScreen)
    return app.screen


def field(composer: ComposerScreen, name: str) -> AddressInput:
    return composer.query_one(f"#composer-{name}", AddressInput)


def offered(composer: ComposerScreen, name: str) -> list[str]:
    choices = field(composer, name).choices
    if not choices.display:
        return []
    return [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]


async def offers(pilot: Pilot[None], composer: ComposerScreen, name: str) -> list[str]:
    await settle(pilot, lambda: bool(offered(composer, name)))
    return offered(composer, name)


async def test_the_start_of_a_customers_address_offers_it_and_enter_takes_it(
    config: Config,
) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        composer = await new_email(app, pilot)
        await pilot.press(*"maria")
        assert await offers(pilot, composer, "to") == ["Maria Lopez <maria.lopez@example.com>"]
        await pilot.press("enter")
        await settle(pilot)
        to = field(composer, "to")
        assert to.value == "Maria Lopez <maria.lopez@example.com>, "
        assert to.cursor_position == len(to.value) and app.focused is to
        assert offered(composer, "to") == []
        await pilot.press("tab", "tab", *"Your order", "ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
    with open_store(config) as store:
        row = store.query_one("SELECT rcpt_json FROM outbox")
    assert row is not None and json.loads(row[0]) == ["maria.lopez@example.com"]


async def test_names_match_too_most_messages_first_and_arrows_pick(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        composer = await new_email(app, pilot)
        await pilot.press(*"MA")
        # Maria wrote twice; Olga's address starts otherwise, her name with "ma"; she
        # wrote after Mark.
        assert await offers(pilot, composer, "to") == [
            "Maria Lopez <maria.lopez@example.com>",
            "Marsh, Olga <olga@example.org>",
            "[red]Mark[/red] \\x1b[2J <mark@example.net>",  # shown literally, inert
        ]
        await pilot.press("up", "down", "down")  # around the top and back: the second
        await pilot.press("enter")
        await settle(pilot)
        assert field(composer, "to").value == '"Marsh, Olga" <olga@example.org>, '


async def test_the_element_after_a_comma_completes(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        composer = await new_email(app, pilot)
        await pilot.press(*"pat@partner.example, ol")
        assert await offers(pilot, composer, "to") == ["Marsh, Olga <olga@example.org>"]
        await pilot.press("enter")
        await settle(pilot)
        assert field(composer, "to").value == (
            'pat@partner.example, "Marsh, Olga" <olga@example.org>, '
        )
        # An address already in the field is not offered again.
        await pilot.press(*"o")
        await settle(pilot)
        assert offered(composer, "to") == []


async def test_cc_completes_too(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        composer = await new_email(app, pilot)
        await pilot.press(*"pat@partner.example", "tab", *"mark")
        assert await offers(pilot, composer, "cc") == [
            "[red]Mark[/red] \\x1b[2J <mark@example.net>"
        ]
        assert offered(composer, "to") == []
        await pilot.press("enter")
        await settle(pilot)
        cc = field(composer, "cc").value
        assert cc.endswith("<mark@example.net>, ") and "\x1b" not in cc


async def test_an_address_only_in_another_groups_archive_is_not_offered(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        composer = await new_email(app, pilot)
        await pilot.press(*"m")
        found = await offers(pilot, composer, "to")
        assert found and not [a for a in found if "mallory" in a.lower()]
        await pilot.press(*"al")  # "mal": Mallory wrote to Marketing only
        await settle(pilot, lambda: not offered(composer, "to"))
        await pilot.press("backspace", "backspace", *"ar")
        assert await offers(pilot, composer, "to")  # the lookup is still alive


async def test_escape_closes_the_list_before_it_discards_and_tab_moves_on(
    config: Config,
) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        composer = await new_email(app, pilot)
        await pilot.press(*"ol")
        await offers(pilot, composer, "to")
        await pilot.press("escape")
        await settle(pilot)
        assert offered(composer, "to") == [] and app.screen is composer
        assert "Press Escape again" not in str(composer.query_one("#composer-status").render())
        assert field(composer, "to").value == "ol"
        await pilot.press(*"g")
        await offers(pilot, composer, "to")
        await pilot.press("tab")
        await settle(pilot)
        assert offered(composer, "to") == [] and app.focused is field(composer, "cc")
        assert field(composer, "to").value == "olg"  # Tab takes nothing
        await pilot.press("escape", "escape")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))


def test_the_element_being_typed_and_what_taking_it_leaves() -> None:
    assert typed_at("a@x.example, ma", 15) is not None
    typed = typed_at("a@x.example, ma", 15)
    assert typed is not None and (typed.start, typed.end, typed.text) == (12, 15, "ma")
    assert typed_at('"Lopez, Ma', 10) is None  # a quoted name: not a beginning to complete
    assert typed_at("ma, b@x.example", 1) is None  # inside a word
    typed = typed_at("ma, b@x.example", 2)
    assert typed is not None and typed.text == "ma"

    from engine.archive import Correspondent

    maria = Correspondent("maria@example.com", "Lopez, Maria", 1, 1)
    assert completed("ma, b@x.example", typed, maria) == (
        '"Lopez, Maria" <maria@example.com>, b@x.example',
        34,
    )
    quote = Correspondent("q@example.com", 'Say "hi"', 1, 1)
    typed = typed_at("a@x.example,q", 13)
    assert typed is not None
    # A name the field would not read back: the bare address is taken.
    assert completed("a@x.example,q", typed, quote) == ("a@x.example, q@example.com, ", 28)


async def test_a_click_takes_an_address_and_the_typing_goes_on(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        composer = await new_email(app, pilot)
        await pilot.press(*"ma")
        assert len(await offers(pilot, composer, "to")) == 3
        # The list's first line is its border; the second address is on its third.
        await pilot.click(field(composer, "to").choices, offset=(3, 2))
        await settle(pilot)
        to = field(composer, "to")
        assert to.value == '"Marsh, Olga" <olga@example.org>, ' and app.focused is to
        await pilot.press(*"x@y.example")
        assert to.value.endswith(", x@y.example")
