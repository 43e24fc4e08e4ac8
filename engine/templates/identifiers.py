"""The replaceable identifiers of the MiCC template table and their values.

Values are computed per rendering from a :class:`TemplateContext`. Dates and
times use the short formats of the context's locale (Babel/CLDR), shown in
the context's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time

from engine.templates.context import TemplateContext

#: Every identifier, spelled as the MiCC guide spells it, in the guide's order.
IDENTIFIERS: tuple[str, ...] = (
    "Subject",
    "From",
    "From.Name",
    "From.Address",
    "Date",
    "Time",
    "Received",
    "Received.Date",
    "Received.Time",
    "ServiceAccess",
    "ServiceAccess.Name",
    "ServiceGroup",
    "ServiceGroup.Name",
    "ServiceGroup.Email",
    "Agent",
    "Agent.Name",
    "Agent.FirstName",
    "Agent.LastName",
    "Agent.ChatName",
    "Customer",
    "Customer.Name",
    "Customer.Email",
    "Customer.ID",
    "Customer.Number",
    "CallID",
)

#: Lower-cased identifier -> the guide's spelling. Matching ignores case.
CANONICAL: dict[str, str] = {name.lower(): name for name in IDENTIFIERS}

#: The legacy .NET culture prefixes the guide's culture table uses for scripts.
_SCRIPT_PREFIXES = {"cy": "Cyrl", "lt": "Latn"}


def canonical(name: str) -> str | None:
    """The guide's spelling of identifier ``name`` (any case), or None when unknown."""
    return CANONICAL.get(name.lower())


@lru_cache(maxsize=256)
def babel_locale(culture: str) -> Locale:
    """The Babel locale for a culture name such as ``de-DE`` or ``Cy-az-AZ``.

    Unknown names fall back to en-US rather than failing a customer's reply;
    the config loader already reports unknown locales to the administrator.
    """
    parts = culture.replace("_", "-").split("-")
    if len(parts) == 3 and parts[0].lower() in _SCRIPT_PREFIXES:
        parts = [parts[1], _SCRIPT_PREFIXES[parts[0].lower()], parts[2]]
    try:
        return Locale.parse("_".join(parts))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en_US")


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _shown(moment: datetime, zone_name: str | None) -> datetime:
    # Naive datetimes are taken as UTC: the store keeps UTC throughout.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    zone = _zone(zone_name) if zone_name else None
    return aware.astimezone(zone) if zone is not None else aware.astimezone()


def _now(ctx: TemplateContext) -> datetime:
    return _shown(ctx.now or datetime.now(UTC), ctx.timezone)


def _received(ctx: TemplateContext) -> datetime | None:
    return _shown(ctx.received, ctx.timezone) if ctx.received is not None else None


def short_date(moment: datetime | None, culture: str) -> str:
    """``moment`` in the locale's short date format; empty for None."""
    return "" if moment is None else str(format_date(moment, "short", locale=babel_locale(culture)))


def short_time(moment: datetime | None, culture: str) -> str:
    """``moment`` in the locale's short time format; empty for None."""
    if moment is None:
        return ""
    # Formatting the wall-clock time only: the zone was applied by _shown.
    return str(format_time(moment.replace(tzinfo=None), "short", locale=babel_locale(culture)))


def short_datetime(moment: datetime | None, culture: str) -> str:
    """``moment`` in the locale's short date-and-time format; empty for None."""
    if moment is None:
        return ""
    naive = moment.replace(tzinfo=None)
    return str(format_datetime(naive, "short", locale=babel_locale(culture)))


def _from(ctx: TemplateContext) -> str:
    if ctx.from_name and ctx.from_address:
        return f"{ctx.from_name} ({ctx.from_address})"
    return ctx.from_name or ctx.from_address


Resolver = Callable[[TemplateContext], str]

_RESOLVERS: dict[str, Resolver] = {
    "Subject": lambda c: c.subject,
    "From": _from,
    "From.Name": lambda c: c.from_name,
    "From.Address": lambda c: c.from_address,
    "Date": lambda c: short_date(_now(c), c.locale),
    "Time": lambda c: short_time(_now(c), c.locale),
    "Received": lambda c: short_datetime(_received(c), c.locale),
    "Received.Date": lambda c: short_date(_received(c), c.locale),
    "Received.Time": lambda c: short_time(_received(c), c.locale),
    "ServiceAccess": lambda c: c.service_access,
    "ServiceAccess.Name": lambda c: c.service_access,
    "ServiceGroup": lambda c: c.service_group,
    "ServiceGroup.Name": lambda c: c.service_group,
    "ServiceGroup.Email": lambda c: c.service_group_email,
    "Agent": lambda c: c.agent_name,
    "Agent.Name": lambda c: c.agent_name,
    "Agent.FirstName": lambda c: c.agent_first_name,
    "Agent.LastName": lambda c: c.agent_last_name,
    "Agent.ChatName": lambda c: c.agent_chat_name or c.agent_name,
    "Customer": lambda c: c.customer_name,
    "Customer.Name": lambda c: c.customer_name,
    "Customer.Email": lambda c: c.customer_email,
    "Customer.ID": lambda c: c.customer_id,
    "Customer.Number": lambda c: c.customer_number,
    "CallID": lambda c: c.call_id,
}


def value(name: str, ctx: TemplateContext) -> str:
    """The text identifier ``name`` (the guide's spelling) stands for in ``ctx``."""
    return _RESOLVERS[name](ctx)


#: What each identifier becomes, in a line (for ``micc template identifiers``).
DESCRIPTIONS: dict[str, str] = {
    "Subject": "subject of the e-mail",
    "From": "sender as 'Name (address)'; just one of them when the other is missing",
    "From.Name": "sender's display name",
    "From.Address": "sender's e-mail address",
    "Date": "today, short date format of the locale",
    "Time": "now, short time format of the locale",
    "Received": "arrival date and time, short formats of the locale",
    "Received.Date": "arrival date, short format of the locale",
    "Received.Time": "arrival time, short format of the locale",
    "ServiceAccess": "name of the service access the mail came in on",
    "ServiceAccess.Name": "same as $ServiceAccess$",
    "ServiceGroup": "name of the service group",
    "ServiceGroup.Name": "same as $ServiceGroup$",
    "ServiceGroup.Email": "the service group's own e-mail address",
    "Agent": "agent's full name",
    "Agent.Name": "same as $Agent$",
    "Agent.FirstName": "agent's first name, when configured",
    "Agent.LastName": "agent's last name, when configured",
    "Agent.ChatName": "agent's chat display name, else the agent's full name",
    "Customer": "customer's name (mail tied to a chat or a call)",
    "Customer.Name": "same as $Customer$",
    "Customer.Email": "customer's address (mail tied to a chat)",
    "Customer.ID": "customer's identifier (mail tied to a chat)",
    "Customer.Number": "customer's phone number (mail tied to a call)",
    "CallID": "internal call ID",
}
