"""``tuichat ask``: one prompt, the answer streamed to stdout, logged like chat.

Exit codes: 0 answered, 1 the provider failed (or the stream was truncated),
2 bad usage, 130 interrupted (SIGINT cancels like ctrl+c; the partial answer
is printed, logged and reported).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from tuichat import paths
from tuichat.backends import Backends, route_for
from tuichat.config import Settings
from tuichat.config.model import SIM
from tuichat.core.admission import Admission
from tuichat.core.chat import ChatSession
from tuichat.core.events import (
    Event,
    StaleAnswerOffered,
    TextDelta,
    TurnCancelled,
    TurnFailed,
)
from tuichat.core.limiter import Priority
from tuichat.core.metrics import TurnMetrics
from tuichat.core.turn_report import TurnReport
from tuichat.startup import (
    Started,
    StderrProgress,
    limiter_for,
    policy_for,
    start_primary,
    timeouts_for,
    token_counter,
)
from tuichat.store import LogWriter, cached_answer, open_database

EXIT_OK = 0
EXIT_PROVIDER_ERROR = 1
EXIT_USAGE = 2
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
                counter=token_counter(),
            )
        await writer.ensure_session(
            session.session_id, model=spec.name, system_prompt=settings.system
        )
        return await _stream(options, session, out, err)
    finally:
        await writer.close()
        await db.close()
        await backends.aclose_providers()


async def _stream(options: AskOptions, session: ChatSession, out: TextIO, err: TextIO) -> int:
    turn = session.start_turn(options.prompt)
    metrics, outcome, report = TurnMetrics(), AskOutcome(), TurnReport()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, turn.cancel)
    try:
        async for event in turn:
            metrics.observe(event)
            report.observe(event)
            _apply(event, outcome, None if options.json_output else out)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    if not options.json_output and outcome.text and not outcome.text.endswith("\n"):
        out.write("\n")
    if outcome.error:
        stale = " (a stale answer exists: see --json)" if outcome.stale else ""
        err.write(f"tuichat: {outcome.error}{stale}\n")
    if options.json_output:
        out.write(json.dumps(_summary(outcome, metrics, report, turn.trace_id, session)) + "\n")
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


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _exit_code(status: str) -> int:
    if status == "ok":
        return EXIT_OK
    if status == "cancelled":
        return EXIT_INTERRUPTED
    return EXIT_PROVIDER_ERROR
