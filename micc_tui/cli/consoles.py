"""``micc agent``: the consoles people work in."""

from __future__ import annotations

import argparse
from typing import Any

from micc_tui.cli.common import (
    add_standby_flag,
    fail,
    load,
    require_terminal,
    standby_engine,
)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``agent``."""
    agent = subparsers.add_parser(
        "agent", parents=[common], help="the agent console: queues, reading pane, composer"
    )
    agent.add_argument("--agent", required=True, metavar="ID", help="your agent id from the config")
    add_standby_flag(agent)
    agent.set_defaults(handler=run_agent)


def run_agent(args: argparse.Namespace) -> int:
    """Open the agent console for ``--agent`` (refused when the id is unknown)."""
    config = load(args)
    # Textual loads only when a console really starts: the other commands stay quick.
    from engine.errors import Refused
    from engine.service import open_contact_center

    if config.find_agent(args.agent) is None:
        known = ", ".join(a.id for a in config.agent) or "none"
        fail(f"unknown agent {args.agent!r}; agents in {config.source or 'the config'}: {known}")
    require_terminal("micc agent")
    try:
        center = open_contact_center(config, args.agent)
    except Refused as exc:
        fail(str(exc))
    from micc_tui.agent import run_agent_console

    with standby_engine(args, config):
        run_agent_console(center)
    return 0
