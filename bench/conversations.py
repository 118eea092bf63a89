"""What the SQL tracker store holds, turn by turn, checked against what the users sent.

A turn is a user event and every event after it up to the next user event. A
message was answered exactly once when its conversation in the store holds it once,
in the order sent, and its turn holds as many bot events as the REST reply carried
and ends with ``action_listen``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa

from bench.load import Sample


@dataclass(frozen=True)
class Turn:
    user_text: str
    bot_texts: list[str]
    last_action: str


def stored_turns(db_url: str, senders: Iterable[str] | None = None) -> dict[str, list[Turn]]:
    """Each conversation's turns from the ``events`` table (all senders, or ``senders``)."""
    query = "SELECT sender_id, type_name, action_name, data FROM events"
    wanted = None if senders is None else set(senders)
    rows: dict[str, list] = {}
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            for row in connection.execute(sa.text(query + " ORDER BY id")):
                if wanted is None or row.sender_id in wanted:
                    rows.setdefault(row.sender_id, []).append(row)
    finally:
        engine.dispose()
    return {sender: _turns(events) for sender, events in rows.items()}


def _turns(events: list) -> list[Turn]:
    turns: list[Turn] = []
    for row in events:
        if row.type_name == "user":
            turns.append(Turn(json.loads(row.data).get("text") or "", [], ""))
        elif turns and row.type_name == "bot":
            turns[-1].bot_texts.append(json.loads(row.data).get("text") or "")
        elif turns and row.type_name == "action":
            turns[-1] = Turn(turns[-1].user_text, turns[-1].bot_texts, row.action_name)
    return turns


def answered_exactly_once(samples: Iterable[Sample], turns: dict[str, list[Turn]]) -> list[str]:
    """Problems found (empty when every sent message was stored and answered exactly once)."""
    sent: dict[str, list[Sample]] = {}
    for sample in samples:
        sent.setdefault(sample.sender, []).append(sample)
    problems = []
    for sender, messages in sent.items():
        stored = turns.get(sender, [])
        if [turn.user_text for turn in stored] != [message.text for message in messages]:
            problems.append(f"{sender}: sent {[m.text for m in messages]}, "
                            f"stored {[t.user_text for t in stored]}")
            continue
        for message, turn in zip(messages, stored):
            if len(turn.bot_texts) != message.replies or turn.last_action != "action_listen":
                problems.append(f"{sender}: {message.text!r} got {message.replies} replies, "
                                f"stored {len(turn.bot_texts)} ending in {turn.last_action!r}")
    return problems
