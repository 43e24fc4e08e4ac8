"""``micc demo`` with a console: the demo runs behind the agent's console.

The agent console and the supervisor console are separate Textual apps; the
demo subclasses each with one more key (F2) that closes it and opens the
other on the same store, while the servers, the engine and the generator
keep running. Quitting either console ends the demo.

What the demo does in the background goes to ``demo.log`` in the workspace:
the terminal belongs to the console.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from engine.config import Config
from engine.errors import Refused
from engine.service import AgentState, open_contact_center
from micc_tui.agent import app as agent_app_module
from micc_tui.agent.app import AgentApp
from micc_tui.agent.screen import HEARTBEAT_SECONDS, AgentScreen
from micc_tui.demo.runner import Demo, DemoError, DemoOptions
from micc_tui.terminal import draw_on_terminal

Console = Literal["agent", "supervisor"]
LOG_NAME = "demo.log"
SWITCH_KEY = "f2"


class _LogFile:
    """Thread-safe line log; keeps lines until the workspace exists."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._early: list[str] = []
        self._file: Path | None = None

    def open(self, path: Path) -> None:
        with self._lock:
            self._file = path
            self._write(self._early)
            self._early = []

    def __call__(self, line: str) -> None:
        with self._lock:
            if self._file is None:
                self._early.append(line)
            else:
                self._write([line])

    def _write(self, lines: list[str]) -> None:
        assert self._file is not None
        with self._file.open("a", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines)


class DemoAgentApp(AgentApp):
    """The agent console, plus F2 to the supervisor console when there is one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(SWITCH_KEY, "switch_console", "Supervisor"),
    ]
    # Textual reads a relative CSS_PATH next to the subclass's module: point at the original.
    CSS_PATH = str(Path(agent_app_module.__file__).with_name(AgentApp.CSS_PATH))

    def __init__(
        self, *args: object, supervisor: str | None, rate: float, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.switch_to: Console | None = None
        self._supervisor = supervisor
        self._rate = rate
        self.title = "micc demo"

    def on_mount(self) -> None:
        # Textual calls AgentApp.on_mount too (handlers run along the MRO).
        hint = f"Customer e-mails arrive every {self._rate:g} s."
        if self._supervisor:
            hint += f" {SWITCH_KEY.upper()}: supervisor console ({self._supervisor})."
        self.notify(hint, title="micc demo", timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_console":
            return self._supervisor is not None
        return super().check_action(action, parameters)

    async def action_switch_console(self) -> None:
        """Close this console and open the supervisor's (not while writing an e-mail)."""
        if not isinstance(self.screen, AgentScreen):
            self.notify("Send or close the e-mail first.", severity="warning")
            return
        await self.state_written()
        self.switch_to = "supervisor"
        self.exit()

    def goodbye_state(self) -> AgentState | None:
        """Switching consoles is not logging out: the agent's state stays as it is."""
        return None if self.switch_to is not None else super().goodbye_state()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self._supervisor is not None:
            yield SystemCommand(
                "Supervisor console",
                f"Switch to {self._supervisor}'s supervisor console",
                self.action_switch_console,
            )


def supervisor_app(config: Config, supervisor: str) -> tuple[App[None], object]:
    """The supervisor console with F2 back to the agent's, and its facade to close."""
    from engine import dates
    from engine.supervision import open_supervision
    from micc_tui.supervisor import SupervisorApp

    dates.use_locale(config.locale)

    class DemoSupervisorApp(SupervisorApp):
        BINDINGS: ClassVar[list[BindingType]] = [
            Binding(SWITCH_KEY, "switch_console", "Agent console"),
        ]

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.switch_to: Console | None = None
            self.title = "micc demo"

        def action_switch_console(self) -> None:
            self.switch_to = "agent"
            self.exit()

        def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
            yield from super().get_system_commands(screen)
            yield SystemCommand(
                "Agent console", "Switch back to the agent console", self.action_switch_console
            )

    supervision = open_supervision(config, supervisor)
    return DemoSupervisorApp(supervision), supervision


