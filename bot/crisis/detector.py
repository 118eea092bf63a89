"""Rule-based crisis detection on spaCy docs, usable with or without Rasa.

``CrisisDetector(nlp).detect(text_or_doc)`` returns a ``CrisisMatch`` (category plus
context tags) when a message is about suicide, self-harm, overdose or violence. Patterns
and their syntax live in patterns.yml; typo tolerance in bot.crisis.typos.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import FrozenSet, Iterable, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from bot.crisis.anchored_matcher import AnchoredMatcher
from bot.crisis.patterns import NORM_ATTR, CrisisPatterns, MatcherPattern, load_patterns
from bot.crisis.typos import EnglishLexicon, TypoCorrector

SOMEONE_ELSE = "someone_else"
SENTENCE_ENDS = frozenset({".", "!", "?", ";"})
DROPPED_G = "in"  # "thinkin", "endin": written without the final g
SUBJECT_WINDOW = 12
OBJECT_SELF = frozenset({"me"})
# "gave my dog to my sister": a person after one of these is whom something goes to, not
# who is doing it.
RECIPIENT_BEFORE = frozenset({"to", "for", "with"})
POSSESSIVES = frozenset({"my", "his", "her", "our", "their", "your"})
EXCLUSION_KEY = "exclusion"
# Exclusions are figures of speech too: they get the intent of that group.
FIGURE_INTENT = "vent_frustration"


@dataclass(frozen=True)
class CrisisMatch:
    """What the detector found: the most severe category, the context tags of the whole
    message, the rule that fired, and that rule's character span in the text."""

    category: str
    tags: FrozenSet[str]
    rule: str
    start_char: int
    end_char: int


@dataclass(frozen=True)
class MessageView:
    """Everything the detector sees in a message, from one normalisation: the rule match (if
    any), the ordinary-message intent its phrases suggest, the context tags, and what the
    crisis scorer reads (crisis-form words, plain text, signals)."""

    match: Optional[CrisisMatch]
    not_crisis_intent: Optional[str]
    figure_of_speech: bool
    context_tags: FrozenSet[str]
    norm_text: str
    plain_text: str
    signals: FrozenSet[str]

    @property
    def category(self) -> Optional[str]:
        return self.match.category if self.match else None


