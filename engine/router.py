"""Which service access receives an e-mail: a pure function over plain data.

Rules (MiCC Enterprise guide): an address pattern's ``*`` matches any run of
characters and ``?`` exactly one; matching ignores case; everything else is
literal (so ``+`` in a Gmail plus-address is just a character). Neither
wildcard matches a space or a control character (C0, DEL, C1): no such
character is part of an address, so a hostile recipient holding CR/LF or NUL
is never routed by ``*``. When several active service accesses match, the one
activated first wins.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ActiveAccess:
    """A service access as the router sees it: active, in activation order."""

    name: str
    pattern: str
    service_group: str
    #: 1 is the highest, 9 the lowest (the access's ``priority``).
    priority: int = 5


@dataclass(frozen=True)
class Route:
    """The router's decision for one e-mail."""

    service_access: str | None
    service_group: str | None
    #: The recipient address that matched, or None when unrouted.
    matched_address: str | None = None
    #: The service access's priority: 1 is the highest, 9 the lowest.
    priority: int = 5

    @property
    def routed(self) -> bool:
        """True when a service access was found."""
        return self.service_access is not None


UNROUTED = Route(None, None, None)


#: What a wildcard matches: any character but spaces and controls.
_ADDRESS_CHAR = r"[^\s\x00-\x1f\x7f-\x9f]"


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn an address pattern into a case-insensitive regular expression."""
    parts = []
    for char in pattern.strip():
        if char == "*":
            parts.append(_ADDRESS_CHAR + "*")
        elif char == "?":
            parts.append(_ADDRESS_CHAR)
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def matches(pattern: str, address: str) -> bool:
    """True when ``address`` matches the service access ``pattern``."""
    return compile_pattern(pattern).fullmatch(address.strip()) is not None


def route(recipients: Iterable[str], accesses: Sequence[ActiveAccess]) -> Route:
    """Pick the service access for an e-mail.

    Args:
        recipients: the e-mail's original recipients (To, Cc, Delivered-To,
            X-Original-To, Resent-To), bare addresses.
        accesses: the *active* service accesses, earliest activated first.

    Returns:
        The first-activated access matching any recipient, or :data:`UNROUTED`.
    """
    addresses = [a.strip() for a in recipients if a and a.strip()]
    for access in accesses:
        regex = compile_pattern(access.pattern)
        for address in addresses:
            if regex.fullmatch(address):
                return Route(access.name, access.service_group, address, access.priority)
    return UNROUTED


@dataclass(frozen=True)
class Overlap:
    """Two patterns that can both match one address, and such an address."""

    first: str
    second: str
    example: str


def overlap_example(first: str, second: str) -> str | None:
    """Return an address both patterns match, or None when they never overlap.

    A breadth-first search over pairs of positions in the two patterns finds
    the shortest common string; wildcards that must produce a character use a
    letter the other side needs, else ``x``. Examples where every ``*`` covers
    at least one character are preferred: they read like real addresses.
    """
    p, q = first.strip().casefold(), second.strip().casefold()
    readable = _shortest_common(p.replace("*", "?*"), q.replace("*", "?*"))
    return readable if readable is not None else _shortest_common(p, q)


def _shortest_common(p: str, q: str) -> str | None:
    start = (0, 0)
    previous: dict[tuple[int, int], tuple[tuple[int, int], str]] = {}
    seen = {start}
    todo = deque([start])
    while todo:
        state = todo.popleft()
        i, j = state
        if i == len(p) and j == len(q):
            return _witness(previous, state)
        for nxt, char in _steps(p, q, i, j):
            if nxt not in seen:
                seen.add(nxt)
                previous[nxt] = (state, char)
                todo.append(nxt)
    return None


def _steps(p: str, q: str, i: int, j: int) -> Iterable[tuple[tuple[int, int], str]]:
    a = p[i] if i < len(p) else None
    b = q[j] if j < len(q) else None
    # A star may match nothing: move past it without producing a character.
    if a == "*":
        yield (i + 1, j), ""
    if b == "*":
        yield (i, j + 1), ""
    if a is None or b is None:
        return
    literal_a = a not in "*?"
    literal_b = b not in "*?"
    if literal_a and literal_b:
        if a == b:
            yield (i + 1, j + 1), a
        return
    char = a if literal_a else b if literal_b else "x"
    yield (i if a == "*" else i + 1, j if b == "*" else j + 1), char


def _witness(
    previous: dict[tuple[int, int], tuple[tuple[int, int], str]], state: tuple[int, int]
) -> str:
    chars = []
    while state in previous:
        state, char = previous[state]
        chars.append(char)
    return "".join(reversed(chars))


def find_overlaps(patterns: Sequence[tuple[str, str]]) -> list[Overlap]:
    """Every pair of (name, pattern) whose patterns can match one address."""
    found = []
    for index, (name_a, pattern_a) in enumerate(patterns):
        for name_b, pattern_b in patterns[index + 1 :]:
            example = overlap_example(pattern_a, pattern_b)
            if example is not None:
                found.append(Overlap(name_a, name_b, example))
    return found
