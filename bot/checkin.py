"""What one message means inside the check-in (assessment_form).

``interpret`` decides, for the question the bot is waiting on, whether a message answers it
(and with what value), corrects how the opening description was counted, picks one of the
shown options by its place ("the second one"), or is not an answer at all (a question, a
pause, a request) - then the form steps aside and the conversation rules answer it, after
which the form asks the pending question again. When an answer cannot be read, the bot says
so and asks the same question again. Used by ``validate_assessment_form``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.answers import (
    about_partner,
    asks_to_explain,
    AVOIDANT,
    BOTH,
    CONFUSED,
    REACTION_QUESTION,
    Reading,
    chosen_option,
    correction_kind,
    looks_like_question,
    looks_like_request,
    read_reaction,
    read_yes_no,
    volunteered_answers,
)

# Intents that have their own rules and leave a form (a confident classifier, or the
# ControlCues component, which forces confidence 1.0); a form question's answer never is one.
CONTROL_INTENTS = frozenset({"stop", "goodbye", "start_over", "resume", "delete_data", "find_therapist"})
CONTROL_CONFIDENCE = 0.8
DIGRESSION_PREFIXES = ("ask_",)
DIGRESSION_INTENTS = frozenset({"greet", "thank", "out_of_scope", "start_assessment"}) | CONTROL_INTENTS
# "quick q" on its own: the question itself comes next
QUESTION_COMING = "has_question"
DIGRESSION_CONFIDENCE = 0.6
ABOUT_SELF = "ask_self_alexithymia"
# Readings this sure are answers even when the classifier thinks it is a digression.
FIRM_BASES = frozenset({"lead", "short", "choice"})

QUOTES_SLOT = "answer_quotes"
UNCLEAR_SLOT = "unclear_question"
QUOTE_MIN_WORDS = 4
QUOTE_MAX_CHARS = 300
COUNTED_PREFIX = "utter_reaction_counted_"
# Said when an answer also answered a later question, which is then skipped.
VOLUNTEERED_NOTED = "utter_volunteered_noted"
UNCLEAR_RESPONSES = ("utter_unclear_answer", "utter_unclear_reaction")
UNCLEAR_AGAIN = "utter_unclear_again"
EXPLAIN_PREFIX = "utter_explain_"

# Button payloads of the check-in's questions and the answer each stands for.
PAYLOAD_VALUES = {
    "/affirm": "yes",
    "/deny": "no",
    "sometimes": "sometimes",
    "/answer_unsure": "unsure",
    "/reaction_confused": CONFUSED,
    "/reaction_avoidant": AVOIDANT,
}
FLIPPED = {CONFUSED: AVOIDANT, AVOIDANT: CONFUSED}


@dataclass
class CheckinTurn:
    """The outcome for one message: slots to set and responses to send, or not an answer."""

    is_answer: bool
    slots: Dict[str, Any] = field(default_factory=dict)
    responses: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class Message:
    """The user's message as the check-in sees it."""

    text: str
    intent: Optional[str] = None
    confidence: float = 0.0
    ranking: Sequence[Mapping[str, Any]] = ()

    @classmethod
    def from_parse(cls, text: Any, parse: Optional[Mapping[str, Any]]) -> "Message":
        """The message as Rasa parsed it (a tracker's ``latest_message`` or a user event's
        ``parse_data``)."""
        parse = parse or {}
        intent = parse.get("intent") or {}
        return cls(str(text or ""), intent.get("name"), float(intent.get("confidence") or 0.0),
                   parse.get("intent_ranking") or [])

    @property
    def is_button(self) -> bool:
        return self.text.startswith("/")


