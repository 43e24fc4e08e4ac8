"""A stand-in for a console process: runs a StandbyEngine until SIGTERM.

Usage: ``python -m tests.standby_process CONFIG HOST`` where HOST is ``-`` for
this machine's name, or another name to pose as a console on another host
(then only the lease's expiry, not the pid check, tells it the holder died).
Logs go to stderr as logfmt lines at info.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading


def main() -> int:
    """Stand by until SIGTERM; print how often this process ran the engine."""
    config_path, host = sys.argv[1], sys.argv[2]
    if host != "-":
        socket.gethostname = lambda: host  # read by each Lease when it is made
    from engine.config import load_config
    from engine.standby import StandbyEngine
    from micc_tui.cli.logs import setup_logging

    setup_logging("info", sys.stderr)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: done.set())
    standby = StandbyEngine(load_config(config_path))
    standby.start()
    print("standing by", flush=True)
    done.wait()
    standby.stop(timeout=10)
    print(f"takeovers={standby.takeovers} disabled={standby.disabled!r}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
