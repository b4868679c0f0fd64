"""``[resilience]`` in config.toml: defaults, values, precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuichat.config import ConfigError, resolve_settings
from tuichat.config.model import Resilience
from tuichat.startup import breakers_for, policy_for, timeouts_for


def settings_with(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return resolve_settings(env={}, path=path)


def test_defaults_without_the_table(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, 'system = "hi"\n')
    assert settings.resilience == Resilience()
    assert policy_for(settings).max_retries == 2


def test_values_reach_the_policy_timeouts_and_breakers(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        "[resilience]\nmax_retries = 0\nmax_retry_after = 5\nfirst_token_timeout = 2.5\n"
        "idle_timeout = 9\nbreaker_failures = 1\n",
    )
    assert policy_for(settings).max_retries == 0
    assert policy_for(settings).max_retry_after == 5.0
    timeouts = timeouts_for(settings)
    assert (timeouts.first_token, timeouts.idle) == (2.5, 9.0)
    board = breakers_for(settings)
    board.get("p").record_failure("connection")
    assert board.get("p").state == "open"


def test_bad_values_name_the_line_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        settings_with(tmp_path, '[resilience]\nmax_retries = "many"\n')
    assert "config.toml:2" in info.value.one_line()
    assert "resilience.max_retries" in info.value.one_line()
    with pytest.raises(ConfigError) as info:
        settings_with(tmp_path, "[resilience]\nretries = 3\n")
    assert "resilience.retries" in info.value.one_line()
