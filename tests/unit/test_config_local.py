"""The ``[local]`` table: the embedded model's keep-alive, validated to one line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tuichat.config import ConfigError, Settings, resolve_settings
from tuichat.config.local_table import parse_duration
from tuichat.config.model import LOCAL


def settings_from(home: Path, text: str) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return resolve_settings(env={})


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5m", 300.0),
        ("90s", 90.0),
        ("1h30m", 5400.0),
        ("0", 0.0),
        (0, 0.0),
        (45, 45.0),
        ("250ms", 0.25),
        (" 2M ", 120.0),
    ],
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "5", "-1m", "5 minutes", "m", "1d", True, -3, float("inf")])
def test_not_durations(value: object) -> None:
    if value == "5":
        assert parse_duration(value) == 5.0  # bare digits are seconds
    else:
        assert parse_duration(value) is None


def test_keep_alive_defaults_to_five_minutes_on_every_local_model(tuichat_home: Path) -> None:
    settings = resolve_settings(env={})
    assert settings.local.keep_alive == 300.0
    assert settings.models["local"].keep_alive == 300.0


def test_keep_alive_from_the_file_reaches_local_models(tuichat_home: Path) -> None:
    settings = settings_from(
        tuichat_home,
        """\
        [local]
        keep_alive = "0"

        [models.mine]
        provider = "local"
        """,
    )
    local = [spec for spec in settings.models.values() if spec.provider == LOCAL]
    assert len(local) >= 2 and all(spec.keep_alive == 0.0 for spec in local)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('keep_alive = "soon"', 'local.keep_alive: must be a duration from "0" to "24h"'),
        ('keep_alive = "25h"', "local.keep_alive: must be a duration"),
        ("keep_alive = -5", "local.keep_alive: must be a duration"),
        ("keepalive = 5", "local"),
    ],
)
def test_bad_local_tables_fail_at_the_key(tuichat_home: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from(tuichat_home, f"[local]\n{text}\n")
    line = info.value.one_line()
    assert expected in line and "config.toml" in line and "\n" not in line