def _plain_lower(text: str) -> str:
    """Lower-cased, accent-stripped text with typographic apostrophes made plain."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class CrisisDetector:
    """Finds crisis messages with spaCy Matcher rules over normalised tokens."""

    def __init__(self, nlp: Language, patterns: Optional[CrisisPatterns] = None) -> None:
        """``nlp`` tokenizes plain-text input and provides the vocab for matching."""
        self._nlp = nlp
        self._patterns = patterns or load_patterns()
        lexicon = EnglishLexicon(self._patterns.not_typos)
        self._lexicon = lexicon
        self._lemma = lexicon.lemma
        self._typos = TypoCorrector(self._patterns.typo_keys, lexicon)
        self._rules = {rule.id: rule for rule in self._patterns.rules}
        self._severity = {name: rank for rank, name in enumerate(self._patterns.categories)}

        self._matcher = AnchoredMatcher(nlp.vocab)
        for rule in self._patterns.rules:
            self._matcher.add(rule.id, self._normalised(rule.patterns))
        self._exclusions = AnchoredMatcher(nlp.vocab)
        self._exclusions.add(EXCLUSION_KEY, self._normalised(self._patterns.exclusions))
        # What overrules a crisis guess of the classifier (never a rule match).
        self._not_crisis = AnchoredMatcher(nlp.vocab)
        for intent, intent_patterns in self._patterns.not_crisis.items():
            self._not_crisis.add(intent, self._normalised(intent_patterns))
        self._not_crisis.add(FIGURE_INTENT, self._normalised(self._patterns.exclusions))
        self._not_crisis_order = list(self._patterns.not_crisis)
        self._context = AnchoredMatcher(nlp.vocab)
        for tag, tag_patterns in self._patterns.context.items():
            self._context.add(tag, self._normalised(tag_patterns))

    def detect(self, doc_or_text: Union[Doc, str]) -> Optional[CrisisMatch]:
        """The crisis found in a message, or None."""
        return self.view(doc_or_text).match

    def view(self, doc_or_text: Union[Doc, str]) -> MessageView:
        """What the detector sees in a message (the guard and the scorer read this)."""
        doc = self._doc(doc_or_text)
        normalised = self.normalise(doc)
        matches = self._kept_matches(normalised)
        strings = self._nlp.vocab.strings
        context_tags = frozenset(strings[match_id] for match_id, _, _ in self._context(normalised))
        figures = {strings[match_id] for match_id, _, _ in self._not_crisis(normalised)}
        match = self._most_severe(doc, normalised, matches, context_tags)
        # Context tags (veteran, spanish) say who is talking, not whether it is a crisis:
        # they are left out of the scorer's signals.
        signals = {f"rule:{self._rules[rule_id].category}" for rule_id, _, _ in matches}
        signals.update(f"figure:{intent}" for intent in figures)
        return MessageView(
            match=match,
            # the intent of an ordinary phrase ("my dog died": share_sadness; "the death of
            # me": vent_frustration), groups tried in patterns.yml order
            not_crisis_intent=next(
                (intent for intent in self._not_crisis_order if intent in figures), None
            ),
            figure_of_speech=FIGURE_INTENT in figures,
            context_tags=context_tags,
            norm_text=" ".join(token.norm_ for token in normalised),
            plain_text=normalised.text,
            signals=frozenset(signals),
        )

    def category_tags(self, category: str) -> FrozenSet[str]:
        """The tags every match of ``category`` carries (patterns.yml ``categories``)."""
        return frozenset(self._patterns.category_tags[category])

    def _most_severe(
        self,
        doc: Doc,
        normalised: Doc,
        matches: List[Tuple[str, int, int]],
        context_tags: FrozenSet[str],
    ) -> Optional[CrisisMatch]:
        """The most urgent category's match, then the earliest and longest phrase."""
        if not matches:
            return None
        rule_id, start, end = min(
            matches, key=lambda m: (self._severity[self._rules[m[0]].category], m[1], -m[2])
        )
        span = doc[start:end]
        return CrisisMatch(
            category=self._rules[rule_id].category,
            tags=self._rule_tags(normalised, matches) | context_tags,
            rule=rule_id,
            start_char=span.start_char,
            end_char=span.end_char,
        )

    def _doc(self, doc_or_text: Union[Doc, str]) -> Doc:
        if isinstance(doc_or_text, str):
            return self._nlp.make_doc(doc_or_text.lower())
        return doc_or_text

    def normalise(self, doc: Doc) -> Doc:
        """A copy of ``doc`` with plain lower-cased words whose NORM is the crisis form.

        The patterns match these native attributes; the caller's doc is left untouched.
        """
        words = [_plain_lower(token.text) for token in doc]
        normalised = Doc(
            self._nlp.vocab,
            words=words,
            spaces=[bool(token.whitespace_) for token in doc],
        )
        for token, word in zip(normalised, words):
            token.norm_ = self._norm(word)
        return normalised

    def _normalised(self, patterns: Iterable[MatcherPattern]) -> List[MatcherPattern]:
        """Patterns whose NORM words are crisis forms, as message words are: a pattern may
        say "wrote|letters" and match "write", "letter"."""
        return [
            [
                {**spec, NORM_ATTR: {"IN": sorted({self._norm(w) for w in spec[NORM_ATTR]["IN"]})}}
                if NORM_ATTR in spec
                else spec
                for spec in pattern
            ]
            for pattern in patterns
        ]

    def _norm(self, lower: str) -> str:
        alias = self._patterns.aliases.get(lower)
        if alias is not None:
            return alias
        corrected = self._typos.correct(lower)
        if corrected:
            return corrected
        if (
            lower.endswith(DROPPED_G)
            and not self._lexicon.is_word(lower)
            and self._lexicon.is_word(lower + "g")
        ):
            return self._norm(lower + "g")  # "endin" -> "ending" -> "end"
        return self._lemma(lower)

    def _kept_matches(self, doc: Doc) -> List[Tuple[str, int, int]]:
        excluded = [(start, end) for _, start, end in self._exclusions(doc)]
        strings = self._nlp.vocab.strings
        return [
            (strings[match_id], start, end)
            for match_id, start, end in self._matcher(doc)
            if not any(ex_start < end and start < ex_end for ex_start, ex_end in excluded)
        ]

    def _rule_tags(self, doc: Doc, matches: List[Tuple[str, int, int]]) -> FrozenSet[str]:
        tags = set()
        for rule_id, start, end in matches:
            rule = self._rules[rule_id]
            tags.update(rule.tags)
            if rule.infer_subject and self._about_someone_else(doc, start, end):
                tags.add(SOMEONE_ELSE)
        return frozenset(tags)

    def _about_someone_else(self, doc: Doc, start: int, end: int) -> bool:
        """Whether the nearest person word before ``end`` in its sentence is not the user.

        "me" inside the match is its object, not its subject: in "my brother texted me
        goodbye" the goodbye is the brother's. A person something goes to is no subject
        either: in "i gave my dog to my sister" the farewell is the user's.
        """
        for index in range(end - 1, max(end - SUBJECT_WINDOW, 0) - 1, -1):
            word = doc[index].norm_
            if word in SENTENCE_ENDS:
                break
            if index >= start and word in OBJECT_SELF:
                continue
            if word in self._patterns.subject_self:
                return False
            if word in self._patterns.subject_other and not self._receives(doc, index):
                return True
        return False

    @staticmethod
    def _receives(doc: Doc, index: int) -> bool:
        """Whether the person word at ``index`` follows "to", "for" or "with" ("to my sister")."""
        before = index - 1
        if before >= 0 and doc[before].norm_ in POSSESSIVES:
            before -= 1
        return before >= 0 and doc[before].norm_ in RECIPIENT_BEFORE
