"""Closed-loop load: N simulated users, each walking conversation paths over REST.

Every user sends one message, waits for the reply, then sends the next; a finished
path starts a new conversation (new sender id). The run stops at whichever bound
comes first: ``duration`` seconds or ``max_messages`` messages in total. Only
loopback URLs are accepted.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Mapping, Sequence
from urllib.parse import urlsplit

import aiohttp

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Sample:
    """One message: its path, sender and text, the round trip, the replies, any error."""

    path: str
    sender: str
    text: str
    seconds: float
    replies: int  # bot messages in the response
    error: str = ""  # "" when the message got a non-empty JSON list of replies


@dataclass(frozen=True)
class LoadResult:
    samples: list[Sample]
    wall_seconds: float
    conversations: int


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"refusing to load {host!r}: the benchmark only drives loopback servers")


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str,
               timeout: float) -> tuple[int, str]:
    """POST one message; return the number of replies and "" or a short error label."""
    try:
        async with session.post(f"{url}/webhooks/rest/webhook",
                                json={"sender": sender, "message": text},
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            if response.status != 200:
                return 0, f"http {response.status}"
            replies = await response.json()
    except asyncio.TimeoutError:
        return 0, "timeout"
    except (aiohttp.ClientError, ValueError) as error:
        return 0, type(error).__name__
    if not isinstance(replies, list):
        return 0, "not a list"
    return len(replies), "" if replies else "no reply"


async def _user(index: int, session: aiohttp.ClientSession, url: str,
                paths: Mapping[str, Sequence[str]], deadline: float, budget: list[int],
                samples: list[Sample], conversations: list[int], run_id: str,
                timeout: float) -> None:
    names = list(paths)
    for round_number in itertools.count():
        name = names[(index + round_number) % len(names)]
        sender = f"bench-{run_id}-{index}-{round_number}"
        for position, text in enumerate(paths[name]):
            if time.monotonic() >= deadline or budget[0] <= 0:
                return
            budget[0] -= 1
            conversations[0] += position == 0
            started = time.perf_counter()
            replies, error = await send(session, url, sender, text, timeout)
            samples.append(Sample(name, sender, text, time.perf_counter() - started,
                                  replies, error))


async def run_load(url: str, paths: Mapping[str, Sequence[str]], *, users: int,
                   duration: float, max_messages: int, timeout: float = 60.0) -> LoadResult:
    """Drive ``url`` with ``users`` concurrent users for at most ``duration`` s / ``max_messages``."""
    require_loopback(url)
    samples: list[Sample] = []
    budget, conversations = [max_messages], [0]
    run_id = f"{time.time_ns():x}"
    connector = aiohttp.TCPConnector(limit=users)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(
            _user(index, session, url, paths, started + duration, budget, samples,
                  conversations, run_id, timeout)
            for index in range(users)
        ))
    return LoadResult(samples, time.monotonic() - started, conversations[0])
