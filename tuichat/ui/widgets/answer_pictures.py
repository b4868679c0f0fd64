"""Which of an answer's segments paint from pictures, and when.

:mod:`~tuichat.ui.widgets.segment_picture` says how a segment paints from a
picture of its lines (its markdown widgets hidden); this says which of an
answer's segments do:

* while the answer streams, the settled segments that are rendered and
  unchanged since the last step, in a step whose frame lays out anyway (a
  picture changes the segment's height rule, which costs a layout);
* once it has ended, every rendered segment, after the frame that painted it
  (the last live segment, drafts rendered in idle time): an ended answer in
  view then costs every later frame (the next send's, the next stream's) one
  widget per segment, where its last segment alone held dozens.

A segment with anything left to paint, or no longer laid out, is left as it
is (:func:`~tuichat.ui.widgets.segment_picture.take`).
"""

from __future__ import annotations

from collections.abc import Sequence

from tuichat.ui.widgets.answer_segment import AnswerSegment

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
