"""A key variable the config names but the environment lacks is said before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuichat.backends import Backends, LazyProvider
from tuichat.cli import main
from tuichat.config import CliOverrides, ConfigError, resolve_settings
from tuichat.core import errors
from tuichat.core.conversation import ChatRequest
from tuichat.sim.thread import SimServerThread

UNSET = "TUICHAT_TEST_UNSET_KEY"


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def gpt_at(url: str) -> str:
    return (
        f'default = "gpt"\n[models.gpt]\nprovider = "openai-compat"\nmodel = "sim"\n'
        f'base_url = "{url}"\napi_key_env = "{UNSET}"\n'
    )


@pytest.mark.parametrize("command", [["ask", "hi"], ["chat"], []])
def test_the_first_model_without_its_key_is_one_line_and_nothing_is_sent(
    tuichat_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    with SimServerThread() as sim:
        write_config(tuichat_home, gpt_at(sim.base_url))
        assert main(command) == 2
        assert sim.records() == []
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"tuichat: error: model 'gpt' (sim): needs its API key in env {UNSET}, which is not set;"
        " nothing was sent (export it, or use --api-key)\n"
    )


def test_an_empty_variable_is_not_set(
    tuichat_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(UNSET, "")
    write_config(tuichat_home, gpt_at("http://127.0.0.1:9/v1"))
    assert main(["ask", "hi"]) == 2
    assert "cannot connect" not in capsys.readouterr().err


def test_a_fallback_without_its_key_is_a_warning_then_skipped_unsent(
    tuichat_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    with SimServerThread() as sim:
        config = gpt_at(sim.base_url).replace('default = "gpt"\n', "")
        write_config(tuichat_home, config)
        model = "sim?scenario=http_error&status=401"
        code = main(["ask", "hi", "--model", model, "--fallback", "gpt"])
        assert sim.records() == []  # the built-in simulator answered; gpt was never asked
    err = capsys.readouterr().err
    assert code == 1, err
    lines = err.splitlines()
    assert lines[0] == (
        f"tuichat: warning: fallback model 'gpt' (sim): needs its API key in env {UNSET}, "
        "which is not set; it will be skipped"
    )
    assert f"env {UNSET}, which is not set" in lines[-1]  # the failure names why


async def test_backends_refuse_to_build_a_provider_without_its_key(tuichat_home: Path) -> None:
    path = write_config(tuichat_home, gpt_at("http://127.0.0.1:9/v1"))
    settings = resolve_settings(CliOverrides(), env={}, path=path)
    backends = Backends(env={})
    with pytest.raises(ConfigError, match=f"needs its API key in env {UNSET}"):
        backends.provider_for(settings.primary)
    lazy = LazyProvider(backends, settings.primary)
    with pytest.raises(errors.AuthFailed, match=f"env {UNSET}, which is not set"):
        async for _ in lazy.stream(ChatRequest(model="sim", messages=())):
            pass
