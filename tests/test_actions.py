"""Each custom action, run with a rasa-sdk Tracker and CollectingDispatcher."""

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet

from actions.assessment import ActionAssessPattern
from actions.crisis import ActionCrisisHandoff
from actions.privacy import ActionDeleteMyData
import actions.therapist
from actions.therapist import ActionSearchTherapists, ValidateTherapistForm, directory_engine
from bot.directory import get_engine, import_roster
from bot.directory.npi_registry import NpiRegistry
from bot.directory.registry_prefetch import PrefetchingRegistry
from tests.test_npi_registry import FakeRegistry
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
    assert events == [SlotSet("pattern", pattern)] + [
        SlotSet(q, None) for q in (*QUESTIONS, "answer_quotes", "unclear_question")
    ]
    assert responses(dispatcher) == [f"utter_pattern_{pattern}", f"utter_next_steps_{pattern}"]
    for message in dispatcher.messages:
        assert message["response"] in domain["responses"]


async def test_assess_pattern_names_the_answers(dispatcher, domain):
    await ActionAssessPattern().run(dispatcher, tracker(BOTH), domain)
    result = dispatcher.messages[0]
    assert "other settings" in result["avoid_evidence"]
    assert "body signals" in result["identify_evidence"]


async def test_assess_pattern_quotes_the_users_words(dispatcher, domain):
    quotes = {"q_body_signals": "he says he's tired when something's clearly bothering him"}
    await ActionAssessPattern().run(dispatcher, tracker({**JAMIE, "answer_quotes": quotes}), domain)
    assert responses(dispatcher) == [
        "utter_pattern_alexithymia_like", "utter_pattern_quotes", "utter_next_steps_alexithymia_like"
    ]
    assert dispatcher.messages[1]["quotes"] == '"he says he\'s tired when something\'s clearly bothering him"'


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
    events = await ActionCrisisHandoff().run(dispatcher, t, domain)
    assert events[0] == SlotSet("safety_focus", True)
    assert responses(dispatcher) == expected
    assert all(name in domain["responses"] for name in expected)


def test_emergency_closing_offers_nothing_to_continue(domain):
    [variant] = domain["responses"]["utter_crisis_emergency_still_here"]
    assert "buttons" not in variant and "911" in variant["text"]
    [first] = domain["responses"]["utter_crisis_emergency"]
    assert first["text"].index("911") < first["text"].index("988")
    assert "1-800-222-1222" in first["text"]


def safety_focus_variant(domain: Dict[str, Any], kind: str) -> Dict[str, Any]:
    """The utter_safety_focus variant Rasa picks for this crisis_kind (the one without a
    condition when no condition names it)."""
    variants = domain["responses"]["utter_safety_focus"]
    for variant in variants:
        if any(condition.get("value") == kind for condition in variant.get("condition", [])):
            return variant
    return next(variant for variant in variants if "condition" not in variant)


@pytest.mark.parametrize("tags, kind", [
    ([], "self"),
    (["veteran"], "self"),
    (["partner_violence"], "partner_violence"),
    (["someone_else", "veteran"], "someone_else"),
    (["emergency", "someone_else"], "emergency"),
    (["partner_violence", "emergency"], "emergency"),
])
async def test_every_crisis_turns_on_safety_focus_of_its_kind(tags, kind, dispatcher, domain):
    """After any crisis message, "what should I do?" stays on safety (data/rules.yml) with
    the utter_safety_focus variant for its kind (domain.yml)."""
    t = tracker(text="...", intent="crisis", entities=[crisis_entity(tag) for tag in tags])
    assert await ActionCrisisHandoff().run(dispatcher, t, domain) == [
        SlotSet("safety_focus", True), SlotSet("crisis_kind", kind)]
    assert kind in domain["slots"]["crisis_kind"]["values"]
    chosen = safety_focus_variant(domain, kind)
    assert "911" in chosen["text"]
    assert ("1-800-799-7233" in chosen["text"]) == (kind == "partner_violence")


