"""The seed of a crash test's random kill timings: printed, and reproducible.

Each run draws a fresh seed unless ``MICC_CRASH_SEED=<n>`` is set, which
replays that seed. The seed is printed (pytest shows it with a failure's
captured output) and belongs in the test's assertion messages, via
:attr:`CrashSeed.note`.
"""

from __future__ import annotations

import os
import random
import secrets
from dataclasses import dataclass, field

SEED_ENV = "MICC_CRASH_SEED"


@dataclass(frozen=True)
class CrashSeed:
    seed: int
    rng: random.Random = field(repr=False, compare=False)

    @property
    def note(self) -> str:
        """For assertion messages: the seed and how to run it again."""
        return f"crash test seed: {self.seed} (rerun with {SEED_ENV}={self.seed})"


def crash_seed() -> CrashSeed:
    """The seed from ``MICC_CRASH_SEED``, or a fresh one; printed either way."""
    given = os.environ.get(SEED_ENV, "").strip()
    if given:
        try:
            seed = int(given)
        except ValueError:
            raise ValueError(f"{SEED_ENV} must be an integer, not {given!r}") from None
    else:
        seed = secrets.randbelow(2**32)
    chosen = CrashSeed(seed, random.Random(seed))
    print(chosen.note)
    return chosen
