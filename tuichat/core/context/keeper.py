"""The context policy, applied before a send and once after a provider's context-length error.

:meth:`ContextKeeper.make_room` measures the next request against the
primary model's window (:mod:`.window`) and, when it would not fit, applies
``[context] policy`` visibly:

- ``drop-oldest``: the oldest exchanges leave the context (they stay in the
  conversation, the log and the transcript, greyed);
- ``summarise``: they are condensed by a summarising call of their own
  (:mod:`.summary`), and the summary is sent after the system prompt; if
  that call fails, they are dropped instead and the line says so;
- ``refuse``: nothing is sent; the draft stays.

A system prompt that leaves no room even for an empty history is refused
whatever the policy ("bad input": one line, nothing sent). An unknown window
applies no policy and is said once per model, once the history is long enough
to matter. Every action comes back as a
:class:`ContextAction` whose ``line`` the front end shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tuichat.core.context.fit import FitInput, FitPlan, WindowUse, plan_fit, system_fits
from tuichat.core.context.measure import measure, surely_fits
from tuichat.core.context.summary import Summary, SummaryFailed, summary_cap
from tuichat.core.context.window import Window
from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.tokens import TokenCounter
from tuichat.core.events import TurnEnded, TurnFailed
from tuichat.core.turn.chat import ChatSession, RouteModel

Policy = Literal["summarise", "drop-oldest", "refuse"]
POLICIES: tuple[Policy, ...] = ("summarise", "drop-oldest", "refuse")
ActionKind = Literal["fits", "unknown", "dropped", "summarised", "refused"]
CONTEXT_ERROR = "context_too_long"
SHRINK = 0.75
"""After a provider's context-length error, the prompt comes down to this share of what was sent."""
UNBOUNDED = 1 << 30
"""A window for measuring when none is known."""
Summariser = Callable[[Sequence[ChatMessage], str | None], Awaitable[Summary]]
"""Condenses messages (after an earlier summary) into a :class:`Summary`."""


@dataclass(frozen=True, slots=True)
class ContextAction:
    """What the policy did before a send, and the one line that says so ("" for nothing)."""

    kind: ActionKind
    line: str = ""
    dropped: range = range(0)
    """Message indexes (of the whole conversation) that left the context now."""
    summary: Summary | None = None
    use: WindowUse | None = None

    @property
    def sendable(self) -> bool:
        """False when nothing may be sent."""
        return self.kind != "refused"


