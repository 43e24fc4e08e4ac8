"""Fifty agent processes on one store take from one queue: each e-mail exactly once."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from engine.store import Store


def bench_agents() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / "agents.py"
    spec = importlib.util.spec_from_file_location("bench_agents", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_agents"] = module
    spec.loader.exec_module(module)
    return module


def test_fifty_processes_take_each_email_once(tmp_path: Path) -> None:
    taken, _ = bench_agents().run(50, 1000, tmp_path)
    ids = [i for got in taken.values() for i in got]
    assert len(taken) == 50
    assert len(ids) == 1000 and len(set(ids)) == 1000
    store = Store(tmp_path / "micc.db")
    assert store.query_one("SELECT COUNT(*) FROM conversations WHERE state = 'closed'")[0] == 1000
    takes = store.query(
        "SELECT conversation_id, COUNT(*) FROM events WHERE kind = 'taken' "
        "GROUP BY conversation_id HAVING COUNT(*) > 1"
    )
    assert takes == []
