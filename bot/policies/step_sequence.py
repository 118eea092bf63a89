"""The base of the policies that run a configured sequence of steps after a user message.

A subclass says which steps follow the latest user message (`sequence`); this class
predicts the next one not yet run, as a "no user" prediction: Rasa's ensemble ranks those
(RulePolicy's active-form predictions are the others) above all the rest, so among them
the policy's priority decides, and such a policy can go ahead of an active form.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


def actions_since_last_user_message(tracker: DialogueStateTracker) -> List[Text]:
    """Names of the actions run since the latest user message, oldest first."""
    names: List[Text] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            names.append(event.action_name)
    return list(reversed(names))


class StepSequencePolicy(Policy):
    """Predicts, one by one, the steps `sequence` gives for the latest user message."""

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn: the steps come from the configuration."""
        return self._resource

    def sequence(self, tracker: DialogueStateTracker) -> List[Text]:
        """All steps to take after the latest user message, ending with action_listen
        (empty: this policy has nothing to say)."""
        raise NotImplementedError

    def next_step(self, tracker: DialogueStateTracker) -> Optional[Text]:
        """The step to run next, or None when this policy has nothing to say."""
        sequence = self.sequence(tracker)
        done = actions_since_last_user_message(tracker)
        if len(done) >= len(sequence) or done != sequence[: len(done)]:
            return None
        return sequence[len(done)]

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        step = self.next_step(tracker)
        if step is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(step)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)
