"""A hard budget reached while ``ask`` streams: cut there, partial on stdout, one line, exit 3."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tuichat.core.events import TurnCancelled
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.store.replay_events import terminal_event
from tuichat.store.turn_rows import turn_records

# Answer tokens cost $1 each, prompt tokens nothing: the cut falls near token 20.
CONFIG = """
[models.pricey]
provider = "openai-compat"
base_url = "{url}"
model = "sim?tokens=300"
price = {{ input_per_mtok = 0, output_per_mtok = 1000000 }}

[budgets]
day = {{ hard = 20 }}
"""


def ask(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", "ask", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def limited(sim: SimServerThread, tuichat_home: Path) -> Path:
    tuichat_home.mkdir(parents=True, exist_ok=True)
    (tuichat_home / "config.toml").write_text(CONFIG.format(url=sim.base_url))
    return tuichat_home


def test_ask_is_cut_at_the_limit_with_the_partial_kept(limited: Path) -> None:
    result = ask("hi", "--model", "pricey", home=limited)
    assert result.returncode == 3, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("tuichat: budget: daily limit $20.00 reached at $2")
    assert line.endswith("; partial answer kept")
    full = answer_text("prose", 300)
    partial = result.stdout.removesuffix("\n")
    assert partial and full.startswith(partial) and len(partial) < len(full) / 2
    with sqlite3.connect(limited / "tuichat.db") as db:
        [(status, content)] = db.execute(
            "SELECT status, content FROM messages WHERE role = 'assistant'"
        ).fetchall()
        [(attempt_status, error_type, message, cost)] = db.execute(
            "SELECT status, error_type, error_message, cost_usd FROM attempts"
        ).fetchall()
    assert (status, content) == ("cancelled", partial)
    assert (attempt_status, error_type) == ("cancelled", "budget")
    assert "daily limit $20.00 reached" in message
    assert cost == float(line.split(" at $")[1].split(";")[0])  # priced as checked

    with sqlite3.connect(limited / "tuichat.db") as db:
        [(session_id,)] = db.execute("SELECT id FROM sessions").fetchall()
        [turn] = turn_records(db, session_id)
    assert turn.prompt.trace is not None
    replayed = terminal_event(turn, partial, turn.prompt.trace, 0.0)
    assert isinstance(replayed, TurnCancelled) and replayed.reason == line.removeprefix(
        "tuichat: "
    ).removesuffix("; partial answer kept")  # a replay says why, like the live chat

    again = ask("hi", "--model", "pricey", "--json", home=limited)
    assert again.returncode == 3 and json.loads(again.stdout)["status"] == "refused"


def test_ask_json_says_the_budget_cut_it(limited: Path) -> None:
    result = ask("hi", "--model", "pricey", "--json", home=limited)
    assert result.returncode == 3, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["error_type"]) == ("cancelled", "budget")
    assert summary["error"].startswith("budget: daily limit $20.00 reached at $2")
    assert summary["text"] and summary["client_busy_ms"] is not None
