"""``ask --json`` with ``[[routing]]`` against the simulator: two sim models, the rule reported.

The two models are distinct model ids on one loopback simulator (its model
string carries per-request settings: ``sim?tokens=8`` and ``sim?tokens=3``); what was
sent (``record.body["model"]``) proves where each prompt went, the JSON
says which rule and why, and the log keeps it on the turn's prompt row.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tuichat.cli import main
from tuichat.sim.thread import SimServerThread

RULES = """
[[routing]]
when = { prompt_tokens_over = 200 }
model = "big"

[[routing]]
when = { tag = "support" }
model = "small"

[[routing]]
when = { has_code = true }
model = "big"

[[routing]]
when = { cheap = true }
model = "small"
"""
SIM_IDS = {"big": "sim?tps=0&tokens=8", "small": "sim?tps=0&tokens=3"}
BIG, SMALL = SIM_IDS["big"], SIM_IDS["small"]


@pytest.fixture
def sim_server():  # type: ignore[no-untyped-def]
    with SimServerThread() as server:
        yield server


def configure(home: Path, server: SimServerThread, rules: str = RULES) -> None:
    home.mkdir(parents=True, exist_ok=True)
    models = "".join(
        f'[models.{name}]\nprovider = "openai-compat"\nmodel = "{SIM_IDS[name]}"\n'
        f'base_url = "{server.base_url}"\n'
        for name in ("big", "small")
    )
    (home / "config.toml").write_text(f'default = "big"\n{models}{rules}', encoding="utf-8")


def ask_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["ask", *argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out.strip().splitlines()[-1]), err


def sent_models(server: SimServerThread) -> list[str]:
    return [str((record.body or {}).get("model")) for record in server.records()]


@pytest.mark.parametrize(
    ("argv", "route", "model"),
    [
        (["hello there"], {"rule": None, "why": "no rule matched", "model": "big"}, BIG),
        (["hello", "--tag", "support"], {"rule": 2, "why": "tag=support", "model": "small"}, SMALL),
        (["hi", "--cheap"], {"rule": 4, "why": "cheap on", "model": "small"}, SMALL),
        (["fix:\n```\nx = 1\n```"], {"rule": 3, "why": "code in draft", "model": "big"}, BIG),
    ],
)
def test_the_first_matching_rule_picks_the_model_and_json_says_why(
    tuichat_home: Path,
    sim_server: SimServerThread,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    route: dict[str, object],
    model: str,
) -> None:
    configure(tuichat_home, sim_server)
    code, summary, _ = ask_json(capsys, *argv)
    assert code == 0
    assert summary["route"] == route
    assert sent_models(sim_server) == [model]


def test_a_long_prompt_is_routed_by_its_token_estimate(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tuichat_home, sim_server)
    code, summary, _ = ask_json(capsys, "word " * 400, "--tag", "support")
    assert code == 0
    assert summary["route"]["rule"] == 1  # first match wins over the tag rule
    assert summary["route"]["why"].startswith("prompt ")
    assert sent_models(sim_server) == [BIG]


def test_model_flag_overrides_routing_and_says_so(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tuichat_home, sim_server)
    code, summary, _ = ask_json(capsys, "hi", "--cheap", "--model", "big")
    assert code == 0
    assert summary["route"] == {
        "rule": None,
        "why": "flag --model overrides routing",
        "model": "big",
    }
    assert sent_models(sim_server) == [BIG]


def test_the_log_keeps_the_route_and_stats_by_model_still_counts(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tuichat_home, sim_server)
    ask_json(capsys, "hello", "--tag", "support")
    ask_json(capsys, "hello again")
    with sqlite3.connect(tuichat_home / "tuichat.db") as db:
        rows = db.execute(
            "SELECT route_rule, route_why, route_model FROM messages"
            " WHERE role = 'user' ORDER BY id"
        ).fetchall()
        models = db.execute("SELECT model FROM attempts ORDER BY started_at").fetchall()
    assert rows == [(2, "tag=support", "small"), (None, "no rule matched", "big")]
    assert models == [(SMALL,), (BIG,)]
    assert main(["stats", "--by", "model", "--json"]) == 0
    stats = capsys.readouterr().out
    assert SMALL in stats and BIG in stats


def test_a_rule_naming_an_unknown_model_is_one_line_and_nothing_is_sent(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tuichat_home, sim_server, '[[routing]]\nwhen = { tag = "x" }\nmodel = "smal"\n')
    code = main(["ask", "hi", "--json"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0
    assert "routing[1].model: unknown model or chain \"smal\" (did you mean 'small'?)" in err
    assert sim_server.records() == []


def test_debug_shows_how_turns_were_routed(
    tuichat_home: Path, sim_server: SimServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tuichat_home, sim_server)
    ask_json(capsys, "hello", "--tag", "support")
    ask_json(capsys, "hello there", "--tag", "support")
    ask_json(capsys, "hello again")
    assert main(["debug"]) == 0
    text = capsys.readouterr().out
    assert "routing:\n  2 × rule 2 · tag=support → small\n  1 × no rule matched → big" in text
    assert main(["debug", "--json"]) == 0
    routing = json.loads(capsys.readouterr().out)["routing"]
    assert routing[0] == {"rule": 2, "why": "tag=support", "model": "small", "turns": 2}
