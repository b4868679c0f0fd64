"""Budgets: soft warns once, hard blocks, baselines come from the log."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.helpers import hud_events
from tuichat.config import ConfigError, resolve_settings
from tuichat.core.cost.budget import BudgetRule, Budgets, describe, window_start
from tuichat.core.events import CostReported, TurnStarted
from tuichat.store import LogWriter, open_database
from tuichat.store.spend import load_budgets, spend_by, spent_since


def cost(usd: float | None, trace: str = "t1", attempt: int = 1) -> CostReported:
    return hud_events.cost(1.0 + attempt, usd, attempt, trace_id=trace)


RULES = (
    BudgetRule("session", 0.7, 1.0),
    BudgetRule("day", 4.0, 5.0),
    BudgetRule("month", None, 50.0, profile="alice"),
    BudgetRule("day", 1.0, None, tag="ci"),
)


def test_rules_apply_by_profile_and_tag() -> None:
    scopes = [r.scope for r in Budgets(RULES, profile="bob", tag=None).rules]
    assert scopes == ["session", "day"]
    scopes = [r.scope for r in Budgets(RULES, profile="alice", tag="ci").rules]
    assert scopes == ["session", "day", "profile alice month", "tag ci day"]


def test_a_sequence_of_turns_crosses_soft_then_hard() -> None:
    budgets = Budgets(RULES[:2], profile="default", tag=None)
    budgets.load({}, 0.0, {})
    levels = []
    alerts = []
    for turn in range(6):
        budgets.observe(cost(0.25, trace=f"t{turn}"))
        budgets.observe(cost(None, trace=f"t{turn}", attempt=2))  # unpriced: counts nothing
        levels.append(budgets.lines()[0].level)
        alerts.append([line.scope for line in budgets.new_alerts()])
    assert levels == ["ok", "ok", "soft", "hard", "hard", "hard"]
    assert alerts == [[], [], ["session"], ["session"], [], []]  # soft once, hard once
    assert [line.scope for line in budgets.blocking()] == ["session"]
    assert budgets.today_usd == pytest.approx(1.5)
    assert describe(budgets.blocking()[0]) == ("session budget: $1.50 spent of $1.00 (hard limit)")


def test_the_baseline_from_the_log_counts_toward_the_limits() -> None:
    budgets = Budgets(RULES[:2], profile="default", tag=None)
    day = RULES[1]
    budgets.load({day: 4.9}, 4.9, {day: 0.0})
    assert budgets.lines()[1].level == "soft" and not budgets.blocking()
    budgets.observe(cost(0.2))
    assert [line.scope for line in budgets.blocking()] == ["day"]


def test_windows_start_at_local_midnight_and_the_first_of_the_month() -> None:
    wall = datetime(2026, 11, 29, 15, 30).timestamp()
    assert window_start("day", wall) == datetime(2026, 11, 29).timestamp()
    assert window_start("month", wall) == datetime(2026, 11, 1).timestamp()


async def test_budgets_survive_restarts_because_they_come_from_the_log(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    now = time.time()
    db = await open_database(path)
    writer = LogWriter(db)
    await writer.start()
    await writer.ensure_session("s-1", model="m", system_prompt=None, tag="ci", profile="alice")
    writer.observe(
        TurnStarted(trace_id="t1", ts=0.0, session_id="s-1", prompt="p", model="m", wall_time=now)
    )
    from tuichat.core.events import AttemptEnded, AttemptStarted, TurnFinished

    for attempt, usd in ((1, 0.75), (2, 0.5)):
        writer.observe(
            AttemptStarted(
                trace_id="t1",
                ts=float(attempt),
                attempt=attempt,
                model="m",
                provider="p",
                base_url_host="h",
            )
        )
        writer.observe(cost(usd, attempt=attempt))
        writer.observe(AttemptEnded(trace_id="t1", ts=attempt + 0.5, attempt=attempt, status="ok"))
    writer.observe(TurnFinished(trace_id="t1", ts=3.0, text="x", finish_reason="stop", model="m"))
    await writer.close()
    await db.close()

    db = await open_database(path)  # "restart"
    try:
        assert await spent_since(db, 0.0) == pytest.approx(1.25)
        assert await spent_since(db, 0.0, tag="ci", profile="alice") == pytest.approx(1.25)
        assert await spent_since(db, 0.0, tag="other") == 0.0
        assert await spent_since(db, now + 60) == 0.0
        budgets = Budgets(RULES, profile="alice", tag="ci")
        await load_budgets(db, budgets, session_id="s-2", now=now)
        spent = {line.scope: line.spent_usd for line in budgets.lines()}
        assert spent == pytest.approx(
            {"session": 0.0, "day": 1.25, "profile alice month": 1.25, "tag ci day": 1.25}
        )
        assert budgets.today_usd == pytest.approx(1.25)
        [by_tag] = await spend_by(db, "tag", since=0.0)
        assert (by_tag.key, by_tag.attempts) == ("ci", 2)
        assert by_tag.cost_usd == pytest.approx(1.25)
    finally:
        await db.close()


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def test_budgets_config(tuichat_home: Path) -> None:
    write_config(
        tuichat_home,
        "[budgets]\nsession = 0.5\nday = { soft = 2, hard = 5 }\n"
        "[budgets.profiles.alice]\nmonth = { hard = 9 }\n[budgets.tags.ci]\nday = { soft = 1 }\n",
    )
    settings = resolve_settings(env={})
    assert settings.budgets == (
        BudgetRule("session", 0.4, 0.5),
        BudgetRule("day", 2.0, 5.0),
        BudgetRule("month", None, 9.0, profile="alice"),
        BudgetRule("day", 1.0, None, tag="ci"),
    )


@pytest.mark.parametrize(
    "text,message",
    [
        ("[budgets]\nweek = 5\n", "budgets.week: unknown key"),
        ("[budgets]\nday = -1\n", "budgets.day: must be a number from 0 to"),
        ("[budgets]\nday = { soft = 6, hard = 5 }\n", "soft limit 6 is above the hard limit 5"),
        ("[budgets]\nday = { max = 5 }\n", "budgets.day.max: unknown key"),
        ("[budgets]\nday = {}\n", "needs soft and/or hard"),
        ('[budgets]\nday = "lots"\n', "budgets.day: must be a number"),
        ("[budgets.tags.ci]\nyear = 1\n", "budgets.tags.ci.year: unknown key"),
    ],
)
def test_bad_budgets_are_one_line_errors(tuichat_home: Path, text: str, message: str) -> None:
    write_config(tuichat_home, text)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(env={})
    line = caught.value.one_line()
    assert message in line and "\n" not in line