def test_every_response_the_handoff_names_is_in_the_domain(domain):
    from bot.crisis.handoff import CONTEXT_RESPONSES, PAUSED_FORM_RESPONSES

    names = [*CONTEXT_RESPONSES.values(), *PAUSED_FORM_RESPONSES.values(),
             "utter_crisis_still_here", "utter_crisis_emergency_still_here"]
    assert [name for name in names if name not in domain["responses"]] == []
    [variant] = domain["responses"]["utter_crisis_partner_violence"]
    assert "1-800-799-7233" in variant["text"]


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
        ("location", "Calfornia", "CA"),
        ("location", "10001-1234", "New York, NY 10001"),
        ("location", "Columbus, OH", "Columbus, OH 43211"),
        ("location", "queens ny", "Queens, NY 11367"),
        ("location", "Kansas City, MO", "Kansas City, MO 64124"),
        ("location", "Narnia", None),
        ("help_type", "couples", "couples"),
        ("help_type", "just for me", "individual"),
        ("help_type", "only me for now", "individual"),
        ("help_type", "me only please", "individual"),
        ("help_type", "me n my gf", "couples"),
        ("help_type", "my bf and i", "couples"),
        ("help_type", "for me and my husband", "couples"),  # not "for me"
        ("help_type", "for me", "individual"),  # as the whole answer
        ("help_type", "both individual and couples", None),
        ("approach", "acceptance and commitment therapy", "act"),
        ("approach", "behavioral activation", "behavioral_activation"),
        ("approach", "compassion-focused", "compassion_focused"),
        ("approach", "no preference", "any"),
        ("approach", "dont care", "any"),
        ("approach", "idc honestly", "any"),
        ("approach", "dont know any of them", "any"),
        ("approach", "hypnosis", None),
        ("insurance", "skip", "any"),
        ("insurance", "no insurance preference", "any"),
        ("approach", "any approach", "any"),
        ("insurance", "Aetna", "aetna"),
        ("telehealth", "in person only", "no"),
        ("telehealth", "video is fine", "yes"),
        ("telehealth", "nah i'd rather be in the room", "no"),
        ("telehealth", "kinda", None),
        ("insurance", "i have anthem", "anthem"),
        ("insurance", "i'll pay out of pocket", "any"),
        ("insurance", "we both have aetna thru work", "aetna"),  # a known insurer inside a sentence
        ("insurance", "oops not cigna, its aetna", "aetna"),  # the one not taken back
        ("insurance", "skip?", "any"),
        ("insurance", "my union plan, local 12", "my union plan, local 12"),  # unknown: the words as typed
        ("telehealth", "yes", "yes"),
        ("telehealth", "ya", "yes"),
        ("telehealth", "nope", "no"),
        # approaches described when the name escapes people
        ("approach", "the one about accepting your feelings i think", "act"),
        ("approach", "something for being less self-critical", "compassion_focused"),
        ("approach", "the one where u accept ur feelings", "act"),  # texting shorthand
        ("insurance", "u of m health", "u of m health"),  # an unknown name stays as typed
        ("approach", "stuff from childhood that keeps repeating", "schema"),
        ("approach", "getting back into things i used to enjoy", "behavioral_activation"),
        ("help_type", "the two of us", "couples"),
        ("insurance", "united", "united"),  # unitedhealthcare in insurers.yml
        ("telehealth", "online or in person, either way", "yes"),
    ],
)
async def test_validate_therapist_form(slot, text, value, dispatcher, domain):
    events = await validate(slot, text, dispatcher, domain)
    assert SlotSet(slot, value) in events
    if value is None:
        assert responses(dispatcher) == [f"utter_invalid_{slot}"]
    else:
        assert responses(dispatcher) == []


