"""``ask --length`` and the window check before ``ask`` sends, against the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuichat.cli import main
from tuichat.sim.thread import SimServerThread


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def sim_server():  # type: ignore[no-untyped-def]
    with SimServerThread() as server:
        yield server


def config(sim: SimServerThread, model: str = "sim", extra: str = "") -> str:
    return (
        f'[models.gpt]\nprovider = "openai-compat"\nmodel = "{model}"\n'
        f'base_url = "{sim.base_url}"\n{extra}'
    )


def test_length_sets_max_tokens_and_the_instruction(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tuichat_home, config(sim_server))
    assert main(["ask", "hi", "--model", "gpt", "--length", "brief", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["length"] == "brief"
    (record,) = sim_server.records()
    body = record.body or {}
    assert body["max_tokens"] == 300
    assert body["messages"][0]["role"] == "system" and "Length:" in body["messages"][0]["content"]


def test_an_unknown_length_is_a_usage_error(
    tuichat_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["ask", "hi", "--length", "epic"])
    assert exit_.value.code == 2


def test_a_window_too_small_for_the_system_prompt_is_one_line(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tuichat_home, config(sim_server, extra="context_window = 50\nmax_tokens = 40\n"))
    system = "You are a careful assistant who explains every step in detail. " * 3
    assert main(["ask", "hi", "--model", "gpt", "--system", system]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "too small for the system prompt" in err
    assert sim_server.records() == []


def test_context_policy_in_the_config(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tuichat_home, config(sim_server) + '[context]\nsummary_model = "nope"\n')
    assert main(["ask", "hi", "--model", "gpt"]) == 2
    err = capsys.readouterr().err
    assert "context.summary_model" in err and "unknown model 'nope'" in err
