"""Reading typed check-in answers (bot/answers.py, bot/checkin.py), the control cues
(bot/nlu/control_cues.py), pausing and restarting forms (bot/form_control.py, actions/forms.py)
and validate_assessment_form."""

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions.assessment import ValidateAssessmentForm
from actions.forms import ActionResumeForm, ActionStartOver
from bot.answers import (
    chosen_option, correction_kind, looks_like_question, read_reaction, read_yes_no, volunteered_answers,
)
from bot.checkin import Message, interpret, previous_bot_turn
from bot.form_control import form_to_restart, paused_form
from bot.nlu.control_cues import control_intent

YES_NO_BUTTONS = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Sometimes", "payload": "sometimes"},
    {"title": "Not sure", "payload": "/answer_unsure"},
]


@pytest.mark.parametrize(
    "text, question, value",
    [
        # the first words decide
        ("yes and it's not that she doesn't care, she just doesn't notice", "q_misses_hurt", "yes"),
        ("Yesss 100%", "q_interest", "yes"),
        ("ya", "q_intimacy", "yes"),
        ("yep, every single time we argue", "q_high_emotion", "yes"),
        ("mhm", "q_joy_pain", "yes"),
        ("nope, he's like that with all of us", "q_other_settings", "no"),
        ("no, she actually asks about my day and my feelings a lot", "q_interest", "no"),
        ("not really tbh", "q_outbursts", "no"),
        ("never, he tells me everything he felt", "q_memories", "no"),
        ("i don't think so", "q_mixes_feelings", "no"),
        ("kinda?", "q_joy_pain", "sometimes"),
        ("sort of, when he's stressed", "q_body_signals", "sometimes"),
        ("yeah sometimes", "q_outbursts", "yes"),  # it happens: frequency keeps a yes
        ("yeah, kind of", "q_outbursts", "sometimes"),
        ("sometimes she goes quiet for a while", "q_high_emotion", "sometimes"),
        ("yes and no", "q_intimacy", "sometimes"),
        ("idk honestly", "q_outbursts", "unsure"),
        ("no idea", "q_mixes_feelings", "unsure"),
        ("hmm hard to say", "q_interest", "unsure"),
        ("ok then no. he cant open up to anybody", "q_other_settings", "no"),  # fillers before the lead
        ("alright then yes, every time", "q_high_emotion", "yes"),
        # short answers
        ("he does", "q_memories", "yes"),
        ("she doesn't really", "q_memories", "no"),
        ("i think they can", "q_other_settings", "yes"),
        ("he does, kind of", "q_body_signals", "sometimes"),
        ("he does, kinda, with his friends", "q_other_settings", "sometimes"),
        ("he does, but only with his brother", "q_other_settings", "yes"),  # a first clause
        ("she does that a lot, like when she asked why i was nervous", "q_mixes_feelings", "yes"),
        # cues that belong to the question, negation turning them around
        ("she's the same with everybody", "q_other_settings", "no"),
        ("he talks to his sister about stuff but never me", "q_other_settings", "yes"),
        ("he says he's hungry when something is obviously bothering him", "q_body_signals", "yes"),
        ("he doesn't yell or anything", "q_outbursts", "no"),
        ("she snaps at me then says she's fine", "q_outbursts", "yes"),
        ("he never mentions how he felt, just what happened", "q_memories", "yes"),
        ("she cried at our wedding", "q_joy_pain", "no"),
        # behaviour described instead of yes / no
        ("he can tell when hes tired vs sad", "q_body_signals", "no"),
        ("she gets kinda snippy then says shes fine", "q_outbursts", "yes"),
        ("he doesnt get snappy, just quiet", "q_outbursts", "no"),
        ("she always knows whos upset, its not that", "q_mixes_feelings", "no"),
        ("she got the promotion and just said 'oh nice'", "q_joy_pain", "yes"),
        ("he teared up at the vet, he's got feelings", "q_joy_pain", "no"),
        ("as soon as i try to open up she changes the topic", "q_intimacy", "yes"),
        ("she loves cuddling on the couch", "q_intimacy", "no"),
        ("whenever i try to cuddle he says hes too hot and moves", "q_intimacy", "yes"),
        ("ugh yes, i was crying in the car and he asked what we should eat", "q_misses_hurt", "yes"),
        ("his coworkers say the same, total closed book", "q_other_settings", "no"),
        ("only with her sister, never me", "q_other_settings", "yes"),
        ("he told me i seemed angry and it turned out he was", "q_mixes_feelings", "yes"),
        ("whenever i try to talk about us she suddenly has a headache", "q_intimacy", "yes"),
        ("he asks about my day and actually listens", "q_interest", "no"),
        ("when i say im hurt he checks his phone", "q_interest", "yes"),
        ("he'll say 'im cranky bc i didnt sleep' and hes right", "q_body_signals", "no"),  # negation in another clause
        ("she says shes stressed then eats something and shes fine", "q_body_signals", "yes"),
        ("her stories are full of how she felt", "q_memories", "no"),
        ("she took it at face value, she misses the cues", "q_misses_hurt", "yes"),
        ("she notices, she just doesnt say anything", "q_misses_hurt", "no"),
        ("he never notices", "q_misses_hurt", "yes"),
        ("he says maybe were just not compatible and sleeps on the couch", "q_high_emotion", "yes"),
        ("when i say im sad he switches the channel", "q_interest", "yes"),
        ("when things get heated she drives off to her moms", "q_high_emotion", "yes"),
        ("her sister says the same, she doesnt open up to them either", "q_other_settings", "no"),
        ("all who did what, nothing about how he felt", "q_memories", "yes"),
        # the texting.yml conversations (written blind, 2026-11-29): an acknowledgement first,
        # quoted feelings, no apostrophes, a typo
        ("ok thx. no he always wants to know how im feeling", "q_interest", "no"),
        ("ahh makes sense. yeah she does that", "q_mixes_feelings", "yes"),
        ("shes always asking if im ok when shes the one whos upset", "q_mixes_feelings", "yes"),
        ("he always knows exactly whos upset about what", "q_mixes_feelings", "no"),
        ("when he talks about his day its all 'i was so frustrated' or 'that was awesome'", "q_memories", "no"),
        ("she tells me about her day like a to-do list, just what happend", "q_memories", "yes"),
        ("he saw me crying on the couch and just went upstairs", "q_misses_hurt", "no"),
        ("shes the one who wants to snuggle and talk before bed", "q_intimacy", "no"),
        ("her sister says shes the same way w her, never talks about feelings", "q_other_settings", "no"),
        # corrections_and_details.yml (written blind, 2026-11-29)
        ("he'll ask me if im mad when he's clearly the one who's upset lol", "q_mixes_feelings", "yes"),
        ("he'll listen to me for hours about my stuff and ask follow up questions", "q_interest", "no"),
        ("he never listens to me", "q_interest", "yes"),
        ("the closer we get the more he backs off. after a good weekend he'll go distant for days", "q_intimacy", "yes"),
        # a hedge right before what it hedges keeps the yes; a softened yes is "sometimes"
        ("yeah kinda tunes out when i talk about my day", "q_interest", "yes"),
        ("yes sort of numb about everything, even good news", "q_joy_pain", "yes"),
        ("yeah kinda", "q_interest", "sometimes"),
        ("yes kind of, when hes stressed", "q_interest", "sometimes"),
        ("yeah kinda, he does it when work is bad", "q_interest", "sometimes"),
        # a change over time: not so now
        ("she used to but not anymore, therapy helped her a lot", "q_outbursts", "no"),
        ("not anymore, he's calmer since the new job", "q_outbursts", "no"),
        # coming back from a detour
        ("anyway, no she asks about my feelings all the time", "q_interest", "no"),
        ("ok back to it. yes he pulls away", "q_intimacy", "yes"),
    ],
)
def test_read_yes_no(text, question, value):
    assert read_yes_no(text, question).value == value


