"""The status line's engine summary: the engine's own states, in an agent's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.service import HealthItem
from micc_tui.agent.format import engine_summary

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def rows(*states: tuple[str, str], age: timedelta = timedelta(seconds=5)) -> list[HealthItem]:
    return [HealthItem(name, state, "", (NOW - age).isoformat()) for name, state in states]


def test_no_rows_means_no_engine() -> None:
    assert engine_summary([], NOW) == ("engine: not running", "off")


def test_a_working_engine_is_ok_whether_idling_or_polling() -> None:
    working = rows(
        ("engine", "running"),
        ("connector", "connected"),
        ("idle", "polling"),
        ("fetch", "ok"),
        ("sender", "ok"),
    )
    assert engine_summary(working, NOW) == ("engine: ok", "ok")
    assert engine_summary(rows(("engine", "running"), ("connector", "outbound only")), NOW) == (
        "engine: ok",
        "ok",
    )


def test_stopped_broken_and_unsure_parts_are_named() -> None:
    assert engine_summary(rows(("engine", "stopped"), ("connector", "stopped")), NOW) == (
        "engine: stopped",
        "off",
    )
    assert engine_summary(rows(("engine", "running"), ("sender", "error")), NOW) == (
        "engine: sender error",
        "error",
    )
    assert engine_summary(rows(("engine", "running"), ("connector", "reconnecting")), NOW) == (
        "engine: connector reconnecting",
        "warn",
    )


def test_an_engine_that_went_quiet_is_reported() -> None:
    quiet = rows(("engine", "running"), ("fetch", "ok"), age=timedelta(minutes=12))
    assert engine_summary(quiet, NOW) == ("engine: silent for 12 min", "warn")
