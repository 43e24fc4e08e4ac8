"""Shared fixtures: real mail servers on loopback (see tests/servers/), and a workspace.

``config`` is ``micc init`` in a fresh folder (the Solidus example, its store
migrated) and ``store`` that store; a module that needs another workspace
defines its own ``config``, and ``store`` follows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from tests.agent_fixtures import workspace
from tests.servers.dovecot import Dovecot, private_dovecot
from tests.servers.smtp import SmtpServer
from tests.tmux_terminal import Terminal


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One private Dovecot for the session; each test invents its own user."""
    with private_dovecot() as server:
        yield server


@pytest.fixture
def master_user(dovecot: Dovecot) -> str:
    """A fresh, empty master mailbox on the session's Dovecot."""
    return dovecot.new_user()


@pytest.fixture
def smtp_server(dovecot: Dovecot) -> Iterator[SmtpServer]:
    """A recording aiosmtpd server without TLS (AUTH allowed)."""
    with SmtpServer(dovecot.cert_path, dovecot.root / "key.pem", mode="none") as server:
        yield server


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Terminals a test opens (append them); closed afterwards, even on failure."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A fresh ``micc init`` workspace's config (its store migrated)."""
    return workspace(tmp_path / "ws")


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    """The workspace's store, closed after the test."""
    with open_store(config) as opened:
        yield opened