@pytest.mark.parametrize("text, question", [
    ("is this my fault?", True),
    ("how do i talk to him", True),
    ("hmm whats schema therapy", True),  # a "hmm" before the question word
    ("hang on is this a diagnosis", True),
    ("sry random but do you store this", True),
    ("ok so what do i do now", True),
    ("when i ask him what's wrong he says he's tired", False),
    ("hmm he just goes quiet", False),
    ("ok", False),
    ("act i think? the acceptance and commitment one", False),  # a hedge, not a question
    ("is it act maybe?", True),
    ("how i feel just doesn't seem to matter to him", False),  # a description
    ("wait sorry what does alexithymia mean", True),  # after "wait sorry"
    ("how do i get him to open up", True),
    ("why he never talks to me?", True),
])
def test_looks_like_question(text, question):
    assert looks_like_question(text) is question


def test_cues_match_whole_words():
    assert read_yes_no("she shot me a look", "q_body_signals").value is None  # not "hot"


def test_yes_is_not_read_inside_other_words():
    assert read_yes_no("yesterday he told me how he felt about it", "q_memories").value != "yes"


@pytest.mark.parametrize(
    "ranking, value",
    [
        ([{"name": "affirm", "confidence": 0.9}], "yes"),
        ([{"name": "reaction_avoidant", "confidence": 0.8}], "yes"),  # Alex-like for q_intimacy
        ([{"name": "reaction_confused", "confidence": 0.8}], None),
        ([{"name": "affirm", "confidence": 0.3}], None),
    ],
)
def test_classifier_is_the_last_resort(ranking, value):
    assert read_yes_no("whatever happens happens", "q_intimacy", ranking).value == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("he tries but can't say what he feels", "confused"),
        ("she looks lost and goes 'bad?' like she really doesn't know", "confused"),
        ("he says it's fine, no big deal, then asks what's for dinner", "avoidant"),
        ("she shuts down and changes the topic", "avoidant"),
        ("he won't talk about it, just walks off", "avoidant"),
        ("honestly it's a bit of both", "both"),
        ("he goes quiet and says he doesn't know if he was sad or mad", "confused"),  # 2 cues to 1
        ("sometimes it's no big deal, sometimes he can't find the words", "both"),  # 1 to 1
        ("idk", "unsure"),
        ("we have a dog", None),
        # "closed off" is how people name the whole problem, not one of the two reactions
        ("my partner seems emotionally closed off", None),
        ("my gf is so closed off lately", None),
        ("he shuts me out and turns on the tv", "avoidant"),
        ("he struggles with emotions", None),  # either pattern
        ("she gets this blank look and says idk", "confused"),
        ("he just says dunno and changes the subject", "avoidant"),  # "dunno" alone is either
        ("she has trouble naming her feelings", "confused"),
        ("he kinda freezes up and says he doesnt know", "confused"),
        ("he freezes me out for days", "avoidant"),
        ("she goes 'eh i dont care' and asks if i want coffee", "avoidant"),
        ("she says she doesnt know, its fine", "both"),  # 1 to 1
        ("he tries but he cant find the word for it. he doesnt dodge it tho", "confused"),
        ("i dont know, he just shuts down", "avoidant"),  # the negation is another clause's
        ("she tries n then goes 'i dunno its just a feeling' n gives up", "confused"),
        ("he says 'we dont need to talk about this' and goes to do the dishes", "avoidant"),
        ("not sure tbh, she just goes quiet and i cant tell if shes stuck or avoiding it", "unsure"),
        ("my gf said 'i cant tell if i was sad or dissapointed or angry'", "confused"),  # her words, not mine
        # the user believes the feelings are there, whatever the "idk" at the start
        ("idk, i think he knows exactly how he feels, he just goes 'not tonight' and turns over", "avoidant"),
        ("honestly i dont think she knows what she feels", None),
    ],
)
def test_read_reaction(text, value):
    assert read_reaction(text).value == value


