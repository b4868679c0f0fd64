"""Retries and fallback end to end: tuichat ask against the simulator over loopback."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tuichat.sim.thread import SimServerThread


def write_config(home: Path, base_url: str, models: dict[str, str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    tables = "".join(
        f'[models.{name}]\nprovider = "openai-compat"\nbase_url = "{base_url}"\n'
        f'model = "{model}"\n\n'
        for name, model in models.items()
    )
    # Every model here is on the one simulator endpoint, which shares one circuit
    # breaker (ask obeys the breakers shared by the user's processes): these tests
    # are about retries and fallbacks, so the breaker stays out of their way.
    resilience = "[resilience]\nbreaker_failures = 20\n"
    (home / "config.toml").write_text(tables + resilience, encoding="utf-8")


def ask(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", "ask", "hi", "--json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_server_errors_retry_then_fall_back(sim: SimServerThread, tuichat_home: Path) -> None:
    write_config(
        tuichat_home,
        sim.base_url,
        {
            "flaky": "sim?scenario=http_error&status=500",
            "steady": "sim?tokens=5",
        },
    )
    result = ask(tuichat_home, "--model", "flaky", "--fallback", "steady")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "ok" and summary["text"]
    statuses = [(a["model"], a["status"], a["error_type"]) for a in summary["attempts"]]
    assert statuses == [
        ("sim?scenario=http_error&status=500", "failed", "server_error"),
        ("sim?scenario=http_error&status=500", "failed", "server_error"),
        ("sim?scenario=http_error&status=500", "failed", "server_error"),
        ("sim?tokens=5", "ok", None),
    ]
    waits = [a["wait_before_s"] for a in summary["attempts"]]
    assert waits[0] == 0 and 0.3 <= waits[1] <= 0.5 and 0.6 <= waits[2] <= 1.0
    assert summary["summary"].startswith("flaky: 500, waited")
    assert summary["summary"].endswith("; steady: answered")
    with sqlite3.connect(tuichat_home / "tuichat.db") as db:
        rows = db.execute("select status from attempts order by id").fetchall()
        kinds = db.execute("select kind from route_events order by id").fetchall()
        detail = db.execute("select detail from route_events where kind='fallback'").fetchone()
    assert rows == [("failed",), ("failed",), ("failed",), ("ok",)]
    assert [k for (k,) in kinds if k != "rate_limit"] == ["retry", "retry", "fallback"]
    assert json.loads(detail[0])["to"] == "steady"


def test_a_long_retry_after_goes_straight_to_the_fallback(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    write_config(
        tuichat_home,
        sim.base_url,
        {
            "limited": "sim?scenario=http_error&status=429&retry_after=120",
            "steady": "sim?tokens=5",
        },
    )
    result = ask(tuichat_home, "--model", "limited", "--fallback", "steady")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [a["status"] for a in summary["attempts"]] == ["failed", "ok"]
    assert summary["summary"] == "limited: 429; steady: answered"
    assert summary["rate_limit"] is not None  # the 429's rate-limit headers were read


def test_when_everything_fails_one_line_says_what_was_tried(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    write_config(tuichat_home, sim.base_url, {"a": "gpt-nope", "b": "gpt-nope-2"})
    result = ask(tuichat_home, "--model", "a", "--fallback", "b")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "tried a: 404; b: 404" in line and "Traceback" not in result.stderr


def test_when_everything_fails_an_earlier_answer_is_offered_as_stale(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    write_config(tuichat_home, sim.base_url, {"steady": "sim?tokens=8", "gone": "gpt-gone"})
    first = ask(tuichat_home, "--model", "steady")
    assert first.returncode == 0
    answer = json.loads(first.stdout)["text"]
    again = ask(tuichat_home, "--model", "gone")
    assert again.returncode == 1
    summary = json.loads(again.stdout)
    assert summary["status"] == "failed" and summary["text"] == ""
    assert summary["stale_answer"]["text"] == answer
    assert summary["stale_answer"]["age_s"] >= 0
    assert "stale answer exists" in again.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "tuichat", "debug", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "TUICHAT_HOME": str(tuichat_home)},
        timeout=60,
    )
    assert json.loads(debug.stdout)["cache"]["stale_offered"] == 1  # logged as a route event
