"""Supervision: what a supervisor watches and fixes, without a screen.

Dashboard figures, routing control, unrouted and failed e-mails, agents,
engine health and the review queue. :class:`Supervision` is the facade the
supervisor console calls.
"""

from engine.supervision.service import (
    Supervision,
    open_supervision,
    require_supervisor,
)

__all__ = ["Supervision", "open_supervision", "require_supervisor"]