def test_corrections():
    assert correction_kind("no you got it wrong") == "explicit"
    assert correction_kind("it's more like he can't find the words") == "soft"
    assert correction_kind("yes, with his friends") is None


@pytest.mark.parametrize(
    "text, index", [("the second one", 1), ("2", 1), ("option 3", 2), ("the last one", 3), ("#1", 0),
                    ("the fifth one", None), ("two of them", None)],
)
def test_chosen_option(text, index):
    assert chosen_option(text, 4) == index


def msg(text: str, intent: str = "nlu_fallback", confidence: float = 0.4) -> Message:
    return Message(text, intent, confidence, [{"name": intent, "confidence": confidence}])


def test_interpret_answer_keeps_the_users_words():
    turn = interpret("q_body_signals", msg("yes, he says he's tired when he's clearly upset"), [], [], {"q_reaction": "x"})
    assert turn.is_answer
    assert turn.slots == {
        "q_body_signals": "yes", "unclear_question": None,
        "answer_quotes": {"q_reaction": "x", "q_body_signals": "yes, he says he's tired when he's clearly upset"},
    }
    assert turn.responses == []


def test_interpret_short_answers_are_not_quoted():
    assert "answer_quotes" not in interpret("q_memories", msg("yep"), [], [], None).slots


def test_interpret_unclear_asks_again_then_offers_the_options():
    first = interpret("q_memories", msg("well it's complicated with him"), [], [], None)
    assert first.is_answer and first.slots == {"unclear_question": "q_memories"}
    assert first.responses == ["utter_unclear_answer"]
    second = interpret("q_memories", msg("it's complicated"), ["utter_unclear_answer", "utter_ask_assessment_form_q_memories"], YES_NO_BUTTONS, None)
    assert second.responses == ["utter_unclear_again"]


