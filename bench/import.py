"""Import throughput beside the bare parse rate of the same messages, in one run.

Usage: python bench/import.py [N]
The bare rate is what any importer must pay: ``message_from_bytes`` with
``policy.default`` plus subject, from, to and body extraction. The import rate
includes our parsing, routing, archiving (raw bytes + fields + FTS) and queueing.
"""

from __future__ import annotations

import email
import random
import sys
import tempfile
import time
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailgen import message

from engine.config import parse_config
from engine.importer import import_paths
from engine.store import Store
from micc_tui.cli.setup import skeleton


def bare_parse(raw: bytes) -> tuple[str, str, str, str]:
    msg = email.message_from_bytes(raw, policy=policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return str(msg["subject"]), str(msg["from"]), str(msg["to"]), text


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(7)
    messages = [message(n, rng) for n in range(count)]
    size = sum(len(m) for m in messages) / count
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mail"
        folder.mkdir()
        for n, raw in enumerate(messages):
            (folder / f"{n:06d}.eml").write_bytes(raw)
        config_text = (skeleton() / "micc.toml").read_text()
        config = parse_config(config_text, Path(tmp) / "micc.toml")

        start = time.perf_counter()
        for raw in messages:
            bare_parse(raw)
        bare = count / (time.perf_counter() - start)

        store = Store(config.store.path)
        start = time.perf_counter()
        report = import_paths(store, config, [folder])
        rate = count / (time.perf_counter() - start)
        assert report.archived == count, report
        store.close()

    print(f"messages: {count} (average {size / 1024:.1f} KB; plain, HTML, attachments)")
    print(f"bare parse (message_from_bytes + subject/from/to/body): {bare:,.0f} msg/s")
    print(f"micc import (parse, route, archive raw + fields + FTS, queue): {rate:,.0f} msg/s")
    print(f"ratio: {rate / bare:.0%} of the bare rate (goal >= 70%)")


if __name__ == "__main__":
    main()
