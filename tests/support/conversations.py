"""Replays the free-text conversation set (tests/conversations/*.yml) through the bot.

Each conversation is a script of user turns plus a pool of answers: a simulated user answers
whatever check-in or therapist question the bot asks with the scripted text for that question,
so the conversation stays in step even when the bot asks in a different order. After every
turn the runner reads the conversation's tracker (its events since the user message) and
checks the step's expectations; at the end it checks the conversation's.

What it counts, per conversation:

* ``right``: every expectation met and no question asked twice;
* fallbacks: replies that said the bot did not understand;
* questions asked twice: the bot asked the question it had just asked, after the simulated
  user answered it (the answer was not recorded);
* dropped questions: a turn inside a form with a fallback reply that did not end by asking
  a form question (the user is left without the pending question);
* answers recorded right: for each scripted answer, the value the bot stored equals `means`.

The file format is described in tests/conversations/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import yaml

from bot.directory.fields import insurance_name

CONVERSATIONS_DIR = Path(__file__).resolve().parents[1] / "conversations"
FORMS = ("assessment_form", "therapist_form")
# Replies that say the bot did not understand the message.
FALLBACK_RESPONSES = {"utter_default", "utter_form_help"}
FALLBACK_PREFIX = "utter_unclear"
MAX_TURNS = 60
# Button payloads a user could press for an answer value, by question kind.
BUTTON_VALUES = {
    "/affirm": "yes",
    "/deny": "no",
    "/answer_unsure": "unsure",
    "/answer_sometimes": "sometimes",
    "/reaction_confused": "confused",
    "/reaction_avoidant": "avoidant",
}

Turn = Callable[[str, str], Awaitable[List[Dict[str, Any]]]]
"""Sends (sender, text); returns the tracker events the turn added, user message first."""


@dataclass
class TurnRecord:
    """What happened in one turn: the text, the replies and the form state after it."""

    text: str
    responses: List[str]
    bot_text: str
    asked: Optional[str]  # the form question asked in this turn (slot name), if any
    active_form: Optional[str]
    requested_slot: Optional[str]
    slot_sets: Dict[str, Any]
    actions: List[str]
    buttons: List[Dict[str, Any]] = field(default_factory=list)


@dataclass
class ConversationResult:
    """The outcome of one conversation."""

    id: str
    kind: str
    source: str
    failures: List[str] = field(default_factory=list)
    fallbacks: int = 0
    asked_twice: int = 0
    dropped: int = 0
    answers_total: int = 0
    answers_right: int = 0
    wrong_answers: List[str] = field(default_factory=list)
    turns: List[TurnRecord] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return not self.failures and self.asked_twice == 0 and self.dropped == 0


class ConversationState:
    """The slots and form of one conversation as its events arrive."""

    def __init__(self) -> None:
        self.slots: Dict[str, Any] = {}
        self.active_form: Optional[str] = None
        self.history: Dict[str, List[Any]] = {}

    def apply(self, events: Sequence[Dict[str, Any]]) -> None:
        for event in events:
            kind = event.get("event")
            if kind == "slot":
                self.slots[event["name"]] = event.get("value")
                self.history.setdefault(event["name"], []).append(event.get("value"))
            elif kind == "active_loop":
                self.active_form = event.get("name")
            elif kind in ("restart", "session_started"):
                self.slots.clear()
                self.active_form = None

    @property
    def requested_slot(self) -> Optional[str]:
        return self.slots.get("requested_slot") if self.active_form else None


def load_conversations(directory: Path = CONVERSATIONS_DIR) -> List[Dict[str, Any]]:
    """Every conversation of every YAML file in ``directory``, with its file name."""
    conversations = []
    for path in sorted(directory.glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            conversations.append({**conversation, "source": path.name})
    ids = [c["id"] for c in conversations]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate conversation ids: {duplicates}")
    return conversations


def turn_values(events: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """The value each slot was last given in a turn, ignoring clears: a validated answer
    replaces the raw text, and a completed form clears its answers later in the same turn."""
    values: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot" and (event.get("value") is not None or event["name"] not in values):
            values[event["name"]] = event.get("value")
    return values


def question_slot(response: str) -> Optional[str]:
    """The slot a form question response asks for (``utter_ask_<form>_<slot>``)."""
    for form in FORMS:
        prefix = f"utter_ask_{form}_"
        if response.startswith(prefix):
            return response[len(prefix):]
    return None


def is_fallback(response: str) -> bool:
    return response in FALLBACK_RESPONSES or response.startswith(FALLBACK_PREFIX)


def location_state(value: Any) -> Optional[str]:
    """The US state a stored location value stands for, read by the bot's own parser."""
    if not value:
        return None
    from bot.directory import parse_location

    parsed = parse_location(str(value))
    return getattr(parsed, "state", None) if parsed else None


