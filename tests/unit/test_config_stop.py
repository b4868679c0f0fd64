"""Stop sequences in the config and on the command line; the simulator as a configured model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuichat.cli import build_parser
from tuichat.config import CliOverrides, ConfigError, overrides_from_args, resolve_settings


def settings_from(tmp_path: Path, text: str, flags: CliOverrides | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return resolve_settings(flags, env={}, path=path)


def test_a_model_s_stop_over_the_top_level_and_the_flag_over_both(tmp_path: Path) -> None:
    text = 'stop = "\\n\\n"\n[models.a]\nprovider = "sim"\nstop = ["END", "###"]\n'
    settings = settings_from(tmp_path, text)
    assert settings.stop_for(settings.models["a"]) == ("END", "###")
    assert settings.stop_for(settings.models["sim"]) == ("\n\n",)  # no stop of its own
    flagged = settings_from(tmp_path, text, CliOverrides(stop=["STOP"]))
    assert flagged.stop_for(flagged.models["a"]) == ("STOP",)
    assert settings_from(tmp_path, "").stop_for(settings.models["a"]) == ("END", "###")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["a", "b", "c", "d", "e"]', "at most 4 stop sequences (OpenAI's limit), got 5"),
        ('[""]', 'each stop sequence must be a non-empty string, got ""'),
        ("[1]", "each stop sequence must be a non-empty string, got 1"),
        ("[]", "must be a string or a non-empty array of strings, got an array"),
        ("true", "must be a string or a non-empty array of strings, got true"),
    ],
)
def test_bad_stop_values_name_their_line(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, f'[models.a]\nprovider = "sim"\nstop = {value}\n')
    assert caught.value.one_line().endswith(f"config.toml:3: models.a.stop: {message}")
    with pytest.raises(ConfigError) as top:
        settings_from(tmp_path, f"stop = {value}\n")
    assert top.value.one_line().endswith(f"config.toml:1: stop: {message}")


def test_stop_repeats_on_ask_and_chat() -> None:
    parser = build_parser()
    for argv in (
        ["ask", "hi", "--stop", "END", "--stop", "\n"],
        ["chat", "--stop", "END", "--stop", "\n"],
    ):
        assert overrides_from_args(parser.parse_args(argv)).stop == ["END", "\n"]
    assert overrides_from_args(parser.parse_args(["ask", "hi"])).stop == []


def test_too_many_stop_flags_are_one_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^--stop: at most 4 stop sequences"):
        resolve_settings(CliOverrides(stop=list("abcde")), env={}, path=Path("/nonexistent"))


def test_an_empty_stop_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ask", "hi", "--stop", ""])
    assert (
        "argument --stop: each stop sequence must be a non-empty string" in capsys.readouterr().err
    )


def test_a_sim_model_asks_for_the_simulator_s_own_id(tmp_path: Path) -> None:
    text = '[models.fast]\nprovider = "sim"\n[models.slow]\nprovider = "sim"\nmodel = "sim?tps=5"\n'
    settings = settings_from(tmp_path, text)
    assert settings.models["fast"].model == "sim"
    assert settings.models["slow"].model == "sim?tps=5"
