"""Crisis detector phrasings and the CrisisGuard Rasa component."""

from __future__ import annotations

import pytest
import yaml
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from bot.crisis.guard import CrisisGuard, strip_intent_prefix
from tests.support.crisis_eval import REPO_ROOT

# (message, category of bot/crisis/TAXONOMY.md). Typos, slang, third parties, Spanish, case.
POSITIVES = [
    ('988', 'help_request'),
    ('call 988', 'help_request'),
    ('I need the crisis line', 'help_request'),
    ("I'm in crisis", 'help_request'),
    ('I need help right now', 'help_request'),
    ('I want to kill myself', 'direct_ideation'),
    ('i want to kil myself', 'direct_ideation'),
    ('I WANT TO DIE', 'direct_ideation'),
    ('i wanna die', 'direct_ideation'),
    ('honestly i just want to die tonight', 'direct_ideation'),
    ("I've been thinking about suicide", 'direct_ideation'),
    ('thinking about sucide a lot lately', 'direct_ideation'),
    ('i feel suicidle', 'direct_ideation'),
    ('Im feeling suicidal', 'direct_ideation'),
    ("I'm not suicidal but I keep thinking everyone would be better off without me", 'direct_ideation'),
    ('kms', 'direct_ideation'),
    ('im gonna kms', 'direct_ideation'),
    ('i want to unalive myself', 'direct_ideation'),
    ("I don't want to live anymore", 'passive_ideation'),
    ('i dont want to be alive', 'passive_ideation'),
    ('I don’t want to be here anymore', 'passive_ideation'),
    ("I'd be better off dead", 'direct_ideation'),
    ("I'm thinking of ending it all", 'direct_ideation'),
    ('I want to end my life', 'direct_ideation'),
    ('i am going to take my own life', 'direct_ideation'),
    ('I wish I was dead', 'direct_ideation'),
    ('i wish i could just die', 'direct_ideation'),
    ('there is no reason to live', 'passive_ideation'),
    ('I have nothing left to live for', 'passive_ideation'),
    ('i want to go to sleep and never wake up', 'passive_ideation'),
    ("I can't go on living like this", 'direct_ideation'),
    ('life is not worth living', 'passive_ideation'),
    ('im gonna kill myslef', 'direct_ideation'),
    ('My partner said he wants to kill himself', 'direct_ideation'),
    ('my husband keeps saying he wants to die', 'direct_ideation'),
    ('my wife threatened to kill herself if i leave', 'direct_ideation'),
    ('I think my boyfriend is suicidal', 'direct_ideation'),
    ('I have been cutting myself again', 'self_harm'),
    ('i hurt myself on purpose last night', 'self_harm'),
    ('I want to hurt myself', 'self_harm'),
    ('i burned myself with a lighter because i deserved it', 'self_harm'),
    ('self harm is the only thing that helps', 'self_harm'),
    ('i relapsed and started cutting', 'self_harm'),
    ('My girlfriend is cutting herself', 'self_harm'),
    ('I took too many pills', 'in_progress'),
    ('i overdosed last night', 'in_progress'),
    ("I think I'm going to OD", 'plan_or_means'),
    ("i od'd on my meds", 'in_progress'),
    ('she overdoes on pills when he leaves', 'plan_or_means'),
    ('i swallowed a whole bottle of tylenol', 'in_progress'),
    ("I'm worried my friend will overdose", 'plan_or_means'),
    ('thinking about an overdoes of my sleeping pills', 'plan_or_means'),
    ('My husband hits me', 'partner_violence'),
    ('he choked me last night', 'partner_violence'),
    ('my boyfriend pushed me into the wall last night', 'partner_violence'),  # not "pushed me into therapy"
    ('he pushed me into a door', 'partner_violence'),
    ('he keeps his gun on the table when we argue', 'partner_violence'),
    ('she waves the knife around when we fight', 'partner_violence'),
    ('he strangled me until i passed out', 'partner_violence'),
    ('He threatened to kill me', 'partner_violence'),
    ('my boyfriend threatend to kill me if I leave', 'partner_violence'),
    ("I'm afraid he'll hurt me", 'partner_violence'),
    ("i'm scared that my husband will hit me again", 'partner_violence'),
    ('he has a gun and threatened me', 'partner_violence'),
    ('he put his hands around my neck', 'partner_violence'),
    ('She slapped me and pushed me into the wall', 'partner_violence'),
    ("I don't feel safe at home", 'partner_violence'),
    ('I want to hurt him', 'harm_to_others'),
    ('sometimes i want to kill my husband', 'harm_to_others'),
    ('he beats the kids', 'partner_violence'),
    ('quiero morir', 'direct_ideation'),
    ('Me quiero matar', 'direct_ideation'),
    ('estoy pensando en suicidarme', 'direct_ideation'),
    ('no quiero vivir', 'passive_ideation'),
    ('ya no quiero vivir así', 'passive_ideation'),
    ('mi esposo me pega', 'partner_violence'),
    ('me corto los brazos', 'self_harm'),
    ('nobody would miss me if i killed myself', 'direct_ideation'),
    ('i want to jump off a bridge', 'direct_ideation'),
    ("my girlfriend said she's going to hang herself", 'direct_ideation'),
    ("I don't see the point in living anymore", 'passive_ideation'),
    ('i want to stop existing', 'passive_ideation'),
    ('im thinking abt suicide', 'direct_ideation'),
    ('everyone would be better off if i was gone', 'passive_ideation'),
    ('he says he is going to shoot himself', 'direct_ideation'),
    ('i dont want to wake up tomorrow', 'passive_ideation'),
    ('my brother keeps talking about killing himself', 'direct_ideation'),
    ('quiero suicidarme', 'direct_ideation'),
    ('I took a handful of my sleeping pills', 'in_progress'),
    ('what do i do if my husband overdoses', 'plan_or_means'),
    ("i'm planning to overdose tonight", 'plan_or_means'),
    ('i keep hitting myself when we fight', 'self_harm'),
    ("she's been starving herself for weeks", 'self_harm'),
    ('he pinned me down and choked me', 'partner_violence'),
    ('he slammed my head against the wall', 'partner_violence'),
    ('he put a gun to my head', 'in_progress'),
    ('my partner kicked me in the stomach', 'partner_violence'),
    ('she tried to stab me', 'partner_violence'),
    ('i fear for my safety at home', 'partner_violence'),
    ("my ex is stalking me and said he'd kill me", 'partner_violence'),
    ("i'm going to hurt someone", 'harm_to_others'),
    ('mi esposo me amenaza con un cuchillo', 'partner_violence'),
    ('tengo miedo de que me mate', 'partner_violence'),
    ('i wnat to die', 'direct_ideation'),
    ('I keep thinking about dying', 'direct_ideation'),
    ("my bf said he'd rather be dead", 'direct_ideation'),
    ('I might do something to myself tonight', 'self_harm'),
    ("he's hurting me", 'partner_violence'),
    ('He forced himself on me', 'partner_violence'),
    ("i'm afraid of my wife", 'partner_violence'),
    ('she threatened to hurt the kids', 'partner_violence'),
    ('i feel like i could kill him', 'harm_to_others'),
    ('my fiancee threw me against the wall', 'partner_violence'),
    ("i'm scared to go home", 'partner_violence'),
    ('i just took 30 of my sleeping pills', 'in_progress'),
    ('I already swallowed the whole bottle of tylenol', 'in_progress'),
    ('took a handful of xanax an hour ago and i feel dizzy', 'in_progress'),
    ("my boyfriend took a bunch of pills and won't wake up", 'in_progress'),
    ('i drank bleach', 'in_progress'),
    ("i cut too deep and it won't stop bleeding", 'in_progress'),
    ("there's so much blood", 'in_progress'),
    ('i mixed my pills with vodka', 'in_progress'),
    ("she's not breathing", 'in_progress'),
    ("he's choking me right now", 'in_progress'),
    ("he's trying to break down the door", 'in_progress'),
    ("i'm hiding in the bathroom from him", 'in_progress'),
    ("i've been saving up my pills", 'plan_or_means'),
    ('the pills are ready for tonight', 'plan_or_means'),
    ('i bought a rope', 'plan_or_means'),
    ('how many tylenol does it take to die', 'plan_or_means'),
    ("what's the most painless way to die", 'plan_or_means'),
    ("i know exactly how i'd kill myself", 'plan_or_means'),
    ('i have a plan to end it', 'plan_or_means'),
    ("i've got the gun loaded", 'plan_or_means'),
    ('i wrote letters to everyone', 'preparation_farewell'),
    ("i'm giving away all my stuff", 'preparation_farewell'),
    ("i've been putting my affairs in order", 'preparation_farewell'),
    ('i wrote my will last night', 'preparation_farewell'),
    ('this is goodbye', 'preparation_farewell'),
    ("by the time you read this i'll be gone", 'preparation_farewell'),
    ("please take care of my cat when i'm gone", 'preparation_farewell'),
    ("you won't hear from me again", 'preparation_farewell'),
    ('i said my goodbyes', 'preparation_farewell'),
    ('i want to die', 'direct_ideation'),
    ("i'm going to kill myself", 'direct_ideation'),
    ('thinking about suicide', 'direct_ideation'),
    ('i just want to disappear', 'passive_ideation'),
    ('i wish i could go to sleep and never wake up', 'passive_ideation'),
    ('everyone would be better off without me', 'passive_ideation'),
    ("i'm such a burden", 'passive_ideation'),
    ("i'm tired of living", 'passive_ideation'),
    ("what's the point of anything anymore", 'passive_ideation'),
    ('i wish a truck would hit me', 'passive_ideation'),
    ("i don't want to be here anymore", 'passive_ideation'),
    ('nobody would miss me if i was gone', 'passive_ideation'),
    ("i can't do life anymore", 'passive_ideation'),
    ("i've been cutting my arms again", 'self_harm'),
    ('i burn myself with a lighter', 'self_harm'),
    ('i bang my head against the wall until it hurts on purpose', 'self_harm'),
    ('i relapsed on self harm', 'self_harm'),
    ('he punched the wall next to my head', 'partner_violence'),
    ("i'm scared of what he'll do", 'partner_violence'),
    ('he threw a plate at me', 'partner_violence'),
    ("he won't let me see my friends", 'partner_violence'),
    ('he pulled my hair', 'partner_violence'),
    ("he said he'd kill me if i leave", 'partner_violence'),
    ('my husband is abusive', 'partner_violence'),
    ('my friend said she wants to end it all', 'direct_ideation'),
    ('my brother wrote a goodbye note', 'preparation_farewell'),
    ('my son is giving away his things', 'preparation_farewell'),
    ('me tome todas las pastillas', 'in_progress'),
    ('quiero desaparecer', 'passive_ideation'),
    ('mi novio me pego', 'partner_violence'),
    ('estoy pensando en quitarme la vida', 'direct_ideation'),
]

