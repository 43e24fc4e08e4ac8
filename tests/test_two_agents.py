"""Two agent consoles in two processes take from one queue at once: each e-mail once."""

from __future__ import annotations

import asyncio
import multiprocessing
from pathlib import Path

from engine.bootstrap import open_store
from engine.config import load_config
from micc_tui.agent.screen import AgentScreen
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import deliver, edit_config, mail, workspace

MAILS = 40


def console(config_path: str, agent: str, start: multiprocessing.synchronize.Barrier) -> None:
    """One console process: press "take next" until nothing is left in its queues."""
    config = load_config(config_path)

    async def work() -> None:
        app = make_app(config, agent)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot, lambda: table(app).row_count > 0)
            start.wait(timeout=60)
            screen = next(s for s in app.screen_stack if isinstance(s, AgentScreen))
            for _ in range(MAILS * 2):
                await pilot.press("n")
                await settle(pilot)
                if screen.snapshot is not None and not any(
                    g.queued for g in screen.snapshot.counts
                ):
                    break

    asyncio.run(work())


def test_each_email_is_taken_once(tmp_path: Path) -> None:
    # Each takes as many as it can: no limit on e-mails in hand here.
    config = edit_config(workspace(tmp_path / "ws"), "max_in_hand = 5 ", "max_in_hand = 100 ")
    store = open_store(config)
    deliver(store, config, *[mail(i) for i in range(MAILS)])
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [
        context.Process(target=console, args=(str(config.source), agent, start))
        for agent in ("alice", "carol")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
        assert worker.exitcode == 0
    taken = store.query("SELECT conversation_id, agent_id FROM events WHERE kind = 'taken'")
    conversations = [row[0] for row in taken]
    assert sorted(conversations) == sorted(set(conversations)), "an e-mail was taken twice"
    assert len(conversations) == MAILS
    held = store.query(
        "SELECT agent_id, COUNT(*) FROM conversations WHERE state = 'in_progress' GROUP BY agent_id"
    )
    by_agent = {row[0]: row[1] for row in held}
    assert sum(by_agent.values()) == MAILS
    # Both really competed: neither console got everything.
    assert set(by_agent) == {"alice", "carol"}
