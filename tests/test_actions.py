"""Each custom action, run with a rasa-sdk Tracker and CollectingDispatcher."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet

from actions.assessment import ActionAssessPattern
from actions.crisis import ActionCrisisHandoff
from actions.privacy import ActionDeleteMyData
from actions.therapist import ActionSearchTherapists, ValidateTherapistForm, directory_engine
from bot.directory import get_engine, import_roster
from tests.test_assessment import ALEX, BOTH, JAMIE, MOSTLY_UNSURE, QUESTIONS

ROSTER = Path(__file__).parent / "fixtures" / "directory" / "roster_good.csv"


def tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    intent: str = "",
    entities: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message=latest,
        events=events or [{"event": "user", "text": text, "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def responses(dispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages]


# ---------------- action_assess_pattern ----------------

@pytest.mark.parametrize(
    "answers, pattern",
    [(JAMIE, "alexithymia_like"), (ALEX, "unavailability_like"), (BOTH, "mixed"), (MOSTLY_UNSURE, "unclear")],
)
async def test_assess_pattern(answers, pattern, dispatcher, domain):
    events = await ActionAssessPattern().run(dispatcher, tracker(answers), domain)
    assert events == [SlotSet("pattern", pattern)] + [SlotSet(q, None) for q in QUESTIONS]
    assert responses(dispatcher) == [f"utter_pattern_{pattern}", f"utter_next_steps_{pattern}"]
    for message in dispatcher.messages:
        assert message["response"] in domain["responses"]


async def test_assess_pattern_names_the_answers(dispatcher, domain):
    await ActionAssessPattern().run(dispatcher, tracker(BOTH), domain)
    result = dispatcher.messages[0]
    assert "other settings" in result["avoid_evidence"]
    assert "body signals" in result["identify_evidence"]


async def test_assess_pattern_with_no_evidence_says_so(dispatcher, domain):
    await ActionAssessPattern().run(dispatcher, tracker(ALEX), domain)
    assert dispatcher.messages[0]["identify_evidence"] == "none of your answers"


# ---------------- action_crisis_handoff ----------------

def crisis_entity(value: str) -> Dict[str, Any]:
    return {"entity": "crisis_context", "value": value, "extractor": "CrisisGuard"}


@pytest.mark.parametrize(
    "entities, active_loop, expected",
    [
        ([], None, ["utter_crisis_still_here"]),
        ([], "assessment_form", ["utter_crisis_paused_form"]),
        ([], "therapist_form", ["utter_crisis_paused_therapist_search"]),
        (
            [crisis_entity("spanish"), crisis_entity("veteran"), crisis_entity("someone_else")],
            "assessment_form",
            ["utter_crisis_someone_else", "utter_crisis_veteran", "utter_crisis_spanish", "utter_crisis_paused_form"],
        ),
        ([{"entity": "other", "value": "veteran"}], None, ["utter_crisis_still_here"]),
        # In progress: no offer to continue anything, no "ask them" advice; 911 closes.
        ([crisis_entity("emergency")], "assessment_form", ["utter_crisis_emergency_still_here"]),
        ([crisis_entity("emergency")], "therapist_form", ["utter_crisis_emergency_still_here"]),
        (
            [crisis_entity("emergency"), crisis_entity("someone_else")],
            None,
            ["utter_crisis_emergency_still_here"],
        ),
    ],
)
async def test_crisis_handoff(entities, active_loop, expected, dispatcher, domain):
    t = tracker(text="...", intent="crisis", entities=entities, active_loop=active_loop)
    assert await ActionCrisisHandoff().run(dispatcher, t, domain) == []
    assert responses(dispatcher) == expected
    assert all(name in domain["responses"] for name in expected)


def test_emergency_closing_offers_nothing_to_continue(domain):
    [variant] = domain["responses"]["utter_crisis_emergency_still_here"]
    assert "buttons" not in variant and "911" in variant["text"]
    [first] = domain["responses"]["utter_crisis_emergency"]
    assert first["text"].index("911") < first["text"].index("988")
    assert "1-800-222-1222" in first["text"]


async def test_partner_violence_turns_on_safety_focus(dispatcher, domain):
    t = tracker(text="...", intent="crisis", entities=[crisis_entity("partner_violence")])
    assert await ActionCrisisHandoff().run(dispatcher, t, domain) == [SlotSet("safety_focus", True)]
    assert responses(dispatcher) == ["utter_crisis_partner_violence", "utter_crisis_still_here"]
    assert "safety_focus" in domain["slots"]


# ---------------- action_delete_my_data ----------------

async def test_delete_my_data_marks_the_conversation(dispatcher, domain):
    events = await ActionDeleteMyData().run(dispatcher, tracker(intent="affirm"), domain)
    assert events == [SlotSet("data_deletion_requested", True)]
    assert responses(dispatcher) == ["utter_data_deleted"]


# ---------------- validate_therapist_form ----------------

async def validate(slot: str, text: str, dispatcher, domain) -> List[Dict[str, Any]]:
    t = tracker(
        slots={"requested_slot": slot, slot: text},
        text=text,
        intent="inform",
        active_loop="therapist_form",
        events=[
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "inform"}}},
            {"event": "slot", "name": slot, "value": text},
        ],
    )
    return await ValidateTherapistForm().run(dispatcher, t, domain)


@pytest.mark.parametrize(
    "slot, text, value",
    [
        ("location", "I live in new york", "NY"),
        ("location", "New York", "NY"),
        ("location", "oh", "OH"),
        ("location", "10001-1234", "10001"),
        ("location", "Atlantis", None),
        ("help_type", "couples", "couples"),
        ("help_type", "just for me", "individual"),
        ("help_type", "both individual and couples", None),
        ("approach", "acceptance and commitment therapy", "act"),
        ("approach", "behavioral activation", "behavioral_activation"),
        ("approach", "compassion-focused", "compassion_focused"),
        ("approach", "no preference", "any"),
        ("approach", "hypnosis", None),
        ("insurance", "skip", "any"),
        ("insurance", "no insurance preference", "any"),
        ("approach", "any approach", "any"),
        ("insurance", "Aetna", "aetna"),
        ("telehealth", "in person only", "no"),
        ("telehealth", "video is fine", None),
        ("telehealth", "yes", "yes"),
    ],
)
async def test_validate_therapist_form(slot, text, value, dispatcher, domain):
    events = await validate(slot, text, dispatcher, domain)
    assert SlotSet(slot, value) in events
    if value is None:
        assert responses(dispatcher) == [f"utter_invalid_{slot}"]
    else:
        assert responses(dispatcher) == []


# ---------------- action_search_therapists ----------------

FORM_SLOTS = ["location", "help_type", "approach", "insurance", "telehealth"]


@pytest.fixture
def directory(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'directory.db'}"
    monkeypatch.setenv("DIRECTORY_DB_URL", url)
    directory_engine.cache_clear()
    report = import_roster(get_engine(url), ROSTER)
    assert report.rejected == 0 and report.inserted == 3
    yield url
    directory_engine.cache_clear()


def search_tracker(**slots: str) -> Tracker:
    return tracker(slots=slots)


async def test_search_lists_matches(directory, dispatcher, domain):
    t = search_tracker(location="10001", help_type="couples", approach="act", insurance="aetna", telehealth="no")
    events = await ActionSearchTherapists().run(dispatcher, t, domain)
    assert events == [SlotSet(s, None) for s in FORM_SLOTS]
    assert responses(dispatcher) == ["utter_therapists_found"]
    text = dispatcher.messages[0]["matches"]
    assert text.startswith("1. Test Provider A, LMFT. Approach: ACT")
    assert "212-555-0101" in text and "https://example.com/book/a" in text
    assert len(text.splitlines()) <= 3


async def test_search_without_match_gives_national_options(directory, dispatcher, domain):
    t = search_tracker(location="AK", help_type="individual", approach="any", insurance="any", telehealth="yes")
    await ActionSearchTherapists().run(dispatcher, t, domain)
    assert responses(dispatcher) == ["utter_therapists_none"]
    text = domain["responses"]["utter_therapists_none"][0]["text"]
    for resource in ("1-800-662-4357", "FindTreatment.gov", "aamft.org", "psychologytoday.com", "988"):
        assert resource in text


async def test_search_when_directory_is_unreachable(tmp_path, monkeypatch, dispatcher, domain):
    # Nothing listens on port 1: the connection is refused at once.
    monkeypatch.setenv("DIRECTORY_DB_URL", "postgresql://bot:secret@127.0.0.1:1/directory")
    directory_engine.cache_clear()
    t = search_tracker(location="NY", help_type="individual", approach="any", insurance="any", telehealth="no")
    try:
        events = await ActionSearchTherapists().run(dispatcher, t, domain)
    finally:
        directory_engine.cache_clear()
    assert responses(dispatcher) == ["utter_directory_unavailable"]
    assert events == [SlotSet(s, None) for s in FORM_SLOTS]


@pytest.mark.parametrize("confidence, rejected", [(0.95, True), (0.49, False)])
async def test_validate_therapist_form_ends_only_on_a_confident_stop(confidence, rejected, dispatcher, domain):
    text = "stop" if rejected else "'; DROP TABLE events; --"
    latest = {"text": text, "intent": {"name": "stop", "confidence": confidence}, "entities": []}
    t = Tracker(
        sender_id="test", slots={"requested_slot": "location", "location": text},
        latest_message=latest,
        events=[{"event": "user", "text": text, "parse_data": latest},
                {"event": "slot", "name": "location", "value": text}],
        paused=False, followup_action=None, active_loop={"name": "therapist_form"},
        latest_action_name="action_listen",
    )
    events = await ValidateTherapistForm().run(dispatcher, t, domain)
    if rejected:
        assert events == [ActionExecutionRejected("therapist_form")]
    else:
        assert SlotSet("location", None) in events
        assert responses(dispatcher) == ["utter_invalid_location"]
