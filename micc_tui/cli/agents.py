"""``micc agents``: every configured agent's state, as the supervisor's Agents tab shows it."""

from __future__ import annotations

import argparse
from typing import Any

from engine import agent_state, dates
from engine.agent_state import AgentState, AgentStatus
from engine.bootstrap import open_store
from micc_tui.cli.common import add_json_flag, load, print_json, print_table


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``agents``."""
    agents = subparsers.add_parser(
        "agents",
        parents=[common],
        help="agents with state, reason, since, e-mails in hand, capacity, groups and offer",
    )
    add_json_flag(agents)
    agents.set_defaults(handler=run_agents)


def as_json(status: AgentStatus) -> dict[str, Any]:
    """One agent as ``--json`` prints it: ``id`` first, then the state and what explains it."""
    data = status.to_json()
    return {"id": data.pop("agent_id"), **data}


def offer_words(status: AgentStatus) -> str:
    """``12 until 3:05 PM``: the e-mail offered and its deadline; ``-`` without an offer."""
    if status.offer is None:
        return "-"
    return f"{status.offer} until {dates.when(status.offer_expires)}"


def run_agents(args: argparse.Namespace) -> int:
    """List every configured agent, in config order."""
    config = load(args)
    with open_store(config) as store:
        found = agent_state.statuses(store, config)
    if args.json:
        print_json([as_json(s) for s in found])
        return 0
    print_table(
        ("ID", "NAME", "STATE", "REASON", "SINCE", "IN HAND", "CAPACITY", "GROUPS", "OFFER"),
        [
            (
                s.agent_id,
                s.name,
                AgentState(s.state).words,
                s.reason or "-",
                dates.date_time(s.since) if s.since else "-",
                s.in_hand,
                s.capacity,
                ", ".join(s.groups) or "-",
                offer_words(s),
            )
            for s in found
        ],
    )
    return 0
