"""Where an answer source's events become widgets: the one renderer for live, cached and replayed.

The chat screen and the replay screen both hand an answer source (a live
turn, a replayed one) and an :class:`AssistantMessage` to :func:`show_answer`.
It appends released text, raises the toasts for retries, fallbacks and
queueing, shows the wait for the first text under the pending answer
(:mod:`~tuichat.ui.widgets.wait_line`), and writes the one status line under
the answer when the source ends. A logged turn shown at once (a resumed
session's history) goes through :func:`show_logged` with the same status lines.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Protocol

from tuichat.core.events import (
    CacheLookedUp,
    Event,
    StaleAnswerOffered,
    TextReleased,
    TurnCancelled,
    TurnEnded,
    TurnFailed,
    TurnFinished,
)
from tuichat.core.turn.replay import LoggedTurn
from tuichat.core.turn.wait_countdown import WaitCountdown
from tuichat.core.untrusted import neutralise, one_line
from tuichat.ui.chat_text import age, cache_note, finish_note, route_notice
from tuichat.ui.widgets.messages import AssistantMessage, UserMessage
from tuichat.ui.widgets.transcript import Transcript
from tuichat.ui.widgets.wait_line import WaitLineSlot


class AnswerHost(Protocol):
    """Where an answer is shown: the chat app or the replay screen (toasts, a HUD)."""

    def notify(self, message: str, *, timeout: float | None = None, markup: bool = True) -> None:
        """Raise a toast."""

    def hud_text_shown(self) -> None:
        """The answer just got text: the HUD may ride along in the same frame."""

    def hud_now(self) -> float:
        """The clock the events are stamped with (the wait line counts down on it)."""


@dataclass(frozen=True, slots=True)
class EndNotes:
    """The words under an answer that did not simply finish."""

    cancelled: str = "cancelled; partial answer kept (ctrl+r continues)"
    partial_hint: str = " (ctrl+r continues)"


LIVE = EndNotes()
LOGGED = EndNotes(cancelled="cancelled; partial answer", partial_hint="")
REPLAY = EndNotes(cancelled="replay stopped", partial_hint="")


HIT_HOLD_S = 0.025
"""How long a cache hit may hold the screen back for its answer (see :func:`show_answer`)."""


async def show_answer(
    app: AnswerHost,
    source: AsyncIterable[Event],
    answer: AssistantMessage,
    notes: EndNotes = LIVE,
) -> None:
    """Render ``source``'s events into ``answer`` until its terminal event.

    A cache hit's text follows its lookup within milliseconds, once the log
    holds the turn. A screen tick in between painted the prompt and an empty
    answer (~5 ms), then the answer in a frame of its own: 3–5 ms later on
    screen than one frame with both. So a hit holds the screen's paint
    (``batch_update``) until its text is handed to the answer, for at most
    ``HIT_HOLD_S`` (a hit played at its original pace waits for its text).
    """
    stale, cached = "", ""
    countdown = WaitCountdown()
    wait = WaitLineSlot(answer, countdown, app.hud_now)
    held = ExitStack()
    try:
        async for event in source:
            countdown.see(event)
            if countdown.waiting != wait.following:  # only when a wait starts or ends
                await wait.follow()
            if notice := route_notice(event):  # retries, fallbacks, queueing
                app.notify(notice[0], timeout=notice[1], markup=False)
            if isinstance(event, TextReleased):
                answer.append(event.text)
                app.hud_text_shown()
                held.close()  # the answer paints it in its next step
            elif isinstance(event, CacheLookedUp) and event.hit:
                cached = cache_note(event)
                hold_for_hit(answer, held)
            elif isinstance(event, StaleAnswerOffered):
                answer.append(neutralise(event.text))
                stale = f"; showing a STALE answer from {age(event.age_s)} ago"
            elif isinstance(event, TurnEnded):
                held.close()
                note, kind = end_note(event, stale, notes)
                if cached:
                    note = "; ".join(filter(None, (cached, note)))
                await answer.finish(note, kind=kind)
    finally:
        held.close()
        await wait.close()


def hold_for_hit(answer: AssistantMessage, held: ExitStack) -> None:
    """Hold the screen's paint in ``held`` until it is closed, or ``HIT_HOLD_S`` at most."""
    if not answer.is_attached:
        return
    held.enter_context(answer.app.batch_update())
    answer.set_timer(HIT_HOLD_S, held.close)


def end_note(event: TurnEnded, stale: str, notes: EndNotes) -> tuple[str | None, str]:
    """The status line under an ended answer, and its kind (info, warning, error)."""
    if isinstance(event, TurnFinished):
        return finish_note(event), "info"
    if isinstance(event, TurnCancelled) and event.reason is not None:  # a hard budget
        return f"⛔ {one_line(event.reason)}; partial answer kept", "warning"
    if isinstance(event, TurnCancelled):
        return notes.cancelled, "warning"
    assert isinstance(event, TurnFailed)
    hint = notes.partial_hint if event.text else stale
    return f"⚠ {event.message}{hint}", "error"


async def show_logged(
    transcript: Transcript,
    logged: LoggedTurn,
    *,
    turn: int | None = None,
    context: int | None = None,
) -> None:
    """A logged turn, at once: its prompt, its answer as received, its status line.

    ``turn`` and ``context`` number the prompt so it can be forked from
    (see :class:`~tuichat.ui.widgets.messages.UserMessage`).
    """
    start, end = logged.started, logged.ended
    await transcript.add(UserMessage(start.prompt, turn=turn, context=context))
    answer = AssistantMessage(start.model)
    answer.trace_id = start.trace_id
    await transcript.add(answer)
    answer.append(neutralise(end.text))
    note, kind = end_note(end, "", LOGGED)
    await answer.finish(note, kind=kind)
