"""Bad configuration, keys and model files: one line, what failed and what to do."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.local_extra import env_without_local_extra, needs_local_extra
from tuichat.sim.settings import SimSettings
from tuichat.sim.thread import SimServerThread

SECRET = "sk-ant-tuichat-RECOGNISABLE-0123456789abcdef"


def run(*args: str, home: Path, env: dict[str, str] | None = None):
    full_env = {**os.environ, "TUICHAT_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_bad_config_file_names_file_line_and_key(tuichat_home: Path) -> None:
    tuichat_home.mkdir(parents=True)
    (tuichat_home / "config.toml").write_text(
        '[models.haiku]\nprovider = "antrhopic"\n', encoding="utf-8"
    )
    result = run("ask", "hi", home=tuichat_home)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "config.toml:2" in line and "models.haiku.provider" in line and "anthropic" in line


def test_a_missing_gguf_file(tuichat_home: Path) -> None:
    result = run("ask", "hi", "--local-model", "/nonexistent/model.gguf", home=tuichat_home)
    assert result.returncode == 2
    assert "model.gguf" in one_error_line(result)


@needs_local_extra
def test_a_corrupt_gguf_file(tuichat_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a gguf at all" * 100)
    result = run("ask", "hi", "--local-model", str(bad), home=tuichat_home)
    assert result.returncode == 2
    assert "broken.gguf" in one_error_line(result)


def test_a_gguf_without_the_local_extra_says_how_to_install_it(
    tuichat_home: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + bytes(64))
    env = env_without_local_extra()
    result = run("ask", "hi", "--local-model", str(model), home=tuichat_home, env=env)
    assert result.returncode == 2
    assert "pip install 'tuichat[local]'" in one_error_line(result)


def test_an_unreachable_base_url(tuichat_home: Path) -> None:
    result = run("ask", "hi", "--base-url", "http://127.0.0.1:9/v1", home=tuichat_home)
    assert result.returncode == 1
    assert "cannot connect to 127.0.0.1:9" in one_error_line(result)


def test_a_wrong_anthropic_key_from_the_env_never_leaks(tuichat_home: Path) -> None:
    with SimServerThread(SimSettings(api_key="sk-ant-the-right-one-000000000")) as sim:
        tuichat_home.mkdir(parents=True)
        (tuichat_home / "config.toml").write_text(
            f'default = "claude-sim"\n[models.claude-sim]\nprovider = "anthropic"\n'
            f'base_url = "{sim.base_url}"\nmodel = "sim"\napi_key_env = "ANTHROPIC_API_KEY"\n',
            encoding="utf-8",
        )
        result = run("ask", "hi", home=tuichat_home, env={"ANTHROPIC_API_KEY": SECRET})
        shown = run("config", "show", home=tuichat_home, env={"ANTHROPIC_API_KEY": SECRET})
    assert result.returncode == 1
    assert "auth (401)" in one_error_line(result)
    for text in (result.stdout, result.stderr, shown.stdout, shown.stderr):
        assert SECRET not in text
    for path in tuichat_home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


# --- keys no header can carry: exit 2 before any request, the key never shown -------------


def config_for(home: Path, base_url: str, key_line: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'default = "m"\n[models.m]\nprovider = "openai-compat"\nbase_url = "{base_url}"\n'
        f'model = "sim"\n{key_line}\n',
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (f"{SECRET}\r\nX-Injected: 1", "contains a line break (CR or LF)"),
        (f"{SECRET}é", "contains a character that is not ASCII"),
        (f"{SECRET}\x1b[2J", "contains a control character"),
    ],
)
def test_a_bad_key_from_the_env_is_refused_before_any_request(
    tuichat_home: Path, sim: SimServerThread, key: str, problem: str
) -> None:
    config_for(tuichat_home, sim.base_url, 'api_key_env = "MY_KEY"')
    result = run("ask", "hi", home=tuichat_home, env={"MY_KEY": key})
    assert result.returncode == 2
    assert one_error_line(result) == (
        f"tuichat: error: model 'm': the API key from env MY_KEY {problem}; "
        "a key is printable ASCII without spaces"
    )
    assert sim.records() == []  # never retried three times, never sent at all
    assert_no_secret(tuichat_home, result)


def test_a_bad_flag_key_is_refused_before_any_request(
    tuichat_home: Path, sim: SimServerThread
) -> None:
    result = run(
        "ask", "hi", "--base-url", sim.base_url, "--api-key", f"{SECRET}\n", home=tuichat_home
    )
    assert result.returncode == 2
    line = one_error_line(result)
    assert line.endswith(
        "the API key from --api-key contains a line break (CR or LF); "
        "a key is printable ASCII without spaces"
    )
    assert sim.records() == []
    assert_no_secret(tuichat_home, result)


def test_a_bad_key_from_a_command_is_refused_before_any_request(
    tuichat_home: Path, sim: SimServerThread
) -> None:
    # The key is assembled by the command, so the config file does not hold it.
    code = f"import sys; sys.stdout.write({SECRET[:10]!r} + {SECRET[10:]!r} + chr(1))"
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"
    config_for(tuichat_home, sim.base_url, f"api_key_command = {json.dumps(command)}")
    result = run("ask", "hi", home=tuichat_home)
    assert result.returncode == 2
    assert "the API key from api_key_command contains a control character" in (
        one_error_line(result)
    )
    assert sim.records() == []
    assert_no_secret(tuichat_home, result)


def assert_no_secret(home: Path, result: subprocess.CompletedProcess[str]) -> None:
    assert SECRET not in result.stdout and SECRET not in result.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


# --- config files that are not regular files: one line, no hang ------------------------------


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_config_that_is_not_a_regular_file_is_one_line(tuichat_home: Path, kind: str) -> None:
    tuichat_home.mkdir(parents=True)
    path = tuichat_home / "config.toml"
    if kind == "fifo":
        os.mkfifo(path)  # reading it would wait for a writer for ever
    elif kind == "device":
        path.symlink_to(os.devnull)  # like /dev/zero, which would never end
    else:
        path.mkdir()
    result = run("ask", "hi", home=tuichat_home)  # times out after 60 s if it hangs
    assert result.returncode == 2
    assert one_error_line(result).startswith(
        f"tuichat: error: {path}: refused: not a regular file ("
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "hi", "--bogus"), "tuichat ask: error: unrecognized arguments: --bogus"),
        (("ask", "hi", "--budget", "nan"), "tuichat ask: error: argument --budget: must be"),
        (("ask", "hi", "--max-tokens", "1" + "0" * 30), "argument --max-tokens: must be"),
        (("ask", "hi", "--model", ""), "tuichat ask: error: argument --model/-m: must not"),
    ],
)
def test_usage_errors_are_one_line_and_point_to_help(
    tuichat_home: Path, args: tuple[str, ...], message: str
) -> None:
    result = run(*args, home=tuichat_home)
    assert result.returncode == 2 and result.stdout == ""
    line = one_error_line(result)
    assert line.startswith(message) or message in line
    assert line.endswith("(see tuichat ask --help)")
