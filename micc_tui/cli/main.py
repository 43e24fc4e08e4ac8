"""The ``micc`` command: one entry point, a subcommand module per area.

Each module in :data:`COMMAND_MODULES` has ``register(subparsers, common)``
that adds its subcommands; a subcommand's handler takes the parsed arguments
and returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from engine.errors import MiccError

#: Modules under micc_tui.cli that add subcommands, in help order.
COMMAND_MODULES = (
    "setup",
    "routing",
    "mailbox",
    "agents",
    "trail",
    "ssh",
    "responses",
    "template",
    "spelling",
    "consoles",
    "demo",
    "supervisor_cmd",
    "serve",
)


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts (also before the subcommand)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $MICC_CONFIG, else ./micc.toml)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="micc",
        parents=[common],
        description="micc-tui: a terminal e-mail contact center.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"micc_tui.cli.{name}")
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``micc`` with ``argv`` (default: the process's arguments)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse reads a list of words only up to the first option: in
    # ``spelling ignore add --group Sales word1 word2`` the words after the
    # option are left over. Commands that say so take them as more words.
    more = getattr(args, "intermixed", None)
    if extra and more is not None:
        setattr(args, more, [*getattr(args, more), *(e for e in extra if not e.startswith("-"))])
        extra = [e for e in extra if e.startswith("-")]
    if extra:
        parser.error("unrecognized arguments: " + " ".join(extra))
    if not hasattr(args, "config"):
        args.config = None
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except MiccError as exc:
        # Refusals and mail-server errors are written for a person: no traceback.
        print(f"micc: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        # A bug of ours: say what happened in one line; the traceback on request.
        if os.environ.get(DEBUG_ENV):
            raise
        print(
            f"micc: unexpected error: {exc.__class__.__name__}: {exc} "
            f"(this is a bug; set {DEBUG_ENV}=1 to see where it happened)",
            file=sys.stderr,
        )
        return EXIT_BUG
    return code


#: Set (to anything) to get the traceback of an unexpected error.
DEBUG_ENV = "MICC_DEBUG"
#: Exit status of an unexpected error (BSD's EX_SOFTWARE).
EXIT_BUG = 70


if __name__ == "__main__":
    sys.exit(main())
