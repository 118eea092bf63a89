"""Secrets for the channels: from the environment, with a persistent fallback for development.

Each secret comes from an environment variable (``WEB_SESSION_SECRET``,
``SMS_SENDER_ID_SECRET``). Set them in production, with the same values on every
replica: the web secret signs session tokens, and the SMS secret keys the hash that
identifies a phone number (conversations and opt-outs are stored under it, so changing
it forgets both).

When a variable is unset, ``make run`` still works: a random secret is created once in
``var/secrets/<name>`` (mode 0600) and reused on later starts, with a warning. A
generated-per-process secret would break a reload after a restart and lose opt-outs.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from bot.storage.private_files import private_directory

logger = logging.getLogger(__name__)

DEV_SECRETS_DIR = Path("var/secrets")
MIN_SECRET_LENGTH = 16


def load_secret(env_name: str, dev_dir: Path = DEV_SECRETS_DIR) -> bytes:
    """The secret in ``$env_name``, else the development secret file (created if missing)."""
    value = os.environ.get(env_name, "")
    if value:
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"{env_name} must be at least {MIN_SECRET_LENGTH} characters long")
        return value.encode("utf-8")
    path = dev_dir / env_name.lower()
    if not path.exists():
        private_directory(path.parent)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    logger.warning(
        "%s is not set: using the development secret in %s. Set %s in production "
        "(the same value on every replica).", env_name, path, env_name,
    )
    return path.read_text().strip().encode("utf-8")
