"""The facade the supervisor console calls: everything a supervisor sees and does.

Like the agent's :class:`engine.service.ContactCenter`, every method blocks
(SQLite) and is meant for a worker thread; each thread gets its own
:class:`Store`, opened on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from engine import access, archive, audit, distribution, lifecycle, notes, outbox, queue
from engine.archive import ArchivedMessage
from engine.audit import Event
from engine.config import AgentConfig, Config
from engine.errors import Refused
from engine.notes import Note
from engine.router import Overlap
from engine.store import Store
from engine.store.conversations import ANYONE
from engine.store.threads import ThreadStores
from engine.supervision import agents as agents_view
from engine.supervision import dashboard as figures
from engine.supervision import health as health_view
from engine.supervision import problems as problem_view
from engine.supervision import review as review_view
from engine.supervision import routing as routing_view

StoreFactory = Callable[[], Store]


class Supervision:
    """What one supervisor can see and do. Thread-safe: each thread gets its own store.

    Args:
        config: the tenant.
        supervisor_id: an agent of the config whose role is ``supervisor``.
        open_store: opens a new :class:`Store` on the config's file.
        clock: the current time (tests and snapshots pass a fixed one).

    Raises:
        Refused: the id is unknown or not a supervisor.
    """

    def __init__(
        self,
        config: Config,
        supervisor_id: str,
        open_store: StoreFactory,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.supervisor: AgentConfig = require_supervisor(config, supervisor_id)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._stores = ThreadStores(open_store)

    @property
    def store(self) -> Store:
        """This thread's store, opened on first use."""
        return self._stores.get()

    def close(self) -> None:
        """Close every store this facade opened (call once, at exit)."""
        self._stores.close()

    # -- dashboard ----------------------------------------------------------------

    def change_stamp(self) -> tuple[object, ...]:
        """Cheap: differs whenever the figures may have changed."""
        return figures.change_stamp(self.store)

    def dashboard(self) -> figures.Dashboard:
        """Per-group figures and arrivals, now."""
        return figures.dashboard(self.store, self.config, self.clock())

    # -- routing ------------------------------------------------------------------

    def accesses(self) -> list[access.AccessState]:
        """Every service access, active ones first in activation order."""
        return access.access_states(self.store, self.config)

    def activate(self, name: str) -> bool:
        """Activate a service access (it goes last in order); False if already active."""
        return access.activate(self.store, self.config, name)

    def deactivate(self, name: str) -> bool:
        """Deactivate a service access; False if it was not active."""
        return access.deactivate(self.store, self.config, name)

    def overlaps(self) -> list[Overlap]:
        """Service accesses whose patterns can match one address."""
        return routing_view.overlap_warnings(self.config)

    def try_address(self, address: str) -> routing_view.AddressTest:
        """Who would receive an e-mail sent to ``address`` now."""
        return routing_view.try_address(self.store, self.config, address)

    # -- review queue -------------------------------------------------------------

    def reviews(self) -> list[review_view.ReviewItem]:
        """Replies waiting for a supervisor, oldest first, with what they answer."""
        return review_view.review_items(self.store)

    def approve(self, outbox_id: int) -> None:
        """Approve a reply: the engine sends it.

        Raises:
            ConversationMoved: the conversation moved on (the customer wrote again).
            OutboxMoved: another supervisor decided first.
        """
        review_view.approve(self.store, self.supervisor.id, outbox_id)

    def reject(self, outbox_id: int, comment: str) -> None:
        """Send a reply back to its agent with a comment."""
        review_view.reject(self.store, self.supervisor.id, outbox_id, comment)

    def edit_and_approve(self, outbox_id: int, body: str) -> None:
        """Replace a reply's text, then approve it."""
        review_view.edit_and_approve(self.store, self.supervisor.id, outbox_id, body)

    # -- unrouted and failed ------------------------------------------------------

    def problems(self) -> list[problem_view.Problem]:
        """Unrouted and failed e-mails, then failed sends, oldest first."""
        return problem_view.problem_items(self.store)

    def assign(self, conversation_id: int, group: str) -> None:
        """Queue a problem e-mail for a service group."""
        problem_view.assign(self.store, self.config, self.supervisor.id, conversation_id, group)

    def retry(self, problem: problem_view.Problem) -> str:
        """Route an incoming problem e-mail again, or send a failed reply again; in words."""
        if problem.outbox_id is not None:
            problem_view.retry_send(self.store, self.supervisor.id, problem.outbox_id)
            return "sent again now"
        assert problem.conversation_id is not None
        return problem_view.retry(
            self.store, self.config, self.supervisor.id, problem.conversation_id
        ).summary

    def discard(self, problem: problem_view.Problem, reason: str) -> None:
        """Close a problem e-mail or give up a failed reply, with a reason (kept archived)."""
        if problem.outbox_id is not None:
            problem_view.discard_send(self.store, self.supervisor.id, problem.outbox_id, reason)
            return
        assert problem.conversation_id is not None
        problem_view.discard(self.store, self.supervisor.id, problem.conversation_id, reason)

    # -- agents -------------------------------------------------------------------

    def agents(self) -> list[agents_view.AgentRow]:
        """Every agent with their state, e-mails in hand, capacity, offer and handled today."""
        return agents_view.agent_rows(self.store, self.config, self.clock())

    def in_hand(self, agent_id: str) -> list[queue.QueueItem]:
        """What one agent is working on."""
        return agents_view.in_hand(self.store, agent_id)

    def waiting(self, agent_id: str | None = None) -> list[agents_view.Waiting]:
        """What waits for the customer's answer (one agent's, or everyone's), longest first."""
        return agents_view.waiting_for_customer(self.store, agent_id, self.clock())

    def release(self, conversation_id: int, holder: str | None = None) -> None:
        """Return one agent's e-mail (in hand, or waiting for the customer) to its queue.

        Args:
            conversation_id: the e-mail.
            holder: the agent the supervisor saw holding it; when given, the
                release is refused if someone else holds it by now.
        """
        lifecycle.release(
            self.store,
            self.supervisor.id,
            conversation_id,
            holder=holder if holder is not None else ANYONE,
        )

    def release_all(self, agent_id: str) -> int:
        """Return everything an agent holds to the queues; how many went back."""
        return agents_view.release_all(self.store, self.supervisor.id, agent_id)

    @property
    def away_reasons(self) -> tuple[str, ...]:
        """Why an agent may be Away (``[distribution] away_reasons``)."""
        return tuple(self.config.distribution.away_reasons)

    def change_state(self, agent_id: str, state: str, reason: str = "") -> None:
        """Set a logged-in agent Available or Away with a reason (Logged out: :meth:`log_out`)."""
        agents_view.change_state(
            self.store, self.config, self.supervisor.id, agent_id, state, reason, self.clock()
        )

    def log_out(self, agent_id: str) -> int:
        """Log an agent out; how many e-mails in their hand went back, first in line."""
        return agents_view.log_out(
            self.store, self.config, self.supervisor.id, agent_id, self.clock()
        )

    # -- queues and assigning --------------------------------------------------------

    def queued(self, group: str) -> list[queue.QueueItem]:
        """A service group's queued e-mails, first in line first."""
        return queue.list_items(self.store, groups=[group])

    def candidates(self, group: str | None) -> list[agents_view.AgentRow]:
        """Agents an e-mail of ``group`` may be assigned to (its members first), with states."""
        return agents_view.candidates(self.store, self.config, group, self.clock())

    def offer_to(self, conversation_id: int, agent_id: str) -> distribution.Offer:
        """Offer a queued e-mail to a named agent (they accept or reject it, as any offer).

        Raises:
            Refused: the agent is not logged in or has an offer open; the
                e-mail is no longer queued.
        """
        return distribution.offer_to(
            self.store, self.config, self.supervisor.id, conversation_id, agent_id, self.clock()
        )

    def give(self, conversation_id: int, agent_id: str) -> None:
        """Give a queued e-mail to a named agent outright: it is in their hand.

        Raises:
            Refused: the e-mail is no longer queued, or no such agent.
        """
        distribution.give(self.store, self.config, self.supervisor.id, conversation_id, agent_id)

    # -- the trail and notes ------------------------------------------------------

    def name_of(self, agent_id: str) -> str:
        """An agent's name as people read it (the id when the config does not know it)."""
        agent = self.config.find_agent(agent_id)
        return agent.name if agent is not None else agent_id

    def item(self, conversation_id: int) -> queue.QueueItem | None:
        """A conversation as the queues list it (None when there is no such e-mail)."""
        return queue.get_item(self.store, conversation_id)

    def trail(self, conversation_id: int) -> list[Event]:
        """Everything that happened to a conversation, oldest first."""
        return audit.trail(self.store, conversation_id)

    def notes(self, conversation_id: int) -> list[Note]:
        """The internal notes on a conversation, oldest first."""
        return notes.of_conversation(self.store, conversation_id)

    def add_note(self, conversation_id: int, text: str) -> int:
        """Keep the supervisor's internal note on a conversation (never sent); its id.

        Written with ``N``, or kept from a reply that could not be approved.

        Raises:
            Refused: the note is empty, or there is no such conversation.
        """
        if queue.get_item(self.store, conversation_id) is None:
            raise Refused(f"e-mail {conversation_id} does not exist")
        return notes.add(self.store, conversation_id, self.supervisor.id, text)

    def outbox(self, states: list[str] | None = None) -> list[outbox.OutboxRow]:
        """Outbox rows, oldest first (of some states, if given)."""
        return outbox.listing(self.store, states=states)

    # -- archive ------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> list[ArchivedMessage]:
        """Archived e-mails (both directions) holding every word of ``text``, newest first."""
        return archive.search(self.store, text, limit=limit, offset=offset)

    def search_notes(self, text: str, *, limit: int = 20) -> list[Note]:
        """Internal notes holding every word of ``text`` (any case), newest first."""
        return notes.search(self.store, text, limit=limit)

    def conversation(self, conversation_id: int) -> list[ArchivedMessage]:
        """A whole conversation, both directions, oldest first."""
        return archive.conversation(self.store, conversation_id)

    def message(self, message_id: int) -> ArchivedMessage | None:
        """One archived e-mail."""
        return archive.get(self.store, message_id)

    def message_head(self, message_id: int, chars: int) -> ArchivedMessage | None:
        """One archived e-mail with only the first ``chars`` characters of each body (a preview)."""
        return archive.head(self.store, message_id, chars)

    # -- engine health ------------------------------------------------------------

    def health(self) -> list[health_view.HealthRow]:
        """Each engine part's state in words, plus outbox backlog and the lease."""
        return health_view.health_rows(self.store, self.clock())


def require_supervisor(config: Config, agent_id: str) -> AgentConfig:
    """The config's agent ``agent_id`` if it is a supervisor.

    Raises:
        Refused: unknown id, or an agent without the supervisor role.
    """
    agent = config.find_agent(agent_id)
    if agent is None:
        known = ", ".join(a.id for a in config.agent if a.role == "supervisor") or "none"
        raise Refused(f"unknown agent {agent_id!r} (supervisors in the config: {known})")
    if agent.role != "supervisor":
        raise Refused(
            f"{agent_id} is an agent, not a supervisor: the supervisor console needs "
            f'role = "supervisor" in the config (use `micc agent --agent {agent_id}`)'
        )
    return agent


def open_supervision(
    config: Config, supervisor_id: str, clock: Callable[[], datetime] | None = None
) -> Supervision:
    """The facade for ``supervisor_id`` on the config's store (migrated and synced once here)."""
    require_supervisor(config, supervisor_id)
    from engine.bootstrap import open_store

    first: list[Store] = [open_store(config)]

    def factory() -> Store:
        # The first thread reuses the store bootstrap opened; others skip migrations.
        return first.pop() if first else Store(config.store.path, migrate=False)

    return Supervision(config, supervisor_id, factory, clock)
