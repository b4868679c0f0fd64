"""``tuichat bench PROMPTS``: a prompt file against one or more models, compared.

Everything is checked before anything is sent: the prompt file (missing,
empty, a malformed JSONL line, an invalid check — each one line naming the
line), the models (a name that is neither configured nor a chain, unless
``--base-url`` points it at a server) and the judge. Then each model gets a
chat from the factory (:mod:`tuichat.headless.bench_run` runs the calls), a
progress line shows on a terminal, and the report
(:mod:`tuichat.headless.bench_report`) is printed at the end — also after
Ctrl-C, for what finished.

Every call is logged under the run's tag ``bench:<run id>`` (``:<--tag>``
appended when given, then ``:<tag>`` of a JSONL prompt that has one); judge
calls under ``bench:<run id>:judge``. ``tuichat stats --tag`` and ``sessions
--tag`` find them.

Exit codes: 0 every call answered and every check passed, 1 some call
failed or a check did not pass, 2 bad usage (nothing sent), 3 refused by a
hard budget (nothing sent), 130 interrupted (the report covers what finished).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import uuid
from dataclasses import replace
from typing import TextIO

from tuichat.backends import Backends
from tuichat.config import ConfigError, Settings, check_selected_keys, resolve_settings
from tuichat.config.errors import did_you_mean
from tuichat.core.clock import SystemClock
from tuichat.core.cost.budget import describe
from tuichat.core.turn.chat import new_session_id
from tuichat.core.untrusted import one_line
from tuichat.factory import Chat, ChatWishes, start_chat
from tuichat.headless.bench_cmd import BenchOptions
from tuichat.headless.bench_progress import BenchProgress
from tuichat.headless.bench_prompts import BenchPrompt, PromptFileError, load_prompts
from tuichat.headless.bench_report import build_report, report_json, report_text
from tuichat.headless.bench_run import BenchRun, jobs_for

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUDGET, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class BenchUsageError(ValueError):
    """A problem found before sending: one line, exit 2."""


def new_run_id() -> str:
    """Short and unique enough to type: ``b-`` plus 8 hex characters."""
    return "b-" + uuid.uuid4().hex[:8]


def run_bench(options: BenchOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Check everything, run the calls, print the report; return the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    run_id = new_run_id()
    tag = f"bench:{run_id}" + (f":{options.overrides.tag}" if options.overrides.tag else "")
    try:
        prompts = load_prompts(options.path)
        plans = plan_models(options, tag)
        judge = plan_judge(options, prompts, tag)
    except (PromptFileError, BenchUsageError, ConfigError) as exc:
        text = exc.one_line() if isinstance(exc, ConfigError) else str(exc)
        err.write(f"tuichat bench: error: {one_line(text, 400)}\n")
        return EXIT_USAGE
    for settings in [*plans.values(), *([judge] if judge else [])]:
        for line in check_selected_keys(settings):
            err.write(f"tuichat: warning: {one_line(line)}\n")
    with Backends(
        connect_timeout=next(iter(plans.values())).resilience.connect_timeout
    ) as backends:
        chats = {label: _chat(settings, backends) for label, settings in plans.items()}
        judge_chat = _chat(judge, backends) if judge else None
        bench = _Bench(options, prompts, run_id, tag, out, err)
        return asyncio.run(bench.main(chats, judge_chat))


def plan_models(options: BenchOptions, tag: str) -> dict[str, Settings]:
    """Each model's settings, by the name it was given; unknown names are refused."""
    base = resolve_settings(replace(options.overrides, tag=tag))
    names = options.models or (base.selection,)
    return {name: _model_settings(options, base, name, tag) for name in names}


def plan_judge(options: BenchOptions, prompts: list[BenchPrompt], tag: str) -> Settings | None:
    """The judge's settings when a prompt has a judge check (default: the first model)."""
    if not any(check.kind == "judge" for p in prompts for check in p.checks):
        return None
    base = resolve_settings(replace(options.overrides, tag=f"{tag}:judge"))
    name = options.judge or (options.models[0] if options.models else base.selection)
    return _model_settings(options, base, name, f"{tag}:judge")


