"""An e-mail offered to the agent: the banner, its countdown, accepting and rejecting.

The engine offers each queued e-mail of an ``offer`` group to one agent
(:mod:`engine.distribution`). The console looks for its agent's offer about
every quarter of a second, in a short thread worker; when one appears, every
screen that holds an :class:`OfferBanner` (the desk, the composer) shows it,
with the seconds left until it goes to the next agent. The banner takes no
focus: an agent typing a reply keeps typing.

:data:`ACCEPT_KEY` and :data:`REJECT_KEY` work everywhere (the App binds
them, ahead of the focused widget); on the desk Enter accepts too. Accepting
puts the e-mail in the agent's hand; rejecting asks why first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from engine.distribution import Offer
from engine.queue import QueueItem
from micc_tui.widgets.safe import one_line
from micc_tui.workers import ReportsWorkerFailures

if TYPE_CHECKING:
    from engine.service import ContactCenter

#: Seconds between two looks for an offer (and two redraws of its countdown).
LOOK_SECONDS = 0.25
#: Accept the offer shown, from any screen (the composer too).
ACCEPT_KEY = "f5"
#: Reject it, with a reason.
REJECT_KEY = "f6"
#: Seconds left below which the countdown is drawn as a warning.
HURRY_SECONDS = 5
#: The fewest cells a long subject is cut to, to leave room for the sender.
SUBJECT_CELLS = 24
#: The longest subject the "why reject?" question quotes whole.
TITLE_SUBJECT_CELLS = 36
#: Reasons offered when rejecting (the agent may write another).
REJECT_REASONS = ("Not my subject", "Busy with a customer", "A colleague knows this customer")


@dataclass(frozen=True)
class OfferView:
    """What the banner shows of an offer (e-mail text as it came: made safe when drawn)."""

    conversation_id: int
    subject: str
    sender: str
    group: str
    priority: int
    expires: datetime

    @property
    def key(self) -> tuple[int, str]:
        """Tells one offer from another (the same e-mail offered again has a new deadline)."""
        return self.conversation_id, self.expires.isoformat()

    @classmethod
    def of(cls, offer: Offer, item: QueueItem) -> OfferView:
        """The view of ``offer`` of ``item``."""
        sender = f"{item.from_name} <{item.from_address}>" if item.from_name else item.from_address
        return cls(
            offer.conversation_id,
            item.subject,
            sender,
            offer.service_group,
            item.priority,
            datetime.fromisoformat(offer.expires),
        )

    def seconds_left(self, now: datetime | None = None) -> int:
        """Whole seconds until the offer goes to the next agent (never below 0)."""
        left = (self.expires - (now or datetime.now(UTC))).total_seconds()
        return max(0, int(left + 0.999))


class OfferBanner(Static, can_focus=False):
    """The offer shown across the top of a screen: subject, from, group, priority, seconds left.

    Args:
        on_desk: on the desk, Enter accepts too (in the composer it is a new line).
    """

    def __init__(self, *, on_desk: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.on_desk = on_desk
        self._drawn: tuple[tuple[int, str], int] | None = None

    def on_mount(self) -> None:
        offers = getattr(self.app, "offer_shown", None)
        self.show(offers if isinstance(offers, OfferView) else None)

    def show(self, offer: OfferView | None, now: datetime | None = None) -> None:
        """Draw ``offer`` (None: hide the banner); only redrawn when what it says changes."""
        if offer is None:
            self._drawn = None
            self.remove_class("-shown")
            return
        left = offer.seconds_left(now)
        if self._drawn == (offer.key, left):
            return
        self._drawn = (offer.key, left)
        width = self.content_size.width or self.app.size.width - 2
        self.update(banner_text(offer, left, on_desk=self.on_desk, width=width))
        self.set_class(left <= HURRY_SECONDS, "-hurry")
        self.add_class("-shown")


def banner_text(offer: OfferView, left: int, *, on_desk: bool, width: int = 0) -> Content:
    """The banner's two lines: group, priority, time left and keys; then subject and sender.

    With ``width`` (the banner's, in cells) a long subject is cut so that the
    sender still shows.
    """
    keys = "Enter/F5 accept" if on_desk else "F5 accept"
    first = Content.assemble(
        ("Offered to you", "bold"),
        f": {one_line(offer.group)} · priority {offer.priority} · ",
        (f"{left} s left", "bold"),
        "   ",
        (keys, "bold"),
        " · ",
        ("F6 reject", "bold"),
    )
    subject = one_line(offer.subject) or "(no subject)"
    sender = f"  ·  from {one_line(offer.sender)}"
    room = max(SUBJECT_CELLS, width - len(sender))
    if width and len(subject) > room:
        subject = subject[: room - 1].rstrip() + "…"
    return Content("\n").join([first, Content(subject + sender)])


class OfferSeen(Message):
    """The agent's offer changed (appeared, went, or was made again): ``offer`` or None."""

    def __init__(self, offer: OfferView | None) -> None:
        self.offer = offer
        super().__init__()


class OfferAccepted(Message):
    """The agent accepted the offer: ``item`` is in their hand."""

    def __init__(self, item: QueueItem) -> None:
        self.item = item
        super().__init__()


class OfferRejected(Message):
    """The agent turned the offer down."""

    def __init__(self, offer: OfferView) -> None:
        self.offer = offer
        super().__init__()


class WatchesOffers(ReportsWorkerFailures):
    """Mix into the agent's App (after ``App``): looks for offers, shows them, answers them.

    The App binds :data:`ACCEPT_KEY` and :data:`REJECT_KEY` to ``accept_offer``
    and ``reject_offer`` with priority, so they reach it from any screen.
    """

    center: ContactCenter
    #: The offer the banners show, if any.
    offer_shown: OfferView | None = None
    #: The "why reject?" question is open.
    _asking_why = False

    def watch_offers(self) -> None:
        """Start looking for offers (call once, when the App is mounted)."""
        self._app.set_interval(LOOK_SECONDS, self._look)

    @property
    def _app(self) -> App[Any]:
        assert isinstance(self, App)
        return self

    def _look(self) -> None:
        shown = self.offer_shown
        if shown is not None:
            self._draw_banners()  # the countdown
        self.look_for_offer(shown.key if shown is not None else None)

    @work(
        thread=True,
        exclusive=True,
        group="offer",
        exit_on_error=False,
        description="look_for_offer",
    )
    def look_for_offer(self, shown: tuple[int, str] | None) -> None:
        """Read the agent's offer; tell the App only when it is not the one ``shown``."""
        found = self.center.offer()
        offer = OfferView.of(*found) if found is not None else None
        if (offer.key if offer is not None else None) != shown:
            self._app.post_message(OfferSeen(offer))

    def on_offer_seen(self, message: OfferSeen) -> None:
        self.offer_shown = message.offer
        self._draw_banners()

    def _draw_banners(self) -> None:
        """Every screen's banner shows the offer (modal screens let the one below show)."""
        now = datetime.now(UTC)
        for screen in self._app.screen_stack:
            for banner in screen.query(OfferBanner):
                banner.show(self.offer_shown, now)

    # -- answering ------------------------------------------------------------------

    def action_accept_offer(self) -> None:
        """Accept the e-mail offered: it goes in the agent's hand."""
        offer = self.offer_shown
        if offer is None:
            self._app.notify("No e-mail is offered to you.", severity="warning")
            return
        self.accept(offer.conversation_id)

    @work(thread=True, group="offer-answer", exit_on_error=False, description="accept_offer")
    def accept(self, conversation_id: int) -> None:
        """Accept the offer of ``conversation_id`` (refused if it expired or was withdrawn)."""
        item = self.center.accept_offer(conversation_id)
        self._app.post_message(OfferAccepted(item))

    def action_reject_offer(self) -> None:
        """Ask why, then turn the offer down: it goes to the next agent."""
        from micc_tui.agent.dialogs import TextPrompt

        offer = self.offer_shown
        if offer is None:
            self._app.notify("No e-mail is offered to you.", severity="warning")
            return
        if self._asking_why:
            return  # the question is on screen already
        self._asking_why = True

        def answered(reason: str | None) -> None:
            self._asking_why = False
            if reason:
                self.reject(offer, reason)

        subject = one_line(offer.subject) or "(no subject)"
        if len(subject) > TITLE_SUBJECT_CELLS:  # the question stays on the dialog's line
            subject = subject[: TITLE_SUBJECT_CELLS - 1].rstrip() + "…"
        self._app.push_screen(
            TextPrompt(
                f"Reject “{subject}”: why?",
                "Reason, or ↓ to pick one below",
                suggestions=REJECT_REASONS,
            ),
            answered,
        )

    @work(thread=True, group="offer-answer", exit_on_error=False, description="reject_offer")
    def reject(self, offer: OfferView, reason: str) -> None:
        """Turn ``offer`` down for ``reason`` (refused if it is gone meanwhile)."""
        self.center.reject_offer(offer.conversation_id, reason)
        self._app.post_message(OfferRejected(offer))

    def on_offer_rejected(self, message: OfferRejected) -> None:
        subject = one_line(message.offer.subject) or "(no subject)"
        self._app.notify(f"Rejected: {subject} goes to the next agent.", markup=False)
        self._forget(message.offer)

    def on_offer_accepted(self, message: OfferAccepted) -> None:
        self._forget_id(message.item.id)

    def _forget(self, offer: OfferView) -> None:
        self._forget_id(offer.conversation_id)

    def _forget_id(self, conversation_id: int) -> None:
        """The answered offer leaves the banners at once, not at the next look."""
        if self.offer_shown is not None and self.offer_shown.conversation_id == conversation_id:
            self.offer_shown = None
            self._draw_banners()

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """An answer was refused (the offer expired or went elsewhere): look again now."""
        if worker.group == "offer-answer":
            self.offer_shown = None
            self._draw_banners()
            self.look_for_offer(None)


__all__ = [
    "ACCEPT_KEY",
    "LOOK_SECONDS",
    "REJECT_KEY",
    "REJECT_REASONS",
    "OfferAccepted",
    "OfferBanner",
    "OfferSeen",
    "OfferView",
    "WatchesOffers",
    "banner_text",
]
