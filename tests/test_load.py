"""Load: 50 concurrent conversations for 60 s on loopback, every message answered exactly once.

Uses the benchmark's load driver (bench.load) against the shared ``bot_stack``: 50
users each walk the benchmark's conversation paths (check-in, learn, therapist
search, crisis) one message at a time, bounded by 60 s and 5,000 messages. Every
message must get HTTP 200 with at least one reply, and the SQL tracker store must
hold each message once, in order, with exactly the replies the user received.
"""

from __future__ import annotations

import asyncio

import pytest

from bench import paths
from bench.conversations import answered_exactly_once, stored_turns
from bench.load import run_load

pytestmark = pytest.mark.servers

USERS = 50
SECONDS = 60.0
MAX_MESSAGES = 5000


def test_fifty_concurrent_conversations_for_a_minute(bot_stack):
    result = asyncio.run(run_load(bot_stack.rasa_urls[0], paths.OURS, users=USERS,
                                  duration=SECONDS, max_messages=MAX_MESSAGES, timeout=60))
    errors = [(s.sender, s.text, s.error) for s in result.samples if s.error]
    print(f"\nload: {len(result.samples)} messages in {result.conversations} conversations "
          f"over {result.wall_seconds:.1f} s, {len(errors)} errors")
    assert not errors, errors[:10]
    assert result.conversations >= USERS
    senders = {sample.sender for sample in result.samples}
    problems = answered_exactly_once(result.samples,
                                     stored_turns(bot_stack.env["TRACKER_DB_URL"], senders))
    assert not problems, problems[:10]
