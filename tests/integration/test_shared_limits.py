"""Limits and breakers shared by separate tuichat processes (``tuichat ask`` on the simulator)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tuichat.sim.thread import SimServerThread


def write_config(home: Path, base_url: str, models: dict[str, str], extra: str = "") -> None:
    home.mkdir(parents=True, exist_ok=True)
    tables = "".join(
        f'[models.{name}]\nprovider = "openai-compat"\nbase_url = "{base_url}"\n'
        f'model = "{model}"\n{extra}\n'
        for name, model in models.items()
    )
    text = tables + "[resilience]\nmax_retries = 0\n"
    (home / "config.toml").write_text(text, encoding="utf-8")


def ask(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", "ask", "hi", "--json", "--no-cache", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_the_third_ask_of_three_processes_waits_for_the_minute(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    write_config(tuichat_home, sim.base_url, {"m": "sim?tokens=3"}, "requests_per_minute = 2\n")
    first, second = (ask(tuichat_home, "--model", "m", "--budget", "1") for _ in range(2))
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    third = ask(tuichat_home, "--model", "m", "--budget", "1")
    assert third.returncode == 1, third.stdout
    summary = json.loads(third.stdout)
    assert summary["error_type"] == "load_shed" and summary["attempts"] == []
    wait = re.search(r"expected wait (\d+) s exceeds", summary["error"])
    assert wait is not None and 15 <= int(wait.group(1)) <= 30, summary["error"]
    assert "requests/minute of model m" in summary["error"]


def test_a_breaker_opened_by_one_process_is_open_in_the_next(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    models = {"down": "sim?scenario=http_error&status=500", "up": "sim?tokens=3"}
    write_config(tuichat_home, sim.base_url, models)
    for _ in range(3):  # one failure per process: three processes trip it
        assert ask(tuichat_home, "--model", "down").returncode != 0
    result = ask(tuichat_home, "--model", "up")
    assert result.returncode != 0
    summary = json.loads(result.stdout)
    assert "provider marked down" in summary["error"], summary
    assert summary["attempts"] == []  # nothing sent: the breaker another process opened
