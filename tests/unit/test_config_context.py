"""The ``[context]`` table: policy and summary model, each mistake one line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tuichat.config import ConfigError, Settings, resolve_settings
from tuichat.config.context_table import ContextSettings
from tuichat.config.example import EXAMPLE_CONFIG


def settings_from(home: Path, text: str) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return resolve_settings(env={})


def test_defaults_and_values(tuichat_home: Path) -> None:
    assert settings_from(tuichat_home, 'default = "sim"\n').context == ContextSettings()
    body = (
        '[models.mini]\nprovider = "sim"\n[context]\npolicy = "summarise"\nsummary_model = "mini"\n'
    )
    assert settings_from(tuichat_home, body).context == ContextSettings("summarise", "mini")


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('[context]\npolicy = "truncate"\n', "unknown policy 'truncate' (expected one of"),
        ("[context]\npolicy = 3\n", "must be a non-empty string"),
        ('[context]\nsummary_model = "nope"\n', "unknown model 'nope'"),
        ("[context]\nwindow = 3\n", "window"),
    ],
)
def test_mistakes_are_one_line(tuichat_home: Path, body: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tuichat_home, body)
    assert said in str(caught.value) and "\n" not in str(caught.value)


def test_the_example_documents_the_table() -> None:
    assert "# [context]" in EXAMPLE_CONFIG and 'policy = "drop-oldest"' in EXAMPLE_CONFIG
