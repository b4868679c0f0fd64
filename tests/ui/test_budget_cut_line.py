"""Pilot: an answer cut by a hard budget says so under it, and keeps the partial."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.helpers.chat_pilot import send, sim_spec, wait_until
from tuichat.core.cost.budget import BudgetRule
from tuichat.core.cost.pricing import Rates, Tariff
from tuichat.core.turn.chat import RouteModel
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.messages import AssistantMessage, Notice

MODEL = "sim?tokens=400&tps=400"


async def test_a_hard_budget_cut_shows_its_reason_in_the_chat(
    sim: SimServerThread, tmp_path: Path
) -> None:
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    chat = ChatOptions(model=sim_spec(sim, MODEL), database=tmp_path / "t.db").chat(provider)
    chat.budgets.rules = (BudgetRule("session", None, 20.0),)  # $1 an answer token below
    tariff = Tariff("openai-compat", MODEL, override=Rates(input=0.0, output=1_000_000.0))
    chat.session.set_route([RouteModel("sim-test", provider, MODEL, tariff=tariff)])
    app = TuichatApp(chat)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "tell me a story")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        await wait_until(pilot, lambda: bool(app.query_one(AssistantMessage).query(Notice)))
        answer = app.query_one(AssistantMessage)
        [note] = [str(n.render()) for n in answer.query(Notice)]
        assert "budget: session limit $20.00 reached at $2" in note
        assert note.endswith("partial answer kept")
        partial = answer.text
        assert partial and answer_text("prose", 400).startswith(partial)
        assert len(partial) < len(answer_text("prose", 400)) / 2
    db = sqlite3.connect(tmp_path / "t.db")
    [(status,)] = db.execute("select status from messages where role='assistant'").fetchall()
    assert status == "cancelled"
