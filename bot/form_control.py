"""Pausing, resuming and restarting the forms (the check-in and the therapist search).

A form is paused by the conversation rules (a "stop" or "I have to go" inside it) or by the
crisis hand-off; its answers stay in their slots. "continue" resumes the form that was
active last, unless it has been completed since; "start over" clears that form's answers
and asks its first question again.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence

FORMS = ("assessment_form", "therapist_form")
# The action that runs when each form is complete: after it there is nothing to resume.
COMPLETION_ACTIONS = {"action_assess_pattern": "assessment_form", "action_search_therapists": "therapist_form"}
DEFAULT_FORM = "assessment_form"
# Slots besides the required ones that belong to a form's answers.
EXTRA_SLOTS = {"assessment_form": ("answer_quotes", "unclear_question")}


def paused_form(events: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The form that was active last and has not been completed since, if any."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "action" and event.get("name") in COMPLETION_ACTIONS:
            return None
        if kind == "active_loop" and event.get("name") in FORMS:
            return str(event["name"])
    return None


def form_to_restart(active_form: Optional[str], events: Sequence[Mapping[str, Any]]) -> str:
    """The form "start over" means: the active one, else the last one, else the check-in."""
    if active_form in FORMS:
        return str(active_form)
    for event in reversed(events):
        if event.get("event") == "active_loop" and event.get("name") in FORMS:
            return str(event["name"])
    return DEFAULT_FORM


def answer_slots(form: str, domain: Mapping[str, Any]) -> List[str]:
    """The slots holding a form's answers (its required slots plus bookkeeping)."""
    required = ((domain.get("forms") or {}).get(form) or {}).get("required_slots") or []
    return [*required, *EXTRA_SLOTS.get(form, ())]


def is_answer_turn(events: Sequence[Mapping[str, Any]], form: str) -> bool:
    """Whether a form's validation is reading the user's reply to its question, not the
    form starting again (after "continue", say): no other action ran since the message."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action" and event.get("name") not in (form, "action_listen"):
            return False
    return False
