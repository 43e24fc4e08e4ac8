"""The distributor proved on a simulation: real processes, one SQLite store, 1,000 e-mails.

Twenty scripted agents in four processes (tests/distribution_sim.py) work
three groups: Sales overflows into Support after a short wait, Tech offers
to the most skilled first, some agents are in two groups, one agent may hold
only one e-mail. A distributor process runs passes in a loop, as the engine
does. E-mails of priority 1, 5 and 9 arrive in bursts through the real ingest
path while the agents work; agents accept, sometimes reject, twice let an
offer expire (and are set Away, "no answer"), take breaks, one logs out
mid-run with e-mails in hand (they go back, first in line), and every e-mail
is answered through the agent facade's reply path (the outbox).

Then the event log alone is read back (tests/distribution_sim.py
``replay``): every e-mail answered once, and each offer made by the rules.
Overflow with an injected clock is proved in-process below.

The agents' random choices come from a seed, printed with every failure;
``MICC_CRASH_SEED=<n>`` replays it (tests/crash_seed.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import distribution, lifecycle
from engine.agent_state import AgentState, set_state
from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.ingest import ingest
from engine.ports import FetchedMessage
from engine.store import Store, presence
from tests.crash_seed import crash_seed
from tests.distribution_sim import assert_answered_once, replay

ROOT = Path(__file__).resolve().parents[1]
EMAILS, BURSTS = 1000, 10
AGENTS = [f"a{n:02}" for n in range(1, 21)]
#: Groups of each agent: a07, a08 in Sales and Support, a15, a16 in Support and Tech.
GROUPS = {
    **{a: ["Sales"] for a in AGENTS[0:6]},
    **{a: ["Sales", "Support"] for a in AGENTS[6:8]},
    **{a: ["Support"] for a in AGENTS[8:14]},
    **{a: ["Support", "Tech"] for a in AGENTS[14:16]},
    **{a: ["Tech"] for a in AGENTS[16:20]},
}
SKILLS = {"a15": 9, "a16": 3, "a17": 7, "a18": 7, "a20": 10}  # a19: 5, the default
#: Where each group's e-mails arrive, by priority.
ADDRESSES = {
    ("Sales", 1): "sales-urgent@seclab.com",
    ("Sales", 5): "sales@seclab.com",
    ("Sales", 9): "sales-later@seclab.com",
    ("Support", 1): "support-urgent@seclab.com",
    ("Support", 5): "support@seclab.com",
    ("Support", 9): "support-later@seclab.com",
    ("Tech", 1): "tech-urgent@seclab.com",
    ("Tech", 5): "tech@seclab.com",
    ("Tech", 9): "tech-later@seclab.com",
}


def write_config(folder: Path, *, offer_timeout: float = 2.0) -> Config:
    """The simulation's tenant: three offer groups, twenty agents, nine service accesses."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = [
        '[store]\npath = "micc.db"\n',
        f"""
[[service_group]]
name = "Sales"
offer_timeout_seconds = {offer_timeout}
max_in_hand = 2
overflow_after_minutes = 0.005
overflow_groups = ["Support"]

[[service_group]]
name = "Support"
offer_timeout_seconds = {offer_timeout}
max_in_hand = 3
wrap_up_seconds = 0.02

[[service_group]]
name = "Tech"
selection = "most_skilled"
offer_timeout_seconds = {offer_timeout}
max_in_hand = 2
""",
    ]
    for (group, priority), address in ADDRESSES.items():
        parts.append(
            f'\n[[service_access]]\nname = "{group} {priority}"\naddress = "{address}"\n'
            f'service_group = "{group}"\npriority = {priority}\n'
        )
    for agent in AGENTS:
        groups = ", ".join(f'"{g}"' for g in GROUPS[agent])
        parts.append(f'\n[[agent]]\nid = "{agent}"\nname = "Agent {agent}"\ngroups = [{groups}]\n')
        if agent in SKILLS:
            parts.append(f"skills = {{ Tech = {SKILLS[agent]} }}\n")
        if agent == "a03":
            parts.append("max_in_hand = 1\n")
    (folder / "micc.toml").write_text("".join(parts))
    config = load_config(str(folder / "micc.toml"))
    open_store(config).close()
    return config


def customer_email(n: int, to: str) -> bytes:
    """Customer ``n``'s e-mail (each its own customer and subject: no follow-ups join)."""
    return (
        f"From: Customer {n} <c{n}@customer.example>\r\nTo: {to}\r\n"
        f"Subject: Question {n}\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <sim-{n}@customer.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nHello, question {n}.\r\n"
    ).encode()


def _spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.distribution_sim", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answered(store: Store) -> int:
    row = store.query_one("SELECT COUNT(*) FROM conversations WHERE state = 'answered'")
    assert row is not None
    return int(row[0])


