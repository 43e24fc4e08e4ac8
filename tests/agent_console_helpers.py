"""Starting the agent console on a test workspace, and waiting for it to settle."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot

from engine.config import Config
from engine.service import ContactCenter, open_contact_center
from micc_tui.agent import AgentApp
from micc_tui.agent.screen import AgentScreen
from micc_tui.widgets.queue_table import QueueTable
from tests.agent_fixtures import NOW


def make_app(config: Config, agent: str = "alice") -> AgentApp:
    """The console for ``agent`` with the tests' fixed clock and a quick poll."""
    center: ContactCenter = open_contact_center(config, agent, clock=lambda: NOW)
    return AgentApp(center, poll_seconds=0.3)


async def settle(
    pilot: Pilot[None], until: Callable[[], bool] | None = None, timeout: float = 20.0
) -> None:
    """Let workers finish; with ``until``, wait (bounded) for that condition."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        # Exclusive workers cancel each other, so wait for "none running", not "all completed".
        while any(w.is_running for w in pilot.app.workers) and loop.time() < deadline:
            await pilot.pause(0.02)
        await pilot.pause()
        if until is None or until():
            return
        if loop.time() > deadline:
            raise AssertionError("the console did not reach the expected state")
        await pilot.pause(0.05)


def screen(app: AgentApp) -> AgentScreen:
    """The agent screen (under any dialog)."""
    return next(s for s in app.screen_stack if isinstance(s, AgentScreen))


def table(app: AgentApp) -> QueueTable:
    """The queue table."""
    return screen(app).query_one("#queue", QueueTable)


def subjects(app: AgentApp) -> list[str]:
    """Subjects of the rows shown."""
    return [row.cells[3] for row in table(app).rows()]
