"""Issue 14, item 9: odd input never raises; attachment names, SSH lines and SMTP login failures.

- NUL and other control characters in a search or an address never raise
  (SQLite's FTS5 said "unterminated string").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import archive
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from tests.agent_fixtures import deliver, mail, workspace

ODD_QUERIES = [
    "\x00",
    "ORD\x00-1",
    "order\x00",
    "\x01\x02\x1b[2J",
    "order \x7f\x85\x9f",
    "order\ud800",
    '"\x00"',
    "\x00*",
    "order*\x00",
]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return workspace(tmp_path / "ws")


@pytest.fixture
def store(config: Config) -> Store:
    return open_store(config)


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_control_characters_in_a_search_never_raise(store: Store, query: str) -> None:
    archive.search(store, query)
    archive.search(store, query, groups=("Sales",))


def test_control_characters_separate_words_like_spaces(config: Config, store: Store) -> None:
    deliver(store, config, mail(1, subject="Order ORD-054321 late"))
    assert archive.fts_query("ORD-054321\x00late") == '"ORD-054321" "late"'
    assert [m.subject for m in archive.search(store, "ORD-054321\x00late")] == [
        "Order ORD-054321 late"
    ]
    assert archive.search(store, "\x00\x01") == []
