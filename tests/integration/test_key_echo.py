"""A server that echoes pieces of the key: none reaches stdout, stderr, the log or ``debug``.

End to end through ``tuichat ask --json`` against the simulator's hostile
scenarios (``echo_key``, ``echo_key_mid_stream``), then ``tuichat debug``
over the same log. Every file under the home (database, WAL, logs) is read
back too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuichat.sim.scenarios import key_echo
from tuichat.sim.thread import SimServerThread

KEY = "sk-Zq8vXw3LpT9mRk2NfY7bHc4JdQ6s"


def windows(key: str) -> set[str]:
    return {key[i : i + 6] for i in range(len(key) - 5)}


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home), "ANTHROPIC_API_KEY": KEY}
    command = [sys.executable, "-m", "tuichat", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=90)


def configure_anthropic(home: Path, base_url: str, scenario: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'default = "claude-sim"\n[models.claude-sim]\nprovider = "anthropic"\n'
        f'base_url = "{base_url}"\nmodel = "sim?{scenario}"\napi_key_env = "ANTHROPIC_API_KEY"\n',
        encoding="utf-8",
    )


def test_the_echo_really_carries_key_pieces() -> None:
    echoed = key_echo(KEY)
    assert sum(w in echoed for w in windows(KEY)) >= 3


@pytest.mark.parametrize(
    ("api", "scenario"),
    [
        ("openai", "scenario=echo_key&status=400"),
        ("openai", "scenario=echo_key&status=401"),
        ("openai", "scenario=echo_key&status=500"),
        ("openai", "scenario=echo_key_mid_stream&tokens=20"),
        ("anthropic", "scenario=echo_key&status=401"),
        ("anthropic", "scenario=echo_key_mid_stream&tokens=20"),
    ],
)
def test_no_piece_of_the_key_is_shown_or_stored(
    sim: SimServerThread, tuichat_home: Path, api: str, scenario: str
) -> None:
    if api == "openai":
        model = ["--base-url", sim.base_url, "--api-key", KEY, "--model", f"sim?{scenario}"]
    else:
        configure_anthropic(tuichat_home, sim.base_url, scenario)
        model = []
    asked = run(tuichat_home, "ask", "hi", "--json", *model)
    debug = run(tuichat_home, "debug", "--json")
    assert asked.returncode == 1, asked.stderr
    assert "Traceback" not in asked.stderr + debug.stderr
    assert "[redacted]" in asked.stderr
    pieces = windows(KEY)
    for name, text in [
        ("ask stdout", asked.stdout),
        ("ask stderr", asked.stderr),
        ("debug stdout", debug.stdout),
        ("debug stderr", debug.stderr),
    ]:
        assert not {w for w in pieces if w in text}, (name, text)
    for path in tuichat_home.rglob("*"):
        if path.is_file() and path.name != "config.toml":
            data = path.read_bytes()
            assert not {w for w in pieces if w.encode() in data}, path