@pytest.mark.slow
def test_twenty_agents_answer_a_thousand_emails_each_offer_by_the_rules(tmp_path: Path) -> None:
    seed = crash_seed()
    note = seed.note
    config = write_config(tmp_path / "ws")
    stop = tmp_path / "stop"
    processes = [_spawn("distributor", str(config.source), str(stop))]
    env = {"MICC_SIM_LOGOUT": "a11", "MICC_SIM_LOGOUT_AFTER": "2.5", "MICC_SIM_IGNORE": "a02,a18"}
    for part in range(4):
        ids = AGENTS[part * 5 : part * 5 + 5]
        processes.append(
            _spawn("agents", str(config.source), str(seed.seed + part), str(stop), *ids, env=env)
        )
    rng = seed.rng
    with Store(config.store.path) as store:
        try:
            for burst in range(BURSTS):
                items = []
                for n in range(burst * EMAILS // BURSTS, (burst + 1) * EMAILS // BURSTS):
                    group = rng.choices(["Sales", "Support", "Tech"], weights=[5, 3, 2])[0]
                    to = ADDRESSES[(group, rng.choice([1, 5, 9]))]
                    items.append(FetchedMessage(f"sim:{n}", "INBOX", customer_email(n, to)))
                ingest(store, config, items)
                time.sleep(rng.uniform(0.2, 0.6))
            deadline = time.monotonic() + 50
            while _answered(store) < EMAILS and time.monotonic() < deadline:
                for process in processes:
                    assert process.poll() is None, f"{note}: {process.stderr.read()}"  # type: ignore[union-attr]
                time.sleep(0.1)
        finally:
            stop.touch()
            outputs = [p.communicate(timeout=30) for p in processes]
        for process, (_, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, f"{note}: {err}"
        print(note, *(o for o, _ in outputs))

        assert_answered_once(store, EMAILS, note)
        priorities = Counter(int(r[0]) for r in store.query("SELECT priority FROM conversations"))
        assert set(priorities) == {1, 5, 9}, note

        found = replay(store, config)
    assert not found.broken, f"{note}:\n" + "\n".join(found.broken)
    print(
        f"{found.offers} offers ({found.overflow_offers} overflowing, {found.skill_decided} "
        f"decided by skill, {found.idle_decided} by idle time), {found.rejected} rejected, "
        f"{found.expired} expired, {found.returned} returned"
    )
    # The run exercised what it claims to.
    assert found.offers >= EMAILS, note
    assert found.overflow_offers > 0, note
    assert found.skill_decided > 0 and found.idle_decided > 0, note
    assert found.rejected > 0 and found.expired >= 2, note
    assert found.returned > 0, f"{note}: a11 logged out with nothing in hand"


def test_overflow_waits_for_the_configured_time_by_the_injected_clock(tmp_path: Path) -> None:
    config = write_config(tmp_path / "ws", offer_timeout=30)
    with Store(config.store.path) as store:
        at = datetime.now(UTC)
        stamp = at.isoformat(timespec="microseconds")
        # Only a09 (Support) is logged in; the Sales e-mail waits for overflow.
        set_state(store, config, "a09", AgentState.AVAILABLE, at=stamp)
        presence.beat(store, "a09", os.getpid(), stamp)
        ingest(
            store, config, [FetchedMessage("o:1", "INBOX", customer_email(1, "sales@seclab.com"))]
        )
        row = store.query_one("SELECT id, received FROM conversations")
        assert row is not None
        conversation, received = int(row[0]), datetime.fromisoformat(str(row[1]))
        wait = timedelta(minutes=0.005)
        just_before = received + wait - timedelta(milliseconds=1)
        assert distribution.distribute(store, config, just_before).offered == []
        assert distribution.offer_of(store, "a09") is None
        done = distribution.distribute(store, config, received + wait)
        assert [(o.conversation_id, o.agent_id) for o in done.offered] == [(conversation, "a09")]
        # A Sales agent free again is not preferred over the offer already made;
        # the next Sales e-mail goes to them at once, without waiting.
        set_state(store, config, "a01", AgentState.AVAILABLE)
        ingest(
            store, config, [FetchedMessage("o:2", "INBOX", customer_email(2, "sales@seclab.com"))]
        )
        done = distribution.distribute(store, config, received + wait)
        assert [o.agent_id for o in done.offered] == ["a01"]
        lifecycle.accept_offer(store, "a09", conversation, datetime.now(UTC))
        found = replay(store, config, rules=False)
    assert not found.broken, found.broken


def test_a_pass_reading_more_than_one_page_skips_no_email(tmp_path: Path) -> None:
    """Offers made from the first page of the queue do not push the second page's start on."""
    config = write_config(tmp_path / "ws", offer_timeout=30)
    with Store(config.store.path) as store:
        before = datetime.now(UTC)  # the injected clock: nothing has waited for overflow
        to = ["support-urgent@seclab.com"] + ["sales-urgent@seclab.com"] * (distribution.PAGE - 1)
        to += ["support@seclab.com", "support@seclab.com"]
        ingest(
            store,
            config,
            [FetchedMessage(f"p:{n}", "INBOX", customer_email(n, a)) for n, a in enumerate(to)],
        )
        first, second = (
            int(r[0])
            for r in store.query(
                "SELECT id FROM conversations WHERE service_group = 'Support' AND priority = 5 "
                "ORDER BY received, id"
            )
        )
        for agent in ("a09", "a10"):  # two Support agents, no Sales agent
            set_state(store, config, agent, AgentState.AVAILABLE)
        done = distribution.distribute(store, config, before)
        offered = {o.conversation_id for o in done.offered}
        assert len(offered) == 2 and first in offered and second not in offered
        found = replay(store, config, rules=False)
    assert not found.broken, found.broken
