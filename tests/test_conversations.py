"""The free-text conversation set (tests/conversations/) replayed through the trained bot.

Gates (issue 8): at least 90% of the conversations reach the right result with no question
asked twice, and no pending question is ever dropped after a fallback. The report is written
to results/conversations.{md,json}.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.support.conversations import (
    ConversationRunner,
    load_conversations,
    report_markdown,
    summarise,
)
from tests.support.stack import ManagedProcess, free_ports, require_model, stop_processes, wait_until_ready

pytestmark = pytest.mark.servers

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "results"
MIN_RIGHT_SHARE = 0.90


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    """The project's action server on a free port, with an empty directory database."""
    port = free_ports(1)[0]
    workdir = tmp_path_factory.mktemp("conversations")
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "DIRECTORY_DB_URL": f"sqlite:///{workdir / 'directory.db'}",
    }
    process = ManagedProcess(
        name="action server",
        command=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(port)],
        log_path=workdir / "actions.log",
        probe_urls=[f"http://127.0.0.1:{port}/health"],
        env=env,
    )
    process.start()
    try:
        wait_until_ready([process], timeout=120)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop_processes([process])


@pytest.fixture(scope="module")
def agent(action_server):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(str(require_model()), action_endpoint=EndpointConfig(url=action_server))


async def test_conversation_set(agent):
    seen: dict[str, int] = {}

    async def turn(sender: str, text: str) -> list[dict]:
        await agent.handle_text(text, sender_id=sender)
        tracker = await agent.tracker_store.retrieve(sender)
        events = [event.as_dict() for event in tracker.events]
        new = events[seen.get(sender, 0):]
        seen[sender] = len(events)
        return new

    runner = ConversationRunner(turn)
    conversations = load_conversations()
    results = [await runner.run(c, f"conv-{c['id']}-{uuid.uuid4().hex[:8]}") for c in conversations]
    summary = summarise(results)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "conversations.md").write_text(report_markdown(results, summary))
    (RESULTS / "conversations.json").write_text(
        json.dumps({"summary": summary, "conversations": [asdict(r) for r in results]}, indent=1)
    )
    print(json.dumps(summary, indent=1))
    assert summary["dropped_after_fallback"] == 0, "a pending question was dropped after a fallback (results/conversations.md)"
    assert summary["right_share"] >= MIN_RIGHT_SHARE, (
        f"{summary['right']} of {summary['conversations']} conversations right; see results/conversations.md"
    )
