"""What ``micc check`` refuses: a config that loads but cannot work.

Loading a config checks its shape (types, names, references between its
sections). These checks go further, to what would fail only later, in front
of a customer or an agent: no service group at all, a group address that is
no address, an alarm threshold below the warning one, a template or response
file that is missing, a response file with errors, and a store that cannot be
opened. Each problem names the
file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from engine.config import Config
from engine.config.load import KeyLines, Loc, Problem, dotted_key
from engine.errors import MiccError
from engine.responses.parse import parse_file
from engine.store import store_problem

_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")


class _At(Protocol):
    """Makes a problem at a key of the config (file and line filled in)."""

    def __call__(self, loc: Loc, message: str, hint: str = "") -> Problem: ...


def usability_problems(config: Config) -> list[Problem]:
    """Everything that keeps ``config`` from working, each with file, line and key."""
    file = config.source
    try:
        text = file.read_text(encoding="utf-8") if file is not None else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    lines = KeyLines(text)

    def at(loc: Loc, message: str, hint: str = "") -> Problem:
        return Problem(file, lines.line(loc), dotted_key(loc), message, hint)

    problems = list(_groups(config, at))
    problems += _files(config, at)
    store = store_problem(config.store.path)
    if store is not None:
        problems.append(at(("store", "path"), store))
    return problems


def _groups(config: Config, at: _At) -> Iterable[Problem]:
    if not config.service_group:
        yield Problem(
            config.source,
            None,
            "service_group",
            "no service group: no e-mail can be routed to anyone",
            "add a [[service_group]] with a name (micc init writes an example)",
        )
    for index, group in enumerate(config.service_group):
        if group.email and not _ADDRESS.fullmatch(group.email.strip()):
            yield at(
                ("service_group", index, "email"),
                f"{group.email!r} is not an e-mail address",
                'write the group\'s own address, e.g. "Solidus.Sales@seclab.com"',
            )
        limits = group.thresholds
        if limits.oldest_alarm_minutes < limits.oldest_warn_minutes:
            yield at(
                ("service_group", index, "thresholds", "oldest_alarm_minutes"),
                f"the alarm ({limits.oldest_alarm_minutes:g} min) comes before the warning "
                f"({limits.oldest_warn_minutes:g} min)",
                "oldest_alarm_minutes must be at least oldest_warn_minutes",
            )


def _files(config: Config, at: _At) -> Iterable[Problem]:
    for index, group in enumerate(config.service_group):
        for key in ("default_template", "new_email_template", "signature", "responses"):
            path: Path | None = getattr(group, key)
            if path is not None and not path.is_file():
                yield at(("service_group", index, key), f"{key} file {path} does not exist")
        if group.responses is not None and group.responses.is_file():
            yield from _response_errors(group.responses, ("service_group", index, "responses"), at)
    for index, access in enumerate(config.service_access):
        path = access.auto_confirmation
        if path is not None and not path.is_file():
            yield at(
                ("service_access", index, "auto_confirmation"),
                f"auto_confirmation file {path} does not exist",
            )


def _response_errors(path: Path, loc: Loc, at: _At) -> Iterable[Problem]:
    try:
        errors = parse_file(path).errors
    except MiccError as exc:  # unreadable: its own words say why
        yield at(loc, str(exc))
        return
    for error in errors:
        yield at(loc, f"response file: {error}", f"micc responses lint {path} shows them all")


__all__ = ["usability_problems"]