def value_matches(slot: str, actual: Any, expected: Any) -> bool:
    """Whether a stored slot value is what a conversation expects."""
    if isinstance(expected, list):
        return any(value_matches(slot, actual, option) for option in expected)
    if isinstance(expected, dict):
        if "state" in expected and location_state(actual) != expected["state"]:
            return False
        if "zip" in expected and str(expected["zip"]) not in str(actual or ""):
            return False
        return True
    if expected is None:
        return actual is None
    if slot == "insurance" and isinstance(actual, str) and isinstance(expected, str):
        # the same insurer however it is written ("bcbs" / "Blue Cross Blue Shield of IL")
        return insurance_name(actual) == insurance_name(expected)
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.strip().lower() == expected.strip().lower()
    return actual == expected


class ConversationRunner:
    """Plays conversations through ``turn`` and records what happened."""

    def __init__(self, turn: Turn) -> None:
        self._turn = turn

    async def run(self, conversation: Dict[str, Any], sender: str) -> ConversationResult:
        result = ConversationResult(
            id=conversation["id"], kind=conversation.get("kind", ""),
            source=conversation.get("source", ""),
        )
        state = ConversationState()
        answers: Dict[str, Dict[str, Any]] = conversation.get("answers") or {}
        try:
            for step in conversation.get("steps") or []:
                if "say" in step:
                    record = await self._say(sender, str(step["say"]), state, result)
                    self._check_step(step.get("expect") or {}, record, state, result)
                elif "answer_until" in step:
                    await self._answer_until(str(step["answer_until"]), answers, sender, state, result)
                else:
                    raise ValueError(f"unknown step {step!r}")
        except _Stuck as stuck:
            result.failures.append(str(stuck))
        self._check_conversation(conversation.get("expect") or {}, state, result)
        return result

    async def _say(
        self, sender: str, text: str, state: ConversationState, result: ConversationResult
    ) -> TurnRecord:
        if len(result.turns) >= MAX_TURNS:
            raise _Stuck(f"more than {MAX_TURNS} turns")
        form_before = state.active_form
        events = await self._turn(sender, text)
        state.apply(events)
        bot = [e for e in events if e.get("event") == "bot"]
        responses = [str((e.get("metadata") or {}).get("utter_action") or "") for e in bot]
        asked = [slot for slot in map(question_slot, responses) if slot]
        record = TurnRecord(
            text=text,
            responses=responses,
            bot_text=" ".join(str(e.get("text") or "") for e in bot),
            asked=asked[-1] if asked else None,
            active_form=state.active_form,
            requested_slot=state.requested_slot,
            slot_sets=turn_values(events),
            actions=[e["name"] for e in events if e.get("event") == "action"],
            buttons=[b for e in bot for b in ((e.get("data") or {}).get("buttons") or [])],
        )
        result.turns.append(record)
        fallbacks = [r for r in responses if is_fallback(r)] + [
            a for a in record.actions if a == "action_default_fallback"
        ]
        result.fallbacks += min(len(fallbacks), 1)
        if fallbacks and form_before and record.asked is None:
            result.dropped += 1
        return record

    async def _answer_until(
        self, target: str, answers: Dict[str, Dict[str, Any]], sender: str,
        state: ConversationState, result: ConversationResult,
    ) -> None:
        last_answered: Optional[str] = None
        while True:
            if state.active_form is None:
                if target == "end":
                    return
                raise _Stuck(f"no form question pending while answering until {target}")
            slot = state.requested_slot
            if slot == target:
                return
            if slot is None:
                raise _Stuck("a form is active but asks nothing")
            answer = answers.get(slot)
            if answer is None:
                raise _Stuck(f"the bot asked {slot}, which the script does not answer")
            text = str(answer["say"])
            if slot == last_answered:
                result.asked_twice += 1
                button = self._button_for(result.turns[-1], answer.get("means"))
                if button is None:
                    raise _Stuck(f"{slot} asked again after the answer {text!r}")
                text = button
            record = await self._say(sender, text, state, result)
            if slot != last_answered:
                self._score_answer(slot, answer, record, state, result)
            last_answered = slot

    @staticmethod
    def _button_for(record: TurnRecord, means: Any) -> Optional[str]:
        """The payload of the button a user would press for ``means``, if shown."""
        for button in record.buttons:
            payload = str(button.get("payload", ""))
            if BUTTON_VALUES.get(payload) == means or payload == means:
                return payload
        return None

    @staticmethod
    def _score_answer(
        slot: str, answer: Dict[str, Any], record: TurnRecord, state: ConversationState,
        result: ConversationResult,
    ) -> None:
        if "means" not in answer:
            return
        result.answers_total += 1
        stored = record.slot_sets.get(slot, state.slots.get(slot))
        if value_matches(slot, stored, answer["means"]):
            result.answers_right += 1
        else:
            result.wrong_answers.append(f"{slot}: {answer['say']!r} -> {stored!r} (means {answer['means']!r})")

    @staticmethod
    def _check_step(
        expect: Dict[str, Any], record: TurnRecord, state: ConversationState,
        result: ConversationResult,
    ) -> None:
        where = f"after {record.text!r}"
        if "asks" in expect:
            wanted = expect["asks"]
            if wanted in (None, "none"):
                if record.asked is not None:
                    result.failures.append(f"{where}: asked {record.asked}, expected no question")
            elif record.asked != wanted or state.requested_slot != wanted:
                result.failures.append(f"{where}: asked {record.asked}, expected {wanted}")
        if "active_form" in expect and state.active_form != expect["active_form"]:
            result.failures.append(
                f"{where}: active form {state.active_form}, expected {expect['active_form']}"
            )
        for slot, wanted in (expect.get("slots") or {}).items():
            if not value_matches(slot, state.slots.get(slot), wanted):
                result.failures.append(
                    f"{where}: slot {slot}={state.slots.get(slot)!r}, expected {wanted!r}"
                )
        said = record.bot_text.lower()
        wanted_any = expect.get("says_any") or []
        if wanted_any and not any(s.lower() in said for s in wanted_any):
            result.failures.append(f"{where}: said none of {wanted_any}")
        for phrase in expect.get("says_none") or []:
            if phrase.lower() in said:
                result.failures.append(f"{where}: said {phrase!r}")

    @staticmethod
    def _check_conversation(
        expect: Dict[str, Any], state: ConversationState, result: ConversationResult
    ) -> None:
        if "pattern" in expect:
            patterns = [p for p in state.history.get("pattern", []) if p]
            got = patterns[-1] if patterns else None
            if not value_matches("pattern", got, expect["pattern"]):
                result.failures.append(f"pattern {got!r}, expected {expect['pattern']!r}")
        asked = {turn.asked for turn in result.turns if turn.asked}
        for slot in expect.get("not_asked") or []:
            if slot in asked:
                result.failures.append(f"asked {slot}, which the user had already given")
        ran_search = any("action_search_therapists" in t.actions for t in result.turns)
        if expect.get("search_ran") and not ran_search:
            result.failures.append("the therapist search never ran")
        for slot, wanted in (expect.get("filled") or {}).items():
            values = [v for v in state.history.get(slot, []) if v is not None]
            got = values[-1] if values else None
            if not value_matches(slot, got, wanted):
                result.failures.append(f"{slot} was {got!r}, expected {wanted!r}")