@pytest.mark.parametrize(
    "text, intent, confidence",
    [
        ("what does alexithymia even mean", "ask_what_is_alexithymia", 0.9),
        ("is this my fault?", "ask_causes", 0.7),
        ("ugh something came up i have to go", "goodbye", 1.0),
        ("no stop", "stop", 1.0),
        ("delete my data", "delete_data", 0.95),
        ("can you start a therapist search", "find_therapist", 0.9),
    ],
)
def test_interpret_steps_aside_for_questions_and_requests(text, intent, confidence):
    assert not interpret("q_memories", msg(text, intent, confidence), [], [], None).is_answer


def test_a_description_the_classifier_took_for_a_question_is_read_as_an_answer():
    # ask_communication_tips at 0.8, but nothing is asked: the answer is unclear, not a detour
    text = "when i try to talk about us she suddenly needs to shower"
    assert interpret("q_mixes_feelings", msg(text, "ask_communication_tips", 0.8), [], [], None).is_answer
    # a request without a question mark is still a detour
    request = msg("tell me more about schema therapy", "ask_schema_therapy", 0.9)
    assert not interpret("q_mixes_feelings", request, [], [], None).is_answer


def test_delete_needs_a_deletion_word():
    from rasa.shared.nlu.training_data.message import Message as NluMessage

    from bot.nlu.control_cues import ControlCues

    ranking = [{"name": "delete_data", "confidence": 0.9}, {"name": "reaction_avoidant", "confidence": 0.1}]
    guessed = NluMessage(data={"text": "he tells his friends everything, i saw the chats",
                               "intent": ranking[0], "intent_ranking": ranking})
    asked = NluMessage(data={"text": "please delete my chats", "intent": ranking[0], "intent_ranking": ranking})
    ControlCues().process([guessed, asked])
    assert guessed.get("intent")["name"] == "nlu_fallback"
    assert asked.get("intent")["name"] == "delete_data"


@pytest.mark.parametrize(
    "text, moving_on",
    [
        ("ok thanks. can we talk about something else, how do i get him to open up", True),
        ("ok. anyway, different topic - how do i talk to him about feelings", True),
        ("i'd rather change the subject. why does he never say how he feels", True),
        ("i dont want to talk about it", False),  # not moving on to anything
        ("can we just move on", True),
        # about the partner or the danger, not the conversation: safety stays in focus
        ("what if he does something else", False),
        ("should i move on from him", False),
        ("he keeps changing the subject", False),
        ("what should i do", False),
    ],
)
def test_moving_on_is_marked_for_the_safety_focus_slot(text, moving_on):
    from rasa.shared.nlu.training_data.message import Message as NluMessage

    from bot.nlu.control_cues import MOVING_ON_ENTITY, ControlCues

    intent = {"name": "ask_communication_tips", "confidence": 0.8}
    message = NluMessage(data={"text": text, "intent": intent, "intent_ranking": [intent]})
    ControlCues().process([message])
    marked = [e for e in message.get("entities") or [] if e["entity"] == MOVING_ON_ENTITY]
    assert marked == ([{"entity": MOVING_ON_ENTITY, "value": False, "start": 0, "end": len(text),
                        "extractor": "ControlCues"}] if moving_on else [])
    assert message.get("intent")["name"] == "ask_communication_tips"


