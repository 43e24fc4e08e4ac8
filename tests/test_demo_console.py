"""The demo's consoles: F2 switches between the agent's and the supervisor's."""

from __future__ import annotations

from pathlib import Path

from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.service import open_contact_center
from micc_tui.agent.screen import AgentScreen
from micc_tui.cli.setup import copy_skeleton
from micc_tui.demo.console import DemoAgentApp, pick_supervisor, supervisor_app


def workspace(folder: Path) -> Config:
    copy_skeleton(folder)
    config = load_config(str(folder / "micc.toml"))
    open_store(config).close()
    return config


def test_the_supervisor_is_the_agent_when_a_supervisor_else_the_first(tmp_path: Path) -> None:
    config = workspace(tmp_path)
    assert pick_supervisor(config, "alice") == "carol"
    assert pick_supervisor(config, "carol") == "carol"


async def test_f2_leaves_the_agent_console_for_the_supervisor_console(tmp_path: Path) -> None:
    config = workspace(tmp_path)
    app = DemoAgentApp(open_contact_center(config, "alice"), supervisor="carol", rate=5.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AgentScreen)
        await pilot.press("f2")
        await pilot.pause()
    assert app.switch_to == "supervisor"


async def test_without_a_supervisor_f2_does_nothing(tmp_path: Path) -> None:
    config = workspace(tmp_path)
    app = DemoAgentApp(open_contact_center(config, "alice"), supervisor=None, rate=5.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert app.is_running
    assert app.switch_to is None


async def test_f2_in_the_supervisor_console_goes_back_to_the_agent(tmp_path: Path) -> None:
    config = workspace(tmp_path)
    app, supervision = supervisor_app(config, "carol")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
        assert getattr(app, "switch_to", None) == "agent"
    finally:
        getattr(supervision, "close", lambda: None)()