# Everyday English that must not trigger the crisis response.
NEGATIVES = [
    'he has a gun for hunting',
    'we argued about his knife collection',
    'he pushed me into therapy and now hes mad about it',
    'he pushes me to talk about my feelings',
    'she pushed me to the edge today lol',
    "my zip is 98801",
    "we need to cut way back on takeout",
    "he cut me off mid sentence again",
    "we had a crisis of confidence at work but it's fine now",
    "I'm dying to know what he thinks",
    "my phone died",
    "my plants died while we were away",
    "that joke killed me",
    "this traffic is killing me",
    "my feet are killing me",
    "I could kill for a coffee",
    "we killed it at trivia",
    "he's dead tired after work",
    "the battery is dead",
    "I'm so overdue for a haircut",
    "a shot of espresso please",
    "let's cut the cake",
    "he cut me off mid-sentence",
    "I hurt my knee",
    "she hurts my feelings when she shuts down",
    "he said it's fine and changed the subject",
    "I can't tell if I'm sad or angry",
    "he hit me up last night to talk",
    "he beat me at chess again",
    "she kicked me out of the kitchen",
    "it really choked me up",
    "she shot me a look across the room",
    "he pushes me away when I try to talk",
    "he grabbed me a coffee on his way home",
    "when it gets heated she grabs her keys and goes for a drive",
    "he grabbed his phone and left the room",
    "I don't want to hurt him by leaving",
    "I never want to hurt her",
    "I don't want to hurt his feelings",
    "I'd die for my kids",
    "I don't want to die alone",
    "I was dying of embarrassment",
    "I'm ready to die on this hill",
    "I don't want to live with him anymore",
    "I don't want to live together yet",
    "I cut myself shaving",
    "I burned myself cooking dinner",
    "I hurt myself at the gym lifting",
    "cut yourself some slack",
    "she cut herself on a broken glass",
    "I need to cut myself off from his family",
    "I'm burned out",
    "he burns himself out at work",
    "I'm killing time before my appointment",
    "he's a killer at poker",
    "that movie was overkill",
    "my grandmother passed away last year",
    "the skill gap between us is huge",
    "he paid the bill",
    "please fill in the form",
    "I dyed my hair",
    "he takes his pills every morning",
    "I take my medication on time",
    "he overdoes it at the gym",
    "he threatened to leave me",
    "she threatens to break up every week",
    "my husband never wakes up before noon",
    "I wish my phone didn't die so fast",
    "we drove 20 miles",
    "I'm afraid he'll leave me",
    "I'm scared he will hurt my feelings again",
    "he shuts down and I feel so alone",
    "is alexithymia the same as emotional unavailability",
    "I want to find a therapist",
    "he never says how he feels",
    "I feel like I'm talking to a wall",
    "she stabbed the potato with a fork",
    "I'm killing it at work this week",
    "the suspense is killing me",
    "my laptop is dead again",
    "the conversation died out",
    "he's a veteran of bad relationships",
    "that hit me hard when I realised it",
    "we're going to kill two birds with one stone",
    "my husband is killing me with his silence lol",
    "she's to die for",
    "I nearly died laughing",
    "my cat died last week and he didn't even react",
    "i'm dead serious",
    "i'm taking pills for my headache",
    "he overdid it at the party",
    "I'm cutting down on sugar",
    "she cut ties with her family",
    "he gave me a shot of whiskey",
    "i could just kill him for forgetting our anniversary",
    "this job is going to be the death of me",
    "she threatened to leave if I bring it up again",
    "his words cut deep",
    "I'd rather die than go to his mom's party",
    "I'm going to kill him when he gets home lol",
    "he choked on his water",
    "let's shoot for Friday",
    "he pushed the door open",
    "i hurt my back moving boxes",
    "I'd kill to have a normal conversation with him",
    "he punches above his weight",
    "I hit the gym every day",
    "i was hit by a car last year",
    "I'm afraid of my husband's reaction if I bring up therapy",
    "i'm scared of my husband finding out",
    "I'm thinking of ending it with him",
    "I'm thinking about dying my hair",
    "I'm done with this conversation",
    "he'll be the death of me lol",
    'I could kill him for forgetting our anniversary',
    'my dog died last week and i miss her so much',
    "my grandma passed away and i can't stop crying",
    "he's gone cold and distant",
    "i'm done with this argument",
    "i'm so lonely since he stopped talking to me",
    'this job is killing me',
    'i took my meds this morning',
    'i took 2 advil for my headache',
    'i gave away my old clothes to charity',
    "it's my last day at work",
    'i said goodbye to my mom at the airport',
    'i want to tell my husband i love him',
    'we picked a date for the wedding',
    "i'm going to do it tonight, i'll finally tell him",
    "he's not responding to my texts",
    "i'm scared to tell him how i feel",
    "he dragged me to his parents' house",
    "he was abused as a child and that's why he shuts down",
    "let's cut the cake and clean up",
    'i hit my head on the cabinet',
    'i want to disappear for the weekend',
    "there's no way out of this argument",
    "my nose won't stop bleeding",
    'killing me softly with his song',
    "i'm dead tired",
    "she's been through a lot of pain",
    "i'm tired of fighting with him",
    "what's the point of going to the party",
    'i want him to wake up earlier',
    "i hope he doesn't wake up the baby",
    'i wish i had a car to take me to work',
    'me corto el pelo mañana',
    'no quiero seguir discutiendo',
    'me lastima que no hable conmigo',
    'hola, como estas',
    'me amenaza con dejarme',
]