def test_a_firm_answer_wins_over_a_digression_intent():
    turn = interpret("q_memories", msg("yes, what does that mean though", "ask_what_is_alexithymia", 0.7), [], [], None)
    assert turn.is_answer and turn.slots["q_memories"] == "yes"


def test_interpret_option_by_place():
    turn = interpret("q_outbursts", msg("the second one"), ["utter_ask_assessment_form_q_outbursts"], YES_NO_BUTTONS, None)
    assert turn.slots["q_outbursts"] == "no"
    assert "answer_quotes" not in turn.slots


def test_opening_description_is_counted_and_can_be_corrected():
    counted = interpret("q_reaction", msg("he says it's fine and changes the subject", "reaction_avoidant", 0.9), [], [], None)
    assert counted.slots["q_reaction"] == "avoidant"
    assert counted.responses == ["utter_reaction_counted_avoidant"]
    previous = ["utter_reaction_counted_avoidant", "utter_ask_assessment_form_q_other_settings"]
    corrected = interpret("q_other_settings", msg("no you got it wrong"), previous, YES_NO_BUTTONS, None, "avoidant")
    assert corrected.slots == {"q_reaction": "confused"}
    assert corrected.responses == ["utter_reaction_corrected_confused"]
    # an ordinary answer right after it is an answer, not a correction
    answer = interpret("q_other_settings", msg("actually yes, with his brother"), previous, YES_NO_BUTTONS, None, "avoidant")
    assert answer.slots["q_other_settings"] == "yes" and "q_reaction" not in answer.slots


@pytest.mark.parametrize(
    "text, expected",
    [
        ("and its not just me, hes the same with his friends and family", {"q_other_settings": "no"}),
        ("she opens up to everyone but me", {"q_other_settings": "yes"}),
        ("its not like that with his friends though", {}),
        ("he always says hes just tired when something upset him", {"q_body_signals": "yes"}),
        ("he claims hes hungry whenever we argue", {"q_body_signals": "yes"}),
        ("she says shes tired a lot", {}),
        ("when she tells me about her week its just the facts", {"q_memories": "yes"}),
    ],
)
def test_details_of_later_questions_given_early(text, expected):
    assert volunteered_answers(text, ["q_other_settings", "q_body_signals", "q_memories"]) == expected


def test_an_answer_that_also_answers_a_later_question_fills_it_and_says_so():
    text = "he gets stuck, like 'i feel... weird?' and hes like that w his family too"
    turn = interpret("q_reaction", msg(text, "reaction_confused", 0.9), [], [], None,
                     unanswered=["q_reaction", "q_other_settings", "q_body_signals"])
    assert turn.slots["q_reaction"] == "confused" and turn.slots["q_other_settings"] == "no"
    assert "q_body_signals" not in turn.slots
    assert turn.responses == ["utter_reaction_counted_confused", "utter_volunteered_noted"]
    # an answered question is not filled again
    again = interpret("q_body_signals", msg("yes. and hes like that w his family too"), [], YES_NO_BUTTONS, None,
                      unanswered=["q_body_signals"])
    assert again.slots.get("q_other_settings") is None and "utter_volunteered_noted" not in again.responses


def test_every_check_in_response_is_in_the_domain():
    import yaml

    from bot.checkin import VOLUNTEERED_NOTED
    from tests.support.stack import REPO_ROOT

    responses = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())["responses"]
    assert VOLUNTEERED_NOTED in responses


