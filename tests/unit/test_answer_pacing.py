"""The answer view's scheduling, on a fake clock: every timing rule without Textual."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.clock import ManualClock
from tuichat.ui.widgets.answer_pacing import (
    BURST_CHARS,
    FRAME,
    IDLE_BUDGET,
    IDLE_DELAY,
    TYPING_QUIET_S,
    AnswerPacing,
    IdleRender,
    PacingState,
    Serve,
    Step,
    Stop,
    StreamingAnswers,
    Wait,
    wait_for_poke,
)

T0 = 100.0


def streamed(chars: int = 10, now: float = T0) -> AnswerPacing:
    """A pacing that got ``chars`` of text and took its first step at ``now``."""
    pacing = AnswerPacing()
    pacing.text_added(chars)
    step = pacing.next(now)
    assert isinstance(step, Step)
    pacing.stepped(step, now, now + 0.001)
    return pacing


def ended(now: float = T0, answers: StreamingAnswers | None = None) -> AnswerPacing:
    """A pacing whose last step ended at ``now``."""
    pacing = AnswerPacing(answers)
    pacing.text_added(10)
    pacing.finish()
    first = pacing.next(now)
    assert first == Step(render=True)  # ended before its first step: the text shows first
    pacing.stepped(first, now, now)
    step = pacing.next(now)
    assert step == Step(render=False, closing=True)
    pacing.stepped(step, now, now)
    return pacing


# -- streaming -----------------------------------------------------------------


def test_nothing_to_do_before_the_first_text() -> None:
    pacing = AnswerPacing()
    assert pacing.next(T0) == Wait(None)
    assert pacing.state is PacingState.WAITING and not pacing.streaming
    assert pacing.text_added(5)  # the worker waits for text: wake it
    assert pacing.streaming
    assert pacing.next(T0) == Step(render=True)


def test_a_burst_waits_one_frame_then_steps_without_rendering() -> None:
    pacing = AnswerPacing()
    pacing.text_added(BURST_CHARS)
    assert pacing.next(T0) == Wait(T0 + FRAME)
    assert pacing.state is PacingState.DEFERRING
    pacing.text_added(BURST_CHARS)  # more of the burst: no wake-up, no new deferral
    assert pacing.next(T0 + FRAME / 2) == Wait(T0 + FRAME)
    assert pacing.next(T0 + FRAME) == Step(render=False)
    assert pacing.state is PacingState.STREAMING


def test_a_step_is_followed_by_a_frame_of_rest() -> None:
    pacing = streamed(now=T0)
    assert not pacing.text_added(10)  # resting: the text waits for the frame
    assert pacing.next(T0 + 0.01) == Wait(T0 + FRAME)
    assert pacing.next(T0 + FRAME) == Step(render=True)


def test_a_slow_step_spaces_the_next_by_twice_its_cost() -> None:
    pacing = AnswerPacing()
    pacing.text_added(10)
    step = pacing.next(T0)
    assert isinstance(step, Step)
    pacing.stepped(step, T0, T0 + 0.05)
    pacing.text_added(10)
    assert pacing.next(T0 + 0.05) == Wait(T0 + 0.1)


def test_painted_drafts_ride_with_the_next_step_while_streaming() -> None:
    pacing = streamed(now=T0)
    assert not pacing.draft_exposed()  # the next step comes soon anyway
    assert pacing.next(T0 + 0.01) == Wait(T0 + FRAME)
    assert pacing.next(T0 + FRAME) == Step(render=True)  # no text, but the drafts
    assert pacing.next(T0 + FRAME) == Wait(None)


def test_finish_skips_the_rest_and_the_deferral() -> None:
    resting = streamed(now=T0)
    resting.next(T0 + 0.001)  # asleep until T0 + FRAME
    assert resting.finish()  # wake it
    assert resting.next(T0 + 0.002) == Step(render=False, closing=True)
    deferring = streamed(now=T0)
    deferring.text_added(BURST_CHARS * 3)
    deferring.next(T0 + FRAME)  # a burst: deferred a frame
    assert deferring.finish()
    assert deferring.next(T0 + FRAME) == Step(render=False, closing=True)  # the end shows first


def test_the_last_step_ends_the_stream() -> None:
    answers = StreamingAnswers()
    pacing = AnswerPacing(answers)
    pacing.text_added(10)
    assert answers.others_than(AnswerPacing())
    pacing.finish()
    assert pacing.state is PacingState.CLOSING and pacing.streaming and not pacing.open
    assert not pacing.text_added(10)  # text after the end is not taken
    first = pacing.next(T0)
    assert first == Step(render=True)  # no step was taken: the text shows first
    pacing.stepped(first, T0, T0 + 0.01)
    assert pacing.streaming  # no rest while closing
    step = pacing.next(T0 + 0.01)
    assert step == Step(render=False, closing=True)
    pacing.stepped(step, T0, T0 + 0.01)
    assert pacing.ended and not pacing.streaming
    assert not answers.others_than(AnswerPacing())


def test_a_step_that_began_before_finish_is_not_the_last() -> None:
    pacing = AnswerPacing()
    pacing.text_added(10)
    step = pacing.next(T0)
    assert isinstance(step, Step)
    pacing.finish()  # arrives while the step runs
    pacing.stepped(step, T0, T0 + 0.01)
    assert not pacing.ended
    assert pacing.next(T0 + 0.01) == Step(render=False, closing=True)  # no rest


def test_a_burst_that_ended_before_any_step_shows_its_text_then_closes() -> None:
    pacing = AnswerPacing()
    pacing.text_added(BURST_CHARS * 3)
    assert pacing.next(T0) == Wait(T0 + FRAME)  # deferred
    pacing.finish()
    first = pacing.next(T0)
    assert first == Step(render=False)  # the text, plain; no markdown for a burst's first step
    pacing.stepped(first, T0, T0 + 0.005)
    assert pacing.next(T0 + 0.005) == Step(render=False, closing=True)  # at once: no rest


def test_finish_without_text_is_over_at_once() -> None:
    pacing = AnswerPacing()
    pacing.finish()
    assert pacing.ended and pacing.state is PacingState.SWEPT
    assert pacing.next(T0) == Stop()


def test_a_worker_stopped_while_closing_ends_the_answer() -> None:
    pacing = AnswerPacing()
    pacing.text_added(10)
    pacing.finish()
    pacing.stopped()  # failed or cancelled: finish() must not hang
    assert pacing.ended


# -- frame pacing as a property ----------------------------------------------


@dataclass
class FakeView:
    """Applies decisions on a fake clock, with inputs arriving at given times."""

    pacing: AnswerPacing
    step_cost: Callable[[int], float]
    now: float = T0
    steps: list[tuple[float, float, Step]] = field(default_factory=list)
    inputs: list[tuple[float, Callable[[], bool]]] = field(default_factory=list)

    def run(self) -> None:
        while not isinstance(decision := self.pacing.next(self.now), Stop):
            if isinstance(decision, Step):
                self._step(decision)
            elif isinstance(decision, Wait):
                if not self._sleep(decision.until):
                    return
            else:
                return  # only streaming is driven here

    def _step(self, step: Step) -> None:
        started = self.now
        self.now += self.step_cost(len(self.steps))
        self._arrive(self.now)  # inputs during the step: the worker is awake
        self.steps.append((started, self.now, step))
        self.pacing.stepped(step, started, self.now)

    def _sleep(self, until: float | None) -> bool:
        """Sleep until woken or ``until``; False if nothing can ever wake it."""
        while self.inputs and (until is None or self.inputs[0][0] < until):
            at, arrive = self.inputs.pop(0)
            self.now = max(self.now, at)
            if arrive():
                return True
        if until is None:
            return False
        self.now = max(self.now, until)
        return True

    def _arrive(self, now: float) -> None:
        while self.inputs and self.inputs[0][0] <= now:
            self.inputs.pop(0)[1]()


ARRIVALS = st.lists(
    st.tuples(st.floats(0, 0.05), st.integers(1, 3 * BURST_CHARS)), min_size=1, max_size=40
)
COSTS = st.lists(st.floats(0.0005, 0.08), min_size=1, max_size=10)


@given(ARRIVALS, COSTS, st.floats(0, 0.05))
def test_steps_keep_their_pace_and_the_end_waits_for_nothing(
    arrivals: list[tuple[float, int]], costs: list[float], finish_gap: float
) -> None:
    pacing = AnswerPacing()
    view = FakeView(pacing, lambda n: costs[n % len(costs)])
    at = T0
    for gap, chars in arrivals:
        at += gap
        view.inputs.append((at, lambda chars=chars: pacing.text_added(chars)))
    finish_at = at + finish_gap
    view.inputs.append((finish_at, pacing.finish))
    view.run()
    *middle, (last_start, _, last) = view.steps
    assert last.closing and pacing.ended
    assert not any(step.closing for _, _, step in middle)
    for (start, end, _), (next_start, _, _) in pairwise(middle):
        # never more than one step per FRAME; a slow step spaces the next by 2x its cost
        assert next_start - start >= max(FRAME, 2 * (end - start)) - 1e-9
    previous_end = middle[-1][1] if middle else T0
    assert last_start == pytest.approx(max(finish_at, previous_end))  # no rest, no deferral


# -- after the stream ----------------------------------------------------------


def test_idle_rendering_waits_idle_delay_then_goes_a_slice_at_a_time() -> None:
    pacing = ended(T0)
    assert pacing.next(T0 + 0.1) == Wait(T0 + IDLE_DELAY)
    start = T0 + IDLE_DELAY
    assert pacing.next(start) == IdleRender(start + IDLE_BUDGET, check=True)
    pacing.idle_rendered(True, start + IDLE_BUDGET)
    assert pacing.next(start + IDLE_BUDGET) == Wait(start + IDLE_BUDGET + FRAME / 2)
    later = start + IDLE_BUDGET + FRAME / 2
    assert pacing.next(later) == IdleRender(later + IDLE_BUDGET, check=False)
    pacing.idle_rendered(False, later + 0.001)
    assert pacing.state is PacingState.SWEPT
    assert pacing.next(later + 1) == Stop()


def test_idle_rendering_waits_for_a_pause_in_the_typing() -> None:
    answers = StreamingAnswers()
    pacing = ended(T0, answers)
    start = T0 + IDLE_DELAY
    answers.typed(start - 0.1)  # the user is typing the next message
    assert pacing.next(start) == Wait(start - 0.1 + TYPING_QUIET_S)
    answers.typed(start + 0.2)  # and goes on: the worker wakes, finds a later pause to wait for
    assert pacing.next(start - 0.1 + TYPING_QUIET_S) == Wait(start + 0.2 + TYPING_QUIET_S)
    quiet = start + 0.2 + TYPING_QUIET_S
    assert pacing.next(quiet) == IdleRender(quiet + IDLE_BUDGET, check=True)


def test_a_key_does_not_hold_a_streaming_answers_steps() -> None:
    answers = StreamingAnswers()
    pacing = AnswerPacing(answers)
    answers.typed(T0)
    pacing.text_added(10)
    assert isinstance(pacing.next(T0), Step)


def test_idle_rendering_yields_to_a_streaming_answer() -> None:
    answers = StreamingAnswers()
    pacing = ended(T0, answers)
    other = AnswerPacing(answers)
    other.text_added(10)
    assert pacing.next(T0 + IDLE_DELAY) == Stop()  # the other answer needs the frames
    pacing.stopped()
    assert pacing.state is PacingState.TIDYING  # not swept: it goes on later
    other.finish()
    step = other.next(T0 + 1)
    assert isinstance(step, Step)
    other.stepped(step, T0 + 1, T0 + 1)
    assert pacing.draft_exposed() is False  # no worker asleep: the view starts one
    assert pacing.next(T0 + 2) == Serve(park=False, unfold=False)
    assert pacing.next(T0 + 2) == Wait(T0 + 2 + IDLE_DELAY)  # idle time counted afresh


def test_exposures_and_requests_after_the_end_are_served_at_once() -> None:
    pacing = ended(T0)
    assert pacing.next(T0) == Wait(T0 + IDLE_DELAY)
    assert pacing.draft_exposed()  # hurry: wake the sleeping worker
    assert pacing.next(T0 + 0.01) == Serve(park=False, unfold=False)
    assert pacing.next(T0 + 0.01) == Wait(T0 + IDLE_DELAY)
    assert pacing.unfold_requested()
    assert pacing.next(T0 + 0.02) == Serve(park=False, unfold=True)


def test_a_served_park_ends_idle_rendering() -> None:
    pacing = ended(T0)
    pacing.next(T0)
    assert pacing.park_requested()
    assert pacing.next(T0 + 0.01) == Serve(park=True, unfold=False)
    assert pacing.state is PacingState.SWEPT
    assert pacing.next(T0 + 5) == Stop()
    pacing.draft_exposed()
    assert pacing.next(T0 + 6) == Serve(park=False, unfold=False)  # still served


def test_an_unfold_asked_for_while_streaming_waits_for_the_end() -> None:
    pacing = streamed(now=T0)
    pacing.next(T0)
    assert not pacing.unfold_requested()
    assert pacing.next(T0 + FRAME) == Wait(None)
    pacing.finish()
    step = pacing.next(T0 + FRAME)
    assert isinstance(step, Step)
    pacing.stepped(step, T0 + FRAME, T0 + FRAME)
    assert pacing.next(T0 + FRAME) == Serve(park=False, unfold=True)


def test_joining_a_transcript_moves_a_streaming_answer() -> None:
    mine, shared = StreamingAnswers(), StreamingAnswers()
    pacing = AnswerPacing(mine)
    pacing.text_added(10)
    pacing.join(shared)
    probe = AnswerPacing()
    assert shared.others_than(probe) and not mine.others_than(probe)


# -- waiting on the clock --------------------------------------------------------


async def test_a_wait_sleeps_on_the_clock_until_its_deadline() -> None:
    clock, poke = ManualClock(T0), asyncio.Event()
    await wait_for_poke(clock, poke, T0 + 0.25)
    assert clock.sleeps == [pytest.approx(0.25)] and clock.now() == pytest.approx(T0 + 0.25)
    await wait_for_poke(clock, poke, T0)  # already past: no sleep
    assert len(clock.sleeps) == 1


async def test_a_wait_ends_at_its_deadline_however_late_its_timer_starts() -> None:
    clock, poke = ManualClock(T0), asyncio.Event()
    waiting = asyncio.create_task(wait_for_poke(clock, poke, T0 + 0.25))
    await asyncio.sleep(0)  # the wait has begun; its timer has not had a turn yet
    clock.advance(0.1)  # (a frame painted in between)
    await asyncio.wait_for(waiting, 1)
    assert clock.sleeps == [pytest.approx(0.15)]


async def test_a_poke_ends_a_wait_at_once() -> None:
    clock, poke = ManualClock(T0), asyncio.Event()
    waiting = asyncio.create_task(wait_for_poke(clock, poke, None))
    await asyncio.sleep(0)
    assert not waiting.done()
    poke.set()
    await asyncio.wait_for(waiting, 1)
    await wait_for_poke(clock, poke, T0 + 10)  # still set: returns without sleeping
    assert clock.sleeps == []


def test_the_pacing_imports_no_textual() -> None:
    code = (
        "import sys, tuichat.ui.widgets.answer_pacing, tuichat.ui.hud_refresh; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