def test_lists_are_big_enough():
    assert len(POSITIVES) >= 60 and len(NEGATIVES) >= 60


@pytest.mark.parametrize("text,category", POSITIVES)
def test_crisis_phrasings_match(detector, text, category):
    match = detector.detect(text)
    assert match is not None
    assert match.category == category


@pytest.mark.parametrize("text", NEGATIVES)
def test_everyday_phrasings_do_not_match(detector, text):
    assert detector.detect(text) is None


@pytest.mark.parametrize(
    "text,tags",
    [
        ("I want to kill myself", set()),
        ("he makes me want to die", set()),
        ("I want to hurt him", set()),
        ("My partner said he wants to kill himself", {"someone_else"}),
        ("My girlfriend is cutting herself", {"someone_else"}),
        ("I'm worried my friend will overdose", {"someone_else"}),
        ("my mom took too many of my pills", {"someone_else", "emergency"}),
        # "me" inside the match is its object: the goodbye is the brother's
        ("my brother texted me goodbye and his phone is off now", {"someone_else"}),
        # a person things go to is no subject: the farewell is the user's
        ("i already gave my dog to my sister and wrote out who gets my stuff", set()),
        ("my brother is giving away his things to his friends", {"someone_else"}),
        ("i just took 30 of my sleeping pills", {"emergency"}),
        ("he is choking me right now", {"partner_violence", "emergency"}),
        ("i have been saving up my pills", set()),
        ("My husband hits me", {"partner_violence"}),
        ("I'm afraid he'll hurt me", {"partner_violence"}),
        ("he has a gun and threatened me", {"partner_violence"}),
        ("he beats the kids", {"partner_violence", "someone_else"}),
        ("quiero morir", {"spanish"}),
        ("mi esposo me pega", {"partner_violence", "spanish"}),
        ("I'm a veteran and I want to die", {"veteran"}),
        ("he served in the army and now he talks about suicide", {"veteran", "someone_else"}),
        ("he hits me and I want to die", {"partner_violence"}),
    ],
)
def test_context_tags(detector, text, tags):
    assert detector.detect(text).tags == tags


