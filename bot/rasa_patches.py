"""Small, pinned performance patches to Rasa 3.6.21, applied when the Rasa server loads the model.

``RemoteAction._validate_action_result`` checks every action-server response with
``jsonschema.validate``, which first re-checks the whole events schema against the
JSON-Schema meta-schema and builds a new validator - on every custom action call. In a
cProfile of our server under load this was about 40 % of the Rasa process's time on turns
that call the action server (bench/README.md). The patch builds the validator once and
keeps everything else identical: the same schema (``RemoteAction.action_response_format_spec``),
the same error chosen (``jsonschema.exceptions.best_match``), the same message appended.

It is applied by importing :mod:`bot.policies` (config.yml names
``bot.policies.delete_confirm.DeleteConfirmPolicy``, so every process that loads the model -
each Sanic worker included - imports it). It replaces the method only when the installed
Rasa is the pinned version and the method's source is the one this patch was written
against (tests/test_rasa_patches.py fails when either changes); otherwise it leaves Rasa
alone and logs a warning. Set ``BOT_RASA_PATCHES=off`` to serve stock Rasa (for A/B
measurements or if the patch is ever suspected).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
from typing import Any, Callable, Dict, Optional, Text

import rasa
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

logger = logging.getLogger(__name__)

PINNED_RASA_VERSION = "3.6.21"
# sha256 of inspect.getsource(RemoteAction._validate_action_result) in rasa 3.6.21.
PINNED_SOURCE_SHA256 = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
SWITCH_ENV = "BOT_RASA_PATCHES"

STOCK_VALIDATE_ACTION_RESULT: Callable[[RemoteAction, Dict[Text, Any]], bool] = (
    RemoteAction._validate_action_result
)
_validator: Optional[Any] = None


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


def patch_applies() -> bool:
    """True when the installed Rasa is the one the patch was written against."""
    return (
        rasa.__version__ == PINNED_RASA_VERSION
        and source_sha256(STOCK_VALIDATE_ACTION_RESULT) == PINNED_SOURCE_SHA256
    )


def apply_patches() -> bool:
    """Install the patch (idempotent); True when Rasa now runs the patched method."""
    if os.environ.get(SWITCH_ENV, "").strip().lower() in ("0", "off", "false", "no"):
        logger.info("%s is off: serving stock Rasa.", SWITCH_ENV)
        return False
    if RemoteAction._validate_action_result is validate_action_result:
        return True
    if not patch_applies():
        logger.warning(
            "Not patching RemoteAction._validate_action_result: written for rasa %s, "
            "found rasa %s with a different method.", PINNED_RASA_VERSION, rasa.__version__)
        return False
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    logger.debug("Patched RemoteAction._validate_action_result (validator built once).")
    return True

