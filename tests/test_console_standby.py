"""Consoles stand in for the engine unless told not to."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from engine.config import load_config
from engine.standby import StandbyEngine
from micc_tui.cli.common import NO_STANDBY_ENV, standby_engine
from micc_tui.cli.main import build_parser, main


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    assert main(["init", str(tmp_path / "ws")]) == 0
    return tmp_path / "ws" / "micc.toml"


@pytest.mark.parametrize("console", ["agent", "supervisor"])
def test_consoles_stand_by_unless_told_not_to(
    config_path: Path, console: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(NO_STANDBY_ENV, raising=False)
    config = load_config(config_path)
    args = build_parser().parse_args([console, "--agent", "carol"])
    assert isinstance(standby_engine(args, config), StandbyEngine)
    args = build_parser().parse_args([console, "--agent", "carol", "--no-standby"])
    assert not isinstance(standby_engine(args, config), StandbyEngine)
    monkeypatch.setenv(NO_STANDBY_ENV, "1")
    assert not isinstance(standby_engine(argparse.Namespace(), config), StandbyEngine)
