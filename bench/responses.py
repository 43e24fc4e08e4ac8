"""Benchmark: parse a response file of 2,000 responses (goal: at most 50 ms).

Run ``python bench/responses.py``. The file is generated: 10 top-level
categories, 10 sub-categories each, 20 responses in each sub-category, every
response with a shortcut and a few lines of body holding identifiers; one in
ten is an HTML block. Prints the median and best of several runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.responses import parse_bytes

RESPONSES = 2_000
GOAL_MS = 50.0


def generate(responses: int = RESPONSES) -> bytes:
    """A realistic response file with ``responses`` responses, as UTF-8 bytes."""
    lines: list[str] = []
    per_sub, subs = 20, 10
    tops = -(-responses // (per_sub * subs))
    count = 0
    for top in range(tops):
        lines.append(f"# Category {top} – Übersicht")
        for sub in range(subs):
            lines += ["", f"## Topic {top}.{sub}"]
            for item in range(per_sub):
                if count == responses:
                    break
                count += 1
                lines += ["", f"### Response {top}.{sub}.{item}", f"shortcut: r{count}"]
                if count % 10 == 0:
                    lines += [
                        "```html",
                        "<p>Dear $From.Name$,</p>",
                        "<p>thank you for your e-mail about <em>$Subject$</em>.</p>",
                        "```",
                    ]
                else:
                    lines += [
                        "Dear $From.Name$,",
                        "",
                        "thank you for your e-mail about $Subject$. We have looked into it",
                        "and will reply within one business day. Kind regards, $Agent.FirstName$",
                    ]
    return ("\n".join(lines) + "\n").encode()


def main() -> int:
    """Print the timing; exit 1 when the median misses the goal."""
    data = generate()
    result = parse_bytes(data)
    assert result.ok and len(result.tree) == RESPONSES, result.problems[:3]
    runs = []
    for _ in range(15):
        start = time.perf_counter()
        parse_bytes(data)
        runs.append((time.perf_counter() - start) * 1000)
    median, best = statistics.median(runs), min(runs)
    line_count = data.count(b"\n")
    print(
        f"responses: parsed {RESPONSES} responses ({len(data) / 1024:.0f} KiB, "
        f"{line_count} lines): median {median:.1f} ms, best {best:.1f} ms "
        f"(goal <= {GOAL_MS:.0f} ms)"
    )
    return 0 if median <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
