"""The pinned Rasa patches (bot.rasa_patches): pinned source, same results as stock, applied once."""

import contextlib
import dataclasses

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from bot import rasa_patches
from bot.rasa_patches import (
    PATCHES,
    PINNED_RASA_VERSION,
    apply_patches,
    handle_message_read_first,
    source_sha256,
    validate_action_result,
)
from bot.storage.turn_gate import is_urgent_turn

STOCK_VALIDATE_ACTION_RESULT = PATCHES[0].stock

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "location", "value": "OH"},
                {"event": "active_loop", "name": None}],
     "responses": [{"response": "utter_crisis"}, {"text": "Call or text 988."}]},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "no event type"}]},
    {"events": [{"event": "slot", "name": "location", "value": "OH", "timestamp": "noon"}]},
    {"responses": "not a list"},
    {"responses": [1, 2]},
]


@pytest.mark.parametrize("patch", PATCHES, ids=lambda patch: patch.name)
def test_rasa_and_the_patched_methods_are_the_ones_the_patches_were_written_for(patch):
    """Fails on any Rasa upgrade or change to a method: re-check the patch, then re-pin."""
    assert rasa.__version__ == PINNED_RASA_VERSION
    assert source_sha256(patch.stock) == patch.stock_sha256


def test_importing_the_policies_package_applies_the_patches_once():
    import bot.policies  # noqa: F401  (what loading the model does)

    assert RemoteAction._validate_action_result is validate_action_result
    assert Agent.handle_message is handle_message_read_first
    validator = rasa_patches.action_response_validator()
    assert apply_patches() is True
    assert RemoteAction._validate_action_result is validate_action_result
    assert rasa_patches.action_response_validator() is validator


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass_as_with_stock_rasa(response):
    action = RemoteAction("action_x", None)
    assert STOCK_VALIDATE_ACTION_RESULT(action, response) is True
    assert validate_action_result(action, response) is True


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_raise_the_same_error_as_stock_rasa(response):
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as stock:
        STOCK_VALIDATE_ACTION_RESULT(action, response)
    with pytest.raises(ValidationError) as patched:
        validate_action_result(action, response)
    assert patched.value.message == stock.value.message
    assert list(patched.value.absolute_path) == list(stock.value.absolute_path)
    assert "Failed to validate Action server response" in patched.value.message


def test_switch_off_leaves_stock_rasa(monkeypatch):
    for patch in PATCHES:
        monkeypatch.setattr(patch.owner, patch.name, patch.stock)
    monkeypatch.setenv(rasa_patches.SWITCH_ENV, "off")
    assert apply_patches() is False
    assert all(getattr(patch.owner, patch.name) is patch.stock for patch in PATCHES)


def test_a_changed_method_is_not_patched_and_the_others_still_are(monkeypatch):
    def changed(self, result):
        return True

    validation = dataclasses.replace(PATCHES[0], stock=changed)
    monkeypatch.setattr(rasa_patches, "PATCHES", (validation, PATCHES[1]))
    monkeypatch.setattr(RemoteAction, "_validate_action_result", changed)
    monkeypatch.setattr(Agent, "handle_message", PATCHES[1].stock)
    monkeypatch.delenv(rasa_patches.SWITCH_ENV, raising=False)
    assert apply_patches() is False
    assert RemoteAction._validate_action_result is changed
    assert Agent.handle_message is handle_message_read_first


CRISIS_PARSE = {"text": "i want to die", "intent": {"name": "crisis", "confidence": 1.0}, "entities": []}
ORDINARY_PARSE = {"text": "hi", "intent": {"name": "greet", "confidence": 0.9}, "entities": []}


class FakeAgent:
    """What ``Agent.handle_message`` touches, recording what the turn saw."""

    def __init__(self, parse: dict, http_interpreter: object = None) -> None:
        self.parse, self.seen = parse, {}
        agent = self

        class Processor:
            def __init__(self) -> None:
                self.http_interpreter = http_interpreter
                self.parses = 0

            async def parse_message(self, message, tracker=None):
                self.parses += 1
                agent.seen["urgent while reading"] = is_urgent_turn()
                return dict(agent.parse)

            async def handle_message(self, message):
                agent.seen["parse_data"] = message.parse_data
                return [{"text": "reply"}]

        class LockStore:
            @contextlib.asynccontextmanager
            async def lock(self, conversation_id):
                agent.seen["urgent at the lock"] = is_urgent_turn()
                yield

        self.processor, self.lock_store = Processor(), LockStore()

    def is_ready(self) -> bool:
        return True


@pytest.mark.parametrize("parse, urgent", [(CRISIS_PARSE, True), (ORDINARY_PARSE, False)])
async def test_the_message_is_read_before_the_lock_and_a_crisis_turn_is_urgent(parse, urgent):
    agent = FakeAgent(parse)
    assert await handle_message_read_first(agent, UserMessage(parse["text"], sender_id="s")) == [{"text": "reply"}]
    assert agent.processor.parses == 1
    assert agent.seen == {"urgent while reading": False, "urgent at the lock": urgent, "parse_data": parse}
    assert not is_urgent_turn()


async def test_a_message_with_parse_data_is_not_read_again():
    agent = FakeAgent(ORDINARY_PARSE)
    message = UserMessage("/greet", sender_id="s", parse_data=CRISIS_PARSE)
    await handle_message_read_first(agent, message)
    assert agent.processor.parses == 0 and agent.seen["urgent at the lock"] is True


async def test_with_an_http_interpreter_rasa_reads_the_message_in_its_own_order():
    agent = FakeAgent(CRISIS_PARSE, http_interpreter=object())
    await handle_message_read_first(agent, UserMessage("i want to die", sender_id="s"))
    assert agent.processor.parses == 0
    assert agent.seen == {"urgent at the lock": False, "parse_data": None}
