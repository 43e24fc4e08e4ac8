"""The agent console: queues, the reading pane and the composer."""

from micc_tui.agent.app import AgentApp, run_agent_console
from micc_tui.agent.screen import AgentScreen

__all__ = ["AgentApp", "AgentScreen", "run_agent_console"]
