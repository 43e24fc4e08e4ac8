"""The supervisor console: live queues, routing, reviews, problems, agents, archive, health."""

from micc_tui.supervisor.app import SupervisorApp

__all__ = ["SupervisorApp"]