def test_a_description_of_the_other_pattern_corrects_the_counted_answer():
    """Right after "I've counted it as brushing it off; tell me if I got it wrong", a reply
    that describes the other pattern and does not answer the new question corrects it."""
    previous = ["utter_reaction_counted_avoidant", "utter_ask_assessment_form_q_other_settings"]
    text = "she just says she doesnt know what she feels, like genuinely confused"
    corrected = interpret("q_other_settings", msg(text), previous, YES_NO_BUTTONS, None, "avoidant")
    assert corrected.slots == {"q_reaction": "confused"}
    assert corrected.responses == ["utter_reaction_corrected_confused"]
    # with a yes/no lead it answers the new question
    text = "no, she really cant find the words with anyone"
    answer = interpret("q_other_settings", msg(text), previous, YES_NO_BUTTONS, None, "avoidant")
    assert answer.slots["q_other_settings"] == "no" and "q_reaction" not in answer.slots
    # the same pattern as counted is no correction
    text = "she says its fine and changes the subject, every time"
    same = interpret("q_other_settings", msg(text), previous, YES_NO_BUTTONS, None, "avoidant")
    assert "q_reaction" not in same.slots


@pytest.mark.parametrize("text", ["what do u mean", "wdym", "huh? i dont get the question", "can you explain that",
                                  "sorry what does that mean", "example?",
                                  "wait what does that question even mean", "why do u ask that one",
                                  "why do you ask?", "hmm idk what that means", "not sure what you mean"])
def test_a_request_to_explain_the_question_gets_its_explanation(text):
    turn = interpret("q_memories", msg(text), ["utter_ask_assessment_form_q_memories"], YES_NO_BUTTONS, None)
    assert turn.is_answer and turn.responses == ["utter_explain_q_memories"]
    assert "q_memories" not in turn.slots


def test_every_check_in_question_has_an_explanation():
    domain = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text())
    questions = domain["forms"]["assessment_form"]["required_slots"]
    assert [q for q in questions if f"utter_explain_{q}" not in domain["responses"]] == []


@pytest.mark.parametrize("text", ["i dont understand why he does this", "no, he tells me exactly how he felt"])
def test_answers_are_not_requests_to_explain(text):
    turn = interpret("q_memories", msg(text), ["utter_ask_assessment_form_q_memories"], YES_NO_BUTTONS, None)
    assert "utter_explain_q_memories" not in turn.responses


def test_previous_bot_turn():
    events = [
        {"event": "bot", "metadata": {"utter_action": "utter_greet"}},
        {"event": "user", "text": "a"},
        {"event": "bot", "metadata": {"utter_action": "utter_x"}},
        {"event": "bot", "metadata": {"utter_action": "utter_ask_assessment_form_q_memories"}, "data": {"buttons": YES_NO_BUTTONS}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "b"},
    ]
    assert previous_bot_turn(events) == (["utter_x", "utter_ask_assessment_form_q_memories"], YES_NO_BUTTONS)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("ugh something came up i have to go", "goodbye"),
        ("my kid woke up gotta run", "goodbye"),
        ("can we do the rest later", "stop"),
        ("stop", "stop"),
        ("no more questions please", "stop"),
        ("can we start over", "start_over"),
        ("ok i'm back, where were we", "resume"),
        ("what were we doing", "resume"),
        ("hmm what were we talking about before", "resume"),
        ("i'm safe now, can we keep going?", "resume"),
        ("continue", "resume"),
        ("ok, let's start", "start_assessment"),
        ("partner check time ugh", "start_assessment"),
        ("ok lets do it", "start_assessment"),
        ("ugh hes home early, stop for now pls", "stop"),
        ("hold on i have to go find my insurance card, stop for now", "stop"),
        ("he wont stop for a second to listen", None),
        ("he tried to start a fight", None),
        ("he never stops talking about work", None),
        ("he continues to ignore me", None),
        ("i have to go to his mom's every sunday and he won't talk", None),
        ("we need to start over as a couple but i don't know how to even begin with him", None),
        ("nvm", "stop"),
        ("never mind then", "stop"),
        ("nvm i figured out what he meant", None),
        ("so hes basically a wall lately. could you do the check in with me", "start_assessment"),
        ("lets go through the questions, hes been so distant", "start_assessment"),
        ("can we do the quiz later, kid just woke up", None),
        ("how long is this, can we stop for now", "stop"),
        ("ugh how many more questions r there", "ask_checkin_length"),
        ("are we almost done? my lunch break is ending", "ask_checkin_length"),
        ("quick q", "has_question"),
        ("wait one more quick q", "has_question"),
        ("could u run ur quiz for me", "start_assessment"),
        ("ok wait, i have a quick question", "has_question"),
        ("quick q, what is schema therapy", "ask_schema_therapy"),
        ("he asked a quick question and left", None),
        ("how many times has he done that? like a lot", None),
        ("wait so is alexithymia like autism or smth?? he struggles with feelings but hes not autistic", "ask_what_is_alexithymia"),
        ("any ideas for stuff we could do together, talking always turns into a fight", "ask_rituals"),
        ("we never do stuff together anymore", None),
    ],
)
def test_control_intent(text, intent):
    assert control_intent(text) == intent




