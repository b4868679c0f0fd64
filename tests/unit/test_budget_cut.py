"""Hard budgets hold mid-stream: the answer is cut at the limit, the partial kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.scripted_provider import ScriptedProvider, Step, run
from tuichat.core.clock import ManualClock
from tuichat.core.cost.attempt_cost import CostMeter
from tuichat.core.cost.budget import BudgetRule, Budgets
from tuichat.core.cost.budget_guard import reached_line
from tuichat.core.cost.pricing import PriceBook, Rates, Tariff
from tuichat.core.cost.tokens import TokenCounter
from tuichat.core.events import AttemptEnded, CostReported, Event, TurnCancelled, TurnFinished
from tuichat.core.provider import FinishPart, ResponseHead, TextPart, UsagePart
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.services import TurnServices

RATES = Rates(input=1_000_000.0, output=2_000_000.0)
"""$1 per prompt token, $2 per answer token (the counter is cold: 4 chars a token)."""
SCRIPT: list[Step] = [
    ResponseHead(200),
    *(step for _ in range(10) for step in (0.01, TextPart("abcd"))),
    UsagePart(0, 10),
    FinishPart("stop", None),
]


def budget_session(
    rules: tuple[BudgetRule, ...], tmp_path: Path, spent: float = 0.0
) -> tuple[ChatSession, ScriptedProvider, Budgets, list[Event]]:
    clock = ManualClock()
    provider = ScriptedProvider(clock, SCRIPT)
    budgets = Budgets(rules, profile="default", tag=None)
    budgets.load(dict.fromkeys(budgets.rules, spent), spent, {})
    seen: list[Event] = []
    services = TurnServices(
        clock=clock,
        meter=CostMeter(PriceBook(), TokenCounter(tmp_path)),
        budgets=budgets.observe,
        spend_guard=budgets,
        taps=(seen.append,),
    )
    session = ChatSession(provider, "m", services=services)
    tariff = Tariff("openai-compat", "m", override=RATES)
    session.set_route([RouteModel("m", provider, "m", tariff=tariff)])
    return session, provider, budgets, seen


async def test_a_hard_limit_cuts_the_answer_where_its_cost_reaches_it(tmp_path: Path) -> None:
    session, _, budgets, seen = budget_session(
        (BudgetRule("day", None, 10.0),), tmp_path, spent=4.0
    )
    events = await run(session.start_turn("hi"))
    end = events[-1]
    assert isinstance(end, TurnCancelled)
    assert end.text == "abcd" * 3  # $4 + 3 tokens x $2 = $10: the third chunk reaches it
    assert end.reason == "budget: daily limit $10.00 reached at $10.0000"
    [ended] = [e for e in seen if isinstance(e, AttemptEnded)]
    assert (ended.status, ended.error_type) == ("cancelled", "budget")
    [cost] = [e for e in seen if isinstance(e, CostReported)]
    assert cost.estimated and cost.output_tokens == 3  # what streamed is paid for
    assert [line.level for line in budgets.blocking()] == ["hard"]
    assert session.conversation.messages[-1].content == "abcd" * 3  # the partial is kept


async def test_a_soft_limit_only_warns(tmp_path: Path) -> None:
    session, _, budgets, _ = budget_session((BudgetRule("day", 1.0, None),), tmp_path)
    events = await run(session.start_turn("hi"))
    assert isinstance(events[-1], TurnFinished)
    assert events[-1].text == "abcd" * 10
    assert [line.level for line in budgets.new_alerts()] == ["soft"]


async def test_without_a_price_nothing_is_cut(tmp_path: Path) -> None:
    session, provider, _, _ = budget_session((BudgetRule("session", None, 0.01),), tmp_path)
    session.set_route([RouteModel("m", provider, "m", tariff=Tariff("openai-compat", "m"))])
    events = await run(session.start_turn("hi"))
    assert not isinstance(events[-1], TurnCancelled) or events[-1].reason is None


def test_the_reason_names_the_scope_the_limit_and_the_spend() -> None:
    assert reached_line("day", 0.5, 0.50031) == "daily limit $0.50 reached at $0.5003"
    assert reached_line("session", 2.0, 2.1) == "session limit $2.00 reached at $2.1000"
    line = reached_line("profile alice month", 50.0, 50.2)
    assert line == "profile alice monthly limit $50.00 reached at $50.2000"


def test_crossing_adds_the_running_estimate_to_what_was_spent() -> None:
    budgets = Budgets((BudgetRule("day", 0.4, 0.5),), profile="default", tag=None)
    budgets.load(dict.fromkeys(budgets.rules, 0.45), 0.45, {})
    assert budgets.armed
    assert budgets.crossing(0.04) is None
    assert budgets.crossing(0.0503) == "daily limit $0.50 reached at $0.5003"
    assert not Budgets((BudgetRule("day", 0.4, None),), profile="x", tag=None).armed


@pytest.mark.parametrize("spent", [10.0, 12.0])
async def test_already_over_the_limit_cuts_at_the_first_text(tmp_path: Path, spent: float) -> None:
    session, _, _, _ = budget_session((BudgetRule("day", None, 10.0),), tmp_path, spent=spent)
    events = await run(session.start_turn("hi"))
    assert isinstance(events[-1], TurnCancelled) and events[-1].text == "abcd"
