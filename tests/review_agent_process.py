"""An agent's side of the review round trip, run as its own process.

``python -m tests.review_agent_process CONFIG reply`` takes the oldest
Marketing e-mail as bob, answers it and prints the outbox id;
``... outcomes`` prints bob's review outcomes as JSON lines.
"""

from __future__ import annotations

import json
import sys

from engine.config import load_config
from engine.service import open_contact_center


def main(config_path: str, action: str) -> None:
    bob = open_contact_center(load_config(config_path), "bob")
    if action == "reply":
        item = bob.take_next("Marketing")
        assert item is not None, "nothing queued for Marketing"
        draft = bob.draft(item.id, "reply")
        result = bob.send(draft.edited(body="Thank you, we will call you tomorrow.\n"))
        print(
            json.dumps(
                {
                    "outbox": result.outbox_id,
                    "review": result.pending_review,
                    "conversation": item.id,
                }
            )
        )
    elif action == "outcomes":
        for outcome in bob.review_outcomes():
            print(
                json.dumps(
                    {
                        "outbox": outcome.outbox_id,
                        "state": outcome.state,
                        "comment": outcome.comment,
                    }
                )
            )
        print(json.dumps({"in_hand": [i.id for i in bob.in_hand()]}))
    bob.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
