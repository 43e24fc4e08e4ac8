"""The stale reply, with three consoles' facades in three processes on one store.

alice takes an e-mail and opens a reply; the supervisor releases it from her;
bob takes it and answers; then alice sends. Her reply must be refused (not
sent), she must be told what happened, by whom and when, and her draft kept:
the customer gets exactly one answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import audit
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from tests.agent_fixtures import deliver, mail, workspace

ROOT = Path(__file__).resolve().parents[1]


class Desk:
    """A ``tests.desk_process`` child: one person's facade in its own process."""

    def __init__(self, config: Config, person: str) -> None:
        assert config.source is not None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.desk_process", str(config.source), person],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": person}

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the desk process died (exit {self.process.poll()})"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def do(self, **command: object) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, to="Solidus.Support@seclab.com"))
    return config


@pytest.fixture
def desks(config: Config) -> Iterator[dict[str, Desk]]:
    opened = {person: Desk(config, person) for person in ("alice", "bob", "carol")}
    yield opened
    for desk in opened.values():
        desk.close()


def test_a_reply_from_a_composer_whose_email_moved_on_is_refused(
    config: Config, desks: dict[str, Desk]
) -> None:
    alice, bob, carol = desks["alice"], desks["bob"], desks["carol"]
    taken = alice.do(do="take_next")["taken"]
    assert taken is not None
    assert alice.do(do="draft", id=taken) == {"draft": taken}
    assert carol.do(do="release", id=taken) == {"released": taken}
    assert bob.do(do="take_next") == {"taken": taken}
    assert bob.do(do="draft", id=taken) == {"draft": taken}
    assert "outbox" in bob.do(do="send", body="Bob's answer\n")

    stale = alice.do(do="send", body="Alice's answer\n")
    assert stale["draft_kept"] is True
    # What happened, by whom, in order: released by Carol, taken and answered by Bob.
    story = stale["story"]
    assert "released by Carol White at " in story
    assert "taken by Bob Jones at " in story
    assert "answered by Bob Jones at " in story
    assert story.index("released") < story.index("taken") < story.index("answered")
    assert "answered by Bob Jones" in stale["refused"]

    with Store(config.store.path) as store:
        replies = store.query(
            "SELECT agent_id, state FROM outbox WHERE conversation_id = ?", (taken,)
        )
        assert [tuple(r) for r in replies] == [("bob", "queued")]
        bodies = store.query(
            "SELECT body_text FROM messages WHERE conversation_id = ? AND direction = 'out'",
            (taken,),
        )
        assert [r[0] for r in bodies] == ["Bob's answer\n"]
        # The draft is not lost: kept as an internal note, never sent.
        assert "note" in alice.do(do="keep_as_note")
        kinds = [e.kind for e in audit.trail(store, taken)]
        assert kinds.count("replied") == 1 and kinds[-1] == "note_added"
        note = store.query_one(
            "SELECT agent_id, body FROM notes WHERE conversation_id = ?", (taken,)
        )
        assert note is not None and tuple(note) == ("alice", "Alice's answer")
