"""The worker behind a streamed answer: one task applies the pacing's decisions.

:class:`~tuichat.ui.widgets.answer_pacing.AnswerPacing` decides *when* to
step, rest, serve a request or render in idle time; :class:`PacedView` runs
one worker at a time that asks it, applies each decision through the hooks a
subclass fills in (:class:`~tuichat.ui.widgets.answer_view.AnswerView` does
the DOM work), and reports back. Inputs only nudge: they never mutate the DOM
themselves, so all mutations happen in that one worker, one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from textual.message import Message
from textual.widget import Widget

from tuichat.core.clock import Clock, SystemClock
from tuichat.ui.widgets import answer_pacing as pacing
from tuichat.ui.widgets.frame_flush import paint_now
from tuichat.ui.widgets.full_collections import young_collection_after

log = logging.getLogger(__name__)


class PacedView(Widget):
    """A widget whose DOM work runs in one worker, paced by :class:`AnswerPacing`."""

    class FirstText(Message):
        """The view's first step is on screen (posted once; the app may start heavier work)."""

    def __init__(self, *, classes: str | None = None, clock: Clock | None = None) -> None:
        super().__init__(classes=classes)
        self._clock: Clock = clock or SystemClock()
        self._pacing = pacing.AnswerPacing()
        self._poke = asyncio.Event()  # wakes the worker from a Wait
        self._ended = asyncio.Event()  # the whole text is mounted
        self._working = False
        self._stepped = False  # FirstText was posted
        self._painted_s = 0.0  # of the current step, spent painting (paint_now)

    @property
    def streaming(self) -> bool:
        """True from the first text until the final text is mounted."""
        return self._pacing.streaming

    @property
    def busy(self) -> bool:
        """True while the view has work in hand (a step, a rest, idle rendering, a request)."""
        return self._working

    def join(self, answers: pacing.StreamingAnswers, clock: Clock | None = None) -> None:
        """Pace with the other answers of a transcript (and its ``clock``, if given)."""
        self._pacing.join(answers)
        if clock is not None:
            self._clock = clock

    # -- what a subclass does ----------------------------------------------------

    async def _step(self, step: pacing.Step) -> None:
        """Apply the unsent text (and render the bottom, if ``step.render``)."""
        raise NotImplementedError

    async def _serve(self, serve: pacing.Serve) -> None:
        """Park, unfold and render what was asked for."""
        raise NotImplementedError

    async def _idle_step(self, idle: pacing.IdleRender) -> bool:
        """Render in idle time until ``idle.deadline``; False when nothing is left."""
        raise NotImplementedError

    async def _show_plain(self) -> None:
        """Last resort after a failure: show the text without markdown."""
        raise NotImplementedError

    # -- the worker: applies the pacing's decisions ------------------------------

    @contextlib.asynccontextmanager
    async def _one_frame(self) -> AsyncIterator[None]:
        """Show these DOM changes together, in one frame, painted as soon as they are done.

        ``batch_update`` holds repaints back; then the step is painted at once
        (:func:`~tuichat.ui.widgets.frame_flush.paint_now`) rather than at the
        screen's next tick, and a screen that went idle during the batch is
        prompted to check again (in case anything was left for the tick).
        """
        with self.app.batch_update():
            yield
        painting = self._clock.now()
        await paint_now(self)
        self._painted_s += self._clock.now() - painting
        self.screen.check_idle()

    def _nudge(self, urgent: bool) -> None:
        """An input arrived: wake a sleeping worker if it must know now; start one."""
        if urgent:
            self._poke.set()
        self._ensure_worker()

    def _ensure_worker(self) -> None:
        if not self._working and self.is_attached:
            self._working = True
            self.run_worker(
                self._work(),
                name="answer-view",
                group="answer-view",
                description="render the streamed answer",
                exit_on_error=False,
            )

    async def _work(self) -> None:
        try:
            while not isinstance(decision := self._next(), pacing.Stop):
                await self._apply(decision)
                if self._pacing.ended:
                    self._ended.set()
        except Exception:
            if self.is_attached and self.app.is_running:
                log.exception("rendering the answer failed; showing it as plain text")
                await self._show_plain()
        finally:
            self._pacing.stopped()
            if self._pacing.ended:
                self._ended.set()  # finish() never hangs, even on failure
            self._working = False

    def _next(self) -> pacing.Decision:
        self._poke.clear()  # inputs from here on are in what the pacing sees
        return self._pacing.next(self._clock.now())

    async def _apply(self, decision: pacing.Decision) -> None:
        match decision:
            case pacing.Wait(until=until):
                await pacing.wait_for_poke(self._clock, self._poke, until)
            case pacing.Step():
                started, self._painted_s = self._clock.now(), 0.0
                with young_collection_after():  # what the step parsed and dropped goes now
                    await self._step(decision)
                # The rest is twice the step's own work plus its paint (the
                # paint, done in the step now, was done at the screen's tick
                # during the rest before): a slow markdown frame no longer
                # doubles the gap before the next one, and the loop still
                # gets time to read the stream.
                ended = self._clock.now() - self._painted_s / 2
                self._pacing.stepped(decision, started, ended)
                if not self._stepped:
                    self._stepped = True
                    self.post_message(self.FirstText())
            case pacing.Serve():
                await self._serve(decision)
            case pacing.IdleRender():
                more = await self._idle_step(decision)
                self._pacing.idle_rendered(more, self._clock.now())
