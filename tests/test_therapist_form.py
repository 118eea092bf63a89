"""Reading therapist-search details from what the user typed before being asked."""
import pytest

from bot.therapist_form import (
    UserMessage,
    approach_from,
    changed_answer,
    failed_tries,
    help_type_from,
    insurance_in,
    location_from,
    messages_since_last_search,
    telehealth_in,
)


@pytest.mark.parametrize("text, expected", [
    ("we have aetna insurance", "aetna"),
    ("I use Blue Cross Blue Shield insurance", "blue cross blue shield"),
    ("my insurance is cigna, and online is fine", "cigna"),
    ("no insurance, we'd pay out of pocket", "any"),
    ("self-pay", "any"),
    ("dont have insurance rn", "any"),  # said at the approach question: not asked again
    ("we don't have any insurance tbh", "any"),
    ("I have insurance", None),
    ("find a couples therapist", None),
    ("hold on i have to go find my insurance card, stop for now", None),
    ("and i have providence if that matters", "providence"),  # a known insurer (insurers.yml)
])
def test_insurance_in(text, expected):
    assert insurance_in(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("online is fine", "yes"),
    ("video sessions would be great", "yes"),
    ("in person please", "no"),
    ("no video, in-person only", "no"),
    ("not online", "no"),
    ("a couples therapist in ohio", None),
    ("video or in person, whichever", "yes"),
    ("in person, doesn't matter where", "no"),  # no video word: "doesn't matter" is about the place
])
def test_telehealth_in(text, expected):
    assert telehealth_in(text) == expected


def user(text, intent="inform", confidence=0.9):
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": []}}


def test_only_messages_about_the_search_give_the_kind_of_help():
    events = [user("our relationship feels so distant"), user("find a therapist", "find_therapist")]
    assert help_type_from(messages_since_last_search(events)) is None
    events.append(user("i'd like a therapist for my husband and i"))
    assert help_type_from(messages_since_last_search(events)) == "couples"
    # "for me" in a request is who is asking, not the kind of help
    assert help_type_from(messages_since_last_search([user("can u look for a therapist for me", "find_therapist")])) is None


def test_a_question_to_the_bot_is_not_about_the_search():
    form = {"event": "active_loop", "name": "therapist_form"}
    events = [form, user("what does a couples therapist even do", "ask_couples_therapy")]
    assert help_type_from(messages_since_last_search(events)) is None
    events = [form, user("couples therapy i think", "ask_couples_therapy")]  # an answer, not a question
    assert help_type_from(messages_since_last_search(events)) == "couples"


def test_newest_place_wins_and_answers_inside_the_form_count():
    events = [user("I grew up in Texas"), {"event": "active_loop", "name": "therapist_form"}, user("now in 10001")]
    messages = messages_since_last_search(events)
    assert messages[0].about_search and not messages[1].about_search
    assert location_from(messages) == "New York, NY 10001"


def test_failed_tries_count_since_the_question_was_first_asked():
    def bot(name):
        return {"event": "bot", "metadata": {"utter_action": name}}

    ask = {"event": "slot", "name": "requested_slot", "value": "location"}
    events = [bot("utter_invalid_location"), {"event": "active_loop", "name": "therapist_form"}, ask,
              user("x"), bot("utter_invalid_location"), ask, user("y"), bot("utter_location_way_on"), ask]
    assert failed_tries(events, "location", ["utter_invalid_location", "utter_location_way_on"]) == 2
    assert failed_tries(events, "location", ["utter_invalid_location"]) == 1
    other = events + [{"event": "slot", "name": "requested_slot", "value": "help_type"}]
    assert failed_tries(other, "help_type", ["utter_invalid_help_type"]) == 0


def test_a_country_in_passing_does_not_end_the_search():
    events = [user("my partner grew up in the UK"), user("find a therapist", "find_therapist")]
    assert location_from(messages_since_last_search(events)) is None
    events = [user("find a therapist in the UK", "find_therapist")]
    assert location_from(messages_since_last_search(events)) == "find a therapist in the UK"



@pytest.mark.parametrize(
    "text, insurer",
    [("find someone near 10025 for me, i have aetna", "aetna"),
     ("someone in florida who takes humana", "humana"),
     ("an individual therapist, i have united healthcare", "united healthcare"),
     ("we have blue cross insurance", "blue cross"),
     ("my partner is closed off", None)],
)
def test_insurers_named_without_the_word_insurance(text, insurer):
    assert insurance_in(text) == insurer


def test_approach_named_in_a_request():
    about = lambda text: [UserMessage(text, True)]  # noqa: E731
    assert approach_from(about("someone who does compassion focused therapy")) == "compassion_focused"
    assert approach_from(about("a therapist who does ACT near 43215")) == "act"
    assert approach_from(about("he acts like nothing happened, any therapist is fine")) is None


def test_state_code_in_capitals_in_a_request():
    assert location_from([UserMessage("ok can you find us a couples therapist in CO", True)]) == "CO"
    assert location_from([UserMessage("i'm in a weird place with him", True)]) is None


def test_an_approach_code_read_earlier_validates_as_itself():
    from bot.therapist_preferences import parse_approach

    assert parse_approach("compassion_focused") == "compassion_focused"
    assert parse_approach("behavioral_activation") == "behavioral_activation"


@pytest.mark.parametrize(
    "text, asked, changed",
    [
        ("wait actually can we make it couples, he just texted me that hed go", "approach",
         {"help_type": "couples"}),
        ("i'd rather do act actually", "telehealth", {"approach": "act"}),
        ("couples", "approach", {}),  # no word that takes an answer back
        ("actually just me", "approach", {}),  # the same answer as before
        ("actually schema", "approach", {}),  # the question being answered is not "earlier"
        ("sorry i meant couples not just me, my bf wants to come too", "approach", {"help_type": "couples"}),
        ("wait actually make it in person", "insurance", {"telehealth": "no"}),
        ("oops wait not cigna, its aetna", "telehealth", {"insurance": "aetna"}),
        ("not cigna", "telehealth", {}),  # nothing named instead
        ("sorry wrong zip, its 43215", "help_type", {"location": "Columbus, OH 43215"}),
        ("oh wait wrong city, i meant boulder co", "insurance", {"location": "Boulder, CO 80303"}),
        ("hold on i do have insurance, humana. forgot about it", "telehealth", {"insurance": "humana"}),
        ("43215", "help_type", {}),  # no word that takes an answer back
    ],
)
def test_a_reply_can_change_an_earlier_answer(text, asked, changed):
    slots = {"location": "Dayton, OH 45402", "help_type": "individual",
             "approach": "any" if asked != "approach" else None, "insurance": "cigna", "telehealth": "yes"}
    assert changed_answer(text, asked, slots) == changed
