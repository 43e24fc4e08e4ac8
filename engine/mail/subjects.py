"""Subjects as a thread sees them: the same words under any reply prefix."""

from __future__ import annotations

import re

#: Reply prefixes in the languages customers write in, repeated or numbered
#: (``Re: AW: Re[2]: ...``): Re, AW (German), SV (Nordic), VS (Finnish), Antw
#: (Dutch), Odp (Polish), YNT (Turkish), RES (Portuguese).
REPLY_PREFIX = re.compile(
    r"^(?:\s*(?:re|aw|sv|vs|antw|odp|ynt|res)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE
)


def bare_subject(subject: str) -> str:
    """The subject without reply prefixes, its spaces collapsed: ``Quote request``."""
    return REPLY_PREFIX.sub("", " ".join(subject.split()))


def same_thread_subject(one: str, other: str) -> bool:
    """Whether two subjects are the same words under reply prefixes, ignoring case.

    An empty subject matches nothing: "(no subject)" is not a thread.
    """
    bare = bare_subject(one).casefold()
    return bool(bare) and bare == bare_subject(other).casefold()


__all__ = ["REPLY_PREFIX", "bare_subject", "same_thread_subject"]