def _model_settings(options: BenchOptions, base: Settings, name: str, tag: str) -> Settings:
    known = [*base.models, *base.chains]
    if options.overrides.base_url is None and name.partition("?")[0] not in known:
        hint = did_you_mean(name, known)
        raise BenchUsageError(f"unknown model or chain {name!r}{hint}; nothing sent")
    return resolve_settings(replace(options.overrides, model=name, tag=tag))


def _chat(settings: Settings, backends: Backends) -> Chat:
    wishes = ChatWishes(label="bench", priority="background", cache=False)
    return start_chat(settings, wishes, backends=backends)


class _Bench:
    """The run on its event loop: open the logs, run, report, close."""

    def __init__(
        self,
        options: BenchOptions,
        prompts: list[BenchPrompt],
        run_id: str,
        tag: str,
        out: TextIO,
        err: TextIO,
    ) -> None:
        self.options, self.prompts = options, prompts
        self.run_id, self.tag = run_id, tag
        self.out, self.err = out, err

    def say(self, line: str) -> None:
        """One notice line on stderr."""
        self.err.write(f"tuichat: {one_line(line)}\n")

    async def main(self, chats: dict[str, Chat], judge: Chat | None) -> int:
        everyone = [*chats.values(), *([judge] if judge else [])]
        try:
            for chat in everyone:
                if failure := await chat.open_log(on_late=self.say):
                    self.say(failure)
            if blocking := [line for c in everyone for line in c.budgets.blocking()]:
                self.say(f"{describe(blocking[0])}; nothing sent (see config.toml [budgets])")
                return EXIT_BUDGET
            sessions = await self._tag_sessions(chats)
            return await self._run(chats, judge, sessions)
        finally:
            for chat in everyone:
                if unwritten := await chat.aclose():
                    self.say(unwritten)

    async def _tag_sessions(self, chats: dict[str, Chat]) -> dict[tuple[str, str | None], str]:
        """Title each model's session row; add one per prompt tag (``bench:<run>:<tag>``)."""
        tags = sorted({p.tag for p in self.prompts if p.tag is not None})
        sessions: dict[tuple[str, str | None], str] = {}
        for label, chat in chats.items():
            title = f"bench {self.run_id}: {label}"
            await self._session_row(chat, chat.session.session_id, title, None)
            for tag in tags:
                session_id = sessions[(label, tag)] = new_session_id()
                await self._session_row(chat, session_id, f"{title} ({tag})", f"{self.tag}:{tag}")
        return sessions

    async def _session_row(self, chat: Chat, session_id: str, title: str, tag: str | None) -> None:
        if chat.writer is not None:
            await chat.writer.ensure_session(
                session_id,
                model=chat.spec.name,
                system_prompt=chat.session.conversation.system,
                title=title,
                tag=tag,
                profile=chat.settings.profile if chat.settings else None,
            )

    async def _run(
        self,
        chats: dict[str, Chat],
        judge: Chat | None,
        sessions: dict[tuple[str, str | None], str],
    ) -> int:
        clock = SystemClock()
        jobs = jobs_for(self.prompts, list(chats), self.options.repeat)
        progress = BenchProgress(self.err, len(jobs), clock)
        bench = BenchRun(chats, progress, judge=judge, sessions=sessions)
        started = clock.now()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, bench.interrupt)
        try:
            results = await bench.run(jobs, self.options.concurrency)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
        report = build_report(
            results,
            list(chats),
            run_id=self.run_id,
            tag=self.tag,
            total=len(jobs),
            interrupted=bench.interrupted,
            elapsed_s=clock.now() - started,
        )
        json_out = self.options.json_output
        self.out.write(json.dumps(report_json(report)) + "\n" if json_out else report_text(report))
        self.out.flush()
        if bench.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_OK if not report.failures else EXIT_FAILED
