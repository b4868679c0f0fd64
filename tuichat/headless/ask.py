"""``tuichat ask``: one prompt, the answer streamed to stdout, logged like chat.

Exit codes: 0 answered, 1 the provider failed (or the stream was truncated),
2 bad usage, 3 refused by a hard budget limit (nothing was sent), 130
interrupted (SIGINT cancels like ctrl+c; the partial answer is printed,
logged and reported).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from tuichat import paths
from tuichat.backends import Backends, route_for
from tuichat.config import Settings
from tuichat.config.model import SIM
from tuichat.core.cost.attempt_cost import TurnCost
from tuichat.core.cost.budget import Budgets, describe
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.events import (
    Event,
    StaleAnswerOffered,
    TextDelta,
    TurnCancelled,
    TurnFailed,
)
from tuichat.core.limits.admission import Admission
from tuichat.core.limits.limiter import Priority
from tuichat.core.metrics.session_metrics import TurnMetrics
from tuichat.core.metrics.turn_report import TurnReport
from tuichat.core.turn.chat import ChatSession
from tuichat.startup import (
    Started,
    StderrProgress,
    budgets_for,
    cost_meter,
    limiter_for,
    policy_for,
    start_primary,
    timeouts_for,
    token_counter,
)
from tuichat.store import LogWriter, cached_answer, open_database
from tuichat.store.spend import load_budgets

EXIT_OK = 0
EXIT_PROVIDER_ERROR = 1
EXIT_USAGE = 2
EXIT_BUDGET = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class AskOptions:
    """What the ``ask`` command line asked for."""

    prompt: str
    settings: Settings
    json_output: bool = False
    priority: Priority = "interactive"
    budget: float | None = None


@dataclass
class AskOutcome:
    """The final state of the turn, for the JSON summary and the exit code."""

    status: str = "ok"
    error_type: str | None = None
    error: str | None = None
    text: str = ""
    stale: dict[str, Any] | None = None


def run_ask(options: AskOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run one turn; return the process exit code."""
    progress = StderrProgress(err)
    connect = options.settings.resilience.connect_timeout
    shown = None if options.json_output else progress
    with Backends(progress=shown, connect_timeout=connect) as backends:
        started = start_primary(options.settings, backends)
        progress.done()
        if started.spec.provider == SIM and started.notice:  # canned answers: say so
            err.write(f"tuichat: {started.notice}\n")
        return asyncio.run(_ask(options, started, backends, out, err))


async def _ask(
    options: AskOptions, started: Started, backends: Backends, out: TextIO, err: TextIO
) -> int:
    db = await open_database(paths.database_path())
    writer = LogWriter(db)
    await writer.start()
    try:
        settings, spec = options.settings, started.spec
        session = ChatSession(
            started.provider,
            spec.model,
            system=settings.system,
            observers=[writer.observe],
        )
        counter = token_counter()
        session.meter = cost_meter(counter)
        session.set_route(route_for(settings, backends, spec, started.provider))
        session.stale_lookup = partial(cached_answer, db)
        session.policy, session.timeouts = policy_for(settings), timeouts_for(settings)
        limiter = limiter_for(settings)
        if limiter is not None:
            session.admission = Admission(
                limiter,
                profile=settings.profile,
                priority=options.priority,
                budget=options.budget,
                label="ask",
                counter=counter,
            )
        await writer.ensure_session(
            session.session_id,
            model=spec.name,
            system_prompt=settings.system,
            tag=settings.tag,
            profile=settings.profile,
        )
        budgets = budgets_for(settings)
        await load_budgets(db, budgets, session_id=session.session_id, now=time.time())
        if blocking := budgets.blocking():
            return _refuse(options, blocking, out, err)
        session.observers.append(budgets.observe)
        return await _stream(options, session, budgets, out, err)
    finally:
        await writer.close()
        await db.close()
        await backends.aclose_providers()


