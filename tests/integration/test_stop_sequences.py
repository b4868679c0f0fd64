"""Stop sequences reach the wire (OpenAI ``stop``, Anthropic ``stop_sequences``) and the cache."""

from __future__ import annotations

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


def test_openai_compat_sends_stop_from_the_model_and_the_flag(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(
        tuichat_home,
        f'stop = "TOP"\n[models.gpt]\nprovider = "openai-compat"\nmodel = "sim"\n'
        f'base_url = "{sim_server.base_url}"\nstop = ["END", "\\n\\n"]\n',
    )
    assert main(["ask", "first", "--model", "gpt"]) == 0
    assert main(["ask", "second", "--model", "gpt", "--stop", "X", "--stop", "Y"]) == 0
    bodies = [record.body or {} for record in sim_server.records()]
    assert [body.get("stop") for body in bodies] == [["END", "\n\n"], ["X", "Y"]]


def test_anthropic_sends_stop_sequences(
    tuichat_home: Path,
    sim_server: SimServerThread,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", "sk-ant-test")
    write_config(
        tuichat_home,
        f'stop = ["TOP"]\n[models.claude]\nprovider = "anthropic"\nmodel = "sim"\n'
        f'base_url = "{sim_server.base_url}"\napi_key_env = "TEST_ANTHROPIC_KEY"\n',
    )
    assert main(["ask", "hi", "--model", "claude"]) == 0
    (record,) = sim_server.records()
    assert record.path.endswith("/messages")
    assert (record.body or {}).get("stop_sequences") == ["TOP"]


def test_a_different_stop_is_a_different_cached_answer(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(
        tuichat_home,
        f'[models.gpt]\nprovider = "openai-compat"\nmodel = "sim"\n'
        f'base_url = "{sim_server.base_url}"\n',
    )
    for stop in ("A", "A", "B"):
        assert main(["ask", "same question", "--model", "gpt", "--stop", stop]) == 0
    assert [(r.body or {}).get("stop") for r in sim_server.records()] == [["A"], ["B"]]


def test_a_configured_sim_model_answers(
    tuichat_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tuichat_home, '[models.fast]\nprovider = "sim"\nstop = "END"\n')
    assert main(["ask", "hi", "--model", "fast"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() and "404" not in err and "not found" not in err
