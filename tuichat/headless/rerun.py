"""``tuichat rerun ID|last --model M [--model M2 ...]``: a logged session, asked again.

Every user turn of the session is sent, in order, with the session's system
prompt and each turn's logged parameters (max tokens, temperature, stop), to
each model through the same factory, limiter, retries and fallbacks as chat.
Each model's run is logged as a new session linked to the original
(``rerun_of``). Per turn, a table compares TTFT, duration, tokens/s, tokens in
and out, cost and status with the original (whose figures come from its
logged events, through the same metrics as the HUD), plus a word-level diff
of each answer against the original's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, replace
from typing import Any, TextIO

from tuichat.backends import Backends
from tuichat.config import CliOverrides, Settings, resolve_settings
from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.attempt_cost import TurnCost
from tuichat.core.events import Event, TurnEnded
from tuichat.core.metrics.session_metrics import TurnMetrics
from tuichat.core.turn.replay import LoggedTurn
from tuichat.core.untrusted import neutralise, one_line
from tuichat.factory import Chat, ChatWishes, start_chat
from tuichat.headless.word_diff import WordDiff, word_diff
from tuichat.logbook import LogbookError, LoggedSession, open_logbook

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class TurnFigures:
    """One answer's figures, from its events (live or logged alike)."""

    status: str
    text: str
    ttft_ms: float | None
    duration_ms: float | None
    tokens_per_s: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None

    def as_json(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "status": self.status,
            "ttft_ms": _round(self.ttft_ms),
            "duration_ms": _round(self.duration_ms),
            "tokens_per_s": _round(self.tokens_per_s),
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "text": self.text,
        }


def figures(events: list[Event] | tuple[Event, ...]) -> TurnFigures:
    """Fold a turn's events through the HUD's own metrics."""
    metrics, cost = TurnMetrics(), TurnCost()
    for event in events:
        metrics.observe(event)
        cost.observe(event)
    ended = events[-1]
    assert isinstance(ended, TurnEnded)
    snap = metrics.snapshot(ended.ts)
    return TurnFigures(
        status=ended.status,
        text=ended.text,
        ttft_ms=snap.ttft_ms,
        duration_ms=snap.duration_ms,
        tokens_per_s=snap.tokens_per_s,
        input_tokens=snap.input_tokens,
        output_tokens=snap.output_tokens,
        cost_usd=cost.total_usd,
    )


def run_rerun(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Rerun the session on each model; return the exit code."""
    try:
        session = asyncio.run(_load(args.session))
    except LogbookError as exc:
        print(f"tuichat rerun: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    if not session.turns:
        print(f"tuichat rerun: session {session.session_id} has no turns", file=sys.stderr)
        return EXIT_USAGE
    plans = [(name, _settings(name, args.base_url)) for name in args.model]
    with Backends() as backends:
        runs = asyncio.run(_rerun_all(session, plans, backends))
    report = Comparison(session, runs)
    out.write(json.dumps(report.as_json()) + "\n" if args.json else report.table(out.isatty()))
    return EXIT_OK if report.all_ok else EXIT_FAILED


async def _load(ref: str) -> LoggedSession:
    async with open_logbook() as book:
        return await book.session(ref)


def _settings(model: str, base_url: str | None) -> Settings:
    return resolve_settings(CliOverrides(model=model, base_url=base_url))


async def _rerun_all(
    session: LoggedSession, plans: list[tuple[str, Settings]], backends: Backends
) -> dict[str, list[TurnFigures]]:
    runs = {}
    for name, settings in plans:
        wishes = ChatWishes(system=session.system, label="rerun", rerun_of=session.session_id)
        chat = await asyncio.to_thread(start_chat, settings, wishes, backends=backends)
        runs[name] = await _rerun_one(chat, session)
    return runs


async def _rerun_one(chat: Chat, session: LoggedSession) -> list[TurnFigures]:
    """Every user turn, in order, on one chat (its own answers become its history)."""
    results = []
    try:
        await chat.open_log()
        for logged in session.turns:
            _use_parameters(chat, logged.request)
            events = [event async for event in chat.session.start_turn(logged.started.prompt)]
            results.append(figures(events))
    finally:
        await chat.aclose()
    return results


def _use_parameters(chat: Chat, request: ChatRequest | None) -> None:
    """The turn's logged max tokens and temperature (turns logged before requests: defaults)."""
    if request is None:
        return
    route = chat.session.route
    first = replace(route[0], max_tokens=request.max_tokens, temperature=request.temperature)
    chat.session.set_route([first, *route[1:]])


class Comparison:
    """The original session beside each model's run, turn by turn."""

    def __init__(self, session: LoggedSession, runs: dict[str, list[TurnFigures]]) -> None:
        self.session = session
        self.original = [figures(turn.events) for turn in session.turns]
        self.runs = runs

    @property
    def all_ok(self) -> bool:
        """True when every model answered every turn."""
        return all(f.status == "ok" for run in self.runs.values() for f in run)

    def diffs(self, index: int) -> dict[str, WordDiff]:
        """Each model's answer to turn ``index`` against the original's."""
        base = self.original[index].text
        return {name: word_diff(base, run[index].text) for name, run in self.runs.items()}

    def as_json(self) -> dict[str, Any]:
        """Per turn: the prompt, the original's figures, each model's figures and diff."""
        turns = []
        for index, logged in enumerate(self.session.turns):
            diffs = self.diffs(index)
            models = {
                name: {**run[index].as_json(), "diff": diffs[name].as_json()}
                for name, run in self.runs.items()
            }
            original = self.original[index].as_json()
            turns.append({"prompt": logged.started.prompt, "original": original, "models": models})
        return {"session_id": self.session.session_id, "turns": turns}

    def table(self, terminal: bool) -> str:
        """The comparison as text, one block per turn."""
        show = neutralise if terminal else _exact
        blocks = [self._block(i, turn, show) for i, turn in enumerate(self.session.turns)]
        return "\n".join(blocks)

    def _block(self, index: int, logged: LoggedTurn, show: Any) -> str:
        prompt = one_line(neutralise(logged.started.prompt), 70)
        lines = [f"turn {index + 1}: {prompt}", _HEADER]
        lines.append(_row("original", self.original[index], "—"))
        for name, diff in self.diffs(index).items():
            lines.append(_row(show(name), self.runs[name][index], diff.summary()))
            if diff.added or diff.removed:
                lines.append("    " + one_line(neutralise(diff.marked()), 200))
        return "\n".join(lines) + "\n"


_HEADER = (
    f"  {'model':<18} {'status':<10} {'TTFT':>8} {'duration':>9} {'tok/s':>7} "
    f"{'in/out':>11} {'cost':>10}  vs original"
)


def _row(name: str, f: TurnFigures, versus: str) -> str:
    tokens = f"{_int(f.input_tokens)}/{_int(f.output_tokens)}"
    return (
        f"  {name[:18]:<18} {f.status[:10]:<10} {_ms(f.ttft_ms):>8} {_secs(f.duration_ms):>9} "
        f"{_num(f.tokens_per_s):>7} {tokens:>11} {_usd(f.cost_usd):>10}  {versus}"
    )


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value / 1000:.2f} s"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _int(value: int | None) -> str:
    return "?" if value is None else str(value)


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:.4f}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _exact(text: str) -> str:
    return text
