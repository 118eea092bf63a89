"""A policy that handles "delete my data" before any active form.

Rasa's RulePolicy lets an active form run first, so inside the check-in "delete my
data" was taken as an answer (or made the form fall back), and the "yes" that confirmed
it was taken as the form's answer or got "Sorry, I didn't quite get that": nothing was
deleted. This policy, with a priority above RulePolicy's (and below the crisis policy's),
predicts, as "no user" predictions like RulePolicy's form predictions:

- after a message with the ``request_intent`` (``delete_data``) - inside a form only at
  ``form_min_confidence`` or above, since free-text answers (an insurance name, SQL) can be
  classified ``delete_data`` at 0.7 and belong to the form - pause the active form
  (``action_deactivate_loop``, only when one is active, so that the answer to the question
  cannot fill one of its slots), then ask the ``question`` (``utter_ask_delete_confirm``);
- after an ``affirm`` to that question: the ``on_affirm`` steps (``action_delete_my_data``;
  the tracker store then deletes the conversation, bot.privacy.deletion);
- after a ``deny``: the ``on_deny`` steps (``utter_delete_cancelled``), then the paused
  form again, which asks its pending question once more.

Each sequence ends with ``action_listen``. Configured in config.yml::

    - name: bot.policies.delete_confirm.DeleteConfirmPolicy
      priority: 7
      request_intent: delete_data
      form_min_confidence: 0.9
      question: utter_ask_delete_confirm
      on_affirm: [action_delete_my_data]
      on_deny: [utter_delete_cancelled]
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.step_sequence import StepSequencePolicy

AFFIRM_INTENT = "affirm"
DENY_INTENT = "deny"


def last_action_before_latest_message(tracker: DialogueStateTracker) -> Optional[Text]:
    """The last action other than ``action_listen`` before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return None
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted) \
                and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class DeleteConfirmPolicy(StepSequencePolicy):
    """Asks, deletes or cancels a "delete my data" request, ahead of any active form."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7, "request_intent": "delete_data", "form_min_confidence": 0.9,
                "question": "utter_ask_delete_confirm",
                "on_affirm": ["action_delete_my_data"], "on_deny": ["utter_delete_cancelled"]}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.request_intent: Text = config["request_intent"]
        self.form_min_confidence: float = config["form_min_confidence"]
        self.question: Text = config["question"]
        self.on_affirm: List[Text] = list(config["on_affirm"])
        self.on_deny: List[Text] = list(config["on_deny"])

    def loop_at_latest_request(self, tracker: DialogueStateTracker) -> Optional[Text]:
        """The form that was active when the latest deletion request arrived."""
        loop, at_request = None, None
        for event in tracker.events:
            if isinstance(event, ActiveLoop):
                loop = event.name
            elif isinstance(event, UserUttered) and event.intent_name == self.request_intent:
                at_request = loop
        return at_request

    def sequence(self, tracker: DialogueStateTracker) -> List[Text]:
        """All steps this policy takes after the latest user message (empty: none)."""
        latest = (tracker.latest_message.intent or {}) if tracker.latest_message else {}
        intent = latest.get("name")
        paused = self.loop_at_latest_request(tracker)
        if intent == self.request_intent and (
            not paused or latest.get("confidence", 0.0) >= self.form_min_confidence
        ):
            pause = [ACTION_DEACTIVATE_LOOP_NAME] if paused else []
            return [*pause, self.question, ACTION_LISTEN_NAME]
        if last_action_before_latest_message(tracker) != self.question:
            return []
        if intent == AFFIRM_INTENT:
            return [*self.on_affirm, ACTION_LISTEN_NAME]
        if intent == DENY_INTENT:
            resume = [paused] if paused else []
            return [*self.on_deny, *resume, ACTION_LISTEN_NAME]
        return []
