"""Dates and times as people read them: one format per locale, in local time.

Every pane, header, table and trail writes a moment with the locale's short
date and time patterns (Babel's CLDR data): ``12/1/26, 9:23 PM`` in en-US,
``01.12.26, 21:23`` in de-DE, ``1/12/26, 21:23`` in es-ES. Where room is short
(a table cell, the trail) a moment of today is its time alone, in the same
time pattern. The consoles and the CLI name the tenant's locale once with
:func:`use_locale`; the time zone is the machine's (an agent's console shows
their own clock).

Templates format dates for the customer in the group's locale
(:mod:`engine.templates.identifiers`) with the same patterns.
"""

from __future__ import annotations

from datetime import UTC, datetime

from engine.templates.identifiers import short_datetime, short_time

_shown = {"culture": "en-US"}


def use_locale(culture: str) -> None:
    """Write dates in ``culture`` (``de-DE``) from now on, in this process."""
    _shown["culture"] = culture


def local(stamp: str | datetime | None) -> datetime | None:
    """A stored ISO timestamp (or a datetime) in local time; None when unreadable.

    A stamp without an offset is taken as UTC, as the store writes them.
    """
    if stamp is None or stamp == "":
        return None
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        moment = stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


def date_time(stamp: str | datetime | None, culture: str | None = None) -> str:
    """Date and time: ``12/1/26, 9:23 PM``. An unreadable stamp is shown as it is."""
    moment = local(stamp)
    if moment is None:
        return stamp if isinstance(stamp, str) else ""
    return _spaced(short_datetime(moment, culture or _shown["culture"]))


def when(
    stamp: str | datetime | None, culture: str | None = None, now: datetime | None = None
) -> str:
    """The time alone when it is today (``9:23 PM``), else :func:`date_time`."""
    moment = local(stamp)
    if moment is None:
        return stamp if isinstance(stamp, str) else ""
    today = (now or datetime.now()).astimezone().date()
    if moment.date() == today:
        return _time(moment, culture)
    return date_time(moment, culture)


def _time(moment: datetime, culture: str | None) -> str:
    return _spaced(short_time(moment, culture or _shown["culture"]))


def _spaced(text: object) -> str:
    """CLDR's narrow and no-break spaces (``9:23\u202fPM``) as plain ones, for terminals."""
    return str(text).replace("\u202f", " ").replace("\u00a0", " ")