async def test_a_place_several_states_share_asks_for_the_state_then_combines(dispatcher, domain):
    events = await validate("location", "london", dispatcher, domain)
    assert SlotSet("location", None) in events
    assert responses(dispatcher) == ["utter_location_which_state"]
    assert dispatcher.messages[0]["place"] == "London"
    dispatcher.messages.clear()
    def answered_kentucky(after_london: str) -> Any:
        history = [
            {"event": "user", "text": "london"},
            {"event": "bot", "text": "...", "metadata": {"utter_action": after_london}},
            {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_ask_therapist_form_location"}},
            {"event": "user", "text": "kentucky"},
            {"event": "slot", "name": "location", "value": "kentucky"},
        ]
        return tracker(slots={"requested_slot": "location", "location": "kentucky"}, text="kentucky",
                       intent="inform", active_loop="therapist_form", events=history)

    events = await ValidateTherapistForm().run(dispatcher, answered_kentucky("utter_location_which_state"), domain)
    assert SlotSet("location", "London, KY 40741") in events
    # a state after any other reply is just the state
    events = await ValidateTherapistForm().run(dispatcher, answered_kentucky("utter_invalid_location"), domain)
    assert SlotSet("location", "KY") in events


@pytest.mark.parametrize("request_text, answer, expected", [
    ("find a therapist for us in dublin", "ohio", "Dublin, OH 43016"),
    ("find a therapist for us in dublin", "georgia", "Dublin, GA 31021"),
    ("i need a therapist, i live in a small town", "ohio", "OH"),  # no place named
    ("find a therapist for us in dublin", "alaska", "AK"),  # no Dublin there: the state
])
async def test_a_state_answer_joins_a_city_named_in_the_request(request_text, answer, expected, dispatcher, domain):
    history = [
        {"event": "user", "text": request_text, "parse_data": {"intent": {"name": "find_therapist"}}},
        {"event": "active_loop", "name": "therapist_form"},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_ask_therapist_form_location"}},
        {"event": "user", "text": answer},
        {"event": "slot", "name": "location", "value": answer},
    ]
    t = tracker(slots={"requested_slot": "location", "location": answer}, text=answer,
                intent="inform", active_loop="therapist_form", events=history)
    events = await ValidateTherapistForm().run(dispatcher, t, domain)
    assert SlotSet("location", expected) in events


@pytest.mark.parametrize("asked, text, earlier, changed", [
    # at the insurance question: not taken as an insurer
    ("insurance", "wait actually make it in person, we'd do better in the same room",
     {"telehealth": "yes"}, ("telehealth", "no")),
    # at the video question: not a "no" to video
    ("telehealth", "wait no not cigna its united healthcare", {"insurance": "cigna"},
     ("insurance", "united healthcare")),
])
async def test_a_reply_that_changes_an_earlier_answer_is_no_answer_to_the_question(
    asked, text, earlier, changed, dispatcher, domain
):
    slots = {"requested_slot": asked, asked: text, "location": "OH", "help_type": "couples", "approach": "any",
             **earlier}
    t = tracker(slots=slots, text=text, intent="inform", active_loop="therapist_form",
                events=[{"event": "user", "text": text}, {"event": "slot", "name": asked, "value": text}])
    events = await ValidateTherapistForm().run(dispatcher, t, domain)
    assert SlotSet(*changed) in events and SlotSet(asked, None) in events
    assert responses(dispatcher) == ["utter_therapist_answer_changed"]


async def test_the_words_of_a_video_answer_win_over_its_intent(dispatcher, domain):
    """The classifier reads "video or in person, doesnt matter" as deny (-> "no"); the
    words say either is fine."""
    text = "video or in person, doesnt matter"
    t = tracker(slots={"requested_slot": "telehealth", "telehealth": "no"}, text=text, intent="deny",
                active_loop="therapist_form",
                events=[{"event": "user", "text": text}, {"event": "slot", "name": "telehealth", "value": "no"}])
    events = await ValidateTherapistForm().run(dispatcher, t, domain)
    assert SlotSet("telehealth", "yes") in events


async def test_a_question_at_the_insurance_question_is_no_insurer(dispatcher, domain):
    events = await validate("insurance", "wait is this free? like do i have to pay u for this", dispatcher, domain)
    assert SlotSet("insurance", None) in events
    assert responses(dispatcher) == ["utter_insurance_question"]


async def test_asking_what_the_approaches_mean_explains_them_and_asks_again(dispatcher, domain):
    events = await validate("approach", "idk what any of that is tbh, what do those mean", dispatcher, domain)
    assert SlotSet("approach", None) in events
    assert responses(dispatcher) == ["utter_explain_approaches"]


def answer_to_approach(text: str, intent: str, confidence: float = 1.0) -> Tracker:
    """The therapist form asking for the approach, the kind of help already "individual"."""
    t = tracker(
        slots={"requested_slot": "approach", "approach": text, "help_type": "individual", "location": "CO"},
        text=text, intent=intent, active_loop="therapist_form",
        events=[{"event": "user", "text": text}, {"event": "slot", "name": "approach", "value": text}],
    )
    t.latest_message["intent"]["confidence"] = confidence
    return t


async def test_a_changed_answer_is_taken_even_when_it_reads_like_a_question(dispatcher, domain):
    t = answer_to_approach("wait actually can we do couples instead??", "ask_rituals", 0.9)
    events = await ValidateTherapistForm().run(dispatcher, t, domain)
    assert SlotSet("help_type", "couples") in events
    assert not any(e.get("event") == "action_execution_rejected" for e in events)


async def test_whats_the_difference_at_the_approach_question_is_about_the_approaches(dispatcher, domain):
    events = await ValidateTherapistForm().run(dispatcher, answer_to_approach("whats the difference", "ask_difference", 0.9), domain)
    assert SlotSet("approach", None) in events
    assert responses(dispatcher) == ["utter_explain_approaches"]


async def test_a_reply_that_changes_an_earlier_answer_changes_it_and_asks_again(dispatcher, domain):
    t = answer_to_approach("wait actually can we make it couples, he just texted me that hed go", "nlu_fallback")
    events = await ValidateTherapistForm().run(dispatcher, t, domain)
    assert SlotSet("help_type", "couples") in events and SlotSet("approach", None) in events
    assert responses(dispatcher) == ["utter_therapist_answer_changed"]


# ---------------- action_search_therapists ----------------

FORM_SLOTS = ["location", "help_type", "approach", "insurance", "telehealth"]


@pytest.fixture(autouse=True)
def no_live_registry(monkeypatch):
    """No test here reaches the network: the live registry is off unless a test sets a fake."""
    monkeypatch.setattr(actions.therapist, "live_registry", lambda: None)


def use_registry(monkeypatch, handler) -> PrefetchingRegistry:
    registry = PrefetchingRegistry(NpiRegistry("https://registry.test/api/", transport=httpx.MockTransport(handler)))
    monkeypatch.setattr(actions.therapist, "live_registry", lambda: registry)
    return registry


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
    assert responses(dispatcher) == ["utter_searching_near", "utter_therapists_found"]
    assert dispatcher.messages[0]["place"] == "New York, NY 10001"
    text = dispatcher.messages[1]["matches"]
    assert text.startswith("1. Test Provider A, LMFT. Approach: ACT")
    assert "212-555-0101" in text and "https://example.com/book/a" in text
    assert len(text.splitlines()) <= 3


async def test_search_without_match_gives_national_options(directory, dispatcher, domain):
    t = search_tracker(location="AK", help_type="individual", approach="any", insurance="any", telehealth="yes")
    await ActionSearchTherapists().run(dispatcher, t, domain)
    assert responses(dispatcher) == ["utter_searching_near", "utter_therapists_none"]
    assert dispatcher.messages[0]["place"] == "Alaska"
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
    assert responses(dispatcher) == ["utter_searching_near", "utter_directory_unavailable"]
    assert events == [SlotSet(s, None) for s in FORM_SLOTS]


async def test_validate_therapist_form_does_not_reject_while_it_restarts(dispatcher, domain):
    latest = {"text": "ok i'm back", "intent": {"name": "resume", "confidence": 1.0}, "entities": []}
    t = Tracker(
        sender_id="test", slots={"requested_slot": None, "location": "OH"}, latest_message=latest,
        events=[{"event": "user", "text": "ok i'm back", "parse_data": latest},
                {"event": "action", "name": "action_resume_form"},
                {"event": "action", "name": "therapist_form"}],
        paused=False, followup_action=None, active_loop={"name": "therapist_form"},
        latest_action_name="therapist_form",
    )
    events = await ValidateTherapistForm().run(dispatcher, t, domain)
    assert not any(isinstance(e, dict) and e.get("event") == "action_execution_rejected" for e in events)


def answer_turn(slot: str, text: str, intent: str, confidence: float) -> Tracker:
    """The tracker validate_therapist_form gets when the user replies to ``slot``'s question."""
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    return Tracker(
        sender_id="test", slots={"requested_slot": slot, slot: text},
        latest_message=latest,
        events=[{"event": "user", "text": text, "parse_data": latest},
                {"event": "action", "name": "therapist_form"},  # as Rasa's form sends it
                {"event": "slot", "name": slot, "value": text}],
        paused=False, followup_action=None, active_loop={"name": "therapist_form"},
        latest_action_name="therapist_form",
    )


@pytest.mark.parametrize("confidence, rejected", [(0.95, True), (0.49, False)])
async def test_validate_therapist_form_ends_only_on_a_confident_stop(confidence, rejected, dispatcher, domain):
    text = "stop" if rejected else "'; DROP TABLE events; --"
    events = await ValidateTherapistForm().run(dispatcher, answer_turn("location", text, "stop", confidence), domain)
    if rejected:  # the text the pending question's mapping took is given back
        assert events == [SlotSet("location", None), ActionExecutionRejected("therapist_form")]
    else:
        assert SlotSet("location", None) in events
        assert responses(dispatcher) == ["utter_invalid_location"]


@pytest.mark.parametrize(
    "slot, text, intent, confidence, value",
    [
        ("approach", "whats the difference between act and schema therapy?", "ask_schema_therapy", 0.64, None),
        ("approach", "what is compassion focused therapy", "ask_compassion_focused", 0.97, None),
        ("location", "what does a couples therapist even do", "ask_couples_therapy", 0.9, None),
        ("help_type", "hmm is this a diagnosis tho?", "ask_is_diagnosis", 0.8, None),
        ("location", "wait random question", "has_question", 1.0, None),  # the question comes next
        # answers, even when the classifier leans to a question intent
        ("approach", "compassion focused sounds right", "ask_compassion_focused", 0.9, "compassion_focused"),
        ("help_type", "couples therapy for us", "ask_couples_therapy", 0.95, "couples"),
        ("approach", "what about act?", "ask_act", 0.4, "act"),  # not a confident question
    ],
)
async def test_a_question_to_the_bot_is_no_answer(slot, text, intent, confidence, value, dispatcher, domain):
    """The rules answer the question, then the form asks its question again."""
    events = await ValidateTherapistForm().run(dispatcher, answer_turn(slot, text, intent, confidence), domain)
    if value is None:
        assert events == [SlotSet(slot, None), ActionExecutionRejected("therapist_form")]
        assert responses(dispatcher) == []
    else:
        assert SlotSet(slot, value) in events


# ---------------- live registry when the directory has no match ----------------

COUPLES_IN_COLUMBUS = dict(location="Columbus, OH 43215", help_type="couples", approach="any",
                           insurance="aetna", telehealth="yes")
NATIONAL = ("1-800-662-4357", "FindTreatment.gov", "aamft.org", "psychologytoday.com", "988")


async def test_empty_directory_shows_registry_clinicians(directory, monkeypatch, dispatcher, domain):
    use_registry(monkeypatch, FakeRegistry())
    events = await ActionSearchTherapists().run(dispatcher, search_tracker(**COUPLES_IN_COLUMBUS), domain)
    assert events == [SlotSet(s, None) for s in FORM_SLOTS]
    assert responses(dispatcher) == ["utter_searching_near", "utter_therapists_found_live"]
    assert dispatcher.messages[0]["place"] == "Columbus, OH 43215"
    lines = dispatcher.messages[1]["matches"].splitlines()
    assert lines[0] == ("1. Avery Example, LMFT - Marriage & family therapist. Columbus, OH (under 1 mile away). "
                        "614-555-0142.")
    assert len(lines) == 3 and lines[1].startswith("2. Finley Invented, PH.D. - Clinical psychologist. Columbus, OH (about")
    text = domain["responses"]["utter_therapists_found_live"][0]["text"]
    assert "call to ask" in text and "insurance" in text and "doesn't verify a licence" in text


@pytest.mark.parametrize("failure", [
    lambda request: (_ for _ in ()).throw(httpx.ConnectError("no network", request=request)),
    lambda request: httpx.Response(503),
    lambda request: httpx.Response(200, content=b"not json"),
])
async def test_registry_failure_gives_national_options(directory, monkeypatch, dispatcher, domain, failure):
    use_registry(monkeypatch, failure)
    await ActionSearchTherapists().run(dispatcher, search_tracker(**COUPLES_IN_COLUMBUS), domain)
    assert responses(dispatcher) == ["utter_searching_near", "utter_directory_unavailable"]
    text = domain["responses"]["utter_directory_unavailable"][0]["text"]
    assert all(resource in text for resource in NATIONAL)


async def test_the_form_starts_the_registry_search_once_place_and_help_are_known(
    directory, monkeypatch, dispatcher, domain
):
    """The help-type answer starts the search; the search turn uses it, not a second call."""
    fake = FakeRegistry()
    use_registry(monkeypatch, fake)
    location = COUPLES_IN_COLUMBUS["location"]
    t = tracker(
        slots={"requested_slot": "help_type", "location": location, "help_type": "couples"},
        text="couples", intent="inform", active_loop="therapist_form",
        events=[{"event": "user", "text": "couples", "parse_data": {"intent": {"name": "inform"}}},
                {"event": "slot", "name": "help_type", "value": "couples"}],
    )
    await ValidateTherapistForm().run(dispatcher, t, domain)
    await asyncio.sleep(0.05)  # the prefetch runs while the user answers the next questions
    calls_before_search = len(fake.calls)
    assert calls_before_search > 0
    await ActionSearchTherapists().run(dispatcher, search_tracker(**COUPLES_IN_COLUMBUS), domain)
    assert len(fake.calls) == calls_before_search
    assert responses(dispatcher)[-2:] == ["utter_searching_near", "utter_therapists_found_live"]


async def test_no_prefetch_before_the_kind_of_help_is_known(directory, monkeypatch, dispatcher, domain):
    fake = FakeRegistry()
    use_registry(monkeypatch, fake)
    await validate("location", COUPLES_IN_COLUMBUS["location"], dispatcher, domain)
    await asyncio.sleep(0.05)
    assert fake.calls == []


async def test_registry_without_results_gives_national_options(directory, monkeypatch, dispatcher, domain):
    use_registry(monkeypatch, FakeRegistry({}))
    await ActionSearchTherapists().run(dispatcher, search_tracker(**COUPLES_IN_COLUMBUS), domain)
    assert responses(dispatcher) == ["utter_searching_near", "utter_therapists_none"]


@pytest.mark.parametrize("location, expected", [("none", ["utter_therapist_national_options"]), ("outside_us", [])])
async def test_search_after_the_form_was_ended(location, expected, directory, dispatcher, domain):
    slots = {**COUPLES_IN_COLUMBUS, "location": location}
    events = await ActionSearchTherapists().run(dispatcher, search_tracker(**slots), domain)
    assert responses(dispatcher) == expected
    assert events == [SlotSet(s, None) for s in FORM_SLOTS]
    if expected:
        text = domain["responses"][expected[0]][0]["text"]
        assert all(resource in text for resource in NATIONAL)


# ---------------- the form reads details given earlier ----------------

def user(text: str, intent: str = "inform", **extra) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 1.0},
                                                         "entities": extra.get("entities", [])}}


