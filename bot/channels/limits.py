"""Limits every text channel applies before a message reaches a conversation.

A 100 KB message once made the Rasa server grow past 10 GB and block every conversation
for over a minute; nobody types 4,000 characters into a chat about their partner.

Rate limit: 5 sockets sending 200 messages each slowed another user's crisis reply from
1.1 s to 2.6 s. Each sender (and each web socket) has a token bucket of ``BURST``
messages refilled at ``RATE_PER_SECOND``; a message beyond it is answered at once with
``RATE_LIMITED_REPLY`` (which gives 988) without reaching the bot, so the limit never
delays a crisis reply - it answers one sooner. A person typing never reaches it.
"""

from __future__ import annotations

import time
from typing import Callable, Dict, Hashable, Tuple

MAX_MESSAGE_CHARS = 4000
TOO_LONG_REPLY = (
    f"That message is too long for me (the limit is {MAX_MESSAGE_CHARS} characters). "
    "Could you say it in a shorter message? In crisis? Call or text 988."
)
EMPTY_MESSAGE_REPLY = "I didn't get any text. Please type your message. In crisis? Call or text 988."
BURST = 20
RATE_PER_SECOND = 1.0
RATE_LIMITED_REPLY = (
    "You're sending messages faster than I can answer, so I skipped that one. "
    "Please wait a few seconds and send it again. If you're in crisis or thinking "
    "about suicide, call or text 988 now (911 in immediate danger)."
)
# Buckets kept before full ones are forgotten (a full bucket is the same as none).
MAX_TRACKED_KEYS = 10_000


class RateLimiter:
    """Token buckets per key (sender id, socket id); in memory, per server process."""

    def __init__(self, burst: int = BURST, rate: float = RATE_PER_SECOND,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.rate, self.clock = burst, rate, clock
        self.buckets: Dict[Hashable, Tuple[float, float]] = {}  # key -> (tokens, at)

    def _tokens(self, key: Hashable, now: float) -> float:
        tokens, at = self.buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def allow(self, *keys: Hashable) -> bool:
        """Take one message from every key's bucket; False (nothing taken) if one is empty."""
        now = self.clock()
        levels = {key: self._tokens(key, now) for key in keys}
        if any(level < 1 for level in levels.values()):
            return False
        if len(self.buckets) > MAX_TRACKED_KEYS:
            self.buckets = {key: (tokens, at) for key, (tokens, at) in self.buckets.items()
                            if self._tokens(key, now) < self.burst}
        for key, level in levels.items():
            self.buckets[key] = (level - 1, now)
        return True
