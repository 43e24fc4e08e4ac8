"""One person's facade in a process of its own, driven line by line over stdin.

``python -m tests.desk_process CONFIG ID`` opens the agent facade for ``ID``
(the supervisor facade when ``ID`` is a supervisor) on the config's store and
answers one JSON line per command read, as a console in another SSH session
would act:

- ``{"do": "take_next"}`` -> ``{"taken": id}``
- ``{"do": "draft", "id": N}``: open a reply to conversation N and keep it
- ``{"do": "send", "body": "..."}``: send the kept draft with that text ->
  ``{"outbox": id}`` or ``{"refused": words, "story": words}``; a refused
  draft is kept
- ``{"do": "keep_as_note"}``: save the kept draft's text as an internal note
- ``{"do": "release", "id": N}``: a supervisor releases conversation N
- ``{"do": "state", "state": "available"}``: go Available (or Away)
- ``{"do": "wait", "id": N, "reminder": "in 3 days"}``: wait for the customer's
  answer to conversation N -> ``{"waiting": N, "remind_at": iso or None}``
- ``{"do": "in_hand"}`` -> ``{"in_hand": [ids], "waiting": [ids]}``
"""

from __future__ import annotations

import json
import sys
from typing import Any

from engine.config import load_config
from engine.drafts import Draft
from engine.errors import MiccError
from engine.lifecycle import ConversationMoved
from engine.service import open_contact_center
from engine.supervision import open_supervision


def main(config_path: str, person: str) -> None:
    config = load_config(config_path)
    agent = config.find_agent(person)
    assert agent is not None, f"{person} is not in the config"
    supervisor = open_supervision(config, person) if agent.role == "supervisor" else None
    desk = open_contact_center(config, person)
    draft: Draft | None = None
    print(json.dumps({"ready": person}), flush=True)
    for line in sys.stdin:
        command: dict[str, Any] = json.loads(line)
        answer: dict[str, Any] = {}
        try:
            if command["do"] == "take_next":
                item = desk.take_next()
                answer = {"taken": item.id if item else None}
            elif command["do"] == "draft":
                draft = desk.draft(command["id"], "reply")
                answer = {"draft": draft.conversation_id}
            elif command["do"] == "send":
                assert draft is not None
                draft = draft.edited(body=command["body"])
                result = desk.send(draft)
                draft = None
                answer = {"outbox": result.outbox_id}
            elif command["do"] == "keep_as_note":
                assert draft is not None and draft.conversation_id is not None
                answer = {"note": desk.add_note(draft.conversation_id, draft.body)}
                draft = None
            elif command["do"] == "state":
                desk.set_state(command["state"])
                answer = {"state": desk.state()}
            elif command["do"] == "wait":
                due = desk.wait_for_customer(command["id"], command["reminder"])
                answer = {"waiting": command["id"], "remind_at": due.isoformat() if due else None}
            elif command["do"] == "in_hand":
                answer = {
                    "in_hand": [i.id for i in desk.in_hand()],
                    "waiting": [i.id for i in desk.waiting()],
                }
            elif command["do"] == "release":
                assert supervisor is not None
                supervisor.release(command["id"])
                answer = {"released": command["id"]}
        except ConversationMoved as exc:
            answer = {
                "refused": exc.explain(desk.name_of),
                "story": exc.story(desk.name_of),
                "draft_kept": draft is not None,
            }
        except MiccError as exc:
            answer = {"refused": str(exc)}
        print(json.dumps(answer), flush=True)
    desk.close()
    if supervisor is not None:
        supervisor.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
