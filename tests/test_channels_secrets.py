"""Channel secrets: the environment wins; otherwise one persistent development secret."""

import logging
import stat

import pytest

from bot.channels.channel_secrets import load_secret

ENV = "TEST_CHANNEL_SECRET"


def test_environment_value_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, "x" * 32)
    assert load_secret(ENV, tmp_path) == b"x" * 32
    assert list(tmp_path.iterdir()) == []


def test_short_environment_value_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, "short")
    with pytest.raises(ValueError, match=ENV):
        load_secret(ENV, tmp_path)


def test_development_secret_is_created_once_private_and_reused(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv(ENV, raising=False)
    with caplog.at_level(logging.WARNING):
        first = load_secret(ENV, tmp_path)
    path = tmp_path / ENV.lower()
    assert len(first) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"{ENV} is not set" in caplog.text
    assert load_secret(ENV, tmp_path) == first  # a restart keeps sessions and opt-outs
