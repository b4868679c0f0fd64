"""When a streamed answer steps, rests, tidies up and stops: decisions, no Textual.

:class:`~tuichat.ui.widgets.answer_view.AnswerView` does the Textual work
(mount, render, measure); :class:`AnswerPacing` tells it what to do next. Each
call to :meth:`AnswerPacing.next` takes the time (``now``, seconds on the
view's clock) and returns one :data:`Decision`; the view applies it and
reports back (:meth:`~AnswerPacing.stepped`, :meth:`~AnswerPacing.idle_rendered`).
So every timing rule is a plain function of the inputs and ``now``, tested on
a fake clock.

The states (:class:`PacingState`) and what moves them::

    WAITING    ──text────────────────────────▶ STREAMING  Step
    STREAMING  ──text, once the rest is over─▶ STREAMING  Step, then rest max(FRAME, 2 × cost)
    STREAMING  ──≥ BURST_CHARS unsent────────▶ DEFERRING  Wait one FRAME
    DEFERRING  ──one FRAME later─────────────▶ STREAMING  Step that renders nothing new
    STREAMING,
    DEFERRING  ──finish()────────────────────▶ CLOSING    no rest, no deferral
    CLOSING    ──a Step if none was taken yet, then the last Step
                                          ───▶ TIDYING    Serve; after IDLE_DELAY, IdleRender
    TIDYING    ──no drafts left; a park──────▶ SWEPT      Serve, else Stop
    WAITING    ──finish() with no text───────▶ SWEPT

* STREAMING: new text is applied in a step; after a step the view rests for
  ``max(FRAME, 2 × the step's cost)`` from the step's start, so a slow step
  leaves the event loop time to read the stream. Drafts that got painted
  ride along with the next step.
* DEFERRING: more unsent text than anyone reads in a frame (a burst, a cached
  answer) waits one FRAME more, and the step after it renders nothing new:
  the next step will have moved on.
* CLOSING: ``finish()`` skips any rest or deferral; the last step runs at once
  (an answer that ended before its first step gets that first step first:
  its text shows in one cheap frame, its markdown in the next). The last
  step renders no drafts: it shows the end, and the drafts it paints are
  served right after it. A burst's last screen is several drafts; rendered
  in the last step, they held its last words back 0.2-0.3 s.
* TIDYING: requests (park, unfold, painted drafts) are served at once; after
  IDLE_DELAY, drafts are rendered in idle time, IDLE_BUDGET at a time with a
  rest of FRAME / 2 between, and the first slice checks the blocks. While
  another answer streams, idle rendering stops (the worker ends) and starts
  over, IDLE_DELAY later, when something wakes the view again. While the
  user types, it waits for a pause of TYPING_QUIET_S: a slice holds the
  event loop, and a key pressed during one was echoed 40-110 ms late.
* SWEPT: only requests are served. A served park also ends idle rendering:
  parking is asked for when another answer starts or ends.

Which answers stream is an explicit :class:`StreamingAnswers` registry, shared
by the views of one transcript, so idle rendering yields to a streaming answer
(and full garbage collections wait while any answer streams:
:mod:`~tuichat.ui.widgets.full_collections`).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from enum import Enum
from weakref import WeakSet

from tuichat.core.clock import Clock
from tuichat.ui.widgets.full_collections import (  # (one pause in the typing for both)
    FULL_COLLECTIONS,
    TYPING_QUIET_S,
    FullCollections,
)

FRAME = 1 / 30  # at most one layout-changing step per frame-ish interval
BURST_CHARS = 1_000  # more new text than this in one step: a burst, not reading speed
IDLE_DELAY = 0.5  # after the stream ends, idle rendering starts this much later
IDLE_BUDGET = 0.012  # seconds of idle rendering per frame


class PacingState(Enum):
    """Where an answer is in its life (see the module docstring)."""

    WAITING = "waiting"
    STREAMING = "streaming"
    DEFERRING = "deferring"
    CLOSING = "closing"
    TIDYING = "tidying"
    SWEPT = "swept"


@dataclass(frozen=True, slots=True)
class Step:
    """Apply all unsent text; ``render`` the bottom's drafts too; ``closing``: the last step."""

    render: bool
    closing: bool = False


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do before ``until`` (``None``: until an input wakes the view)."""

    until: float | None


@dataclass(frozen=True, slots=True)
class Serve:
    """Serve requests: ``park`` what is out of view, ``unfold``, and render wanted drafts."""

    park: bool
    unfold: bool


@dataclass(frozen=True, slots=True)
class IdleRender:
    """Render drafts nearest the viewport until ``deadline``; ``check`` the blocks first."""

    deadline: float
    check: bool


@dataclass(frozen=True, slots=True)
class Stop:
    """Nothing more to do: the view's worker ends (an input starts a new one)."""


