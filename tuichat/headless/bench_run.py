"""The calls of a bench run: N in flight, each a fresh conversation, judged if asked.

Every model (or chain) of the run has one :class:`~tuichat.factory.Chat` from
the factory, so its calls go through the same limiter, retries, fallbacks,
breakers, cost meter, budgets and log as a chat turn. Each call is a new
:class:`~tuichat.core.turn.chat.ChatSession` over that chat's services (no
history between prompts), logged in the session row of its model and tag.

Jobs are interleaved — for each repeat, for each prompt, each model — and
``concurrency`` workers take them in order, so the models share the load
(and the time of day) instead of running one after the other.

:meth:`BenchRun.interrupt` (SIGINT) stops taking jobs and cancels every call
in flight, judge calls included: each ends with ``TurnCancelled``, so its
partial answer is logged as cancelled, and the report covers what finished.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from tuichat.core.cost.attempt_cost import TurnCost
from tuichat.core.evals.checks import (
    JUDGE_SYSTEM,
    Check,
    CheckResult,
    judge_request,
    judge_verdict,
    run_check,
)
from tuichat.core.events import Event, TextDelta, TurnEnded, TurnFailed
from tuichat.core.metrics.session_metrics import TurnMetrics
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.turn import Turn
from tuichat.factory import Chat
from tuichat.headless.bench_progress import BenchProgress
from tuichat.headless.bench_prompts import BenchPrompt
from tuichat.headless.bench_report import CallResult


@dataclass(frozen=True, slots=True)
class Job:
    """One call to make: a prompt for a model (``label`` names its column)."""

    label: str
    prompt: BenchPrompt


def jobs_for(prompts: Sequence[BenchPrompt], labels: Sequence[str], repeat: int) -> list[Job]:
    """Every call of the run, interleaved (see the module doc)."""
    return [Job(label, p) for _ in range(repeat) for p in prompts for label in labels]


class CallFold:
    """One call's figures, folded from its events as they stream (the HUD's own metrics)."""

    def __init__(self) -> None:
        self.metrics = TurnMetrics()
        self.cost = TurnCost()
        self.ended: TurnEnded | None = None

    def observe(self, event: Event) -> None:
        """Fold one event in (a text delta is the hot path)."""
        if isinstance(event, TextDelta):
            self.metrics.observe_delta(event)
            return
        self.metrics.observe(event)
        self.cost.observe(event)
        if isinstance(event, TurnEnded):
            self.ended = event

    def result(self, job: Job, trace_id: str) -> CallResult:
        """The call as the report sees it."""
        ended = self.ended
        if ended is None:  # cancelled before the turn could say so
            return CallResult(job.label, job.prompt.line, job.prompt.prompt, "cancelled")
        snap = self.metrics.snapshot(ended.ts)
        return CallResult(
            model=job.label,
            line=job.prompt.line,
            prompt=job.prompt.prompt,
            status=ended.status,
            error_type=ended.error_type if isinstance(ended, TurnFailed) else None,
            ttft_ms=snap.ttft_ms,
            latency_ms=snap.duration_ms,
            input_tokens=snap.input_tokens,
            output_tokens=snap.output_tokens,
            cost_usd=self.cost.total_usd,
            answer=ended.text,
            trace_id=trace_id,
        )


class BenchRun:
    """Runs the jobs on the chats, ``concurrency`` at a time; interruptible."""

    def __init__(
        self,
        chats: dict[str, Chat],
        progress: BenchProgress,
        *,
        judge: Chat | None = None,
        sessions: dict[tuple[str, str | None], str] | None = None,
    ) -> None:
        self.chats = chats
        self.judge = judge
        self.progress = progress
        self.results: list[CallResult] = []
        self.interrupted = False
        self._sessions = sessions or {}
        self._running: set[Turn] = set()

    async def run(self, jobs: Sequence[Job], concurrency: int) -> list[CallResult]:
        """Make every call (until interrupted); the results in the order they ended."""
        queue = iter(jobs)
        workers = [asyncio.create_task(self._work(queue)) for _ in range(concurrency)]
        async with self.progress.ticking():
            await asyncio.gather(*workers)
        return self.results

    def interrupt(self) -> None:
        """Stop taking jobs; cancel every call in flight (each is logged as cancelled)."""
        self.interrupted = True
        for turn in list(self._running):
            turn.cancel()

    async def _work(self, queue: Iterator[Job]) -> None:
        for job in queue:
            if self.interrupted:
                return
            result = await self.call(job)
            self.results.append(result)
            if result.status != "cancelled":
                self.progress.finished(failed=not result.passed)

    async def call(self, job: Job) -> CallResult:
        """One prompt to one model, then its checks."""
        turn = self._session(job).start_turn(job.prompt.prompt)
        fold = CallFold()
        await self._drain(turn, fold)
        result = fold.result(job, turn.trace_id)
        if job.prompt.checks and result.status == "ok" and not self.interrupted:
            result = await self._checked(result, job.prompt)
        return result

    async def _drain(self, turn: Turn, fold: CallFold) -> None:
        self._running.add(turn)
        try:
            async for event in turn:
                fold.observe(event)
        finally:
            self._running.discard(turn)

    def _session(self, job: Job) -> ChatSession:
        """A fresh conversation on the model's chat, in the session row of its tag."""
        chat, prompt = self.chats[job.label], job.prompt
        base = chat.session
        session = ChatSession(
            base.provider,
            base.model,
            services=chat.services,
            system=prompt.system if prompt.system is not None else base.conversation.system,
            session_id=self._sessions.get((job.label, prompt.tag), base.session_id),
        )
        session.bypass_cache = True  # a bench measures the models, not the response cache
        session.fill_cache = False  # ... and leaves it as it was
        route = base.route
        if prompt.max_tokens is not None:
            route = [replace(entry, max_tokens=prompt.max_tokens) for entry in route]
        session.set_route(route)
        return session

    async def _checked(self, result: CallResult, prompt: BenchPrompt) -> CallResult:
        """Run the prompt's checks on the answer (judge checks ask the judge model)."""
        outcomes: list[CheckResult] = []
        judge_cost = 0.0
        for check in prompt.checks:
            if check.kind == "judge":
                verdict, cost = await self._judge(check, prompt.prompt, result.answer)
                outcomes.append(verdict)
                judge_cost += cost
            else:
                outcomes.append(run_check(check, result.answer))
        return replace(result, checks=tuple(outcomes), judge_cost_usd=judge_cost)

    async def _judge(self, check: Check, prompt: str, answer: str) -> tuple[CheckResult, float]:
        """Ask the judge model (logged and priced like any call); its verdict and cost."""
        if self.judge is None:
            return CheckResult(check, False, "no judge model"), 0.0
        base = self.judge.session
        session = ChatSession(
            base.provider,
            base.model,
            services=self.judge.services,
            system=JUDGE_SYSTEM,
            session_id=base.session_id,
        )
        session.bypass_cache, session.fill_cache = True, False
        session.set_route(base.route)
        turn = session.start_turn(judge_request(check, prompt, answer))
        fold = CallFold()
        await self._drain(turn, fold)
        cost = fold.cost.total_usd or 0.0
        ended = fold.ended
        if ended is None or ended.status != "ok":
            why = ended.error_type if isinstance(ended, TurnFailed) else "cancelled"
            return CheckResult(check, False, f"judge call failed ({why})"), cost
        return judge_verdict(check, ended.text), cost
