"""Which of an answer's segments paint from pictures, and when.

:mod:`~tuichat.ui.widgets.segment_picture` says how a segment paints from a
picture of its lines (its markdown widgets hidden); this says which of an
answer's segments do:

* while the answer streams, the settled segments that are rendered and
  unchanged since the last step, in a step whose frame lays out anyway (a
  picture changes the segment's height rule, which costs a layout);
* once it has ended, every rendered segment, after the frame that painted it
  (the last live segment, the drafts its last step painted, drafts rendered
  in idle time): an ended answer in view then costs every later frame (the
  next send's, the next stream's) one widget per segment, where its last
  segment alone held dozens (:class:`RestPictures`).

A segment with anything left to paint, or no longer laid out, is left as it
is (:func:`~tuichat.ui.widgets.segment_picture.take`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tuichat.core.clock import Clock, TimerHandle
from tuichat.ui.widgets.answer_pacing import AnswerPacing
from tuichat.ui.widgets.answer_segment import AnswerSegment
from tuichat.ui.widgets.full_collections import TYPING_QUIET_S

Versions = dict[AnswerSegment, int]
"""Each segment's version when last looked at."""


def any_to_picture(segments: Sequence[AnswerSegment]) -> bool:
    """True when a segment is rendered and not pictured yet (most steps: none)."""
    return any(segment.rendered and not segment.pictured for segment in segments)


def picture_rendered(
    segments: Sequence[AnswerSegment], unchanged_since: Versions | None = None
) -> Versions:
    """Picture the rendered segments (only those unchanged since ``unchanged_since``, if given).

    Returns the segments' versions now, for the next call's ``unchanged_since``.
    """
    now = {segment: segment.version for segment in segments}
    for segment in segments:
        if unchanged_since is not None and unchanged_since.get(segment) != segment.version:
            continue  # changed since the last step: not painted as it is yet
        if segment.rendered and not segment.pictured:
            segment.take_picture()
    return now


class RestPictures:
    """An ended answer's pictures: taken after their frame, but not while the user types.

    Picturing a long answer holds the event loop 30-70 ms, and a key pressed
    then was echoed that much later. Put off, they also wait for another
    answer's stream to end: a user who types on and sends must not see the
    next stream stop for them.
    """

    def __init__(
        self,
        segments: Callable[[], Sequence[AnswerSegment]],
        pacing: AnswerPacing,
        clock: Callable[[], Clock],
        ready: Callable[[], bool],
    ) -> None:
        self._segments, self._pacing, self._clock, self._ready = segments, pacing, clock, ready
        self._timer: TimerHandle | None = None  # put off: it takes them all
        self._served = False  # the drafts the last step painted wait to be served

    def take(self) -> None:
        """Picture the rendered segments now, or once the typing has paused."""
        if not self._ready() or self._timer is not None:
            return
        if self._pacing.typing_until() > self._clock().now():
            self._when_quiet()
            return
        picture_rendered(self._segments())

    def after_closing(self) -> None:
        """The last step painted its drafts: the serve that renders them pictures them."""
        self._served = True

    def after_serve(self, rendered: bool) -> bool:
        """True once: this serve rendered the drafts the last step painted (picture them)."""
        if not (rendered and self._served):
            return False
        self._served = False
        return True

    def _when_quiet(self) -> None:
        self._timer = None
        if not self._ready():
            return
        now, until = self._clock().now(), self._pacing.typing_until()
        if until > now or self._pacing.others_streaming():
            self._timer = self._clock().call_at(max(until, now + TYPING_QUIET_S), self._when_quiet)
            return
        picture_rendered(self._segments())
