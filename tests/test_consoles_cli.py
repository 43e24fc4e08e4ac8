"""``micc agent`` from the command line: refusals come before any screen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from micc_tui.cli.main import main
from tests.agent_fixtures import workspace


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return Path(str(workspace(tmp_path / "ws").source))


def test_an_unknown_agent_is_refused(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--config", str(config), "agent", "--agent", "mallory"])
    assert exit_.value.code == 2
    assert "unknown agent 'mallory'" in capsys.readouterr().err


def test_without_a_terminal_the_console_says_so_and_exits(config: Path) -> None:
    # What `ssh -T` with a forced command gives the console: a pipe, not a terminal.
    micc = str(Path(sys.executable).with_name("micc"))
    result = subprocess.run(
        [micc, "--config", str(config), "agent", "--agent", "alice"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "needs a terminal: log in with ssh -t" in result.stderr
    assert result.stdout == ""
