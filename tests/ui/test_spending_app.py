"""The chat's money side, with the real app against the simulator.

Prices on the simulator's model come from a config-style override ($1 per
prompt token, $2 per answer token), so every turn has a real, visible cost.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.helpers.chat_pilot import send, wait_until
from tuichat.backends import Backends
from tuichat.config import ModelSpec, Settings
from tuichat.config.model import Price
from tuichat.core.cost.budget import BudgetRule
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.screens import DebugScreen
from tuichat.ui.spending import BudgetConfirm
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.prompt import PromptArea

PRICE = Price(input_per_mtok=1_000_000, output_per_mtok=2_000_000)


def priced_app(
    sim: SimServerThread,
    backends: Backends,
    db: Path,
    budgets: tuple[BudgetRule, ...] = (),
    model: str = "sim?tokens=6",
) -> TuichatApp:
    spec = ModelSpec(
        "pricey", "openai-compat", model, origin="test", base_url=sim.base_url, price=PRICE
    )
    settings = Settings(
        models={"pricey": spec},
        chains={},
        selected=("pricey",),
        selection="pricey",
        selection_source="test",
        budgets=budgets,
        tag="ui-test",
    )
    options = ChatOptions(model=spec, settings=settings, backends=backends, database=db)
    return TuichatApp(options.chat(backends.provider_for(spec)))


def logged_cost(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT a.cost_usd, a.price_source, s.tag FROM attempts a JOIN sessions s"
            " ON s.id = a.session_id"
        ).fetchall()


async def test_a_turn_is_priced_shown_and_logged(sim: SimServerThread, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with Backends(env={}) as backends:
        app = priced_app(sim, backends, db)
        async with app.run_test() as pilot:
            await send(pilot, "price me")
            await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
            # A first turn sent before the log opened: today's spend is re-read from the
            # log once its rows are committed, after the turn's end (not within a fixed pause).
            await wait_until(pilot, lambda: bool(app.spend_status().today_usd))
            snapshot = app.metrics.hud_snapshot(app.hud_now(), {})
            status = app.spend_status()
    [(cost, source, tag)] = logged_cost(db)
    assert source == "config: models.pricey.price" and tag == "ui-test"
    assert isinstance(cost, float) and cost > 0
    assert snapshot.cost.session_usd == cost  # the panel shows what the log holds
    assert status.today_usd is not None and status.today_usd >= cost


async def test_the_prompt_shows_the_pre_send_estimate(sim: SimServerThread, tmp_path: Path) -> None:
    with Backends(env={}) as backends:
        app = priced_app(sim, backends, tmp_path / "t.db")
        async with app.run_test() as pilot:
            prompt = app.query_one(PromptArea)
            prompt.text = "How much will this cost?"
            await wait_until(pilot, lambda: "tok" in str(prompt.border_subtitle or ""))
            hint = str(prompt.border_subtitle)
    assert hint.startswith("≈") and " tok · $" in hint  # sim is unknown to tiktoken: ≈


async def test_a_hard_budget_asks_before_sending(sim: SimServerThread, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with Backends(env={}) as backends:
        app = priced_app(sim, backends, db)
        async with app.run_test() as pilot:  # spend something first
            await send(pilot, "first")
            await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        tiny = (BudgetRule("day", None, 0.01),)
        app = priced_app(sim, backends, db, budgets=tiny)  # a restart with a tiny budget
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.spend_status().today_usd is not None)
            assert app.spend_status().budgets[0].level == "hard"
            await send(pilot, "second")
            await wait_until(pilot, lambda: isinstance(app.screen, BudgetConfirm))
            await pilot.press("n")
            await wait_until(pilot, lambda: not isinstance(app.screen, BudgetConfirm))
            assert app.query_one(PromptArea).text == "second"  # the draft is kept
            assert app.turn is None
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, BudgetConfirm))
            await pilot.press("y")
            await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
            assert len(app.transcript.shown_answers()) == 1
            assert app.query_one(PromptArea).text == ""
    assert len(logged_cost(db)) == 2


async def test_f2_opens_the_debug_view(sim: SimServerThread, tmp_path: Path) -> None:
    with Backends(env={}) as backends:
        app = priced_app(sim, backends, tmp_path / "t.db")
        async with app.run_test() as pilot:
            await send(pilot, "something to diagnose")
            await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
            await pilot.press("f2")
            await wait_until(pilot, lambda: isinstance(app.screen, DebugScreen))
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, DebugScreen))


async def test_continue_asks_too_when_over_a_hard_budget(
    sim: SimServerThread, tmp_path: Path
) -> None:
    with Backends(env={}) as backends:
        tiny = (BudgetRule("session", None, 0.01),)
        slow = "sim?tokens=400&tps=40"
        app = priced_app(sim, backends, tmp_path / "t.db", budgets=tiny, model=slow)
        async with app.run_test() as pilot:
            await send(pilot, "a long answer, please")
            await wait_until(pilot, lambda: len(app.query_one(AssistantMessage).text) > 5)
            await pilot.press("ctrl+c")  # cancelled: a cut-off answer to continue
            await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: isinstance(app.screen, BudgetConfirm))
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, BudgetConfirm))
            assert len(app.transcript.shown_answers()) == 1  # nothing was sent
