"""What the crisis hand-off adds after the static 988 response.

The static ``utter_crisis`` response already gives 988, 911 and the Domestic Violence
Hotline, and needs no action server. The hand-off then adds the responses that fit what
the message was about (tags the crisis guard puts on the message as ``crisis_context``
entities) and says which form, if any, it paused.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

CRISIS_CONTEXT_ENTITY = "crisis_context"

# Order in which tailored responses are sent, by crisis_context tag.
CONTEXT_RESPONSES = {
    "partner_violence": "utter_crisis_partner_violence",
    "someone_else": "utter_crisis_someone_else",
    "veteran": "utter_crisis_veteran",
    "spanish": "utter_crisis_spanish",
}

PAUSED_FORM_RESPONSES = {
    "assessment_form": "utter_crisis_paused_form",
    "therapist_form": "utter_crisis_paused_therapist_search",
}
NO_FORM_RESPONSE = "utter_crisis_still_here"


def crisis_contexts(entities: Iterable[Dict[str, Any]]) -> set[str]:
    """The crisis_context tags among a message's entities."""
    return {
        str(entity.get("value"))
        for entity in entities
        if entity.get("entity") == CRISIS_CONTEXT_ENTITY
    }


def handoff_responses(contexts: set[str], paused_form: Optional[str]) -> List[str]:
    """Names of the responses to send, in order, for these tags and paused form."""
    tailored = [name for tag, name in CONTEXT_RESPONSES.items() if tag in contexts]
    return tailored + [PAUSED_FORM_RESPONSES.get(paused_form or "", NO_FORM_RESPONSE)]
