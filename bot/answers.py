"""Reads typed answers to the check-in's questions.

People answer on a phone: "nope, she's like that with everybody", "ya and it's not that he
doesn't care", "kinda?". The intent classifier alone gets long answers wrong (a "no, he asks
about my feelings a lot" can look like `affirm`), so each answer is read in this order:

1. the answer's first words ("yes", "ya", "nope", "not really", "kind of", "idk" ...), with a
   softener right after a yes/no making it "sometimes" ("yeah, sometimes");
2. a short auxiliary answer ("he does", "she doesn't really", "i think they can");
3. cues that belong to the question ("he says he's tired" for body signals), where a negation
   right before a cue turns it around;
4. the classifier's ranking, when it is confident about an answer intent.

Otherwise the reading is ``None`` and the bot asks the same question again. Phrases and cues
live in ``answers.yml`` beside this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Pattern, Sequence, Tuple

import yaml

CUES_FILE = Path(__file__).with_name("answers.yml")

YES, NO, SOMETIMES, UNSURE = "yes", "no", "sometimes", "unsure"
CONFUSED, AVOIDANT, BOTH = "confused", "avoidant", "both"
REACTION_QUESTION = "q_reaction"

# Classifier intents that answer a yes/no question directly.
ANSWER_INTENTS = {"affirm": YES, "deny": NO, "answer_unsure": UNSURE}
# What a described reaction means for each yes/no question (the Jamie-like or Alex-like reading).
REACTION_INTENT_MEANING: Dict[str, Dict[str, str]] = {
    "q_other_settings": {"reaction_avoidant": YES, "reaction_confused": NO},
    **{
        q: {"reaction_confused": YES}
        for q in ("q_body_signals", "q_memories", "q_misses_hurt", "q_outbursts",
                  "q_mixes_feelings", "q_joy_pain")
    },
    **{q: {"reaction_avoidant": YES} for q in ("q_intimacy", "q_interest", "q_high_emotion")},
}
REACTION_INTENTS = {"reaction_confused": CONFUSED, "reaction_avoidant": AVOIDANT, "answer_unsure": UNSURE}
CLASSIFIER_CONFIDENCE = 0.55
LEAD_WINDOW = 4  # words after a yes/no lead in which a softener turns it into "sometimes"
SHORT_ANSWER_WORDS = 7
CUE_NEGATION_WINDOW = 3

_WORD = re.compile(r"[a-z0-9%']+")


@dataclass(frozen=True)
class Reading:
    """What an answer was read as, and from what (``lead``, ``short``, ``cue``, ``classifier``)."""

    value: Optional[str]
    basis: str = ""


# Contractions typed without the apostrophe ("didnt", "hes"), restored so one cue covers both.
_CONTRACTIONS = {
    **{f"{w}nt": f"{w}n't" for w in ("did", "does", "do", "is", "was", "are", "were", "has", "have",
                                      "had", "could", "would", "should", "ca", "wo", "ai")},
    "dont": "don't", "cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've", "hes": "he's",
    "shes": "she's", "theyre": "they're", "thats": "that's", "whats": "what's", "theres": "there's",
}
_CONTRACTION = re.compile(r"\b(" + "|".join(sorted(_CONTRACTIONS, key=len, reverse=True)) + r")\b")


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, apostrophes restored in "didnt"/"hes", letters
    repeated 3+ times squeezed, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    text = _CONTRACTION.sub(lambda m: _CONTRACTIONS[m.group(1)], text)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> List[str]:
    """The words of normalised text ("doesn't" stays one word)."""
    return _WORD.findall(text)


@dataclass(frozen=True)
class AnswerCues:
    """The phrases and cues of answers.yml, compiled."""

    leads: Tuple[Tuple[Tuple[str, ...], str], ...]  # (words, value), longest first
    preambles: Tuple[Tuple[str, ...], ...]  # longest first
    softeners: Tuple[Tuple[str, ...], ...]
    hedges: Tuple[Tuple[str, ...], ...]
    hedge_stops: frozenset
    auxiliaries: frozenset
    negations: frozenset
    fillers: frozenset
    cues: Dict[str, Tuple[Tuple[str, Pattern[str]], ...]]
    cue_negations: frozenset
    reaction: Dict[str, Tuple[Pattern[str], ...]]
    corrections: Dict[str, Tuple[Pattern[str], ...]]
    clarify: Tuple[Pattern[str], ...]
    ordinals: Dict[str, int]
    partner_words: frozenset
    volunteered: Dict[str, Tuple[Tuple[str, Pattern[str]], ...]]


def _whole_words(pattern: str) -> Pattern[str]:
    """A cue matches whole words only ("hot" is not found in "shot", "t" not in "don't"); a
    quote mark opening a quotation is no part of a word ("its all 'i was so sad'")."""
    return re.compile(rf"(?<![a-z0-9])(?<![a-z0-9]')(?:{pattern})(?![a-z0-9])")


def _ordered_cues(by_value: Mapping[str, Any]) -> List[Tuple[str, Sequence[str]]]:
    """A question's cue lists in the order they are tried: ``first`` (value -> patterns)
    before the rest."""
    first = list((by_value.get("first") or {}).items())
    return first + [(value, patterns) for value, patterns in by_value.items() if value != "first"]


@lru_cache(maxsize=None)
def load_cues(path: Path = CUES_FILE) -> AnswerCues:
    """Reads and compiles answers.yml (once per path)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    leads = [
        (tuple(words(normalise(str(phrase)))), str(value))
        for value, phrases in raw["lead"].items()
        for phrase in phrases
    ]
    leads.sort(key=lambda lead: -len(lead[0]))
    cues = {
        question: tuple(
            (str(value), _whole_words(pattern))
            for value, patterns in _ordered_cues(by_value)
            for pattern in patterns
        )
        for question, by_value in (raw.get("cues") or {}).items()
    }
    return AnswerCues(
        leads=tuple(leads),
        preambles=tuple(sorted((tuple(words(p)) for p in raw["preambles"]), key=len, reverse=True)),
        softeners=tuple(tuple(words(s)) for s in raw["softeners"]),
        hedges=tuple(tuple(words(s)) for s in raw["hedges"]),
        hedge_stops=frozenset(raw["hedge_stops"]),
        auxiliaries=frozenset(raw["auxiliaries"]),
        negations=frozenset(raw["negations"]),
        fillers=frozenset(raw["fillers"]),
        cues=cues,
        cue_negations=frozenset(raw["cue_negations"]),
        reaction={
            value: tuple(_whole_words(p) for p in patterns)
            for value, patterns in raw["reaction"].items()
        },
        corrections={
            kind: tuple(re.compile(p) for p in patterns) for kind, patterns in raw["correction"].items()
        },
        clarify=tuple(re.compile(p) for p in raw["clarify"]),
        ordinals={str(w): int(place) for place, ws in raw["ordinals"].items() for w in ws},
        partner_words=frozenset(raw["partner_words"]),
        volunteered={
            question: tuple(
                (str(value), _whole_words(pattern))
                for value, patterns in by_value.items()
                for pattern in patterns
            )
            for question, by_value in (raw.get("volunteered") or {}).items()
        },
    )


