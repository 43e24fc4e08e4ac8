"""``micc import``, ``micc queue`` and ``micc archive``: mail in the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine import archive
from engine.bootstrap import open_store
from engine.importer import import_paths
from engine.lifecycle import State
from engine.queue import STATES, list_items
from micc_tui.cli.common import add_json_flag, fail, load, print_json, print_table, safe_text


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``import``, ``queue`` and ``archive``."""
    imp = subparsers.add_parser(
        "import", parents=[common], help="archive and route .eml files, folders and mbox files"
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    imp.add_argument(
        "--force",
        action="store_true",
        help="import named files that do not look like e-mail too (they are parked unrouted)",
    )
    add_json_flag(imp)
    imp.set_defaults(handler=run_import)

    queue = subparsers.add_parser("queue", parents=[common], help="list queued e-mails")
    queue.add_argument("--group", metavar="G", help="only this service group")
    queue.add_argument(
        "--state",
        metavar="S",
        choices=(*STATES, "all"),
        help="only this state (default: queued; 'all' for every state)",
    )
    add_json_flag(queue)
    queue.set_defaults(handler=run_queue)

    arch = subparsers.add_parser("archive", parents=[common], help="search and show the archive")
    actions = arch.add_subparsers(dest="action", metavar="ACTION", required=True)
    search = actions.add_parser(
        "search", parents=[common], help="full-text search of subject, body and addresses"
    )
    search.add_argument("query", nargs="+", metavar="QUERY")
    search.add_argument("--limit", type=int, default=20)
    add_json_flag(search)
    search.set_defaults(handler=run_search)
    show = actions.add_parser("show", parents=[common], help="show one archived e-mail")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--raw", action="store_true", help="print the bytes exactly as archived")
    add_json_flag(show)
    show.set_defaults(handler=run_show)


def run_import(args: argparse.Namespace) -> int:
    """Import files and print what happened."""
    config = load(args)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        fail("no such file or folder: " + ", ".join(missing))
    with open_store(config) as store:
        report = import_paths(store, config, args.paths, force=args.force)
    if args.json:
        print_json(
            {
                "files": report.files,
                "archived": report.archived,
                "duplicates": report.duplicates,
                "routed": report.routed,
                "unrouted": report.unrouted,
                "unreadable": [{"path": p, "error": e} for p, e in report.unreadable],
                "parked": [{"key": k, "reason": r} for k, r in report.parked],
                "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
            }
        )
    else:
        print(
            f"{report.files} files: {report.archived} archived ({report.routed} routed, "
            f"{report.unrouted} unrouted), {report.duplicates} already in the archive"
        )
        for key, reason in report.parked:
            print(
                f"parked (archived as received, unrouted, in Problems): "
                f"{safe_text(key)}: {safe_text(reason)}",
                file=sys.stderr,
            )
        for path, reason in report.skipped:
            print(
                f"skipped, not an e-mail: {safe_text(path)}: {reason}; --force imports it anyway",
                file=sys.stderr,
            )
        for path, error in report.unreadable:
            print(f"unreadable: {safe_text(path)}: {safe_text(error)}", file=sys.stderr)
    return 1 if report.unreadable else 0


def run_queue(args: argparse.Namespace) -> int:
    """List queue items."""
    config = load(args)
    if args.group and config.group(args.group) is None:
        fail(
            f"no service group named {args.group!r}; known: "
            + ", ".join(g.name for g in config.service_group)
        )
    states = None if args.state == "all" else (args.state or State.QUEUED,)
    with open_store(config) as store:
        items = list_items(store, groups=[args.group] if args.group else None, states=states)
    if args.json:
        print_json([i.to_json() for i in items])
        return 0
    print_table(
        ("ID", "P", "RECEIVED", "STATE", "GROUP", "ACCESS", "FROM", "SUBJECT"),
        [
            (
                i.id,
                i.priority,
                i.received[:19].replace("T", " "),
                f"offered to {i.offered_to}" if i.offered_to else i.state,
                i.service_group or "-",
                i.service_access or "-",
                i.from_address or i.from_name,
                i.subject,
            )
            for i in items
        ],
    )
    return 0


def run_search(args: argparse.Namespace) -> int:
    """Search the archive."""
    config = load(args)
    with open_store(config) as store:
        hits = archive.search(store, " ".join(args.query), limit=args.limit)
    if args.json:
        print_json([h.to_json(with_body=False) for h in hits])
        return 0
    print_table(
        ("ID", "DIR", "RECEIVED", "FROM", "SUBJECT"),
        [
            (h.id, h.direction, h.received[:19].replace("T", " "), h.from_address, h.subject)
            for h in hits
        ],
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Show one archived message, parsed or raw."""
    config = load(args)
    with open_store(config) as store:
        message = archive.get(store, args.id)
        data = archive.raw(store, args.id) if args.raw else None
    if message is None:
        fail(f"no archived e-mail with id {args.id}", code=1)
    if args.raw:
        assert data is not None
        sys.stdout.buffer.write(data)
        return 0
    if args.json:
        print_json(message.to_json())
        return 0
    for label, value in (
        ("Id", message.id),
        ("Direction", message.direction),
        ("Conversation", message.conversation_id),
        ("Message-ID", message.message_id),
        ("Date", message.date),
        ("Received", message.received),
        ("From", f"{message.from_name} <{message.from_address}>"),
        ("To", ", ".join(message.to)),
        ("Cc", ", ".join(message.cc)),
        ("Subject", message.subject),
    ):
        print(f"{label}: {safe_text(value)}")
    for attachment in message.attachments:
        print(
            f"Attachment: {safe_text(attachment['filename'])} ({attachment['content_type']}, "
            f"{attachment['size']} bytes)"
        )
    for problem in message.problems:
        print(f"Problem: {safe_text(problem)}")
    print()
    print("\n".join(safe_text(line) for line in message.body_text.splitlines()))
    return 0