@pytest.mark.parametrize(
    "text", ["I'm not suicidal", "I don't want to kill myself", "I would never hurt myself"]
)
def test_denials_still_match(detector, text):
    """Deliberate: negation does not cancel a match (see bot/crisis/patterns.yml)."""
    assert detector.detect(text) is not None


def test_most_severe_category_wins(detector):
    match = detector.detect("he hits me and I want to die")
    assert (match.category, match.rule) == ("direct_ideation", "kill_self")


def test_match_span_points_at_the_phrase(detector):
    text = "Lately I feel like I want to kill myself, honestly"
    match = detector.detect(text)
    assert text[match.start_char:match.end_char] == "kill myself"


def test_crisis_forms_fix_typos_but_spare_english_words(detector, nlp):
    doc = nlp.make_doc("Sucide kil skill bill dye overdue strange myslef dying meds")
    assert [t.norm_ for t in detector.normalise(doc)] == [
        "suicide", "kill", "skill", "bill", "dye", "overdue", "strange", "myself", "die", "med",
    ]
    assert doc[0].norm_ == "sucide"  # the caller's doc is untouched


# ---------------- the Rasa component ----------------

GREET = {"name": "greet", "confidence": 0.9}
RANKING = [GREET, {"name": "crisis", "confidence": 0.06}, {"name": "nlu_fallback", "confidence": 0.04}]


