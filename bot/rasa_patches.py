"""Small, pinned patches to Rasa 3.6.21, applied when the Rasa server loads the model.

1. ``RemoteAction._validate_action_result`` checks every action-server response with
   ``jsonschema.validate``, which first re-checks the whole events schema against the
   JSON-Schema meta-schema and builds a new validator - on every custom action call. In a
   cProfile of our server under load this was about 40 % of the Rasa process's time on turns
   that call the action server (bench/README.md). The patch builds the validator once and
   keeps everything else identical: the same schema (``RemoteAction.action_response_format_spec``),
   the same error chosen (``jsonschema.exceptions.best_match``), the same message appended.
2. ``Agent.handle_message`` waits for the conversation's lock (and with it a place at the turn
   gate, bot.storage.turn_gate) before the message is read. The patch reads the message (the
   same NLU call Rasa makes, ``MessageProcessor.parse_message``) first and hands the result
   on in ``UserMessage.parse_data``, which Rasa then uses instead of reading it again; a
   crisis message's turn is marked urgent and is let in before the turns waiting for a place.
   Our NLU components do not read the tracker, so reading before the lock gives the same
   result. With an HTTP interpreter configured, Rasa's own order is kept.

They are applied by importing :mod:`bot.policies` (config.yml names
``bot.policies.delete_confirm.DeleteConfirmPolicy``, so every process that loads the model -
each Sanic worker included - imports it). A method is replaced only when the installed Rasa
is the pinned version and the method's source is the one its patch was written against
(tests/test_rasa_patches.py fails when either changes); otherwise Rasa is left alone and a
warning logged. Set ``BOT_RASA_PATCHES=off`` to serve stock Rasa (for A/B measurements or if
a patch is ever suspected).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Text

import rasa
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.constants import DOCS_BASE_URL

from bot.crisis.intent import is_crisis_parse
from bot.storage.turn_gate import urgent_turn

logger = logging.getLogger(__name__)

PINNED_RASA_VERSION = "3.6.21"
SWITCH_ENV = "BOT_RASA_PATCHES"

_validator: Optional[Any] = None


@dataclass(frozen=True)
class Patch:
    """One method of a Rasa class replaced by ours, pinned to the stock method's source."""

    owner: type
    name: str
    stock: Callable[..., Any]
    stock_sha256: str  # sha256 of inspect.getsource(stock) in the pinned Rasa
    replacement: Callable[..., Any]

    def installed(self) -> bool:
        return getattr(self.owner, self.name) is self.replacement

    def applies(self) -> bool:
        """True when the installed Rasa is the one the patch was written against."""
        return rasa.__version__ == PINNED_RASA_VERSION and source_sha256(self.stock) == self.stock_sha256


def source_sha256(function: Callable[..., Any]) -> str:
    """sha256 of a function's source text."""
    return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()


def action_response_validator() -> Any:
    """The validator for action-server responses, built (and its schema checked) once."""
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a prebuilt validator."""
    error = best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


async def handle_message_read_first(self: Agent, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
    """``Agent.handle_message`` that reads the message before waiting for its turn, and lets
    a crisis message's turn in first."""
    if not self.is_ready():
        logger.info("Ignoring message as there is no agent to handle it.")
        return None
    processor = self.processor
    assert processor is not None  # is_ready() checks it
    if message.parse_data is None and processor.http_interpreter is None:
        message.parse_data = await processor.parse_message(message)
    with urgent_turn(is_crisis_parse(message.parse_data)):
        async with self.lock_store.lock(message.sender_id):
            return await processor.handle_message(message)


PATCHES = (
    Patch(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result,
          "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42", validate_action_result),
    Patch(Agent, "handle_message", Agent.handle_message,
          "ba53507e4d5532a38d3615aa1968deba6a8086e4fb9601b1526749b132c06308", handle_message_read_first),
)


def apply_patches() -> bool:
    """Install the patches (idempotent); True when Rasa now runs every patched method."""
    if os.environ.get(SWITCH_ENV, "").strip().lower() in ("0", "off", "false", "no"):
        logger.info("%s is off: serving stock Rasa.", SWITCH_ENV)
        return False
    applied = True
    for patch in PATCHES:
        if patch.installed():
            continue
        if not patch.applies():
            logger.warning(
                "Not patching %s.%s: written for rasa %s, found rasa %s with a different method.",
                patch.owner.__name__, patch.name, PINNED_RASA_VERSION, rasa.__version__)
            applied = False
            continue
        setattr(patch.owner, patch.name, patch.replacement)
        logger.debug("Patched %s.%s.", patch.owner.__name__, patch.name)
    return applied

