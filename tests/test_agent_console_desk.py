"""The agent's desk and its dialogs as a new user meets them (issue 15, items 1-3 and 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.service import open_contact_center
from micc_tui.agent import AgentApp
from micc_tui.agent import screen as desk
from tests.agent_console_helpers import settle, table
from tests.agent_fixtures import NOW, deliver, fix_received, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2, to="Solidus.Support@seclab.com"))
    fix_received(store)
    store.close()
    return config


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def waiting_of_first_row(app: AgentApp) -> str:
    return table(app).rows()[0].cells[1]


async def test_waiting_times_keep_ticking_while_nothing_changes(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desk, "AGEING_SECONDS", 0.1)
    clock = Clock()
    app = AgentApp(open_contact_center(config, "alice", clock=clock), poll_seconds=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        # fix_received: e-mail 1 arrived 89 minutes before NOW.
        assert waiting_of_first_row(app) == "1h 29m"
        clock.now = NOW + timedelta(minutes=12)
        await settle(pilot, lambda: waiting_of_first_row(app) == "1h 41m", timeout=5)
        assert table(app).rows()[1].cells[1] == "1h 40m"