def test_paused_form_is_the_last_active_unless_completed():
    started = [{"event": "active_loop", "name": "assessment_form"}, {"event": "active_loop", "name": None}]
    assert paused_form(started) == "assessment_form"
    assert paused_form(started + [{"event": "action", "name": "action_assess_pattern"}]) is None
    therapist = started + [{"event": "active_loop", "name": "therapist_form"}]
    assert paused_form(therapist) == "therapist_form"
    assert paused_form([]) is None
    assert form_to_restart(None, therapist) == "therapist_form"
    assert form_to_restart("assessment_form", therapist) == "assessment_form"
    assert form_to_restart(None, []) == "assessment_form"


def make_tracker(slots: Dict[str, Any], text: str, intent: str, events: List[Dict[str, Any]],
                 active_loop: str = "", confidence: float = 0.5) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": []}
    return Tracker("t", slots, latest, events + [{"event": "user", "text": text, "parse_data": latest}],
                   False, None, {"name": active_loop} if active_loop else {}, "action_listen")


async def test_validate_assessment_form_sets_the_answer(dispatcher, domain):
    tracker = make_tracker({"requested_slot": "q_memories"}, "nope, she tells me exactly how she felt", "deny", [])
    events = await ValidateAssessmentForm().run(dispatcher, tracker, domain)
    assert SlotSet("q_memories", "no") in events
    assert dispatcher.messages == []


async def test_validate_assessment_form_reads_the_opening_description(dispatcher, domain):
    tracker = make_tracker({"requested_slot": None, "q_reaction": "confused"}, "honestly it's both", "reaction_confused", [])
    events = await ValidateAssessmentForm().run(dispatcher, tracker, domain)
    assert SlotSet("q_reaction", "both") in events
    assert [m["response"] for m in dispatcher.messages] == ["utter_reaction_counted_both"]
    for message in dispatcher.messages:
        assert message["response"] in domain["responses"]


async def test_validate_assessment_form_steps_aside(dispatcher, domain):
    tracker = make_tracker({"requested_slot": "q_memories"}, "what is alexithymia", "ask_what_is_alexithymia", [], confidence=0.95)
    assert await ValidateAssessmentForm().run(dispatcher, tracker, domain) == []


async def test_validate_assessment_form_steps_aside_for_a_question_to_come(dispatcher, domain):
    """"sorry quick q" is not an answer to read (it got the unclear-answer reply): the
    question comes next."""
    tracker = make_tracker({"requested_slot": "q_reaction"}, "sorry quick q", "has_question", [], confidence=1.0)
    assert await ValidateAssessmentForm().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages == []


