"""``micc demo``: the whole contact center on loopback, in one command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from micc_tui.cli.common import EXIT_UNUSABLE
from micc_tui.demo.runner import DEFAULT_RATE, DemoError, DemoOptions, run_headless


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``demo``."""
    # No --config: the demo writes its own (see --workspace).
    demo = subparsers.add_parser(
        "demo",
        help="run a working contact center on loopback, with customer mail arriving",
        description=(
            "Start an embedded IMAP and SMTP server on free loopback ports, the "
            "example Solidus tenant (Sales, Marketing, Support), the engine, and "
            "customer e-mails in several languages every few seconds; then open "
            "the agent console. Everything stops and is removed on exit."
        ),
    )
    demo.add_argument(
        "--agent",
        default="alice",
        metavar="ID",
        help="the agent whose console opens (default: alice)",
    )
    demo.add_argument(
        "--workspace",
        type=Path,
        metavar="DIR",
        help="keep the workspace (config, store, sent.mbox) in DIR instead of a temporary folder",
    )
    demo.add_argument(
        "--rate",
        type=_positive,
        default=DEFAULT_RATE,
        metavar="SECONDS",
        help=f"seconds between customer e-mails (default: {DEFAULT_RATE:g})",
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="no console: print what happens until Ctrl-C or --duration",
    )
    demo.add_argument(
        "--duration",
        type=_positive,
        metavar="SECONDS",
        help="with --headless: stop after this many seconds",
    )
    demo.add_argument(
        "--no-generator",
        dest="generator",
        action="store_false",
        help="no generated customer mail (send some to the SMTP port yourself)",
    )
    demo.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    demo.set_defaults(handler=run_demo)


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {value}")
    return number


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo, headless or with the agent console."""
    if args.config:
        print(
            "micc demo: the demo makes its own config; use --workspace DIR to keep it",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    if args.duration is not None and not args.headless:
        print(
            "micc demo: --duration needs --headless (the console runs until you quit it)",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    options = DemoOptions(
        agent=args.agent,
        workspace=args.workspace,
        rate=args.rate,
        generator=args.generator,
        seed=args.seed,
    )
    try:
        if args.headless:
            return run_headless(options, args.duration, sys.stdout)
        from micc_tui.demo.console import run_console

        return run_console(options)
    except DemoError as exc:
        print(f"micc demo: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
