"""Helpers shared by the subcommands: loading the config, printing tables and JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NoReturn

from engine import dates
from engine.config import Config, ConfigError, load_config

Handler = Callable[[argparse.Namespace], int]
#: The type of ``parser.add_subparsers()``'s result.
Subparsers = "argparse._SubParsersAction[argparse.ArgumentParser]"

#: Exit code when the config (or another input) makes the command unusable.
EXIT_UNUSABLE = 2


def fail(message: str, code: int = EXIT_UNUSABLE) -> NoReturn:
    """Print ``message`` to stderr and exit with ``code``."""
    print(f"micc: {message}", file=sys.stderr)
    raise SystemExit(code)


def require_terminal(command: str) -> None:
    """Exit with status 2 unless stdin and stdout are both terminals.

    A console without one (``ssh -T``, a forced command run without a PTY, a
    pipe) would wait forever for a screen that never comes; saying so at once
    tells the person how to log in instead.

    Args:
        command: the console's command, for the message (``micc agent``).
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(
            f"{command} needs a terminal: log in with ssh -t (stdin and stdout must be a terminal)"
        )


def load(args: argparse.Namespace) -> Config:
    """Load the config named by ``--config`` / ``$MICC_CONFIG`` / ``./micc.toml``, or exit 2."""
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_UNUSABLE) from None
    dates.use_locale(config.locale)  # the consoles write dates the tenant's way
    return config


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON (UTF-8, not ASCII-escaped)."""
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def safe_text(value: object) -> str:
    """Text from e-mails with control characters made visible (no terminal escapes)."""
    text = str(value)
    return "".join(
        ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" if ord(ch) < 256 else "?"
        for ch in text
    )


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Print rows as aligned columns; untrusted cells are made inert."""
    cells = [[safe_text(c) if c is not None else "" for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = min(max(widths[i], len(cell)), 60)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(c[:w].ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--json`` to a listing subcommand."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def add_standby_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-standby`` to a console subcommand."""
    parser.add_argument(
        "--no-standby",
        action="store_true",
        help=f"do not stand in for the engine when no `micc serve` runs (also: {NO_STANDBY_ENV}=1)",
    )


#: Environment variable that keeps consoles from running a standby engine.
NO_STANDBY_ENV = "MICC_NO_STANDBY"


def standby_engine(args: argparse.Namespace, config: Config) -> AbstractContextManager[object]:
    """A standby engine for the console's lifetime, unless turned off.

    Every console stands by to take the engine lease when no ``micc serve``
    holds it, so a small set-up without a service keeps mail flowing, and a
    dead service is replaced within seconds.
    """
    if getattr(args, "no_standby", False) or os.environ.get(NO_STANDBY_ENV):
        return nullcontext()
    from engine.standby import StandbyEngine

    return StandbyEngine(config)
