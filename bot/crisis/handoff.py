"""What the crisis hand-off adds after the static first response.

The static first response (``utter_crisis``, or ``utter_crisis_emergency`` for an
overdose or injury in progress, chosen by CrisisFirstPolicy) needs no action server. The
hand-off then adds the responses that fit what the message was about (tags the crisis
guard puts on the message as ``crisis_context`` entities) and says which form, if any, it
paused. In an emergency it offers nothing to go on with: no "continue" button, only 911.
After every crisis message it turns on ``safety_focus``, which keeps follow-up questions
("what should I do?") on safety until the user moves on (domain.yml, data/rules.yml), and
sets ``crisis_kind``, which picks the follow-up's text (``utter_safety_focus``): 911 first
in an emergency, safety planning and the DV Hotline after partner violence, how to help
for someone else, 988 and a safer night for the user's own thoughts of suicide or self-harm.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

CRISIS_CONTEXT_ENTITY = "crisis_context"
EMERGENCY = "emergency"
PARTNER_VIOLENCE = "partner_violence"
SAFETY_FOCUS_SLOT = "safety_focus"
CRISIS_KIND_SLOT = "crisis_kind"
SOMEONE_ELSE = "someone_else"
SELF = "self"
# crisis_kind values, most urgent first: the first tag the message carries wins.
KIND_TAGS = (EMERGENCY, PARTNER_VIOLENCE, SOMEONE_ELSE)

# Order in which tailored responses are sent, by crisis_context tag.
CONTEXT_RESPONSES = {
    PARTNER_VIOLENCE: "utter_crisis_partner_violence",
    SOMEONE_ELSE: "utter_crisis_someone_else",
    "veteran": "utter_crisis_veteran",
    "spanish": "utter_crisis_spanish",
}
# In an emergency the first response already says what to do for someone else (911).
NOT_IN_EMERGENCY = frozenset({SOMEONE_ELSE})

PAUSED_FORM_RESPONSES = {
    "assessment_form": "utter_crisis_paused_form",
    "therapist_form": "utter_crisis_paused_therapist_search",
}
NO_FORM_RESPONSE = "utter_crisis_still_here"
EMERGENCY_CLOSING_RESPONSE = "utter_crisis_emergency_still_here"


def crisis_contexts(entities: Iterable[Dict[str, Any]]) -> set[str]:
    """The crisis_context tags among a message's entities."""
    return {
        str(entity.get("value"))
        for entity in entities
        if entity.get("entity") == CRISIS_CONTEXT_ENTITY
    }


def handoff_responses(contexts: set[str], paused_form: Optional[str]) -> List[str]:
    """Names of the responses to send, in order, for these tags and paused form."""
    emergency = EMERGENCY in contexts
    tailored = [
        name
        for tag, name in CONTEXT_RESPONSES.items()
        if tag in contexts and not (emergency and tag in NOT_IN_EMERGENCY)
    ]
    if emergency:
        return tailored + [EMERGENCY_CLOSING_RESPONSE]
    return tailored + [PAUSED_FORM_RESPONSES.get(paused_form or "", NO_FORM_RESPONSE)]


def crisis_kind(contexts: set[str]) -> str:
    """What the follow-up safety steps are about, from the message's tags."""
    return next((tag for tag in KIND_TAGS if tag in contexts), SELF)
