"""Conversation paths the simulated users walk, for our assistant and for the stock bot.

Each path is a list of user messages sent in order as one new conversation. The
texts are the ones the assistant's tests and training data use, so every message
gets a reply.
"""

from __future__ import annotations

CHECK_IN_ANSWERS = ["yes", "no", "not sure", "yes", "no", "yes", "not sure", "no", "yes", "no"]

OURS: dict[str, list[str]] = {
    "assessment": ["hi", "/start_assessment", "they say it's fine and change the subject",
                   *CHECK_IN_ANSWERS],
    "learn": ["hi", "what is alexithymia", "what is schema therapy", "thanks"],
    "therapist_search": ["find a therapist", "Ohio", "individual", "act", "skip", "yes"],
    "crisis": ["hi", "I want to kill myself"],
}

# What the report's targets compare: the crisis path and its crisis message, the check-in.
CRISIS_PATH = "crisis"
CRISIS_MESSAGE = OURS[CRISIS_PATH][-1]
CHECK_IN_PATH = "assessment"

# The stories and rules `rasa init` ships: happy path, both sad paths, bot challenge.
STOCK: dict[str, list[str]] = {
    "happy": ["hi", "I am great", "bye"],
    "sad_helped": ["hello", "I am sad", "yes", "goodbye"],
    "sad_not_helped": ["hey", "very sad", "no", "bye"],
    "bot_challenge": ["hey there", "are you a bot?", "bye"],
}
