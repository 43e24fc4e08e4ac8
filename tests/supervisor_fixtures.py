"""A supervised contact center for the supervisor console's tests: fixed mail, fixed clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from textual.pilot import Pilot

from engine import lifecycle
from engine.config import Config
from engine.service import open_contact_center
from engine.store import Store
from engine.supervision import Supervision, open_supervision
from micc_tui.supervisor import SupervisorApp
from tests.agent_fixtures import NOW, deliver, fix_received, mail

#: A subject that would be markup, a closing tag and a screen-clearing escape if trusted.
HOSTILE = "[bold]Free[/bold] [/x] money \x1b[2J now"


def populate(store: Store, config: Config) -> None:
    """Sales 3 (one taken by alice), Support 1, Marketing 1 (answered by bob, waiting for
    review), 2 unrouted; presence; health. Every time is pinned to NOW."""
    deliver(
        store,
        config,
        mail(1, subject="Status of ORD-054321", body="Where is my order ORD-054321?"),
        mail(2),
        mail(3, to="Solidus.Support@seclab.com"),
        mail(4, to="Solidus.Marketing@seclab.com"),
        mail(5, to="info@elsewhere.example", subject=HOSTILE, name="[red]Eve[/red]"),
        mail(6, to="Solidus.Salse@seclab.com", subject="Typo in the address"),
        mail(7),
    )
    fix_received(store)
    lifecycle.take(store, "alice", 7)
    with store.transaction() as conn:
        conn.execute(
            "UPDATE events SET at = ? WHERE kind = 'received'",
            ((NOW - timedelta(minutes=2)).isoformat(),),
        )
        for agent, state in (("alice", "available"), ("bob", "away")):
            conn.execute(
                "INSERT OR REPLACE INTO agent_status (agent_id, state, pid, last_seen) "
                "VALUES (?, ?, 1, ?)",
                (agent, state, (NOW - timedelta(seconds=10)).isoformat()),
            )
        conn.execute(
            "INSERT OR REPLACE INTO engine_health VALUES ('fetcher', 'ok', "
            "'IMAP IDLE alive; last fetch 14:59', ?)",
            (NOW.isoformat(),),
        )
    bob = open_contact_center(config, "bob", clock=lambda: NOW)
    lifecycle.take(store, "bob", 4)  # Marketing offers its e-mails: t is for pull groups
    draft = bob.draft(4, "reply")
    sent = bob.send(draft.edited(body="Dear Customer 4,\nthe brochure is on its way.\n"))
    bob.close()
    with store.transaction() as conn:
        stamp = (NOW - timedelta(minutes=1)).isoformat()
        conn.execute(
            "UPDATE outbox SET created = ?, next_attempt = ? WHERE id = ?",
            (stamp, stamp, sent.outbox_id),
        )
        conn.execute("UPDATE messages SET received = ? WHERE direction = 'out'", (stamp,))


def supervision(config: Config) -> Supervision:
    """Carol's facade with the clock stopped at NOW."""
    return open_supervision(config, "carol", clock=lambda: NOW)


def app_for(config: Config, poll_seconds: float = 0.05) -> SupervisorApp:
    """The console for carol, polling fast so tests do not wait."""
    return SupervisorApp(supervision(config), poll_seconds=poll_seconds)


async def wait_for(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 15.0
) -> None:
    """Let the app run until ``condition`` holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the console did not get there in time")
        await pilot.pause(0.02)
