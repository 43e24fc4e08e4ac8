"""``micc route`` and ``micc access``: where mail goes, and which accesses are active."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from engine.access import access_states, activate, active_accesses, deactivate
from engine.bootstrap import open_store
from engine.config import Config
from engine.errors import Refused
from engine.router import route
from engine.store import Store
from micc_tui.cli.common import add_json_flag, fail, load, print_json, print_table


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``route`` and ``access``."""
    route_cmd = subparsers.add_parser(
        "route", parents=[common], help="which service access and group would receive mail"
    )
    route_cmd.add_argument("addresses", nargs="+", metavar="ADDRESS")
    add_json_flag(route_cmd)
    route_cmd.set_defaults(handler=run_route)

    access = subparsers.add_parser("access", parents=[common], help="service access activation")
    actions = access.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=[common], help="service accesses in activation order"
    )
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)
    for name, handler, words in (
        ("activate", run_activate, "activate (it goes last in order)"),
        ("deactivate", run_deactivate, "deactivate"),
    ):
        action = actions.add_parser(name, parents=[common], help=words)
        action.add_argument("name", metavar="NAME")
        action.set_defaults(handler=handler)


def run_route(args: argparse.Namespace) -> int:
    """Print, for each address, the service access and group that would receive it."""
    config = load(args)
    with open_store(config) as store:
        accesses = active_accesses(store, config)
    results = []
    for address in args.addresses:
        decision = route([address], accesses)
        results.append(
            {
                "address": address,
                "service_access": decision.service_access,
                "service_group": decision.service_group,
            }
        )
    if args.json:
        print_json(results)
    else:
        print_table(
            ("ADDRESS", "SERVICE ACCESS", "SERVICE GROUP"),
            [
                (r["address"], r["service_access"] or "(unrouted)", r["service_group"] or "")
                for r in results
            ],
        )
    return 0


def run_list(args: argparse.Namespace) -> int:
    """List service accesses with their activation state and order."""
    config = load(args)
    with open_store(config) as store:
        states = access_states(store, config)
    if args.json:
        print_json(
            [
                {
                    "name": s.name,
                    "address": s.address,
                    "service_group": s.service_group,
                    "active": s.active,
                    "order": s.order,
                    "activated_at": s.activated_at,
                }
                for s in states
            ]
        )
        return 0
    print_table(
        ("ORDER", "NAME", "ADDRESS", "SERVICE GROUP", "ACTIVE", "ACTIVATED"),
        [
            (
                s.order or "",
                s.name,
                s.address,
                s.service_group,
                "yes" if s.active else "no",
                s.activated_at or "",
            )
            for s in states
        ],
    )
    return 0


def run_activate(args: argparse.Namespace) -> int:
    """Activate a service access."""
    return _change_activation(args, activate, "activated", "already active")


def run_deactivate(args: argparse.Namespace) -> int:
    """Deactivate a service access."""
    return _change_activation(args, deactivate, "deactivated", "was not active")


def _change_activation(
    args: argparse.Namespace,
    change: Callable[[Store, Config, str], bool],
    done: str,
    unchanged: str,
) -> int:
    config = load(args)
    with open_store(config) as store:
        try:
            changed = change(store, config, args.name)
        except Refused as exc:
            fail(str(exc))
    print(f"{args.name}: {done if changed else unchanged}")
    return 0
