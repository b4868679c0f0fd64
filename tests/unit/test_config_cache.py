"""The ``[cache]`` table: defaults, every key, and one precise line per mistake."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from tuichat.config import ConfigError, resolve_settings
from tuichat.config.cache_table import parse_duration
from tuichat.config.example import EXAMPLE_CONFIG
from tuichat.config.model import CacheSettings


def cache_from(home: Path, text: str) -> CacheSettings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return resolve_settings(env={}).cache


def test_the_defaults(tuichat_home: Path) -> None:
    cache = resolve_settings(env={}).cache
    assert cache == CacheSettings()
    assert (cache.enabled, cache.semantic, cache.threshold) == (True, False, 0.90)
    assert (cache.ttl_s, cache.replay_pace, cache.max_mb) == (7 * 86400.0, "instant", 100.0)
    assert cache.embeddings == "wordllama"


def test_every_cache_key_is_read(tuichat_home: Path) -> None:
    cache = cache_from(
        tuichat_home,
        """\
        [cache]
        enabled = false
        semantic = true
        threshold = 0.85
        ttl = "12h"
        replay_pace = "original"
        max_mb = 20
        embeddings = "provider"
        embedding_model = "text-embedding-3-small"
        """,
    )
    assert cache == CacheSettings(
        False, True, 0.85, 43200.0, "original", 20.0, "provider", "text-embedding-3-small"
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("90m", 5400.0), ("12h", 43200.0), ("7d", 604800.0), ("2w", 1209600.0),
     ("1.5h", 5400.0), (" 7D ", 604800.0), ("0d", None), ("7", None), ("d", None), ("-1h", None)],
)  # fmt: skip
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_a_ttl_may_be_seconds(tuichat_home: Path) -> None:
    assert cache_from(tuichat_home, "[cache]\nttl = 3600\n").ttl_s == 3600.0


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("enabled = 1", "cache.enabled: must be true or false, got 1"),
        ("threshold = 1.5", "cache.threshold: must be a number from 0 to 1, got 1.5"),
        ('ttl = "soon"', 'cache.ttl: must be a duration like "90m", "12h" or "7d", got "soon"'),
        ("ttl = 0", "cache.ttl: must be a number above 0"),
        ('replay_pace = "fast"', 'cache.replay_pace: must be "instant" or "original", got "fast"'),
        ("max_mb = -1", "cache.max_mb: must be a number above 0"),
        ('embeddings = "openai"', 'must be "wordllama" or "provider", got "openai"'),
        ("semantik = true", "cache.semantik: unknown key (did you mean 'semantic'?)"),
    ],
)
def test_mistakes_are_one_line_at_the_key(tuichat_home: Path, line: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        cache_from(tuichat_home, f"[cache]\n{line}\n")
    message = str(caught.value)
    assert said in message and "\n" not in message
    assert ":2:" in message or "line 2" in message


def test_the_commented_example_of_config_init_is_the_defaults(tuichat_home: Path) -> None:
    assert "cache" in tomllib.loads(EXAMPLE_CONFIG)
    section = EXAMPLE_CONFIG.split("[cache]\n", 1)[1].split("\n\n", 1)[0]
    uncommented = "\n".join(line[2:] for line in section.splitlines() if line.startswith("# "))
    assert cache_from(tuichat_home, "[cache]\n" + uncommented + "\n") == CacheSettings()
