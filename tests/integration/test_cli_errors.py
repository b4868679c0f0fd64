"""Bad configuration, keys and model files: one line, what failed and what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_a_corrupt_gguf_file(tuichat_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a gguf at all" * 100)
    result = run("ask", "hi", "--local-model", str(bad), home=tuichat_home)
    assert result.returncode == 2
    assert "broken.gguf" in one_error_line(result)


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
