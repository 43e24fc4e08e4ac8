"""``micc demo`` with a console: the demo runs behind the agent's console."""

from __future__ import annotations

from micc_tui.demo.runner import DemoError, DemoOptions


def run_console(options: DemoOptions) -> int:
    """Run the demo and open the agent console until it is closed."""
    raise DemoError("the agent console is not part of this build yet; "
                    "run `micc demo --headless` to watch the demo in the terminal")
