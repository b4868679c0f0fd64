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
        "idle_timeout = 9\nbreaker_failures = 1\nheaders_timeout = 4\n",
    )
    assert policy_for(settings).max_retries == 0
    assert policy_for(settings).max_retry_after == 5.0
    timeouts = timeouts_for(settings)
    assert (timeouts.first_token, timeouts.idle, timeouts.headers) == (2.5, 9.0, 4.0)
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


def test_profiles_limit_across_models(tmp_path: Path) -> None:
    from tuichat.config import CliOverrides
    from tuichat.core.clock import ManualClock
    from tuichat.startup import limiter_for

    path = tmp_path / "config.toml"
    path.write_text("[profiles.alice]\nrequests_per_minute = 1\n", encoding="utf-8")
    settings = resolve_settings(CliOverrides(profile="alice"), env={}, path=path)
    assert settings.profile == "alice"
    assert settings.profiles["alice"].requests_per_minute == 1
    limiter = limiter_for(settings, ManualClock())
    assert limiter is not None
    assert limiter.expected_wait("local", "alice", 10) == 0
    assert resolve_settings(env={"TUICHAT_PROFILE": "bob"}, path=path).profile == "bob"


def test_a_bad_profile_limit(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        settings_with(tmp_path, "[profiles.alice]\nrequests_per_minute = 0\n")
    assert "profiles.alice.requests_per_minute" in info.value.one_line()


def test_no_limits_means_no_limiter(tmp_path: Path) -> None:
    from tuichat.startup import limiter_for

    assert limiter_for(settings_with(tmp_path, 'system = "x"\n')) is None


async def test_a_profile_bucket_is_shared_by_every_model(tmp_path: Path) -> None:
    from tuichat.config import CliOverrides
    from tuichat.core.clock import ManualClock
    from tuichat.startup import limiter_for

    path = tmp_path / "config.toml"
    path.write_text("[profiles.alice]\nrequests_per_minute = 1\n", encoding="utf-8")
    settings = resolve_settings(CliOverrides(profile="alice"), env={}, path=path)
    limiter = limiter_for(settings, ManualClock())
    assert limiter is not None
    await limiter.acquire("local", "alice", 10)
    assert limiter.expected_wait("sim", "alice", 10) > 30  # other model, same profile
    assert limiter.expected_wait("sim", "bob", 10) == 0  # other profile: unaffected


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", '"soon"'])
def test_a_headers_timeout_must_be_seconds_above_zero(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_with(tmp_path, f"[resilience]\nheaders_timeout = {value}\n")
    assert "resilience.headers_timeout" in info.value.one_line()