def _starts_with(tokens: Sequence[str], phrase: Sequence[str], at: int = 0) -> bool:
    return tuple(tokens[at:at + len(phrase)]) == tuple(phrase)


def _contains(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    return any(_starts_with(tokens, phrase, i) for i in range(len(tokens)))


def _skip_preambles(tokens: Sequence[str], cues: AnswerCues) -> Sequence[str]:
    """The words after any "hmm", "well", "honestly" the answer starts with."""
    skipped = True
    while skipped and tokens:
        skipped = False
        for preamble in cues.preambles:
            if _starts_with(tokens, preamble) and len(tokens) > len(preamble):
                tokens, skipped = tokens[len(preamble):], True
                break
    return tokens


def _lead(tokens: Sequence[str], cues: AnswerCues) -> Optional[Reading]:
    reading = _lead_phrase(tokens, cues)
    if reading is None:
        rest = _skip_preambles(tokens, cues)
        reading = _lead_phrase(rest, cues) if rest is not tokens else None
    return reading


def _hedges_description(rest: Sequence[str], cues: AnswerCues) -> bool:
    """Whether the answer after a yes/no goes on with a hedge right before the words it
    hedges ("kinda glazes over"), rather than a softened yes ("kind of, when he's tired")."""
    for hedge in cues.hedges:
        if _starts_with(rest, hedge) and len(rest) > len(hedge):
            following = rest[len(hedge)]
            return following not in cues.hedge_stops and following not in cues.fillers
    return False


def _lead_phrase(tokens: Sequence[str], cues: AnswerCues) -> Optional[Reading]:
    for phrase, value in cues.leads:
        if _starts_with(tokens, phrase):
            if value in (YES, NO):
                rest = tokens[len(phrase):]
                window = rest[:LEAD_WINDOW]
                if any(_contains(window, softener) for softener in cues.softeners) and not _hedges_description(rest, cues):
                    return Reading(SOMETIMES, "lead")
            return Reading(value, "lead")
    return None


def _short_answer(tokens: Sequence[str], cues: AnswerCues) -> Optional[Reading]:
    """ "he does", "she doesn't really", "i think they can", "jamie never does"."""
    if not tokens or len(tokens) > SHORT_ANSWER_WORDS:
        return None
    for index, token in enumerate(tokens[:4]):
        base, negated = token, False
        if token.endswith("n't"):
            base, negated = {"won't": "will", "can't": "can"}.get(token, token[:-3]), True
        elif token == "cannot":
            base, negated = "can", True
        if base not in cues.auxiliaries or index == 0:
            continue
        rest = list(tokens[index + 1:])
        negated = negated or any(t in cues.negations for t in tokens[max(index - 1, 0):index])
        if rest and rest[0] in cues.negations:
            negated, rest = True, rest[1:]
        if all(t in cues.fillers for t in rest):
            softened = any(_contains(rest, s) for s in cues.softeners)
            if softened:
                return Reading(SOMETIMES, "short")
            return Reading(NO if negated else YES, "short")
    return None


def _short_first_clause(normal: str, cues: AnswerCues) -> Optional[Reading]:
    """A short answer as the first clause of a longer one ("she does that a lot, asked me
    why i was nervous"), "sometimes" when a softener follows it ("he does, kinda, ...")."""
    parts = re.split(r"[,.;!?]| but ", normal, maxsplit=1)
    if len(parts) < 2:
        return None
    clause, rest = parts
    reading = _short_answer(words(clause), cues)
    if reading is not None and reading.value in (YES, NO):
        window = words(rest)[:LEAD_WINDOW]
        if any(_contains(window, softener) for softener in cues.softeners):
            return Reading(SOMETIMES, "short")
    return reading


def _question_cue(text: str, question: str, cues: AnswerCues) -> Optional[Reading]:
    for value, pattern in cues.cues.get(question, ()):
        match = pattern.search(text)
        if match is None:
            continue
        negated = _negated_in_clause(text, match.start(), cues, CUE_NEGATION_WINDOW)
        if negated and value in (YES, NO):
            value = NO if value == YES else YES
        return Reading(value, "cue")
    return None


def _top_intent(ranking: Sequence[Mapping[str, Any]]) -> Tuple[Optional[str], float]:
    if not ranking:
        return None, 0.0
    top = ranking[0]
    return top.get("name"), float(top.get("confidence") or 0.0)


def read_yes_no(
    text: str, question: str, ranking: Sequence[Mapping[str, Any]] = (),
    cues: Optional[AnswerCues] = None,
) -> Reading:
    """Reads an answer to a yes/no/sometimes question: yes, no, sometimes, unsure, or None."""
    cues = cues or load_cues()
    normal = normalise(text)
    tokens = words(normal)
    for reading in (
        _lead(tokens, cues),
        _short_answer(tokens, cues) or _short_first_clause(normal, cues),
        _question_cue(normal, question, cues),
    ):
        if reading is not None:
            return reading
    intent, confidence = _top_intent(ranking)
    if confidence >= CLASSIFIER_CONFIDENCE:
        value = ANSWER_INTENTS.get(intent or "") or REACTION_INTENT_MEANING.get(question, {}).get(intent or "")
        if value:
            return Reading(value, "classifier")
    return Reading(None)


# "he doesnt dodge it": a reaction cue right after a negation (same clause) does not count.
REACTION_NEGATION_WINDOW = 2


def _negated_in_clause(text: str, start: int, cues: AnswerCues, window: int) -> bool:
    """Whether one of the `window` words before `start`, in the same clause, is a negation
    ("i didn't sleep' and he's right": the "didn't" is another clause's)."""
    clause = re.split(r"[.,;:!?]| and | but ", text[:start])[-1]
    return any(w in cues.cue_negations or w.endswith("n't") for w in words(clause)[-window:])


def volunteered_answers(
    text: str, questions: Sequence[str], cues: Optional[AnswerCues] = None
) -> Dict[str, str]:
    """Answers to ``questions`` the text gives before they are asked ({question: value}),
    by answers.yml's ``volunteered`` cues; a cue right after a negation does not count."""
    cues = cues or load_cues()
    normal = normalise(text)
    found = {}
    for question in questions:
        for value, pattern in cues.volunteered.get(question, ()):
            if any(not _negated_in_clause(normal, m.start(), cues, REACTION_NEGATION_WINDOW)
                   for m in pattern.finditer(normal)):
                found[question] = value
                break
    return found


def reaction_signals(text: str, cues: Optional[AnswerCues] = None) -> Dict[str, int]:
    """How many Jamie-like (confused), Alex-like (avoidant) and "both" cues a text has."""
    cues = cues or load_cues()
    normal = normalise(text)
    return {
        value: sum(
            1 for p in patterns
            if any(not _negated_in_clause(normal, m.start(), cues, REACTION_NEGATION_WINDOW) for m in p.finditer(normal))
        )
        for value, patterns in cues.reaction.items()
    }


def read_reaction(
    text: str, ranking: Sequence[Mapping[str, Any]] = (), cues: Optional[AnswerCues] = None
) -> Reading:
    """Reads a description of how the partner reacts: confused, avoidant, both, unsure or None."""
    cues = cues or load_cues()
    tokens = words(normalise(text))
    signals = reaction_signals(text, cues)
    if signals.get(UNSURE):
        return Reading(UNSURE, "cue")
    if signals.get(BOTH):
        return Reading(BOTH, "cue")
    confused, avoidant = signals.get(CONFUSED, 0), signals.get(AVOIDANT, 0)
    if confused or avoidant:
        if confused == avoidant:
            return Reading(BOTH, "cue")
        return Reading(CONFUSED if confused > avoidant else AVOIDANT, "cue")
    lead = _lead(tokens, cues)
    if lead is not None and lead.value == UNSURE:
        return lead
    intent, confidence = _top_intent(ranking)
    if confidence >= CLASSIFIER_CONFIDENCE and intent in REACTION_INTENTS:
        return Reading(REACTION_INTENTS[intent], "classifier")
    return Reading(None)


QUESTION_STARTS = frozenset({
    "how", "what", "what's", "whats", "why", "should", "can", "could", "is", "are", "do", "does",
    "would", "will", "where", "which", "who", "am", "any", "tips", "help", "tell", "explain",
})


# A question word straight before its subject starts a description, not a question:
# "how i feel just doesn't seem to matter to him", "what he does is leave".
WH_WORDS = frozenset({"how", "what", "why", "where", "which", "who"})
SUBJECTS = frozenset({"i", "he", "she", "they", "we", "you", "my", "his", "her", "their"})
# A question mark after a hedge asks nothing: "act i think? the acceptance one".
HEDGED_QUESTION_MARK = re.compile(r"\b(i think|i guess|i suppose|maybe|probably|perhaps|ig)\s*\?+", re.I)


def looks_like_question(text: str) -> bool:
    """Whether a message asks something ("is this my fault?", "how do i talk to him")
    rather than describes ("when i ask him what's wrong he says he's tired"), after any
    "hmm" or "ok so" it starts with."""
    tokens = _skip_preambles(words(normalise(text)), load_cues())
    if "?" in HEDGED_QUESTION_MARK.sub("", text):
        return True
    if not tokens or tokens[0] not in QUESTION_STARTS:
        return False
    return not (tokens[0] in WH_WORDS and len(tokens) > 1 and tokens[1] in SUBJECTS)


# A request for information that is not phrased as a question ("tell me more about act").
REQUEST = re.compile(
    r"\b(tell me|explain|i('d| would)? (want|like|wanna|need) to (know|learn|understand|hear)|"
    r"(more|info|information|read) (about|on)|what about)\b"
)


def looks_like_request(text: str) -> bool:
    """Whether a message asks for information without a question ("tell me about act")."""
    return REQUEST.search(normalise(text)) is not None


SELF_WORDS = frozenset({"i", "i'm", "im", "i've", "ive", "i'd", "me", "myself", "my"})
SPEECH = r"(says?|said|goes|went|is like|was like|tells me|told me|texted|thinks|thought)"


def about_partner(text: str, cues: Optional[AnswerCues] = None) -> bool:
    """Whether a description is about the partner rather than the user.

    "my gf said 'i can't tell what i felt'" quotes the partner; "my wife says i shut down" is
    about the user; otherwise the subject of the first sentence with a reaction cue decides
    ("im exhausted. he talks to everyone but me" is about him)."""
    cues = cues or load_cues()
    normal = normalise(text)
    partner = "(" + "|".join(re.escape(w) for w in sorted(cues.partner_words)) + ")"
    if re.search(rf"\b{partner} {SPEECH}[:,]? *['\"]", normal):
        return True
    if re.search(rf"\b{partner} {SPEECH},? (that )?(i|i'm|im|i've)\b", normal):
        return False
    for sentence in re.split(r"[.!?;]+", normal):
        starts = [m.start() for ps in cues.reaction.values() for p in ps for m in [p.search(sentence)] if m]
        if not starts:
            continue
        for word in reversed(words(sentence[:min(starts)])):  # nearest subject before the cue
            if word in cues.partner_words:
                return True
            if word in SELF_WORDS - {"my"}:
                return False
    return False


def correction_kind(text: str, cues: Optional[AnswerCues] = None) -> Optional[str]:
    """``explicit`` when the text says the previous reading was wrong ("you got it wrong"),
    ``soft`` when it only hints at it ("actually, more like ..."), else None."""
    cues = cues or load_cues()
    normal = normalise(text)
    for kind in ("explicit", "soft"):
        if any(p.search(normal) for p in cues.corrections.get(kind, ())):
            return kind
    return None


def asks_to_explain(text: str, cues: Optional[AnswerCues] = None) -> bool:
    """Whether the text asks what the question means ("what do u mean", "huh?", "example?")."""
    cues = cues or load_cues()
    normal = normalise(text)
    return any(p.search(normal) for p in cues.clarify)


def chosen_option(text: str, options: int, cues: Optional[AnswerCues] = None) -> Optional[int]:
    """The 0-based index of the option meant by "the second one", "option 2", "#3", "the last one"."""
    cues = cues or load_cues()
    tokens = [t for t in words(normalise(text)) if t not in ("the", "one", "option", "number", "no", "choice", "answer", "pls", "please")]
    if not options or len(tokens) != 1:
        return None
    place = cues.ordinals.get(tokens[0].lstrip("#"))
    if place is None:
        return None
    index = options - 1 if place == -1 else place - 1
    return index if 0 <= index < options else None
