"""Values that make no sense are refused, at their line: finite, in range, sanely capped.

Also the file itself: only a regular file of at most 1 MiB is read, and TOML
nested or dotted beyond what a config needs is refused before ``tomllib``
can recurse or crawl.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.config import CliOverrides, ConfigError, resolve_settings
from tuichat.config.bounds import (
    MAX_SECONDS,
    MAX_TOKENS,
    max_tokens_flag,
    name_flag,
    wait_seconds_flag,
)
from tuichat.config.loader import MAX_CONFIG_BYTES
from tuichat.config.model import Resilience
from tuichat.config.toml_shape import MAX_KEY_PARTS, MAX_NESTING


def error_of(home: Path, text: str) -> str:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={})
    return caught.value.one_line()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("idle_timeout = nan", "idle_timeout: must be a number above 0 and at most 86400, got nan"),
        ("connect_timeout = inf", "connect_timeout: must be a number above 0"),
        ("total_timeout = 0", "total_timeout: must be a number above 0"),
        ("first_token_timeout = -1", "first_token_timeout: must be a number above 0"),
        ("total_timeout = 86401", "total_timeout: must be a number above 0 and at most 86400"),
        ("initial_delay = nan", "initial_delay: must be a number from 0 to 86400, got nan"),
        ("max_retry_after = -inf", "max_retry_after: must be a number from 0 to 86400"),
        ("breaker_cooldown = 1e300", "breaker_cooldown: must be a number from 0 to 86400"),
        (
            "max_retries = 1180591620717411303424",  # 2**70: retried for ever
            "max_retries: must be a whole number from 0 to 20, got 1180591620717411303424",
        ),
        ("max_retries = 21", "max_retries: must be a whole number from 0 to 20, got 21"),
        ("max_retries = 2.0", "max_retries: must be a whole number from 0 to 20, got 2.0"),
        ("breaker_failures = 0", "breaker_failures: must be a whole number from 1 to 1000"),
    ],
)
def test_resilience_values_are_finite_and_bounded(
    tuichat_home: Path, line: str, expected: str
) -> None:
    message = error_of(tuichat_home, f"[resilience]\n{line}\n")
    assert message.startswith(f"{tuichat_home / 'config.toml'}:2: resilience.")
    assert expected in message


def test_resilience_edges_are_accepted(tuichat_home: Path) -> None:
    tuichat_home.mkdir()
    (tuichat_home / "config.toml").write_text(
        "[resilience]\nmax_retries = 20\ninitial_delay = 0\nidle_timeout = 86400\n"
        "connect_timeout = 0.001\nbreaker_failures = 1000\n",
        encoding="utf-8",
    )
    resilience = resolve_settings(env={}).resilience
    assert resilience == Resilience(
        max_retries=20,
        initial_delay=0.0,
        idle_timeout=MAX_SECONDS,
        connect_timeout=0.001,
        breaker_failures=1000,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[budgets]\nday = nan\n", "budgets.day: must be a number from 0 to 1000000000, got nan"),
        ("[budgets]\nday = inf\n", "budgets.day: must be a number from 0 to 1000000000, got inf"),
        ("[budgets]\nmonth = { hard = -1 }\n", "budgets.month.hard: must be a number from 0"),
        ("[budgets]\nsession = 1e12\n", "budgets.session: must be a number from 0"),
        (
            '[models.x]\nprovider = "openai"\nprice = { output_per_mtok = nan }\n',
            "models.x.price.output_per_mtok: must be a number from 0",
        ),
        (
            '[models.x]\nprovider = "openai"\ntemperature = nan\n',
            "models.x.temperature: must be a number from 0 to 2, got nan",
        ),
        (
            '[models.x]\nprovider = "openai"\nmax_tokens = 1000000000000000000000000000000\n',
            "models.x.max_tokens: must be a whole number from 1 to 10000000, got a huge number",
        ),
        (
            '[models.x]\nprovider = "openai"\ncontext_window = 9223372036854775808\n',
            "models.x.context_window: must be a whole number from 1 to 100000000",
        ),
        (
            '[models.x]\nprovider = "openai"\nrequests_per_minute = 1180591620717411303424\n',
            "models.x.requests_per_minute: must be a whole number from 1 to 10000000000",
        ),
        (
            "[profiles.alice]\ntokens_per_minute = 1180591620717411303424\n",
            "profiles.alice.tokens_per_minute: must be a whole number from 1 to 10000000000",
        ),
    ],
)
def test_budgets_prices_and_model_numbers_are_bounded(
    tuichat_home: Path, text: str, expected: str
) -> None:
    assert expected in error_of(tuichat_home, text)


def test_a_huge_integer_literal_is_one_short_line(tuichat_home: Path) -> None:
    message = error_of(tuichat_home, "[resilience]\nmax_retries = " + "9" * 5000 + "\n")
    assert "syntax error" in message and "4300 digits" in message
    assert "set_int_max_str_digits" not in message and len(message) < 300


@pytest.mark.parametrize(
    ("value", "nest"),
    [("[" * 1000 + "]" * 1000, "arrays"), ("{a = " * 1000 + "1" + "}" * 1000, "inline tables")],
)
def test_deep_nesting_is_refused_before_the_parser_recurses(
    tuichat_home: Path, value: str, nest: str
) -> None:
    message = error_of(tuichat_home, f'system = "hi"\nx = {value}\n')
    assert message == (
        f"{tuichat_home / 'config.toml'}:2: syntax error: "
        f"nested more than {MAX_NESTING} levels deep"
    ), nest


def test_a_key_with_thousands_of_parts_is_refused(tuichat_home: Path) -> None:
    message = error_of(tuichat_home, "\n[" + ".".join(["a"] * 5000) + "]\nx = 1\n")
    assert message.endswith(f":2: syntax error: a dotted key has more than {MAX_KEY_PARTS} parts")


def test_brackets_and_dots_inside_strings_and_comments_do_not_count(tuichat_home: Path) -> None:
    tuichat_home.mkdir()
    deep = "[" * 50 + "." * 50
    text = (
        f'system = """\n{deep}\n"""\n# {deep}\n[keys]\nquit = "{deep}"\ncancel = \'{deep}\'\n'
        "[budgets]\nday = { soft = 1.5, hard = 2.5 }\n"
    )
    (tuichat_home / "config.toml").write_text(text, encoding="utf-8")
    settings = resolve_settings(env={})
    assert settings.keys == {"quit": deep, "cancel": deep}


def test_a_file_over_one_mebibyte_is_refused(tuichat_home: Path) -> None:
    padding = "# " + "x" * 100 + "\n"
    message = error_of(tuichat_home, padding * (MAX_CONFIG_BYTES // len(padding) + 1))
    assert message == f"{tuichat_home / 'config.toml'}: refused: larger than 1 MiB"


def test_a_folder_or_a_device_named_config_toml_is_refused(tuichat_home: Path) -> None:
    tuichat_home.mkdir()
    path = tuichat_home / "config.toml"
    path.mkdir()
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={})
    assert caught.value.one_line() == f"{path}: refused: not a regular file (a folder)"
    path.rmdir()
    path.symlink_to(os.devnull)  # /dev/zero would never end; /dev/null is the same kind
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={})
    assert caught.value.one_line() == f"{path}: refused: not a regular file (a device)"


def test_a_fifo_named_config_toml_is_refused_without_waiting(tuichat_home: Path) -> None:
    tuichat_home.mkdir()
    path = tuichat_home / "config.toml"
    os.mkfifo(path)  # no writer: a blocking open would wait for ever
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={})
    assert caught.value.one_line() == f"{path}: refused: not a regular file (a FIFO)"


@pytest.mark.parametrize(
    ("flags", "label"),
    [
        (CliOverrides(model=""), "--model"),
        (CliOverrides(model="   "), "--model"),
        (CliOverrides(fallbacks=["sim", ""]), "--fallback"),
        (CliOverrides(api_key=""), "--api-key"),
        (CliOverrides(tag=" "), "--tag"),
        (CliOverrides(max_tokens=0), "--max-tokens"),
        (CliOverrides(max_tokens=10**30), "--max-tokens"),
    ],
)
def test_flags_from_any_front_end_are_checked(flags: CliOverrides, label: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(flags, env={})
    assert caught.value.one_line().startswith(f"{label}: must")


def test_a_blank_tuichat_model_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={"TUICHAT_MODEL": "  "})
    assert caught.value.one_line().startswith("env TUICHAT_MODEL: must name a model")


@pytest.mark.parametrize(
    "text", ["nan", "inf", "-inf", "-1", "-0.001", "86400.5", "1e400", "ten", "0x10", ""]
)
def test_the_budget_flag_refuses_what_is_not_a_sane_wait(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        wait_seconds_flag(text)


@given(st.floats(min_value=0, max_value=MAX_SECONDS))
def test_the_budget_flag_accepts_every_wait_up_to_a_day(value: float) -> None:
    assert wait_seconds_flag(repr(value)) == value


@pytest.mark.parametrize("text", ["0", "-5", str(MAX_TOKENS + 1), "10" * 3000, "1.5", "1e3", ""])
def test_the_max_tokens_flag_refuses_out_of_range_values(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        max_tokens_flag(text)
    assert len(str(caught.value)) < 100  # a 6,000-digit number is not echoed whole


def test_the_max_tokens_flag_and_name_flag_accept_sane_values() -> None:
    assert max_tokens_flag("1") == 1 and max_tokens_flag(str(MAX_TOKENS)) == MAX_TOKENS
    assert name_flag("gpt-4o") == "gpt-4o"
    for blank in ("", "  ", "\t"):
        with pytest.raises(argparse.ArgumentTypeError):
            name_flag(blank)