class _Stuck(Exception):
    """The conversation cannot go on as scripted."""


def summarise(results: Sequence[ConversationResult]) -> Dict[str, Any]:
    """Totals for the report and the CI gates."""
    total = len(results)
    answers_total = sum(r.answers_total for r in results)
    by_kind: Dict[str, Dict[str, int]] = {}
    for r in results:
        kind = by_kind.setdefault(r.kind, {"conversations": 0, "right": 0})
        kind["conversations"] += 1
        kind["right"] += int(r.right)
    return {
        "conversations": total,
        "right": sum(r.right for r in results),
        "right_share": round(sum(r.right for r in results) / total, 4) if total else 0.0,
        "fallbacks": sum(r.fallbacks for r in results),
        "fallbacks_per_conversation": round(sum(r.fallbacks for r in results) / total, 3) if total else 0.0,
        "asked_twice": sum(r.asked_twice for r in results),
        "dropped_after_fallback": sum(r.dropped for r in results),
        "answers": answers_total,
        "answers_right": sum(r.answers_right for r in results),
        "answers_right_share": round(sum(r.answers_right for r in results) / answers_total, 4)
        if answers_total else 0.0,
        "by_kind": by_kind,
    }


def report_markdown(results: Sequence[ConversationResult], summary: Dict[str, Any]) -> str:
    """A readable report: totals, then every conversation that was not right."""
    lines = [
        "# Conversation set",
        "",
        f"- conversations right: {summary['right']} / {summary['conversations']} "
        f"({summary['right_share']:.1%})",
        f"- fallbacks: {summary['fallbacks']} ({summary['fallbacks_per_conversation']} per conversation)",
        f"- questions asked twice: {summary['asked_twice']}",
        f"- questions dropped after a fallback: {summary['dropped_after_fallback']}",
        f"- answers recorded right: {summary['answers_right']} / {summary['answers']} "
        f"({summary['answers_right_share']:.1%})",
        "",
        "| kind | right | of |",
        "|---|---:|---:|",
    ]
    for kind, counts in sorted(summary["by_kind"].items()):
        lines.append(f"| {kind} | {counts['right']} | {counts['conversations']} |")
    for r in results:
        if r.right and not r.wrong_answers:
            continue
        lines += ["", f"## {r.id} ({r.source}){'' if r.right else ' - NOT RIGHT'}"]
        lines += [f"- {f}" for f in r.failures]
        if r.asked_twice:
            lines.append(f"- questions asked twice: {r.asked_twice}")
        if r.dropped:
            lines.append(f"- questions dropped after a fallback: {r.dropped}")
        lines += [f"- answer recorded wrong: {w}" for w in r.wrong_answers]
        for t in r.turns:
            bot = re.sub(r"\s+", " ", t.bot_text)[:160]
            lines.append(f"  - user: {t.text!r} -> {', '.join(t.responses) or '(nothing)'} | {bot}")
    return "\n".join(lines) + "\n"