def interpret(
    question: str,
    message: Message,
    previous_responses: Sequence[str],
    previous_buttons: Sequence[Mapping[str, Any]],
    quotes: Optional[Mapping[str, str]],
    counted_reaction: Optional[str] = None,
    unanswered: Sequence[str] = (),
) -> CheckinTurn:
    """Reads ``message`` as an answer to ``question`` (a slot of assessment_form).

    ``previous_responses`` and ``previous_buttons`` are the names and buttons of the bot's
    messages just before it; ``counted_reaction`` the value the first question holds;
    ``unanswered`` the questions still to ask, which a typed answer may already answer.
    """
    if counted_reaction and any(r.startswith(COUNTED_PREFIX) for r in previous_responses):
        corrected = _correction(message, counted_reaction, question)
        if corrected:
            return CheckinTurn(True, {REACTION_QUESTION: corrected},
                               [f"utter_reaction_corrected_{corrected}"])

    if not message.is_button and asks_to_explain(message.text):
        return CheckinTurn(True, {UNCLEAR_SLOT: question}, [f"{EXPLAIN_PREFIX}{question}"])
    reading = _chosen(message, previous_buttons)
    if reading is None:
        if is_control(message):
            return CheckinTurn(False)
        reading = (
            read_reaction(message.text, message.ranking)
            if question == REACTION_QUESTION
            else read_yes_no(message.text, question, message.ranking)
        )
    # A question or request in the middle of the check-in is answered by the rules, then the
    # form asks again - unless the message clearly answers (first words, "he does", or a cue
    # that belongs to the question in a message that is not itself a question).
    cue_answer = reading.basis == "cue" and not looks_like_question(message.text)
    if reading.basis not in FIRM_BASES and not cue_answer and _is_digression(message):
        return CheckinTurn(False)
    if reading.value is None:
        unclear = "utter_unclear_reaction" if question == REACTION_QUESTION else "utter_unclear_answer"
        again = any(r in UNCLEAR_RESPONSES for r in previous_responses)
        return CheckinTurn(True, {UNCLEAR_SLOT: question}, [UNCLEAR_AGAIN if again else unclear])

    turn = CheckinTurn(True, {question: reading.value, UNCLEAR_SLOT: None})
    if not message.is_button and reading.basis != "choice":
        if len(message.text.split()) >= QUOTE_MIN_WORDS:
            turn.slots[QUOTES_SLOT] = {**(quotes or {}), question: message.text.strip()[:QUOTE_MAX_CHARS]}
        if question == REACTION_QUESTION and reading.value in (CONFUSED, AVOIDANT, BOTH):
            turn.responses.append(f"{COUNTED_PREFIX}{reading.value}")
        later = volunteered_answers(message.text, [q for q in unanswered if q != question])
        if later:
            turn.slots.update(later)
            turn.responses.append(VOLUNTEERED_NOTED)
    return turn


def is_control(message: Message) -> bool:
    """A confident stop / goodbye / start over / resume / delete / therapist request."""
    return message.intent in CONTROL_INTENTS and message.confidence >= CONTROL_CONFIDENCE


def asks_the_bot(message: Message) -> bool:
    """A question the conversation rules answer ("whats the difference between act and
    schema therapy?"), phrased as one, or the word that one is coming ("quick q"): inside a
    form it is not an answer to the pending question, even when it names one of the options."""
    if message.confidence < DIGRESSION_CONFIDENCE:
        return False
    if message.intent == QUESTION_COMING:
        return True
    return (message.intent or "").startswith(DIGRESSION_PREFIXES) and (
        looks_like_question(message.text) or looks_like_request(message.text)
    )


def _is_digression(message: Message) -> bool:
    if message.intent == ABOUT_SELF and about_partner(message.text):
        return False  # "she says 'i don't know what i felt'" quotes the partner
    # a question or request, not a description the classifier took for one ("when i try to
    # talk about us she suddenly needs to shower": not a request for tips)
    if asks_the_bot(message):
        return True
    return message.intent in DIGRESSION_INTENTS and message.confidence >= DIGRESSION_CONFIDENCE


def _chosen(message: Message, buttons: Sequence[Mapping[str, Any]]) -> Optional[Reading]:
    """An option picked by its place ("the second one", "2"), as the answer it stands for."""
    index = chosen_option(message.text, len(buttons))
    if index is None:
        return None
    value = PAYLOAD_VALUES.get(str(buttons[index].get("payload", "")))
    return Reading(value, "choice") if value else None


def _correction(message: Message, counted: str, question: str) -> Optional[str]:
    """The corrected first answer when the user says the counted one was wrong, or
    describes the other pattern instead of answering ``question``."""
    if message.is_button:
        return None
    kind = correction_kind(message.text)
    reading = read_reaction(message.text)
    if kind is None:
        other = FLIPPED.get(counted)
        answers = read_yes_no(message.text, question).value is not None
        return other if reading.value == other and reading.basis == "cue" and not answers else None
    if reading.value and reading.value != counted:
        return reading.value
    if kind == "explicit" and reading.value is None and counted in FLIPPED:
        return FLIPPED[counted]
    return None


def previous_bot_turn(events: Sequence[Mapping[str, Any]]) -> Tuple[List[str], List[Mapping[str, Any]]]:
    """Names and buttons of the bot messages between the last two user messages."""
    names: List[str] = []
    buttons: List[Mapping[str, Any]] = []
    seen_latest_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest_user:
                break
            seen_latest_user = True
        elif kind == "bot" and seen_latest_user:
            names.insert(0, str((event.get("metadata") or {}).get("utter_action") or ""))
            event_buttons = (event.get("data") or {}).get("buttons") or []
            if event_buttons and not buttons:
                buttons = list(event_buttons)
    return names, buttons