FORM_STARTS = [{"event": "action", "name": "therapist_form"}, {"event": "active_loop", "name": "therapist_form"}]


async def start_form(events: List[Dict[str, Any]], dispatcher, domain) -> Dict[str, Any]:
    """Runs the validation the way the form does at activation; returns the slots it set."""
    last = next(e for e in reversed(events) if e["event"] == "user")
    t = Tracker(
        sender_id="test", slots={}, latest_message={"text": last["text"], **last["parse_data"]},
        events=events + FORM_STARTS, paused=False, followup_action=None,
        active_loop={"name": "therapist_form"}, latest_action_name="therapist_form",
    )
    result = await ValidateTherapistForm().run(dispatcher, t, domain)
    return {e["name"]: e["value"] for e in result if e["event"] == "slot"}


async def test_details_in_the_request_are_not_asked_again(dispatcher, domain):
    slots = await start_form(
        [user("find a couples therapist in columbus oh, we have aetna insurance, online is fine", "find_therapist")],
        dispatcher, domain)
    assert slots == {"location": "Columbus, OH 43211", "help_type": "couples", "insurance": "aetna", "telehealth": "yes"}
    assert responses(dispatcher) == []


async def test_details_from_several_earlier_messages(dispatcher, domain):
    events = [user("hi", "greet"), user("I'm in 43215", "inform"),
              user("i need a therapist just for me, in person", "find_therapist")]
    slots = await start_form(events, dispatcher, domain)
    assert slots == {"location": "Columbus, OH 43215", "help_type": "individual", "telehealth": "no"}


