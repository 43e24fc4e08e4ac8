"""Routing at a glance: accesses in activation order, overlaps, an address tester."""

from __future__ import annotations

from dataclasses import dataclass

from engine.access import AccessState, access_states, overlaps
from engine.config import Config
from engine.router import ActiveAccess, Overlap, Route, matches, route
from engine.store import Store


@dataclass(frozen=True)
class AddressTest:
    """Who would get an e-mail sent to one address, and who else matches it."""

    address: str
    route: Route
    #: Every configured access whose pattern matches, active ones first in order.
    matching: tuple[AccessState, ...]

    def summary(self) -> str:
        """The answer in one sentence."""
        if not self.address.strip():
            return "type an address to see which service access would receive it"
        if not self.route.routed:
            inactive = [s.name for s in self.matching if not s.active]
            extra = f" (inactive matches: {', '.join(inactive)})" if inactive else ""
            return f"{self.address}: unrouted, no active service access matches{extra}"
        losers = [s.name for s in self.matching if s.name != self.route.service_access]
        extra = f"; also matching: {', '.join(losers)}" if losers else ""
        return (
            f"{self.address} goes to {self.route.service_access} "
            f"(group {self.route.service_group}){extra}"
        )


def try_address(store: Store, config: Config, address: str) -> AddressTest:
    """Route ``address`` as the engine would now."""
    states = access_states(store, config)
    active = [
        ActiveAccess(s.name, s.address, s.service_group, s.priority) for s in states if s.active
    ]
    decision = route([address], active)
    matching = tuple(s for s in states if address.strip() and matches(s.address, address))
    return AddressTest(address, decision, matching)


def overlap_warnings(config: Config) -> list[Overlap]:
    """Pairs of service accesses that can both match one address, with an example."""
    return overlaps(config)
