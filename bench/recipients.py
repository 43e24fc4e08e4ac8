"""Parse time of a message with 100,000 recipients (issue 14, item 6).

Usage: python bench/recipients.py [N]

Prints, measured in the same run on the same message (``tests/hostile_mail.py``
``many_recipients``: N recipients in To, folded one a line, every third with a
quoted display name, and 1,000 of them again in Cc in upper case):

- ``parse_message`` (the whole parse: headers, addresses, de-duplication,
  body, the final clean-up);
- the stdlib alone: ``email.message_from_bytes`` (compat32), and
  ``email.utils.getaddresses`` on the To and Cc values (what the parser used
  before for every list);
- the old de-duplication (``address.lower() not in (r.lower() for r in
  recipients)``) on the first 5,000 and 10,000 addresses: it is quadratic, so
  100,000 would take hours; the two sizes show the growth.

Each figure is the best of three runs.
"""

from __future__ import annotations

import email
import email.utils
import sys
import time
from collections.abc import Callable
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.mail.parse import parse_message
from tests.hostile_mail import many_recipients


def best(action: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def old_dedupe(addresses: list[str]) -> list[str]:
    recipients: list[str] = []
    for address in addresses:
        if address and address.lower() not in (r.lower() for r in recipients):
            recipients.append(address)
    return recipients


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    raw = many_recipients(count)
    parsed = parse_message(raw)
    assert len(parsed.recipients) == count, len(parsed.recipients)
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    values = [str(msg["to"]), str(msg["cc"])]
    addresses = [a for _, a in email.utils.getaddresses(values)]

    ours = best(lambda: parse_message(raw))
    stdlib_parse = best(lambda: email.message_from_bytes(raw, policy=policy.compat32))
    stdlib_addresses = best(lambda: email.utils.getaddresses(values))
    old = {n: best(lambda n=n: old_dedupe(addresses[:n]), runs=1) for n in (5_000, 10_000)}

    print(f"message: {count:,} recipients ({len(raw) / 1e6:.1f} MB), 1,000 duplicates in Cc")
    print(f"parse_message (whole parse): {ours:.3f} s")
    print(f"stdlib message_from_bytes alone: {stdlib_parse:.3f} s")
    print(f"stdlib getaddresses alone (To + Cc): {stdlib_addresses:.3f} s")
    for n, seconds in old.items():
        print(f"old de-duplication alone, first {n:,} addresses: {seconds:.3f} s")


if __name__ == "__main__":
    main()