def pick_supervisor(config: Config, agent: str) -> str | None:
    """The supervisor whose console F2 opens: the agent if a supervisor, else the first."""
    chosen = config.find_agent(agent)
    if chosen is not None and chosen.role == "supervisor":
        return chosen.id
    return next((a.id for a in config.agent if a.role == "supervisor"), None)


def _supervisor_console_available() -> bool:
    try:
        import micc_tui.supervisor  # noqa: F401
    except ImportError:
        return False
    return True


class _Hangup:
    """SIGHUP (the terminal or SSH connection went away) and SIGTERM end the demo cleanly.

    The console shown is asked to quit, so the demo's ``with`` block stops
    the servers and removes the temporary workspace (secrets included). If
    the console cannot quit within a few seconds (its terminal is gone), the
    demo is stopped from a watchdog thread and the process exits.
    """

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.app: App[None] | None = None
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Hangup:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGHUP, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._received)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _received(self, signum: int, frame: object) -> None:
        self.signum = signum
        threading.Thread(target=self._watchdog, name="micc-demo-hangup", daemon=True).start()
        if self.app is not None:
            self.app.exit(return_code=128 + signum)

    def _watchdog(self) -> None:
        time.sleep(_HANGUP_GRACE_S)
        self.demo.stop()
        os._exit(128 + (self.signum or signal.SIGTERM))


def _state_of(config: Config, agent: str) -> AgentState:
    """The agent's state as their console left it (Available or Away)."""
    center = open_contact_center(config, agent)
    try:
        return center.state()
    finally:
        center.close()


class _Heartbeat:
    """While the supervisor console shows, the hidden agent console's heartbeat goes on."""

    def __init__(self, config: Config, agent: str) -> None:
        self.config = config
        self.agent = agent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="micc-demo-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        center = open_contact_center(self.config, self.agent)
        try:
            while not self._stop.is_set():
                center.heartbeat()
                self._stop.wait(HEARTBEAT_SECONDS)
        finally:
            center.close()


#: Seconds a console has to quit after SIGHUP or SIGTERM before the demo is stopped anyway.
_HANGUP_GRACE_S = 5.0


def run_console(options: DemoOptions) -> int:
    """Run the demo and the agent console (F2: supervisor console) until one is quit."""
    log = _LogFile()
    with Demo(options, log) as demo, _Hangup(demo) as hangup, draw_on_terminal():
        assert demo.config is not None and demo.folder is not None
        log.open(demo.folder / LOG_NAME)
        config = demo.config
        supervisor = pick_supervisor(config, options.agent)
        if not _supervisor_console_available():
            supervisor = None
        console: Console | None = "agent"
        state: AgentState = "available"
        while console is not None and hangup.signum is None:
            if console == "agent":
                try:
                    center = open_contact_center(config, options.agent)
                except Refused as exc:
                    raise DemoError(str(exc)) from exc
                agent_app = DemoAgentApp(
                    center, supervisor=supervisor, rate=options.rate, state=state
                )
                hangup.app = agent_app
                agent_app.run()
                console = agent_app.switch_to
                if console is not None:
                    state = _state_of(config, options.agent)
            else:
                assert supervisor is not None
                app, supervision = supervisor_app(config, supervisor)
                hangup.app = app
                # The agent's console is only hidden: keep them logged in meanwhile.
                with _Heartbeat(config, options.agent):
                    try:
                        app.run()
                    finally:
                        close = getattr(supervision, "close", None)
                        if close is not None:
                            close()
                console = getattr(app, "switch_to", None)
            hangup.app = None
        if hangup.signum is not None:
            log(f"stopped by {signal.Signals(hangup.signum).name}")
    return 0 if hangup.signum is None else 128 + hangup.signum
