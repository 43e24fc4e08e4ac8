"""``micc serve`` (the engine) and ``micc test-connection`` (the tenant's mail server).

``micc serve`` runs as a service (docs/deploy/micc-serve.service): SIGTERM or
Ctrl-C stop it at the next safe point (between two transactions) and release
the engine lease at once; a second signal stops it right away (an open
transaction rolls back, the lease is still released). Logs are logfmt lines
on stderr (:mod:`micc_tui.cli.logs`).

Exit codes: 0 done or stopped; 1 with ``--once`` when a server failed, a
send failed and waits for a retry, or the sending server refused our login;
2 unusable config; 3 the lease was held by another process for
``--lease-wait`` seconds; 130 stopped by a second signal.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType
from typing import Any

from engine.adapters.errors import MailServerError
from engine.config import Config, SecretError
from engine.engine import Engine
from micc_tui.cli.common import add_json_flag, fail, load, print_json, safe_text
from micc_tui.cli.logs import LEVELS, config_secrets, setup_logging

log = logging.getLogger("micc.serve")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``serve`` and ``test-connection``."""
    serve = subparsers.add_parser(
        "serve",
        parents=[common],
        help="run the engine: read the master mailbox, route, send the outbox",
    )
    serve.add_argument(
        "--once", action="store_true", help="process what is pending (mail and outbox), then exit"
    )
    serve.add_argument(
        "--lease-wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up when another process holds the engine lease this long "
        "(default: wait; with --once: 30)",
    )
    serve.add_argument(
        "--log-level",
        choices=LEVELS,
        default="warning",
        dest="log_level",
        help="least severe log events written to stderr, one logfmt line each (default: warning)",
    )
    serve.add_argument(
        "-v",
        "--verbose",
        action="store_const",
        const="info",
        dest="log_level",
        help="same as --log-level info",
    )
    serve.set_defaults(handler=run_serve)
    test = subparsers.add_parser(
        "test-connection",
        parents=[common],
        help="check the incoming and outgoing server and explain what fails",
    )
    add_json_flag(test)
    test.set_defaults(handler=run_test_connection)


def run_serve(args: argparse.Namespace) -> int:
    """Run the engine until SIGTERM/Ctrl-C (or once). Exit codes: see the module."""
    config = load(args)
    setup_logging(args.log_level, sys.stderr, config_secrets(config))
    stop = threading.Event()
    signals: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Only flags here: the engine notices at its next safe point and logs it.
        signals.append(signum)
        if stop.is_set():
            raise KeyboardInterrupt  # a second signal: stop now
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            engine = Engine(config, stop=stop)
        except (SecretError, ValueError) as exc:
            fail(str(exc))
        wait = args.lease_wait if args.lease_wait is not None else (30.0 if args.once else None)
        log.info(
            "micc serve starting",
            extra={
                "config": str(config.source or ""),
                "store": str(config.store.path),
                "once": bool(args.once),
            },
        )
        try:
            code = engine.run(once=args.once, lease_wait=wait)
        except KeyboardInterrupt:
            log.warning("stopped at once by a second signal")
            return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if signals:
        log.info("micc serve stopped", extra={"signal": signal.Signals(signals[0]).name})
    if args.once:
        print(
            f"read {engine.totals.archived} new message(s) "
            f"({engine.totals.duplicates} already archived), "
            f"processed {engine.totals.processed}, sent {engine.sent}"
            + (f", {engine.send_retries} to retry" if engine.send_retries else "")
            + (f", {engine.send_failures} failed" if engine.send_failures else "")
            + (
                f"; {engine.login_refused} (replies kept in the outbox)"
                if engine.login_refused
                else ""
            )
            + _unreadable_words(engine.unreadable)
        )
    return code


def _unreadable_words(unreadable: dict[str, str]) -> str:
    """What ``--once`` says about messages the mail server would not give."""
    if not unreadable:
        return ""
    handles = sorted(unreadable, key=lambda h: (len(h), h))
    return (
        f"; {len(handles)} message(s) the mail server cannot give, left in the mailbox "
        f"and tried again at the next read ({', '.join(handles[:10])}: "
        f"{safe_text(unreadable[handles[0]])})"
    )


def run_test_connection(args: argparse.Namespace) -> int:
    """Check incoming and outgoing; print what was found; exit 1 when something fails."""
    config = load(args)
    if config.server.type == "graph":
        from engine.adapters.graph import check_connection

        report = check_connection(config)
        lines, ok = report.lines(), report.ok
        if args.json:
            print_json({"ok": ok, "lines": lines})
        else:
            print("\n".join(lines))
        return 0 if ok else 1
    results = [_check_incoming(config), _check_outgoing(config)]
    if args.json:
        print_json({"ok": all(r["ok"] for r in results), "checks": results})
    else:
        for result in results:
            mark = "ok  " if result["ok"] else "FAIL"
            print(f"{mark} {result['side']}: {result['summary']}")
            if result.get("capabilities"):
                print(f"     capabilities: {' '.join(result['capabilities'])}")
            for role, name in result.get("folders", {}).items():
                print(f"     {role}: {name}")
    return 0 if all(r["ok"] for r in results) else 1


def _check_incoming(config: Config) -> dict[str, Any]:
    from engine.adapters.imap import ImapSettings, ImapSource

    if config.server.outbound_only:
        return {
            "side": "incoming",
            "ok": True,
            "summary": "skipped: outbound_only = true (nothing is read)",
        }
    try:
        source = ImapSource(ImapSettings.from_config(config))
        source.connect()
    except (SecretError, MailServerError) as exc:
        return {"side": "incoming", "ok": False, "summary": str(exc)}
    try:
        status = source.describe()
        folders = dict(status.folders)
        policy = config.server.processed
        summary = status.summary
        ok = True
        if policy == "trash" and "trash" not in source.folders:
            ok, summary = (
                False,
                summary + "; processed = 'trash' but no Trash folder: set [server.imap] trash",
            )
        if policy == "archive":
            exists = any(f.name == config.server.archive_folder for f in source.folder_list)
            folders["archive folder"] = config.server.archive_folder + (
                "" if exists else " (missing: created at the first move)"
            )
        summary += f"; push: {'IDLE' if source.supports_push else 'polling'}"
        return {
            "side": "incoming",
            "ok": ok,
            "summary": summary,
            "capabilities": list(status.capabilities),
            "folders": folders,
        }
    finally:
        source.close()


def _check_outgoing(config: Config) -> dict[str, Any]:
    from engine.adapters.smtp import SmtpSender, SmtpSettings

    try:
        sender = SmtpSender(SmtpSettings.from_config(config))
        sender.connect()
    except (SecretError, MailServerError) as exc:
        return {"side": "outgoing", "ok": False, "summary": str(exc)}
    try:
        status = sender.describe()
        return {
            "side": "outgoing",
            "ok": True,
            "summary": status.summary,
            "capabilities": list(status.capabilities),
        }
    finally:
        sender.close()
