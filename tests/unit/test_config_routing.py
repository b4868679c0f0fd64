"""``[[routing]]`` in config.toml: the rules as read, and each mistake as one line at its key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tuichat.config import CliOverrides, ConfigError, Settings, resolve_settings
from tuichat.core.routing import RoutingRule, When

MODELS = """
default = "big"
[models.big]
provider = "sim"
[models.small]
provider = "sim"
[chains]
careful = ["big", "small"]
"""


def settings_from(
    home: Path, text: str, flags: CliOverrides | None = None, env: dict[str, str] | None = None
) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    text = textwrap.dedent(text)
    whole = MODELS + text if text.lstrip().startswith("[[") else text + MODELS  # top-level first
    (home / "config.toml").write_text(whole, encoding="utf-8")
    return resolve_settings(flags, env=env or {})


def test_rules_are_read_in_file_order(tuichat_home: Path) -> None:
    settings = settings_from(
        tuichat_home,
        """
        [[routing]]
        when = { prompt_tokens_over = 2000 }
        model = "careful"
        [[routing]]
        when = { tag = "support", cheap = true }
        model = "small"
        """,
    )
    assert settings.routing == (
        RoutingRule(1, When(prompt_tokens_over=2000), "careful"),
        RoutingRule(2, When(tag="support", cheap=True), "small"),
    )
    assert settings.routing_override is None


@pytest.mark.parametrize(
    ("flags", "env", "override"),
    [
        (CliOverrides(model="small"), {}, "flag --model"),
        (None, {"TUICHAT_MODEL": "small"}, "env TUICHAT_MODEL"),
        (None, {}, None),
    ],
)
def test_an_explicit_model_turns_routing_off_and_says_why(
    tuichat_home: Path, flags: CliOverrides | None, env: dict[str, str], override: str | None
) -> None:
    text = '[[routing]]\nwhen = { cheap = true }\nmodel = "small"\n'
    settings = settings_from(tuichat_home, text, flags, env)
    assert settings.routing_override == override
    assert len(settings.routing) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[routing]]\nwhen = { tag = "x" }\nmodel = "smal"\n',
            ":11: routing[1].model: unknown model or chain \"smal\" (did you mean 'small'?)",
        ),
        (
            '[[routing]]\nwhen = { cheap = true }\nmodel = "small"\n'
            '[[routing]]\nwhen = { tga = "x" }\nmodel = "small"\n',
            ":13: routing[2].when.tga: unknown condition (did you mean 'tag'?)",
        ),
        (
            '[[routing]]\nwhen = { colour = "x" }\nmodel = "small"\n',
            "routing[1].when.colour: unknown condition (expected one of: prompt_tokens_over,",
        ),
        (
            '[[routing]]\nwhen = { cheap = "yes" }\nmodel = "small"\n',
            'routing[1].when.cheap: must be true or false, got "yes"',
        ),
        (
            '[[routing]]\nwhen = { prompt_tokens_over = "2k" }\nmodel = "small"\n',
            "routing[1].when.prompt_tokens_over: must be a whole number from 0 to",
        ),
        (
            '[[routing]]\nwhen = { tag = 3 }\nmodel = "small"\n',
            "routing[1].when.tag: must be a non-empty",
        ),
        (
            '[[routing]]\nwhen = {}\nmodel = "small"\n',
            "routing[1].when: must be a table of conditions",
        ),
        ('[[routing]]\nmodel = "small"\n', "routing[1]: needs 'when'"),
        ("[[routing]]\nwhen = { cheap = true }\n", "routing[1]: needs 'model'"),
        (
            '[[routing]]\nwhen = { cheap = true }\nmodle = "small"\n',
            "routing[1].modle: unknown key (did you mean 'model'?)",
        ),
        ('routing = "small"\n', 'routing: must be [[routing]] tables, got "small"'),
    ],
)
def test_bad_rules_fail_at_the_key_in_one_line(
    tuichat_home: Path, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tuichat_home, text)
    line = caught.value.one_line()
    assert expected in line
    assert "\n" not in line


def test_config_show_lists_the_rules_and_what_turned_them_off(tuichat_home: Path) -> None:
    from tuichat.config.show import settings_json, settings_text

    text = '[[routing]]\nwhen = { tag = "support", cheap = true }\nmodel = "small"\n'
    settings = settings_from(tuichat_home, text, CliOverrides(model="big"))
    path = tuichat_home / "config.toml"
    shown = settings_text(settings, path, {})
    assert "routing (first match wins; off: flag --model chose the model):" in shown
    assert '  1. tag = "support", cheap = true → small' in shown
    data = settings_json(settings, path, {})
    assert data["routing"] == [
        {"rule": 1, "when": {"tag": "support", "cheap": True}, "model": "small"}
    ]