def _refuse(options: AskOptions, blocking: list[BudgetLine], out: TextIO, err: TextIO) -> int:
    """A hard budget limit is reached: say which, send nothing."""
    message = f"{describe(blocking[0])}; not sent (raise the limit in config.toml [budgets])"
    err.write(f"tuichat: {message}\n")
    if options.json_output:
        summary = {
            "status": "refused",
            "error_type": "budget_exceeded",
            "error": message,
            "budgets": [_budget_json(line) for line in blocking],
        }
        out.write(json.dumps(summary) + "\n")
    return EXIT_BUDGET


async def _stream(
    options: AskOptions, session: ChatSession, budgets: Budgets, out: TextIO, err: TextIO
) -> int:
    turn = session.start_turn(options.prompt)
    metrics, outcome, report, cost = TurnMetrics(), AskOutcome(), TurnReport(), TurnCost()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, turn.cancel)
    try:
        async for event in turn:
            metrics.observe(event)
            report.observe(event)
            cost.observe(event)
            _apply(event, outcome, None if options.json_output else out)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    if not options.json_output and outcome.text and not outcome.text.endswith("\n"):
        out.write("\n")
    if outcome.error:
        stale = " (a stale answer exists: see --json)" if outcome.stale else ""
        err.write(f"tuichat: {outcome.error}{stale}\n")
    for line in budgets.new_alerts():
        err.write(f"tuichat: warning: {describe(line)}\n")
    if options.json_output:
        summary = _summary(outcome, metrics, report, turn.trace_id, session)
        summary.update(_cost_json(cost, budgets))
        out.write(json.dumps(summary) + "\n")
    out.flush()
    return _exit_code(outcome.status)


def _apply(event: Event, outcome: AskOutcome, out: TextIO | None) -> None:
    """Stream text as it arrives and remember how the turn ended."""
    if isinstance(event, TextDelta):
        outcome.text += event.text
        if out is not None:
            out.write(event.text)
            out.flush()
    elif isinstance(event, TurnFailed):
        outcome.status, outcome.error_type = event.status, event.error_type
        outcome.error = event.message
    elif isinstance(event, StaleAnswerOffered):
        outcome.stale = {"text": event.text, "age_s": round(event.age_s, 1), "model": event.model}
    elif isinstance(event, TurnCancelled):
        outcome.status = "cancelled"
        outcome.error = "interrupted; partial answer kept"


def _summary(
    outcome: AskOutcome,
    metrics: TurnMetrics,
    report: TurnReport,
    trace_id: str,
    session: ChatSession,
) -> dict[str, Any]:
    now = session.clock.now()
    snap = metrics.snapshot(now)
    return {
        "text": outcome.text,
        "model": snap.model,
        "provider": snap.provider,
        "status": outcome.status,
        "error_type": outcome.error_type,
        "error": outcome.error,
        "ttft_ms": _round(snap.ttft_ms),
        "duration_ms": _round(snap.duration_ms),
        "tokens_per_s": _round(snap.tokens_per_s),
        "input_tokens": snap.input_tokens,
        "output_tokens": snap.output_tokens,
        "output_tokens_estimated": snap.output_estimated,
        "trace_id": trace_id,
        "session_id": session.session_id,
        "summary": report.summary,
        "attempts": [attempt.as_json() for attempt in report.attempts],
        "rate_limit": report.rate_limit_json(now),
        "stale_answer": outcome.stale,
    }


def _cost_json(cost: TurnCost, budgets: Budgets) -> dict[str, Any]:
    """What the turn cost, at which price, and where the budgets stand."""
    total = cost.total_usd
    return {
        "cost_usd": None if total is None else round(total, 8),
        "cost_estimated": cost.estimated,
        "cached_input_tokens": cost.cached_input_tokens,
        "price_source": cost.price_source,
        "budgets": [_budget_json(line) for line in budgets.lines()],
    }


def _budget_json(line: BudgetLine) -> dict[str, Any]:
    return {
        "scope": line.scope,
        "spent_usd": round(line.spent_usd, 8),
        "soft_usd": line.soft_usd,
        "hard_usd": line.hard_usd,
        "level": line.level,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _exit_code(status: str) -> int:
    if status == "ok":
        return EXIT_OK
    if status == "cancelled":
        return EXIT_INTERRUPTED
    return EXIT_PROVIDER_ERROR
