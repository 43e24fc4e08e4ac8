"""``micc history`` and ``micc outbox list``: a conversation's trail, mail waiting to leave."""

from __future__ import annotations

import argparse
from typing import Any

from engine import audit, notes, outbox, queue
from engine.audit import Event
from engine.bootstrap import open_store
from engine.outbox import OutboxState
from micc_tui.cli.common import add_json_flag, fail, load, print_json, print_table


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``history`` and ``outbox``."""
    history = subparsers.add_parser(
        "history",
        parents=[common],
        help="who received, took, released, transferred, replied, reviewed, closed a conversation",
    )
    history.add_argument("conversation", type=int, metavar="CONVERSATION_ID")
    add_json_flag(history)
    history.set_defaults(handler=run_history)

    box = subparsers.add_parser(
        "outbox", parents=[common], help="the outbox: mail waiting to leave"
    )
    actions = box.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="list outbox messages")
    listing.add_argument(
        "--state",
        metavar="S",
        action="append",
        choices=[str(s) for s in OutboxState],
        help="only this state (repeat for several; default: every state)",
    )
    add_json_flag(listing)
    listing.set_defaults(handler=run_outbox_list)


def _detail_words(event: Event) -> str:
    """An event's detail as ``from → to``, then ``key=value`` pairs."""
    detail = dict(event.detail)
    words = []
    before, after = detail.pop("from_state", None), detail.pop("to_state", None)
    if after is not None:
        words.append(f"{before or 'new'} → {after}")
    for key in sorted(detail):
        value = detail[key]
        if value not in ("", None, False):
            words.append(f"{key}={value}")
    return "  ".join(words)


def run_history(args: argparse.Namespace) -> int:
    """Print a conversation's trail."""
    config = load(args)
    with open_store(config) as store:
        item = queue.get_item(store, args.conversation)
        if item is None:
            fail(f"no conversation {args.conversation}")
        events = audit.trail(store, args.conversation)
        kept = notes.of_conversation(store, args.conversation)
    if args.json:
        print_json(
            {
                "conversation": item.to_json(),
                "events": [e.to_json() for e in events],
                "notes": [n.__dict__ for n in kept],
            }
        )
        return 0
    holder = f" ({item.agent_id})" if item.agent_id else ""
    print(
        f"conversation {item.id}: {item.subject!r} from {item.from_address or item.from_name} · "
        f"{item.service_group or 'unrouted'} · {item.state.replace('_', ' ')}{holder}"
    )
    print_table(
        ("AT", "EVENT", "WHO", "DETAIL"),
        [
            (e.at[:19].replace("T", " "), e.kind, e.agent_id or "-", _detail_words(e))
            for e in events
        ],
    )
    for note in kept:
        print(f"note {note.id} by {note.agent_id or '-'} at {note.created[:19].replace('T', ' ')}:")
        for line in note.body.splitlines():
            print(f"    {line}")
    return 0


def run_outbox_list(args: argparse.Namespace) -> int:
    """List outbox rows."""
    config = load(args)
    with open_store(config) as store:
        rows = outbox.listing(store, states=args.state)
    if args.json:
        print_json([r.to_json() for r in rows])
        return 0
    print_table(
        ("ID", "CONV", "TO", "SUBJECT", "STATE", "TRIES", "LAST ERROR", "NEXT TRY"),
        [
            (
                r.id,
                r.conversation_id if r.conversation_id is not None else "-",
                ", ".join(r.to),
                r.subject,
                r.state,
                r.attempts,
                r.last_error or "-",
                (r.next_attempt or "-")[:19].replace("T", " "),
            )
            for r in rows
        ],
    )
    return 0