@pytest.fixture(scope="session")
def spacy_nlp(spacy_model_dir):
    return SpacyNLP.create({"model": str(spacy_model_dir)}, None, None, None)


@pytest.fixture(scope="session")
def guard(tmp_path_factory):
    """The guard `rasa train` made for the project's model (models/current.tar.gz): its
    scorer trained on scorer_data/ and data/nlu.yml."""
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    from tests.support.stack import require_model

    storage, metadata = LocalModelStorage.from_model_archive(
        tmp_path_factory.mktemp("model_storage"), require_model()
    )
    [node] = [node for node in metadata.predict_schema.nodes.values() if node.uses is CrisisGuard]
    return CrisisGuard.load(node.config, storage, node.resource, None)


def classified(spacy_nlp, text, *, attach_doc=True):
    """A message as the guard receives it: spaCy doc attached, DIET's prediction set."""
    message = Message(data={"text": text})
    if attach_doc:
        spacy_nlp.process([message], spacy_nlp.provide())
    message.set("intent", dict(GREET), add_to_output=True)
    message.set("intent_ranking", [dict(entry) for entry in RANKING], add_to_output=True)
    return message


def test_guard_forces_crisis_intent_and_tags(guard, spacy_nlp):
    text = "My partner said he wants to kill himself"
    [message] = guard.process([classified(spacy_nlp, text)], spacy_nlp.provide())
    assert message.get("intent") == {"name": "crisis", "confidence": 1.0}
    assert message.get("intent_ranking") == [
        {"name": "crisis", "confidence": 1.0},
        GREET,
        {"name": "nlu_fallback", "confidence": 0.04},
    ]
    assert message.get("entities") == [
        {"entity": "crisis_context", "value": "someone_else", "start": 28, "end": 40,
         "extractor": "CrisisGuard"},
    ]
    assert text[28:40] == "kill himself"
    assert {"intent", "intent_ranking", "entities"} <= message.output_properties
    assert message.get("text") == text


