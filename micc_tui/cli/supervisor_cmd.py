"""``micc supervisor``: the supervisor console for one supervisor of the tenant."""

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
    """Add ``supervisor``."""
    command = subparsers.add_parser(
        "supervisor",
        parents=[common],
        help="the supervisor console: live queues, routing, reviews, problems, archive",
        description='Open the supervisor console. Only agents with role = "supervisor" '
        "in the config may open it.",
    )
    command.add_argument(
        "--agent", required=True, metavar="ID", help="the supervisor's id in the config"
    )
    add_standby_flag(command)
    command.set_defaults(handler=run_supervisor)


def run_supervisor(args: argparse.Namespace) -> int:
    """Check the supervisor, then run the console until it is closed."""
    config = load(args)
    from engine.errors import Refused
    from engine.supervision import open_supervision

    try:
        supervision = open_supervision(config, args.agent)
    except Refused as exc:
        fail(str(exc))
    require_terminal("micc supervisor")
    # Textual is imported only now: the refusal above stays fast and screen-free.
    from micc_tui.supervisor import SupervisorApp
    from micc_tui.terminal import draw_on_terminal

    try:
        with standby_engine(args, config), draw_on_terminal():
            SupervisorApp(supervision).run()
    finally:
        supervision.close()
    return 0
