"""The agent console as an application: ``micc agent --agent ID``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from engine import dates
from engine.errors import MiccError
from engine.service import AgentState, ContactCenter
from micc_tui import heap
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.offers import ACCEPT_KEY, REJECT_KEY, OfferAccepted, WatchesOffers
from micc_tui.agent.quit_prompt import QuitChoice, QuitPrompt
from micc_tui.agent.screen import AgentScreen
from micc_tui.terminal import draw_on_terminal
from micc_tui.widgets.focus_keys import FOCUS_KEYS
from micc_tui.workers import ShowsWorkerFailures


class AgentApp(App[None], WatchesOffers, ShowsWorkerFailures):
    """One agent's console on the shared store; a failing worker becomes a notification.

    An e-mail the engine offers the agent shows as a banner on the desk and
    in the composer (:mod:`micc_tui.agent.offers`); F5 accepts it and F6
    rejects it from any screen.

    Args:
        center: the engine facade for the agent (the app closes it on exit).
        poll_seconds: how often to look for changes made by others.
        state: the agent's state when the console opens (Available, or Away).
    """

    CSS_PATH = "agent.tcss"
    TITLE = "micc agent"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        *FOCUS_KEYS,
        # Priority: ahead of the composer's text area (which binds F6 itself).
        Binding(ACCEPT_KEY, "accept_offer", "Accept offer", show=False, priority=True),
        Binding(REJECT_KEY, "reject_offer", "Reject offer", show=False, priority=True),
    ]

    def __init__(
        self,
        center: ContactCenter,
        *,
        poll_seconds: float = 0.75,
        state: AgentState = "available",
    ) -> None:
        super().__init__()
        self.center = center
        dates.use_locale(center.config.locale)
        self.poll_seconds = poll_seconds
        self.start_state: AgentState = state
        self.sub_title = center.agent.name

    def on_mount(self) -> None:
        self.push_screen(
            AgentScreen(self.center, poll_seconds=self.poll_seconds, state=self.start_state)
        )
        self.set_timer(heap.SETTLE_SECONDS, heap.settle)
        self.watch_offers()

    def on_offer_accepted(self, message: OfferAccepted) -> None:
        """In the agent's hand: the desk selects it; said on whatever screen is on top."""
        item = message.item
        self.notify(f"Accepted: e-mail {item.id} is in your hand.", markup=False)
        for screen in self.screen_stack:
            if isinstance(screen, AgentScreen):
                screen.offer_accepted(item)

    def goodbye_state(self) -> AgentState | None:
        """The state recorded when the console closes (None: leave the agent's as it is)."""
        return "offline"

    async def state_written(self) -> None:
        """Wait until an Available/Away key pressed just before closing has been recorded.

        Without it a quick ``s`` then quit (or F2 in the demo) could be lost, or
        land after the goodbye state and leave a closed console counted as away.
        """
        pending = [worker for worker in self.workers if worker.group == "state"]
        if pending:
            await self.workers.wait_for_complete(pending)

    async def action_quit(self) -> None:
        """Ctrl+Q: close the console; with e-mails in hand or one being written, ask first."""
        await self.state_written()
        sending = [worker for worker in self.workers if worker.group == "send"]
        if sending:  # Ctrl+S then Ctrl+Q: the e-mail is on its way, let it close
            await self.workers.wait_for_complete(sending)
            await asyncio.sleep(0)
        writing = [screen for screen in self.screen_stack if isinstance(screen, ComposerScreen)]
        try:
            in_hand = len(await asyncio.to_thread(self.center.in_hand))
        except Exception:  # the store cannot say: still let the agent leave, after asking
            in_hand = 0
        if not in_hand and not writing:
            self.exit()
            return
        if any(isinstance(screen, QuitPrompt) for screen in self.screen_stack):
            return  # asked already
        replying = any(screen.draft.conversation_id is not None for screen in writing)
        self.push_screen(
            QuitPrompt(in_hand, writing=bool(writing), replying=replying), self._quit_answered
        )

    async def _quit_answered(self, choice: QuitChoice | None) -> None:
        if choice is None:
            return  # Escape: the agent stays
        for screen in self.screen_stack:
            if isinstance(screen, ComposerScreen):
                await screen.keep_now()  # before putting back: that drops a reply's draft
        if choice == "back":
            refused = await asyncio.to_thread(self._put_all_back)
            if refused:
                self.notify(
                    f"{refused} e-mail(s) could not be put back (someone else moved them).",
                    severity="warning",
                )
        self.exit()

    def _put_all_back(self) -> int:
        """Put every e-mail in hand back in its queue; how many could not be."""
        refused = 0
        for item in self.center.in_hand():
            try:
                self.center.put_back(item.id)
            except MiccError:
                refused += 1
        return refused

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, AgentScreen):
            for title, help_text, action in (
                ("Take next e-mail", "Take the oldest waiting e-mail", screen.action_take_next),
                ("Available / Away", "Switch your state", screen.action_toggle_state),
                (
                    "New e-mail",
                    "Write a new e-mail from a group with an address",
                    screen.action_new_email,
                ),
                (
                    "Show e-mails in hand",
                    "Your taken e-mails",
                    lambda: screen.action_view("in-hand"),
                ),
                ("Show all my groups", "Every queue you serve", lambda: screen.action_view("all")),
                ("Keys", "Show every key", screen.action_help),
            ):
                yield SystemCommand(title, help_text, action)

    def on_unmount(self) -> None:
        # Offline, not away: supervisors count a closed console as logged out at once
        # instead of after its heartbeat ages (engine.supervision.dashboard).
        try:
            state = self.goodbye_state()
            if state is not None:
                self.center.set_state(state)
        finally:
            self.center.close()


def run_agent_console(center: ContactCenter) -> None:
    """Run the console in this terminal until the agent quits."""
    with draw_on_terminal():
        AgentApp(center).run()
