"""Crisis messages first: a message the crisis rules match jumps the queue of waiting turns.

Every channel (REST, web chat, SMS) wraps Rasa's message handler with :func:`crisis_first`.
It runs the crisis rules (bot.crisis.detector, on a blank English tokenizer: about a
millisecond) on the text before the turn starts and marks the turn urgent for the turn gate
(bot.storage.turn_gate), which admits it before every ordinary turn still waiting. This only
decides *when* the turn runs; whether it is a crisis is still decided by the NLU pipeline's
crisis guard, rules and scorer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Awaitable, Callable

import spacy
from rasa.core.channels.channel import UserMessage

from bot.crisis.detector import CrisisDetector
from bot.storage.turn_gate import urgent_turn

Handler = Callable[[UserMessage], Awaitable[Any]]


@lru_cache(maxsize=1)
def door_detector() -> CrisisDetector:
    """The crisis rules on a blank English tokenizer, built once per process."""
    return CrisisDetector(spacy.blank("en"))


def looks_like_crisis(text: str) -> bool:
    """Whether a crisis rule matches ``text`` (rules only; the scorer runs in the pipeline)."""
    return bool(text and text.strip()) and door_detector().detect(text) is not None


def crisis_first(on_new_message: Handler) -> Handler:
    """Wrap a channel's message handler: a message that looks like a crisis is urgent."""
    door_detector()  # built at start-up, not during the first message

    async def handle(message: UserMessage) -> Any:
        token = urgent_turn.set(looks_like_crisis(message.text or ""))
        try:
            return await on_new_message(message)
        finally:
            urgent_turn.reset(token)

    return handle
