"""The pinned Rasa patch (bot.rasa_patches): pinned source, same verdicts as stock, applied once."""

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_patches
from bot.rasa_patches import (
    PINNED_RASA_VERSION,
    PINNED_SOURCE_SHA256,
    STOCK_VALIDATE_ACTION_RESULT,
    apply_patches,
    source_sha256,
    validate_action_result,
)

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


def test_rasa_and_the_patched_method_are_the_ones_the_patch_was_written_for():
    """Fails on any Rasa upgrade or change to the method: re-check the patch, then re-pin."""
    assert rasa.__version__ == PINNED_RASA_VERSION
    assert source_sha256(STOCK_VALIDATE_ACTION_RESULT) == PINNED_SOURCE_SHA256


def test_importing_the_policies_package_applies_the_patch_once():
    import bot.policies  # noqa: F401  (what loading the model does)

    assert RemoteAction._validate_action_result is validate_action_result
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
    monkeypatch.setattr(RemoteAction, "_validate_action_result", STOCK_VALIDATE_ACTION_RESULT)
    monkeypatch.setenv(rasa_patches.SWITCH_ENV, "off")
    assert apply_patches() is False
    assert RemoteAction._validate_action_result is STOCK_VALIDATE_ACTION_RESULT


def test_a_changed_method_is_not_patched(monkeypatch):
    def changed(self, result):
        return True

    monkeypatch.setattr(rasa_patches, "STOCK_VALIDATE_ACTION_RESULT", changed)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", changed)
    monkeypatch.delenv(rasa_patches.SWITCH_ENV, raising=False)
    assert apply_patches() is False
    assert RemoteAction._validate_action_result is changed
