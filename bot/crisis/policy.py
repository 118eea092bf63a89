"""A policy that answers a crisis message before anything else, forms included.

Rasa's RulePolicy always lets an active form run first. A form with a validation action
(``therapist_form``) calls the action server on every message, so with the action server
down a crisis message inside that form got no reply at all. This policy, with a priority
above RulePolicy's, predicts the crisis steps straight after a message whose intent is
``crisis`` - the static response first, which needs no action server - and nothing
otherwise. Like RulePolicy's form predictions it is a "no user" prediction, the kind the
ensemble ranks first, so among those its higher priority wins. Configured in config.yml::

    - name: bot.crisis.policy.CrisisFirstPolicy
      priority: 8
      intent: crisis
      steps: [utter_crisis, action_crisis_handoff, action_deactivate_loop]
      # a message tagged `emergency` (overdose or injury in progress) gets these instead
      steps_by_tag:
        emergency: [utter_crisis_emergency, action_crisis_handoff, action_deactivate_loop]

The tag comes from the crisis guard (``crisis_context`` entities on the message), so the
urgent reply too is static and needs no action server.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.trackers import DialogueStateTracker

from bot.crisis.handoff import crisis_contexts as message_tags
from bot.policies.step_sequence import StepSequencePolicy


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class CrisisFirstPolicy(StepSequencePolicy):
    """Predicts the configured crisis steps, then listening, after a crisis message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 8, "intent": "crisis", "steps": [], "steps_by_tag": {}}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.intent: Text = config["intent"]
        self.default_sequence: List[Text] = [*config["steps"], ACTION_LISTEN_NAME]
        # Checked in configuration order: the first tag the message carries wins.
        self.sequences_by_tag: Dict[Text, List[Text]] = {
            tag: [*steps, ACTION_LISTEN_NAME] for tag, steps in config["steps_by_tag"].items()
        }

    def sequence(self, tracker: DialogueStateTracker) -> List[Text]:
        """The crisis steps after a crisis message; none after any other."""
        latest = tracker.latest_message
        if latest is None or latest.intent.get("name") != self.intent:
            return []
        return self.sequence_for(message_tags(latest.entities or []))

    def sequence_for(self, tags: Set[Text]) -> List[Text]:
        """The steps (then listening) for a crisis message carrying these tags."""
        for tag, sequence in self.sequences_by_tag.items():
            if tag in tags:
                return sequence
        return self.default_sequence