async def test_resume_follows_up_with_the_paused_form(dispatcher, domain):
    events = [{"event": "active_loop", "name": "assessment_form"}, {"event": "active_loop", "name": None}]
    tracker = make_tracker({}, "ok i'm back", "resume", events)
    assert await ActionResumeForm().run(dispatcher, tracker, domain) == [FollowupAction("assessment_form")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_resuming"]


async def test_resume_with_nothing_paused_says_so(dispatcher, domain):
    assert await ActionResumeForm().run(dispatcher, make_tracker({}, "continue", "resume", []), domain) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_nothing_to_resume"]


async def test_start_over_clears_the_answers(dispatcher, domain):
    tracker = make_tracker({"q_reaction": "avoidant"}, "start over", "start_over", [], active_loop="assessment_form")
    events = await ActionStartOver().run(dispatcher, tracker, domain)
    assert SlotSet("q_reaction", None) in events and SlotSet("answer_quotes", None) in events
    assert events[-1] == FollowupAction("assessment_form")
    assert [m["response"] for m in dispatcher.messages] == ["utter_starting_over_assessment_form"]


@pytest.mark.parametrize(
    "text, intent, forced",
    [
        ("my gf shuts down every time i try to talk about us", "nlu_fallback", "reaction_avoidant"),
        ("when i ask him what's wrong he says he's tired", "ask_communication_tips", "reaction_confused"),
        ("how do i talk to him when he shuts down", "ask_communication_tips", None),  # a question
        ("he shuts down, what should i do?", "ask_communication_tips", None),
        ("i can't name my own feelings either", "ask_self_alexithymia", None),  # about the user
        ("my gf said 'i can't tell if i was sad or angry'", "ask_self_alexithymia", "reaction_confused"),
        ("my wife says i shut down", "ask_self_alexithymia", None),
        ("i'm so tired. he talks to everyone but me", "ask_self_alexithymia", "reaction_avoidant"),
        ("she says it's fine but she doesn't know what she feels", "reaction_confused", None),  # kept
        ("/ask_communication_tips", "ask_communication_tips", None),
    ],
)
def test_described_reaction(text, intent, forced):
    from bot.nlu.reaction_cues import described_reaction

    assert described_reaction(text, intent) == forced


def test_a_cue_answer_is_not_taken_for_a_digression_unless_asked_as_a_question():
    answer = interpret("q_body_signals", msg("he says he's hungry when he's upset", "ask_communication_tips", 0.99), [], [], None)
    assert answer.is_answer and answer.slots["q_body_signals"] == "yes"
    question = interpret("q_body_signals", msg("why does he say he's hungry when he's upset?", "ask_causes", 0.9), [], [], None)
    assert not question.is_answer


def test_is_answer_turn():
    from bot.form_control import is_answer_turn

    answering = [{"event": "user"}, {"event": "slot"}, {"event": "action", "name": "therapist_form"}]
    restarting = [{"event": "user"}, {"event": "action", "name": "action_resume_form"},
                  {"event": "bot"}, {"event": "action", "name": "therapist_form"}]
    assert is_answer_turn(answering, "therapist_form")
    assert not is_answer_turn(restarting, "therapist_form")


def test_contractions_typed_without_apostrophes_read_like_with_them():
    assert read_yes_no("he didnt notice i was upset", "q_misses_hurt").value == "yes"
    assert read_yes_no("she insists shes totally fine while yelling", "q_outbursts").value == "yes"


def test_a_first_cue_wins_over_a_later_one():
    # "her therapist" would read as "can talk elsewhere"; "same with ..." says the opposite
    assert read_yes_no("same with her therapist, her mom, everyone", "q_other_settings").value == "no"


@pytest.mark.parametrize("text", ["purge my data", "i want this chat gone", "don't store my messages", "deleet my data"])
def test_real_delete_requests_keep_their_intent(text):
    from bot.nlu.control_cues import supported

    assert supported("delete_data", text)


def test_someone_elses_therapist_is_no_request_for_one():
    from bot.nlu.control_cues import supported

    assert not supported("find_therapist", "she can't even talk to her therapist")
    assert supported("find_therapist", "can you find me a therapist in ohio")


@pytest.mark.parametrize(
    "text, intent",
    [("couples counselor in toronto ontario please", "find_therapist"),
     ("ok then look near my parents, zip 02139", "find_therapist"),
     ("i went to a therapist in my twenties and hated it", None),
     ("my therapist in ohio said he sounds avoidant", None),
     ("ok go", "start_assessment"),
     ("btw whats ACT? my sister keeps saying he needs it", "ask_act"),
     ("hmm what is behavioral activation?", "ask_behavioral_activation"),
     ("whats the act of listening even", None),
     ("what is act like in practice", None)],
)
def test_control_intent_for_requests(text, intent):
    assert control_intent(text) == intent
