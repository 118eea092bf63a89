"""How a parsed message says it is a crisis message: the ``crisis`` intent, or an entity the
crisis guard found (the intent can be changed later by a form's own reading, the entity not)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

CRISIS_INTENT = "crisis"
CRISIS_EXTRACTOR = "CrisisGuard"


def is_crisis_parse(parse_data: Optional[Mapping[str, Any]]) -> bool:
    """True when a message's parse data marks it as a crisis message."""
    parse = parse_data or {}
    intent = (parse.get("intent") or {}).get("name")
    entities = parse.get("entities") or []
    return intent == CRISIS_INTENT or any(e.get("extractor") == CRISIS_EXTRACTOR for e in entities)