def test_guard_tokenizes_when_no_spacy_doc(guard, spacy_nlp):
    message = classified(spacy_nlp, "mi esposo me pega", attach_doc=False)
    assert message.get(SPACY_DOCS["text"]) is None
    guard.process([message], spacy_nlp.provide())
    assert message.get("intent")["name"] == "crisis"
    assert [e["value"] for e in message.get("entities")] == ["partner_violence", "spanish"]


def test_guard_leaves_other_messages_alone(guard, spacy_nlp):
    message = classified(spacy_nlp, "my phone died and he didn't even notice")
    before = dict(message.data)
    guard.process([message], spacy_nlp.provide())
    assert message.data == before
    assert message.get("entities") is None


@pytest.mark.parametrize(
    "text,unprefixed",
    [
        ("/greet", "greet"),
        ("  / /greet{}", "greet{}"),
        ("//greet@1.0 x", "greet@1.0 x"),
        ("hello /greet", "hello /greet"),
    ],
)
def test_strip_intent_prefix(text, unprefixed):
    assert strip_intent_prefix(text) == unprefixed


@pytest.mark.parametrize(
    "text",
    [
        "/greet@1.0 i want to kill myself",
        ' /greet{"name": "i want to die"}',
        "//greet he choked me",
    ],
)
def test_slash_commands_cannot_hide_a_crisis(guard, spacy_nlp, text):
    message = classified(spacy_nlp, text)
    guard.process([message], spacy_nlp.provide())
    [handled] = RegexMessageHandler().process([message])
    assert handled.get("intent") == {"name": "crisis", "confidence": 1.0}
    assert not handled.get("text").strip().startswith("/")


def test_slash_commands_still_work_otherwise(guard, spacy_nlp):
    message = classified(spacy_nlp, "/greet")
    guard.process([message], spacy_nlp.provide())
    [handled] = RegexMessageHandler().process([message])
    assert handled.get("intent") == {"name": "greet", "confidence": 1.0}


def test_entity_span_follows_the_rewritten_text(guard, spacy_nlp):
    message = classified(spacy_nlp, "  /greet my girlfriend is cutting herself")
    guard.process([message], spacy_nlp.provide())
    [entity] = message.get("entities")
    assert message.get("text")[entity["start"]:entity["end"]] == "cutting herself"


# ---------------- the project's trained NLU pipeline ----------------

async def test_pipeline_forces_crisis(model_agent):
    parsed = await model_agent.parse_message("hello, my husband chokes me")
    assert parsed["intent"] == {"name": "crisis", "confidence": 1.0}
    assert parsed["intent_ranking"][0] == {"name": "crisis", "confidence": 1.0}
    assert [e["value"] for e in parsed["entities"]] == ["partner_violence"]


async def test_pipeline_closes_slash_bypass(model_agent):
    parsed = await model_agent.parse_message("/greet@1.0 i want to kill myself")
    assert parsed["intent"] == {"name": "crisis", "confidence": 1.0}