Decision = Step | Wait | Serve | IdleRender | Stop


class StreamingAnswers:
    """The answers of one transcript that are streaming now.

    Idle rendering of a finished answer yields to them: a streaming answer
    needs every frame. Members are held weakly, so a view dropped mid-stream
    never blocks the others.
    """

    def __init__(self, collections: FullCollections = FULL_COLLECTIONS) -> None:
        self._members: WeakSet[AnswerPacing] = WeakSet()
        self._collections = collections
        self.typed_at = -math.inf
        """When the user last pressed a key (on the views' clock)."""

    def add(self, pacing: AnswerPacing) -> None:
        """``pacing``'s answer started streaming (full collections wait: see full_collections)."""
        self._members.add(pacing)
        self._collections.streaming(self, True)

    def discard(self, pacing: AnswerPacing) -> None:
        """``pacing``'s answer stopped streaming."""
        self._members.discard(pacing)
        self._collections.streaming(self, bool(self._members))

    def typed(self, now: float) -> None:
        """The user pressed a key at ``now``: idle work waits for a pause in the typing."""
        self.typed_at = now
        self._collections.typed()

    def others_than(self, pacing: AnswerPacing) -> bool:
        """True if an answer other than ``pacing``'s is streaming."""
        return any(member is not pacing for member in self._members)


_STREAMING_STATES = (PacingState.STREAMING, PacingState.DEFERRING, PacingState.CLOSING)


