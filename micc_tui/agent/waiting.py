"""Waiting for the customer: the reminder prompt the desk (``p``) and the composer (F9) share."""

from __future__ import annotations

from datetime import timedelta

from engine import dates
from engine.service import ContactCenter
from micc_tui.agent.dialogs import TextPrompt


def reminder_prompt(center: ContactCenter) -> TextPrompt:
    """Ask when to be reminded: a typed date and time, or one of the usual choices."""
    example = dates.date_time(center.clock() + timedelta(days=1))
    return TextPrompt(
        "Wait for the customer: remind you when?",
        f"A date and time ({example}), or ↓ to pick",
        suggestions=dates.REMINDER_CHOICES,
    )


def send_and_wait_refusal(kind: str, review: bool) -> str:
    """Why this e-mail cannot be sent to wait for the customer ('' when it can)."""
    if kind not in ("reply", "reply_all"):
        return "Only a reply waits for the customer (F9); Ctrl+S sends this one."
    if review:
        return "Replies of this group go to review first: Ctrl+S, then p once it is answered."
    return ""


__all__ = ["reminder_prompt", "send_and_wait_refusal"]
