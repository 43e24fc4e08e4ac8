"""Realistic ~5 KB test messages for benchmarks: plain, HTML, with attachments."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

RECIPIENTS = (
    "Solidus.Sales.Retail@seclab.com",
    "Solidus.Sales.Commercial@seclab.com",
    "Solidus.Support@seclab.com",
    "Solidus.Support+priority@seclab.com",
    "Solidus.Marketing@seclab.com",
    "unknown.desk@seclab.com",
)
WORDS = [
    "order",
    "invoice",
    "delivery",
    "account",
    "password",
    "refund",
    "shipment",
    "contract",
    "price",
    "offer",
    "question",
    "problem",
    "screen",
    "login",
    "update",
    "payment",
    "receipt",
    "warranty",
]


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def message(n: int, rng: random.Random, size: int = 5000) -> bytes:
    """Message number ``n``: kind and recipient vary with n."""
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <customer{n}@example.org>"
    to = RECIPIENTS[n % len(RECIPIENTS)]
    if n % 7 == 3:
        msg["To"] = f"someone{n}@example.org"
        msg["Cc"] = to
    else:
        msg["To"] = to
    msg["Subject"] = f"Order ORD-{n:06d}: {rng.choice(WORDS)}"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg["Date"] = format_datetime(datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n))
    body = "\n\n".join(paragraph(rng, 40) for _ in range(size // 420))
    kind = n % 3
    if kind == 0:
        msg.set_content(body)
    elif kind == 1:
        msg.set_content(body)
        html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
        msg.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    else:
        msg.set_content(body[: size // 2])
        msg.add_attachment(
            rng.randbytes(size // 3),
            maintype="application",
            subtype="octet-stream",
            filename=f"scan-{n}.bin",
        )
    return msg.as_bytes().replace(b"\n", b"\r\n")
