"""``tuichat ask``: one prompt, the answer streamed to stdout, logged like chat.

An answer served from the response cache streams the same way; on a terminal
one stderr line says so ("cached (exact, 3 h old) · saved 1.2 s, $0.0031"),
and ``--json`` says ``cache`` (null, "exact" or "semantic"), ``similarity``,
``age_s``, ``saved_usd`` and ``saved_ms``. ``--no-cache`` asks live.
``client_busy_ms`` is the part of ``ttft_ms`` this process could not run its
event loop (a cold start's imports and warm-ups), not network or server time.

Structured output (``--schema``, ``--json-mode``, ``--repair``) is in
:mod:`~tuichat.headless.ask_structured`: the answer is validated at the end
and ``--json`` adds ``structured``.

Exit codes: 0 answered, 1 the provider failed (or the stream was truncated),
2 bad usage, 3 a hard budget limit: refused (nothing was sent) or reached while
the answer streamed (the partial answer is printed, one stderr line says
which limit, ``--json`` has ``error_type`` "budget"), 4 the structured answer
is invalid, 130 interrupted (SIGINT cancels like ctrl+c; the partial answer is
printed, logged and reported).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from tuichat.backends import Backends
from tuichat.config import Settings
from tuichat.config.model import SIM
from tuichat.core.cost.budget import describe
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.events import (
    CacheLookedUp,
    Event,
    StaleAnswerOffered,
    TextDelta,
    TurnCancelled,
    TurnEnded,
    TurnFailed,
)
from tuichat.core.limits.limiter import Priority
from tuichat.core.route_choice import RouteChoice
from tuichat.core.untrusted import neutralise
from tuichat.factory import Chat, ChatWishes, start_chat
from tuichat.headless.ask_context import prepare_context
from tuichat.headless.ask_routing import route_json, route_prompt, say_route
from tuichat.headless.ask_structured import (
    EXIT_INVALID,
    StructuredAsk,
    StructuredReport,
    TurnResult,
    check_and_repair,
)
from tuichat.headless.wait_progress import WaitProgress
from tuichat.startup import StderrProgress

EXIT_OK = 0
EXIT_PROVIDER_ERROR = 1
EXIT_USAGE = 2
EXIT_BUDGET = 3
EXIT_INTERRUPTED = 130
BUDGET_CUT = "budget"
"""``error_type`` of an answer a hard budget limit cut mid-stream."""


@dataclass(frozen=True, slots=True)
class AskOptions:
    """What the ``ask`` command line asked for."""

    prompt: str
    settings: Settings
    json_output: bool = False
    priority: Priority = "interactive"
    budget: float | None = None
    no_cache: bool = False
    cache_ttl_s: float | None = None
    cache_tags: tuple[str, ...] = ()
    structured: StructuredAsk | None = None
    length: str | None = None
    """``--length``: a length preset name (None: the models' own max_tokens)."""
    cheap: bool = False
    """``--cheap``: the "cheap" toggle routing rules may test."""


@dataclass
class AskOutcome:
    """The final state of the turn, for the JSON summary and the exit code."""

    status: str = "ok"
    error_type: str | None = None
    error: str | None = None
    text: str = ""
    stale: dict[str, Any] | None = None
    cache: CacheLookedUp | None = None


def run_ask(options: AskOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one turn; return the process exit code (streams default to those current at the call)."""
    out, err = out or sys.stdout, err or sys.stderr
    progress = StderrProgress(err)
    connect = options.settings.resilience.connect_timeout
    shown = None if options.json_output else progress
    wishes = ChatWishes(
        warm=False,  # prices and encodings load after the answer, not against the request
        priority=options.priority,
        queue_budget_s=options.budget,
        label="ask",
        breakers=False,
        cache=not options.no_cache,
        cache_ttl_s=options.cache_ttl_s,
        cache_tags=options.cache_tags,
    )
    with Backends(progress=shown, connect_timeout=connect) as backends:
        chat = start_chat(options.settings, wishes, backends=backends)
        progress.done()
        if chat.spec.provider == SIM and chat.notice:  # canned answers: say so
            err.write(f"tuichat: {chat.notice}\n")
        return asyncio.run(_ask(options, chat, out, err))


async def _ask(options: AskOptions, chat: Chat, out: TextIO, err: TextIO) -> int:
    def say(line: str) -> None:
        err.write(f"tuichat: {line}\n")

    building = _build_client(chat)
    try:
        if failure := await chat.open_log(on_late=say):
            say(failure)
        if blocking := chat.budgets.blocking():
            return _refuse(options, blocking, out, err)
        if refused := await prepare_context(chat, options.prompt, options.length):
            say(refused)
            return EXIT_USAGE
        return await _stream(options, chat, out, err)
    finally:
        if building is not None:
            await asyncio.gather(building, return_exceptions=True)  # a failure recurs on use
        if unwritten := await chat.aclose():
            say(unwritten)


def _build_client(chat: Chat) -> asyncio.Future[object] | None:
    """Build the provider's HTTP client in a thread while the log opens (SQLite waits on disk).

    The first stream would build it anyway; started here, its imports overlap
    the log's file work instead of following it.
    """
    warm = getattr(chat.session.provider, "warm", None)
    return asyncio.ensure_future(asyncio.to_thread(warm)) if callable(warm) else None


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


async def _stream(options: AskOptions, chat: Chat, out: TextIO, err: TextIO) -> int:
    structured = options.structured
    live = not options.json_output and (structured is None or out.isatty())
    shown = out if live else None
    if structured is not None:
        chat.session.response_format = structured.response_format
    route = route_prompt(chat, options.prompt, cheap=options.cheap)
    if not options.json_output:
        say_route(route, err)
    trace_id, outcome = await _run_turn(options.prompt, options, chat, shown, err)
    report: StructuredReport | None = None
    if structured is not None and outcome.status == "ok":

        async def again(prompt: str) -> TurnResult:
            nonlocal trace_id, outcome
            trace_id, outcome = await _run_turn(prompt, options, chat, shown, err)
            return TurnResult(trace_id, outcome.status, outcome.text)

        first = TurnResult(trace_id, outcome.status, outcome.text)
        report = (await check_and_repair(structured, first, again, err))[0]
    if not options.json_output and not live:
        out.write(outcome.text)  # piped structured output: only the kept attempt
    if not options.json_output and outcome.text and not outcome.text.endswith("\n"):
        out.write("\n")
    return _report(options, chat, outcome, trace_id, report, out, err, route)


async def _run_turn(
    prompt: str, options: AskOptions, chat: Chat, out: TextIO | None, err: TextIO
) -> tuple[str, AskOutcome]:
    """Stream one turn (``out`` None: not shown as it comes); its trace id and outcome."""
    turn = chat.session.start_turn(prompt)
    outcome = AskOutcome()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, turn.cancel)
    waiting = WaitProgress(err, shown=not options.json_output)
    try:
        async with waiting.ticking(chat.clock):
            async for event in turn:
                waiting.see(event)
                _apply(event, outcome, out)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    return turn.trace_id, outcome


def _report(
    options: AskOptions,
    chat: Chat,
    outcome: AskOutcome,
    trace_id: str,
    report: StructuredReport | None,
    out: TextIO,
    err: TextIO,
    route: RouteChoice | None = None,
) -> int:
    """The stderr lines, the ``--json`` summary and the exit code of the kept turn."""
    if outcome.error:
        stale = " (a stale answer exists: see --json)" if outcome.stale else ""
        err.write(f"tuichat: {outcome.error}{stale}\n")
    _say_cache(chat, outcome.cache, err, shown=not options.json_output and err.isatty())
    for line in chat.budgets.new_alerts():
        if outcome.error_type != BUDGET_CUT or line.level != "hard":  # said once, above
            err.write(f"tuichat: warning: {describe(line)}\n")
    if options.json_output:
        summary = _summary(outcome, chat, trace_id)
        summary.update(_cost_json(chat))
        summary.update(_cache_json(outcome.cache))
        summary.update(route_json(route))
        if options.structured is not None:
            summary["structured"] = report.as_json() if report else None
        summary["length"] = options.length
        out.write(json.dumps(summary) + "\n")
    out.flush()
    if outcome.error_type == BUDGET_CUT:
        return EXIT_BUDGET
    if report is not None and not report.final.valid and outcome.status == "ok":
        return EXIT_INVALID
    return _exit_code(outcome.status)


def _apply(event: Event, outcome: AskOutcome, out: TextIO | None) -> None:
    """Stream text as it arrives and remember how the turn ended.

    On a terminal the text is neutralised visibly (``␛[2J``); piped or
    redirected, it is written exactly as the model sent it.
    """
    if isinstance(event, TextDelta):
        if out is not None:
            out.write(neutralise(event.text) if out.isatty() else event.text)
            out.flush()
    elif isinstance(event, TurnEnded):
        _ended(event, outcome)
    elif isinstance(event, StaleAnswerOffered):
        outcome.stale = {"text": event.text, "age_s": round(event.age_s, 1), "model": event.model}
    elif isinstance(event, CacheLookedUp):
        outcome.cache = event


def _ended(event: TurnEnded, outcome: AskOutcome) -> None:
    outcome.text = event.text
    if isinstance(event, TurnFailed):
        outcome.status, outcome.error_type = event.status, event.error_type
        outcome.error = event.message
    elif isinstance(event, TurnCancelled) and event.reason is not None:
        outcome.status, outcome.error_type = "cancelled", BUDGET_CUT
        outcome.error = f"{event.reason}; partial answer kept"
    elif isinstance(event, TurnCancelled):
        outcome.status = "cancelled"
        outcome.error = "interrupted; partial answer kept"


def _summary(outcome: AskOutcome, chat: Chat, trace_id: str) -> dict[str, Any]:
    now = chat.clock.now()
    metrics, report = chat.metrics.current, chat.metrics.report
    assert metrics is not None and report is not None  # the turn started
    snap = metrics.snapshot(now)
    return {
        "text": outcome.text,
        "model": snap.model,
        "provider": snap.provider,
        "status": outcome.status,
        "error_type": outcome.error_type,
        "error": outcome.error,
        "ttft_ms": _round(snap.ttft_ms),
        "client_busy_ms": _round(snap.client_busy_ms),
        "duration_ms": _round(snap.duration_ms),
        "tokens_per_s": _round(snap.tokens_per_s),
        "input_tokens": snap.input_tokens,
        "output_tokens": snap.output_tokens,
        "output_tokens_estimated": snap.output_estimated,
        "trace_id": trace_id,
        "session_id": chat.session.session_id,
        "summary": report.summary,
        "attempts": [attempt.as_json() for attempt in report.attempts],
        "rate_limit": report.rate_limit_json(now),
        "stale_answer": outcome.stale,
    }


def _cost_json(chat: Chat) -> dict[str, Any]:
    """What the turn cost, at which price, and where the budgets stand."""
    cost, budgets = chat.metrics.cost, chat.budgets
    assert cost is not None  # the turn started
    total = cost.total_usd
    return {
        "cost_usd": None if total is None else round(total, 8),
        "cost_estimated": cost.estimated,
        "cached_input_tokens": cost.cached_input_tokens,
        "price_source": cost.price_source,
        "budgets": [_budget_json(line) for line in budgets.lines()],
    }


def _cache_json(looked: CacheLookedUp | None) -> dict[str, Any]:
    """Whether the answer came from the cache, how close, how old, and what it saved."""
    hit = looked if looked is not None and looked.hit else None
    return {
        "cache": hit.verdict if hit else None,
        "similarity": _round(hit.similarity) if hit and hit.similarity is not None else None,
        "age_s": _round(hit.age_s) if hit else None,
        "saved_usd": hit.saved_usd if hit else None,
        "saved_ms": _round(hit.saved_ms) if hit else None,
    }


def _say_cache(chat: Chat, looked: CacheLookedUp | None, err: TextIO, *, shown: bool) -> None:
    """The cache's one notice (it was skipped), and on a terminal the line about a hit."""
    cache = chat.services.cache
    if cache is not None and (notice := cache.take_notice()):
        err.write(f"tuichat: {notice}\n")
    if shown and looked is not None and looked.hit:
        err.write(f"tuichat: {cached_line(looked)}\n")


def cached_line(hit: CacheLookedUp) -> str:
    """``cached (exact, 3 h old) · saved 1.2 s, $0.0031``."""
    kind: str = hit.verdict
    if hit.similarity is not None:
        kind = f"{kind} {hit.similarity:.2f}"
    saved = []
    if hit.saved_ms is not None:
        saved.append(f"{hit.saved_ms / 1000:.1f} s")
    if hit.saved_usd:
        saved.append(f"${hit.saved_usd:.4f}")
    tail = f" · saved {', '.join(saved)}" if saved else ""
    return f"cached ({kind}, {_age(hit.age_s or 0.0)} old){tail}"


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds // size:.0f} {unit}"
    return f"{seconds:.0f} s"


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
