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

import re
from datetime import UTC, datetime, time, timedelta

from babel.dates import parse_date, parse_time

from engine.templates.identifiers import babel_locale, short_datetime, short_time

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


#: The reminders offered when an agent waits for the customer; a typed date
#: (and time) in the locale's short format, or ISO 8601, works too.
REMINDER_CHOICES = ("no reminder", "tomorrow 9:00", "in 3 days", "in a week")
#: The time of day a reminder given as a date alone falls due.
_MORNING = time(9, 0)
_IN = re.compile(r"in\s+(a|an|\d+)\s+(hour|day|week)s?")
_TOMORROW = re.compile(r"tomorrow(?:\s+(?:at\s+)?(.+))?")
_DATE_TIME = re.compile(r"(\S+?),?(?:\s+(.+))?")


def reminder(text: str, now: datetime, culture: str | None = None) -> datetime | None:
    """When a reminder as typed or picked falls due (UTC); None for no reminder.

    ``tomorrow 9:00``, ``in 3 days``, ``in a week``, ``in 2 hours``, or a date
    with an optional time in ``culture``'s short formats (``12/1/26 9:00 AM``
    in en-US, ``01.12.26 14:30`` in de-DE) or ISO 8601; a date alone is 9:00.
    Times are the machine's local time.

    Raises:
        ValueError: the words are not a moment, or it has passed; the message says which.
    """
    words = " ".join(text.casefold().split())
    if words in ("", "no reminder", "none", "no"):
        return None
    local_now = now.astimezone()
    culture = culture or _shown["culture"]
    if found := _IN.fullmatch(words):
        count = 1 if found[1] in ("a", "an") else int(found[1])
        due = local_now + timedelta(**{f"{found[2]}s": count})
    elif found := _TOMORROW.fullmatch(words):
        at = _time_of(found[1], culture) if found[1] else _MORNING
        due = datetime.combine(local_now.date() + timedelta(days=1), at, local_now.tzinfo)
    else:
        due = _date_time(text.strip(), culture, local_now)
    if due <= now:
        raise ValueError(f"{date_time(due)} has passed: give a moment to come")
    return due.astimezone(UTC)


def _date_time(text: str, culture: str, now: datetime) -> datetime:
    """A typed date and optional time, ISO 8601 or the locale's short formats, as local time."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    found = _DATE_TIME.fullmatch(text)
    example = date_time(now + timedelta(days=1), culture)
    if found is None or not any(c.isdigit() for c in found[1]):
        raise ValueError(f"{text!r} is not a date: write one like {example}")
    try:
        day = parse_date(found[1], locale=babel_locale(culture))
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not a date: write one like {example}") from None
    at = _time_of(found[2], culture) if found[2] else _MORNING
    return datetime.combine(day, at, now.tzinfo)


def _time_of(text: str, culture: str) -> time:
    """A typed time of day (``9:00``, ``9:00 PM``, ``14:30``)."""
    if not any(c.isdigit() for c in text):
        raise ValueError(f"{text!r} is not a time of day")
    try:
        return parse_time(text.upper(), locale=babel_locale(culture))
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not a time of day") from None
