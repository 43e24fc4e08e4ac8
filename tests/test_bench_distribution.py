"""``python bench/distribution.py`` runs, at a very small size; the figures are read by hand.

Two agent consoles (each its own process, as in the bench) are offered three
e-mails and see each on their screen; the distributor's passes run at 20
agents in 4 groups. No time is asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_distribution_bench_runs_small() -> None:
    small = "--consoles 2 --emails 3 --gap 0.1 --agents 20 --groups 4 --queued 200 --singles 10"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "distribution.py"), *small.split()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("| the engine's `offered` event | 3 |") for line in lines)
    assert any(
        line.startswith("| the offer on the agent's screen, console process | 3 |")
        for line in lines
    )
    assert any(line.startswith("| one agent free") and "| 10 |" in line for line in lines)
