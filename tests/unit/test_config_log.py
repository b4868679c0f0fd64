"""The ``[log]`` table: what the log keeps, validated to one precise line per mistake."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tuichat.config import ConfigError, resolve_settings
from tuichat.config.example import EXAMPLE_CONFIG
from tuichat.config.model import LogSettings


def settings_from(home: Path, text: str) -> LogSettings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return resolve_settings(env={}).log


def test_without_a_log_table_everything_is_kept(tuichat_home: Path) -> None:
    assert resolve_settings(env={}).log == LogSettings("full", 1.0, ())


def test_every_log_key_is_read(tuichat_home: Path) -> None:
    log = settings_from(
        tuichat_home,
        """\
        [log]
        content = "metrics"
        timeline_sample_rate = 0.25
        redact = ['\\d{3}-\\d{4}', '(?i)project [a-z]+']
        """,
    )

    assert (log.content, log.timeline_sample_rate) == ("metrics", 0.25)
    assert [p.pattern for p in log.redact] == [r"\d{3}-\d{4}", "(?i)project [a-z]+"]
    assert all(isinstance(p, re.Pattern) for p in log.redact)


def test_the_commented_examples_of_config_init_load_and_match(tuichat_home: Path) -> None:
    section = EXAMPLE_CONFIG.split("[log]\n", 1)[1]
    uncommented = "\n".join(line[2:] for line in section.splitlines() if line.startswith("# "))

    log = settings_from(tuichat_home, "[log]\n" + uncommented + "\n")

    email, card = log.redact
    assert email.search("write to bob.smith+x@mail.example.co.uk now")
    assert card.search("card 4111 1111 1111 1111 or 4111-1111-1111-1111")
    assert not card.search("year 2024, call 555-1234")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('content = "none"', '2: log.content: must be "full" or "metrics", got "none"'),
        ("timeline_sample_rate = 1.5", "2: log.timeline_sample_rate: must be a number from 0 to 1"),
        ("timeline_sample_rate = nan", "2: log.timeline_sample_rate: must be a number from 0 to 1"),
        ('redact = "x"', '2: log.redact: must be an array of regular expressions, got "x"'),
        ("redact = ['ok', 3]", "2: log.redact: pattern 2 must be a non-empty string, got 3"),
        (
            "redact = ['ok', 'a(b']",
            "2: log.redact: pattern 2 'a(b' is not a valid regex: missing ), unterminated",
        ),
        ("redact = ['x*']", "2: log.redact: pattern 1 'x*' matches the empty text"),
        ("colour = 1", "2: log.colour: unknown key"),
    ],
)
def test_each_mistake_is_one_precise_line(tuichat_home: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tuichat_home, f"[log]\n{text}\n")

    message = caught.value.one_line()
    assert message.startswith(f"{tuichat_home / 'config.toml'}:{expected}")
    assert "\n" not in message