async def test_pipeline_keeps_slash_intents(model_agent):
    parsed = await model_agent.parse_message("/greet")
    assert parsed["intent"] == {"name": "greet", "confidence": 1.0}


async def test_pipeline_bypass_is_real_without_the_rewrite(model_agent, monkeypatch):
    """Guards the test above: with the text left as typed, RegexMessageHandler wins."""
    monkeypatch.setattr("bot.crisis.guard.strip_intent_prefix", lambda text: text)
    parsed = await model_agent.parse_message("/greet@1.0 i want to kill myself")
    assert parsed["intent"]["name"] == "greet"


# ---------------- not a crisis: the classifier's guess is replaced ----------------

def classified_as_crisis(spacy_nlp, text):
    """A message the classifier (wrongly or not) took for a crisis."""
    message = classified(spacy_nlp, text)
    crisis = {"name": "crisis", "confidence": 0.7}
    message.set("intent", dict(crisis), add_to_output=True)
    message.set("intent_ranking", [crisis, {"name": "out_of_scope", "confidence": 0.2}])
    return message


@pytest.mark.parametrize(
    "text, intent",
    [
        ("he'll be the death of me lol", "vent_frustration"),
        ("I could kill him for forgetting our anniversary", "vent_frustration"),
        ("I'm dying to know what he thinks", "vent_frustration"),
        ("I'd rather die than sit through another dinner with his parents", "vent_frustration"),
        ("I cut myself shaving", "vent_frustration"),  # an exclusion
        ("she keeps me at arm's length", "vent_frustration"),
        ("my dog died last week", "share_sadness"),
        ("we lost our grandma in june and he never mentions it", "share_sadness"),
        ("i feel so lonely", "share_sadness"),
    ],
)
def test_ordinary_messages_replace_the_classifiers_crisis(guard, spacy_nlp, text, intent):
    [message] = guard.process([classified_as_crisis(spacy_nlp, text)], spacy_nlp.provide())
    assert message.get("intent") == {"name": intent, "confidence": 1.0}
    assert [e["name"] for e in message.get("intent_ranking")] == [intent, "out_of_scope"]


@pytest.mark.parametrize(
    "text", ["everything feels pointless and heavy", "I want to kill him for what he did to me"]
)
def test_classifier_crisis_stands_without_a_figure_of_speech(guard, spacy_nlp, text):
    [message] = guard.process([classified_as_crisis(spacy_nlp, text)], spacy_nlp.provide())
    assert message.get("intent")["name"] == "crisis"


# ---------------- Spanish ----------------

@pytest.mark.parametrize(
    "text, spanish",
    [
        ("mi esposo no me habla de sus sentimientos", True),
        ("¿qué es la alexitimia?", True),
        ("gracias", True),
        ("find me a therapist", False),
        ("thx", False),
        ("we're in colorado", False),
        ("la la land is my favorite movie", False),
    ],
)
def test_spanish_guard(spacy_nlp, text, spanish):
    from bot.crisis.language import SpanishGuard

    guard = SpanishGuard.create({}, None, None, None)
    [message] = guard.process([classified(spacy_nlp, text)])
    assert (message.get("intent")["name"] == "speak_spanish") is spanish
    assert (message.get("intent_ranking")[0]["name"] == "speak_spanish") is spanish


def test_spanish_crisis_is_still_a_crisis(guard, spacy_nlp):
    from bot.crisis.language import SpanishGuard

    message = classified(spacy_nlp, "me tomé todas las pastillas")
    SpanishGuard.create({}, None, None, None).process([message])
    assert message.get("intent")["name"] == "speak_spanish"
    guard.process([message], spacy_nlp.provide())
    assert message.get("intent")["name"] == "crisis"
    assert {e["value"] for e in message.get("entities")} == {"emergency", "spanish"}


# ---------------- urgency: which static steps the policy runs ----------------