async def test_crisis_messages_and_unrelated_talk_fill_nothing(dispatcher, domain):
    events = [
        user("I can't go on, I'm in Ohio", "crisis"),
        user("I'm in Texas and feel unsafe", "inform", entities=[{"entity": "crisis_context", "extractor": "CrisisGuard"}]),
        user("our relationship is hard and he never talks online", "inform"),
        user("find a therapist", "find_therapist"),
    ]
    assert await start_form(events, dispatcher, domain) == {}


async def test_answers_from_a_finished_search_are_not_reused(dispatcher, domain):
    events = [user("couples therapist in Ohio", "find_therapist"), {"event": "action", "name": "action_search_therapists"},
              user("find a therapist", "find_therapist")]
    assert await start_form(events, dispatcher, domain) == {}


async def test_a_place_outside_the_us_ends_the_form(dispatcher, domain):
    slots = await start_form([user("I need a therapist in Toronto, Canada", "find_therapist")], dispatcher, domain)
    assert slots["location"] == "outside_us"
    assert all(slots[s] is not None for s in FORM_SLOTS)
    assert responses(dispatcher) == ["utter_outside_us"] and dispatcher.messages[0]["place"] == "Canada"


# ---------------- a way on after two failed tries ----------------

def bot(response: str) -> Dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