class ContextKeeper:
    """Applies one session's context policy; the window of a model comes from ``window_of``."""

    def __init__(
        self,
        policy: Policy,
        counter: TokenCounter,
        window_of: Callable[[RouteModel], Window],
        summariser: Summariser | None = None,
        window_ready: Callable[[RouteModel], bool] = lambda entry: True,
    ) -> None:
        self.policy = policy
        self.counter = counter
        self.window_of = window_of
        self.summariser = summariser
        self.window_ready = window_ready
        """False while finding ``entry``'s window would load the catalogue (first Enter)."""
        self._told_unknown: set[str] = set()

    async def make_room(
        self, session: ChatSession, draft: str, *, shrink_to: int | None = None
    ) -> ContextAction:
        """Make the next request fit, or refuse it.

        ``shrink_to``: a provider said too long; the prompt (without the
        answer's reserve) must come down to this many tokens.
        """
        entry = session.route[0]
        ready = self.window_ready(entry)
        if shrink_to is None and not ready:
            return ContextAction("fits")  # a first message, right after launch: nothing to drop
        # Known (or loading nothing): found here; a thread hop would delay the send by its wait.
        window = self.window_of(entry) if ready else await asyncio.to_thread(self.window_of, entry)
        tokens = window.tokens if shrink_to is None else window.tokens or UNBOUNDED
        if tokens is None:
            return self._unknown(session, entry, window)
        if shrink_to is None and surely_fits(session, entry, draft, tokens):
            return ContextAction("fits")
        given = await asyncio.to_thread(measure, session, entry, draft, tokens, self.counter)
        if shrink_to is not None:
            given = replace(given, window=min(tokens, shrink_to + given.answer))
        use = WindowUse(given.used - given.answer, given.answer, given.window, window.source)
        if not system_fits(given.window, given.fixed, given.answer):
            return ContextAction("refused", _too_small(entry, given), use=use)
        plan = plan_fit(given)
        if plan.fits:
            return ContextAction("fits", use=use)
        return await self._apply(session, plan, given, use)

    async def after_refusal(self, session: ChatSession, prompt: str) -> ContextAction:
        """The provider said "too long" for ``prompt``: apply the policy once, and say so.

        The window it has is evidently smaller than the one known here (or
        none was known), so the policy aims at :data:`SHRINK` of what was
        sent. The caller sends ``prompt`` again once if the action is sendable.
        """
        entry = session.route[0]
        window = await asyncio.to_thread(self.window_of, entry)
        guess = window.tokens or UNBOUNDED
        sent = await asyncio.to_thread(measure, session, entry, prompt, guess, self.counter)
        prompt_tokens = sent.used - sent.answer
        action = await self.make_room(session, prompt, shrink_to=int(prompt_tokens * SHRINK))
        said = f"{entry.label} said the context is too long"
        if not action.sendable:
            return ContextAction("refused", f"{said}; {action.line}", use=action.use)
        if action.kind == "fits":  # nothing could be dropped
            line = f"{said}; nothing left to drop: not sent again"
            return ContextAction("refused", line, use=action.use)
        return replace(action, line=f"{said}; {action.line}; sending once more")

    def _unknown(self, session: ChatSession, entry: RouteModel, window: Window) -> ContextAction:
        """No window known: nothing to apply; said once per model, once the chat is long."""
        if entry.label in self._told_unknown or _short(session):
            return ContextAction("unknown")
        self._told_unknown.add(entry.label)
        line = (
            f"{entry.label}: context window unknown ({window.source}); no context policy "
            "applies (set context_window on the model)"
        )
        return ContextAction("unknown", line)

    async def _apply(
        self, session: ChatSession, plan: FitPlan, given: FitInput, use: WindowUse
    ) -> ContextAction:
        need = f"{given.used:,} tokens with the answer budget, {given.window:,} fit"
        if self.policy == "refuse":
            line = f'not sent: {need} ([context] policy = "refuse"; shorten or start over)'
            return ContextAction("refused", line, use=use)
        if not plan.possible:
            line = f"not sent: the prompt alone is too long ({need})"
            return ContextAction("refused", line, use=use)
        roomy = plan_fit(given, summary_cap(given.window))  # the summary must fit too
        if self.policy == "summarise" and self.summariser is not None and roomy.possible:
            return await self._summarise(session, roomy, need, use)
        return self._drop(session, plan, f"dropped the {plan.drop} oldest messages ({need})", use)

    def _drop(
        self, session: ChatSession, plan: FitPlan, line: str, use: WindowUse
    ) -> ContextAction:
        """Move the context's start past the oldest ``plan.drop`` messages (they stay logged)."""
        conversation = session.conversation
        start = conversation.context_start
        conversation.context_start = start + plan.drop
        dropped = range(start, start + plan.drop)
        return ContextAction("dropped", f"{line}; still in the log", dropped=dropped, use=use)

    async def _summarise(
        self, session: ChatSession, plan: FitPlan, need: str, use: WindowUse
    ) -> ContextAction:
        conversation = session.conversation
        start = conversation.context_start
        old = conversation.messages[start : start + plan.drop]
        assert self.summariser is not None
        try:
            summary = await self.summariser(old, conversation.summary)
        except SummaryFailed as failed:
            line = f"{failed.line}; dropped the {plan.drop} oldest messages instead ({need})"
            return self._drop(session, plan, line, use)
        conversation.summary = summary.text
        conversation.context_start = start + plan.drop
        line = f"summarised the {plan.drop} oldest messages with {summary.model} ({need})"
        dropped = range(start, start + plan.drop)
        return ContextAction("summarised", line, dropped=dropped, summary=summary, use=use)

    def system_problem(self, session: ChatSession) -> str | None:
        """At start-up: one line when the window cannot hold the system prompt alone."""
        entry = session.route[0]
        window = self.window_of(entry)
        if window.tokens is None or surely_fits(session, entry, "", window.tokens):
            return None
        given = measure(session, entry, "", window.tokens, self.counter)
        if system_fits(window.tokens, given.fixed, given.answer):
            return None
        return _too_small(entry, given)


def _too_small(entry: RouteModel, given: FitInput) -> str:
    """The bad-input line: the window cannot hold the system prompt and the answer budget."""
    return (
        f"not sent: {entry.label}'s context window ({given.window:,} tokens) is too small for "
        f"the system prompt ({given.fixed:,} tokens) plus the answer budget ({given.answer:,})"
    )


UNKNOWN_NOTE_BYTES = 16_000
"""An unknown window is mentioned once the history is this long (a short chat fits any)."""


def _short(session: ChatSession) -> bool:
    """True while the history is too short for any window to matter."""
    size = 0
    for message in session.conversation.in_context:
        size += len(message.content)
        if size >= UNKNOWN_NOTE_BYTES:
            return False
    return True


def refused_for_length(ended: TurnEnded) -> bool:
    """The provider refused the request as too long for its window, before any text."""
    return isinstance(ended, TurnFailed) and ended.error_type == CONTEXT_ERROR and not ended.text