def test_policy_picks_the_emergency_steps_by_tag():
    from rasa.engine.graph import ExecutionContext, GraphSchema

    from bot.crisis.policy import CrisisFirstPolicy

    config = {
        **CrisisFirstPolicy.get_default_config(),
        "steps": ["utter_crisis", "action_crisis_handoff"],
        "steps_by_tag": {"emergency": ["utter_crisis_emergency", "action_crisis_handoff"]},
    }
    policy = CrisisFirstPolicy(config, None, None, ExecutionContext(GraphSchema({}), "test"))
    assert policy.sequence_for({"emergency", "someone_else"})[0] == "utter_crisis_emergency"
    assert policy.sequence_for({"partner_violence"})[0] == "utter_crisis"


def test_classifier_crisis_without_a_rule_or_a_score_is_dropped(guard, spacy_nlp):
    """The classifier's crisis guess (0.7) stands only with the scorer behind it: here the
    next intent (0.2) is under the fallback threshold, so the message falls back."""
    [unsure] = guard.process(
        [classified_as_crisis(spacy_nlp, "no he always notices when im upset")],
        spacy_nlp.provide(),
    )
    assert unsure.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert "crisis" not in [entry["name"] for entry in unsure.get("intent_ranking")]
    [ruled] = guard.process(
        [classified_as_crisis(spacy_nlp, "i want to die")], spacy_nlp.provide()
    )
    assert ruled.get("intent") == {"name": "crisis", "confidence": 1.0}


def test_a_dropped_crisis_guess_gives_way_to_the_next_intent(guard, spacy_nlp):
    message = classified(spacy_nlp, "yeah he gets it when im sad")
    message.set("intent", {"name": "crisis", "confidence": 0.48}, add_to_output=True)
    message.set("intent_ranking", [
        {"name": "crisis", "confidence": 0.48}, {"name": "deny", "confidence": 0.3},
    ], add_to_output=True)
    [message] = guard.process([message], spacy_nlp.provide())
    assert message.get("intent") == {"name": "deny", "confidence": 0.3}


# Answers to the therapist search's own questions, typed the way people write on a phone.
# "im in 43215" was once taken for an overdose in progress (the scorer alone: "be in" and
# "im" weigh toward "i'm in the bathroom with the pills"), so the user got 911 and the
# search was paused.
THERAPIST_FORM_ANSWERS = [
    "im in 43215",
    "im in 44102",
    "im in 30309 atlanta",
    "i'm in 60614",
    "we're in 98103",
    "im in cleveland",
    "im in akron ohio",
    "im near 48201",
    "im in portland oregon 97205",
    "i live in 10027",
    "we live outside of tampa fl",
    "zip is 78704",
    "im in the twin cities",
    "just for me",
    "me and my husband",
    "couples please",
    "in person if possible",
    "im ok with online",
    "i have aetna",
    "no insurance, im paying myself",
    "somebody who does ACT",
    "whatever works, i dont know the kinds",
]
# Check-in answers with words the scorer leans on ("arm"): alex-17 of the conversation set
# got the crisis reply for the first one.
CHECK_IN_ANSWERS = [
    "Certainly. She keeps me at arm's length.",
    "she keeps me at arms length",
    "yes he keeps everyone at arm's length",
    # real_world.yml (written blind, 2026-11-29): the scorer alone gave the first 0.853
    "ya ngl she tells her best friend everything, i find stuff out from HER",
    "yeah when it gets heated he grabs his keys and drives off for a couple hours",
    "she leaves for a drive and doesnt text back until morning",
]


@pytest.mark.parametrize("text", THERAPIST_FORM_ANSWERS + CHECK_IN_ANSWERS)
async def test_form_answers_are_not_a_crisis(model_agent, text):
    parsed = await model_agent.parse_message(text)
    assert parsed["intent"]["name"] != "crisis"


# Low mood in the user's own words (not in the training data): the caring reply with 988,
# not the crisis alarm, and not the explanation of how a partner's pattern strains a
# relationship (where these went until the sadness examples moved, 2026-11-29).
LOW_MOOD = [
    "tbh everything feels pointless and heavy lately",
    "i feel really low these days",
    "ive been crying a lot lately",
    "honestly im just exhausted and sad every day",
]


@pytest.mark.parametrize("text", LOW_MOOD)
async def test_low_mood_gets_the_caring_reply(model_agent, text):
    parsed = await model_agent.parse_message(text)
    assert parsed["intent"]["name"] == "share_sadness"
