"""The error the agent facade raises: a request a person made cannot be done."""

from __future__ import annotations


class ServiceError(Exception):
    """An agent's request cannot be done; the message says why, for a person."""
