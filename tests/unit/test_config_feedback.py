"""The ``[feedback]`` table: the follow-up window and thresholds, validated to one line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tuichat.config import ConfigError, Settings, resolve_settings
from tuichat.config.feedback_table import FeedbackSettings
from tuichat.core.feedback.follow_up import FollowUpRules


def settings_from(home: Path, text: str) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return resolve_settings(env={})


def test_defaults_without_a_table(tuichat_home: Path) -> None:
    settings = settings_from(tuichat_home, 'default = "sim"\n')
    assert settings.feedback == FeedbackSettings()
    assert settings.feedback.rules() == FollowUpRules(600.0, 0.80, 0.6)


@pytest.mark.parametrize(
    ("text", "window_s"), [('"15m"', 900.0), ('"90s"', 90.0), ("45", 45.0), ('"0"', 0.0)]
)
def test_the_window_takes_the_cache_ttl_durations(
    tuichat_home: Path, text: str, window_s: float
) -> None:
    body = f"[feedback]\nfollow_up_window = {text}\nfollow_up_threshold = 0.85\n"
    feedback = settings_from(tuichat_home, body).feedback
    assert (feedback.follow_up_window_s, feedback.follow_up_threshold) == (window_s, 0.85)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('follow_up_window = "soon"', 'feedback.follow_up_window: must be a duration like "90s"'),
        ('follow_up_window = "30d"', "feedback.follow_up_window: must be a duration"),
        ("follow_up_words = 2", "feedback.follow_up_words: must be a number above 0"),
        ("follow_up_threshold = 0", "feedback.follow_up_threshold: must be a number above 0"),
        ("window = 1", "feedback.window: unknown key"),
    ],
)
def test_bad_feedback_tables_fail_at_the_key(tuichat_home: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as caught:
        settings_from(tuichat_home, f"[feedback]\n{text}\n")
    assert "\n" not in str(caught.value)
