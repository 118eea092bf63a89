"""What a channel needs to know about a stored conversation: its visible messages
(to redraw a web chat after a reload) and the buttons the bot offered last (to map an
SMS reply "2" back to a payload). Both read the tracker's events; nothing else is stored.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered


def current_session(events: Iterable[Event]) -> list[Event]:
    """The events since the last ``session_started`` (all events if there is none)."""
    events = list(events)
    starts = [index for index, event in enumerate(events) if isinstance(event, SessionStarted)]
    return events[starts[-1] + 1:] if starts else events


def _buttons(event: BotUttered) -> list[dict[str, Any]]:
    return list(event.data.get("buttons") or [])


def offered_buttons(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The buttons of the bot's messages after the last user message, in order."""
    offered: list[dict[str, Any]] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            offered = _buttons(event) + offered
    return offered


def _shown_as(text: Optional[str], buttons: list[dict[str, Any]]) -> str:
    """A clicked button's payload is shown as its title, as the widget showed it."""
    titles = {button.get("payload"): button.get("title") for button in buttons}
    return titles.get(text) or text or ""


def visible_messages(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The current session as the widget shows it, oldest first.

    Each item is ``{"sender": "user" | "bot", "text": str}``; bot items carry
    ``quick_replies`` (``[{"title", "payload"}]``) when they had buttons.
    """
    messages: list[dict[str, Any]] = []
    last_buttons: list[dict[str, Any]] = []
    for event in current_session(events):
        if isinstance(event, UserUttered):
            messages.append({"sender": "user", "text": _shown_as(event.text, last_buttons)})
            last_buttons = []
        elif isinstance(event, BotUttered):
            message: dict[str, Any] = {"sender": "bot", "text": event.text or ""}
            buttons = _buttons(event)
            if buttons:
                message["quick_replies"] = [
                    {"title": button.get("title", ""), "payload": button.get("payload", "")}
                    for button in buttons
                ]
                last_buttons = buttons
            messages.append(message)
    return messages
