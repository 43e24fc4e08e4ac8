"""The facade the supervisor console calls: everything a supervisor sees and does.

Like the agent's :class:`engine.service.ContactCenter`, every method blocks
(SQLite) and is meant for a worker thread; each thread gets its own
:class:`Store`, opened on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from engine import access, archive, queue
from engine.archive import ArchivedMessage
from engine.config import AgentConfig, Config
from engine.router import Overlap
from engine.store import Store
from engine.store.threads import ThreadStores
from engine.supervision import agents as agents_view
from engine.supervision import dashboard as figures
from engine.supervision import health as health_view
from engine.supervision import problems as problem_view
from engine.supervision import review as review_view
from engine.supervision import routing as routing_view

StoreFactory = Callable[[], Store]


class SupervisionError(Exception):
    """A supervisor's request cannot be done; the message says why, for a person."""


class Supervision:
    """What one supervisor can see and do. Thread-safe: each thread gets its own store.

    Args:
        config: the tenant.
        supervisor_id: an agent of the config whose role is ``supervisor``.
        open_store: opens a new :class:`Store` on the config's file.
        clock: the current time (tests and snapshots pass a fixed one).

    Raises:
        SupervisionError: the id is unknown or not a supervisor.
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
        return self._access(lambda: access.activate(self.store, self.config, name))

    def deactivate(self, name: str) -> bool:
        """Deactivate a service access; False if it was not active."""
        return self._access(lambda: access.deactivate(self.store, self.config, name))

    @staticmethod
    def _access(action: Callable[[], bool]) -> bool:
        try:
            return action()
        except access.AccessError as exc:
            raise SupervisionError(str(exc)) from None

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
        """Approve a reply: the engine sends it."""
        self._review(lambda: review_view.approve(self.store, self.supervisor.id, outbox_id))

    def reject(self, outbox_id: int, comment: str) -> None:
        """Send a reply back to its agent with a comment."""
        self._review(lambda: review_view.reject(self.store, self.supervisor.id, outbox_id, comment))

    def edit_and_approve(self, outbox_id: int, body: str) -> None:
        """Replace a reply's text, then approve it."""
        self._review(
            lambda: review_view.edit_and_approve(self.store, self.supervisor.id, outbox_id, body)
        )

    @staticmethod
    def _review(action: Callable[[], object]) -> None:
        try:
            action()
        except review_view.ReviewError as exc:
            raise SupervisionError(str(exc)) from None

    # -- unrouted and failed ------------------------------------------------------

    def problems(self) -> list[problem_view.Problem]:
        """Unrouted and failed e-mails, then failed sends, oldest first."""
        return problem_view.problem_items(self.store)

    def assign(self, conversation_id: int, group: str) -> None:
        """Queue a problem e-mail for a service group."""
        self._problem(
            lambda: problem_view.assign(
                self.store, self.config, self.supervisor.id, conversation_id, group
            )
        )

    def retry(self, problem: problem_view.Problem) -> str:
        """Route an incoming problem e-mail again, or send a failed reply again; in words."""
        if problem.outbox_id is not None:
            outbox_id = problem.outbox_id
            self._problem(
                lambda: problem_view.retry_send(self.store, self.supervisor.id, outbox_id)
            )
            return "sent again now"
        conversation = problem.conversation_id
        assert conversation is not None
        result: list[str] = []
        self._problem(
            lambda: result.append(
                problem_view.retry(
                    self.store, self.config, self.supervisor.id, conversation
                ).summary
            )
        )
        return result[0]

    def discard(self, problem: problem_view.Problem, reason: str) -> None:
        """Close a problem e-mail or give up a failed reply, with a reason (kept archived)."""
        if problem.outbox_id is not None:
            outbox_id = problem.outbox_id
            self._problem(
                lambda: problem_view.discard_send(self.store, self.supervisor.id, outbox_id, reason)
            )
            return
        conversation = problem.conversation_id
        assert conversation is not None
        self._problem(
            lambda: problem_view.discard(self.store, self.supervisor.id, conversation, reason)
        )

    @staticmethod
    def _problem(action: Callable[[], object]) -> None:
        try:
            action()
        except problem_view.ProblemError as exc:
            raise SupervisionError(str(exc)) from None

    # -- agents -------------------------------------------------------------------

    def agents(self) -> list[agents_view.AgentRow]:
        """Every agent with presence, e-mails in hand and handled today."""
        return agents_view.agent_rows(self.store, self.config, self.clock())

    def in_hand(self, agent_id: str) -> list[queue.QueueItem]:
        """What one agent is working on."""
        return agents_view.in_hand(self.store, agent_id)

    def release(self, conversation_id: int) -> None:
        """Return one agent's e-mail to its queue."""
        try:
            queue.release(self.store, self.supervisor.id, conversation_id)
        except queue.QueueError as exc:
            raise SupervisionError(str(exc)) from None

    def release_all(self, agent_id: str) -> int:
        """Return everything an agent holds to the queues; how many went back."""
        return agents_view.release_all(self.store, self.supervisor.id, agent_id)

    # -- archive ------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> list[ArchivedMessage]:
        """Archived e-mails (both directions) holding every word of ``text``, newest first."""
        return archive.search(self.store, text, limit=limit, offset=offset)

    def conversation(self, conversation_id: int) -> list[ArchivedMessage]:
        """A whole conversation, both directions, oldest first."""
        return archive.conversation(self.store, conversation_id)

    def message(self, message_id: int) -> ArchivedMessage | None:
        """One archived e-mail."""
        return archive.get(self.store, message_id)

    # -- engine health ------------------------------------------------------------

    def health(self) -> list[health_view.HealthRow]:
        """Each engine part's state in words, plus outbox backlog and the lease."""
        return health_view.health_rows(self.store, self.clock())


def require_supervisor(config: Config, agent_id: str) -> AgentConfig:
    """The config's agent ``agent_id`` if it is a supervisor.

    Raises:
        SupervisionError: unknown id, or an agent without the supervisor role.
    """
    agent = config.find_agent(agent_id)
    if agent is None:
        known = ", ".join(a.id for a in config.agent if a.role == "supervisor") or "none"
        raise SupervisionError(f"unknown agent {agent_id!r} (supervisors in the config: {known})")
    if agent.role != "supervisor":
        raise SupervisionError(
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