async def answer(slot: str, text: str, earlier: List[Dict[str, Any]], dispatcher, domain) -> Dict[str, Any]:
    """The form's validation of `text` as the answer to `slot`, after the `earlier` events."""
    events = FORM_STARTS + [{"event": "slot", "name": "requested_slot", "value": slot}] + earlier + [
        user(text), {"event": "slot", "name": slot, "value": text}]
    t = Tracker(
        sender_id="test", slots={"requested_slot": slot, slot: text},
        latest_message={"text": text, "intent": {"name": "inform", "confidence": 1.0}, "entities": []},
        events=events, paused=False, followup_action=None, active_loop={"name": "therapist_form"},
        latest_action_name="action_listen",
    )
    result = await ValidateTherapistForm().run(dispatcher, t, domain)
    return {e["name"]: e["value"] for e in result if e["event"] == "slot"}


async def test_location_first_failure_then_a_way_on_then_national_options(dispatcher, domain):
    assert (await answer("location", "Narnia", [], dispatcher, domain))["location"] is None
    assert responses(dispatcher) == ["utter_invalid_location"]
    failed_once = [user("Narnia"), bot("utter_invalid_location")]
    dispatcher.messages.clear()
    assert (await answer("location", "Hogwarts", failed_once, dispatcher, domain))["location"] is None
    assert responses(dispatcher) == ["utter_location_way_on"]
    dispatcher.messages.clear()
    failed_twice = failed_once + [user("Hogwarts"), bot("utter_location_way_on")]
    slots = await answer("location", "Mordor", failed_twice, dispatcher, domain)
    assert slots["location"] == "none" and all(slots[s] is not None for s in FORM_SLOTS)
    assert responses(dispatcher) == []


async def test_location_skip_ends_the_form(dispatcher, domain):
    slots = await answer("location", "skip", [], dispatcher, domain)
    assert slots["location"] == "none" and slots["help_type"] == "individual"


async def test_near_me_asks_for_a_zip(dispatcher, domain):
    slots = await answer("location", "near me", [], dispatcher, domain)
    assert slots["location"] is None
    assert responses(dispatcher) == ["utter_location_need_zip"]


async def test_second_failed_answer_takes_the_default(dispatcher, domain):
    failed_once = [user("dunno maybe"), bot("utter_invalid_help_type")]
    slots = await answer("help_type", "hmm what", failed_once, dispatcher, domain)
    assert slots["help_type"] == "individual"
    assert responses(dispatcher) == ["utter_default_help_type"]


async def test_every_response_the_form_uses_is_in_the_domain(domain):
    for name in ("utter_location_way_on", "utter_location_need_zip", "utter_outside_us", "utter_default_help_type",
                 "utter_default_approach", "utter_default_telehealth", "utter_searching_near",
                 "utter_therapists_found_live", "utter_therapist_national_options"):
        assert name in domain["responses"], name
