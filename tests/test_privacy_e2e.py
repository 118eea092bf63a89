"""Delete-my-data end to end in-process: the trained model, the real action server, SQL
rows checked. An Agent is loaded exactly as `rasa run` loads it (same endpoints file), so
no channel is involved: the tracker store deletes when it saves the confirming turn
(tests/test_deletion_channels.py covers REST, web and SMS on SQLite and PostgreSQL).
"""

import pytest
import sqlalchemy as sa
from rasa.core.agent import load_agent
from rasa.core.utils import AvailableEndpoints

from bot.privacy.deletion import DELETION_SLOT
from tests.support.stack import RasaStack, require_model

pytestmark = pytest.mark.servers


def rows_by_sender(db_url: str) -> dict[str, int]:
    with sa.create_engine(db_url).connect() as connection:
        result = connection.execute(sa.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id"))
        return dict(result.all())


async def test_delete_my_data_removes_rows_and_next_message_starts_fresh(tmp_path, monkeypatch):
    model = require_model()
    db_url = f"sqlite:///{tmp_path}/tracker.db"
    monkeypatch.setenv("TRACKER_DB_URL", db_url)
    endpoints = {"tracker_store": {"type": "bot.storage.tracker_store.EnvSQLTrackerStore"}}
    with RasaStack(tmp_path, model=model, replicas=0, endpoints=endpoints) as stack:
        agent = await load_agent(
            model_path=str(model),
            endpoints=AvailableEndpoints.read_endpoints(str(stack.endpoints_path)),
        )
        for sender in ("keeper", "leaver"):
            await agent.handle_text("/greet", sender_id=sender)
        assert await agent.handle_text("/delete_data", sender_id="leaver")
        before = rows_by_sender(db_url)  # not confirmed yet: nothing deleted
        confirmation = await agent.handle_text("/affirm", sender_id="leaver")
        after = rows_by_sender(db_url)
        replies = await agent.handle_text("/greet", sender_id="leaver")
        fresh = await agent.tracker_store.retrieve_full_tracker("leaver")
        restarted = rows_by_sender(db_url)

    assert "deleted" in confirmation[0]["text"]
    assert before["leaver"] > before["keeper"] and after == {"keeper": before["keeper"]}
    assert replies
    # The next message starts a new conversation: the same rows as keeper's first greeting.
    assert restarted == {"keeper": before["keeper"], "leaver": before["keeper"]}
    events = [event.as_dict() for event in fresh.events]
    assert [event["event"] for event in events[:2]] == ["action", "session_started"]
    assert [event.get("text") for event in events if event["event"] == "user"] == ["/greet"]
    assert fresh.get_slot(DELETION_SLOT) is None