class AnswerPacing:
    """The scheduling of one answer view: inputs in, one decision at a time out.

    Inputs (``text_added``, ``finish``, ``draft_exposed``, ...) return True when
    the view's worker, asleep in a :class:`Wait`, must be woken to ask again;
    otherwise the decision it sleeps on still holds (or it is awake anyway).
    """

    def __init__(self, answers: StreamingAnswers | None = None) -> None:
        self.state = PacingState.WAITING
        self._answers = answers if answers is not None else StreamingAnswers()
        self._unsent = 0  # characters appended since the last step
        self._wanted = False  # painted drafts wait for rendering
        self._park = self._unfold = False
        self._not_before = -math.inf  # a rest or a deferral ends then
        self._idle_from: float | None = None  # None: count IDLE_DELAY from the next look
        self._checked = False  # the first idle slice checks the blocks
        self._stepped = False  # a step was taken (the first one shows text cheaply)
        self._sleeping = False  # the worker sleeps on a Wait ...
        self._sleep_until: float | None = None  # ... until then (None: until woken)

    # -- what the view asks --------------------------------------------------

    @property
    def streaming(self) -> bool:
        """True from the first text until the whole text is mounted."""
        return self.state in _STREAMING_STATES

    @property
    def ended(self) -> bool:
        """True once the whole text is mounted (or there was none)."""
        return self.state in (PacingState.TIDYING, PacingState.SWEPT)

    @property
    def open(self) -> bool:
        """True while text is accepted (``finish`` was not called)."""
        return self.state in (PacingState.WAITING, PacingState.STREAMING, PacingState.DEFERRING)

    def join(self, answers: StreamingAnswers) -> None:
        """Share ``answers`` with the other views of a transcript."""
        if self.streaming:
            self._answers.discard(self)
            answers.add(self)
        self._answers = answers

    def others_streaming(self) -> bool:
        """True while another answer of the transcript streams (it needs every frame)."""
        return self._answers.others_than(self)

    def typing_until(self) -> float:
        """When the user's typing will have paused long enough for idle work (maybe past)."""
        return self._answers.typed_at + TYPING_QUIET_S

    # -- inputs ----------------------------------------------------------------

    def text_added(self, chars: int) -> bool:
        """``chars`` more characters were appended (ignored once closing)."""
        if not self.open or chars <= 0:
            return False
        if self.state is PacingState.WAITING:
            self.state = PacingState.STREAMING
            self._answers.add(self)
        self._unsent += chars
        return self._wakes(hurry=False)

    def finish(self) -> bool:
        """The stream ended: the last step runs at once (with no text, it is over)."""
        if self.state is PacingState.WAITING:
            self.state = PacingState.SWEPT
        elif self.open:
            self.state = PacingState.CLOSING
        return self._wakes(hurry=True)

    def draft_exposed(self) -> bool:
        """A draft was painted: render it with the next step, or at once after the end."""
        self._wanted = True
        return self._wakes(hurry=self.ended)

    def unfold_requested(self) -> bool:
        """The folded answer scrolled into view: unfold it once the stream is over."""
        self._unfold = True
        return self._wakes(hurry=self.ended)

    def park_requested(self) -> bool:
        """Park what is out of view (asked for only after the end)."""
        self._park = True
        return self._wakes(hurry=True)

    # -- reports ---------------------------------------------------------------

    def stepped(self, step: Step, started: float, now: float) -> None:
        """``step``, begun at ``started``, is done: rest, or (the last one) start tidying."""
        if step.closing:
            self._end(now)
            return
        spent = max(0.0, now - started)
        self._not_before = started + max(FRAME, 2 * spent)

    def idle_rendered(self, more: bool, now: float) -> None:
        """An idle slice is done; ``more`` drafts are left, or the answer is swept."""
        if not more:
            self.state = PacingState.SWEPT
        else:
            self._not_before = now + FRAME / 2

    def stopped(self) -> None:
        """The worker stopped (done, failed or cancelled): a closing answer is over."""
        self._sleeping = False
        if self.state is PacingState.CLOSING:
            self._end(None)
        elif self.state is PacingState.TIDYING:
            self._idle_from = None  # idle time is counted again when woken

    # -- the decision ----------------------------------------------------------

    def next(self, now: float) -> Decision:
        """What the view does next, at time ``now``."""
        decision = self._tidying(now) if self.ended else self._streaming(now)
        self._sleeping = isinstance(decision, Wait)
        self._sleep_until = decision.until if isinstance(decision, Wait) else None
        return decision

    def _streaming(self, now: float) -> Decision:
        if self.state is PacingState.CLOSING:
            # An answer that ended before its first step (a short burst, a
            # cached answer) shows its text first, as any first step does
            # (cheaply: plain text), then closes (markdown) in the next frame.
            return self._step(closing=self._stepped)
        if now < self._not_before:
            return Wait(self._not_before)  # a rest or a deferral
        if self.state is PacingState.DEFERRING:
            self.state = PacingState.STREAMING
            return self._step(closing=False)
        if not (self._unsent or self._wanted):
            return Wait(None)
        if self._unsent >= BURST_CHARS:
            self.state = PacingState.DEFERRING
            self._not_before = now + FRAME  # what we would show now is gone a frame later
            return Wait(self._not_before)
        return self._step(closing=False)

    def _step(self, *, closing: bool) -> Step:
        step = Step(render=not closing and self._unsent < BURST_CHARS, closing=closing)
        self._unsent, self._wanted, self._stepped = 0, False, True
        return step

    def _tidying(self, now: float) -> Decision:
        if self._park or self._unfold or self._wanted:
            return self._serve()
        if self.state is PacingState.SWEPT:
            return Stop()
        if self._idle_from is None:
            self._idle_from = now + IDLE_DELAY
        wake_at = max(self._idle_from, self._not_before, self.typing_until())
        if now < wake_at:
            return Wait(wake_at)
        if self._answers.others_than(self):
            self._idle_from = None  # it needs the frames; start over when woken
            return Stop()
        check, self._checked = not self._checked, True
        return IdleRender(now + IDLE_BUDGET, check)

    def _serve(self) -> Serve:
        serve = Serve(park=self._park, unfold=self._unfold)
        if self._park:
            self.state = PacingState.SWEPT
        self._park = self._unfold = self._wanted = False
        return serve

    def _end(self, now: float | None) -> None:
        self.state = PacingState.TIDYING
        self._answers.discard(self)
        self._idle_from = None if now is None else now + IDLE_DELAY

    def _wakes(self, *, hurry: bool) -> bool:
        """Whether an input must wake a worker sleeping on a :class:`Wait`."""
        if not self._sleeping:
            return False  # awake: it asks again before it sleeps
        return hurry or self._sleep_until is None


async def wait_for_poke(clock: Clock, poke: asyncio.Event, until: float | None) -> None:
    """Sleep until ``poke`` is set or ``clock`` reaches ``until`` (None: no deadline)."""
    if poke.is_set():
        return
    if until is None:
        await poke.wait()
        return
    if until <= clock.now():
        return
    poked = asyncio.ensure_future(poke.wait())
    timer = asyncio.ensure_future(_sleep_until(clock, until))
    try:
        await asyncio.wait((poked, timer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        poked.cancel()
        timer.cancel()


async def _sleep_until(clock: Clock, until: float) -> None:
    """Sleep until ``until``, however late this task gets its first turn.

    A step's frame is painted right after the step, before this task starts:
    a delay taken before that would push every later step back by the paint.
    """
    await clock.sleep(until - clock.now())
