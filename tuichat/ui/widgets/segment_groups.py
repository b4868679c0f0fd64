"""An answer's segments built again from its text: as drafts, or in the places a fold kept.

A folded answer keeps its text once and, per segment, only how many blocks
it held and the room it took (:class:`~tuichat.ui.widgets.answer_segment.Fold`).
Unfolding cuts the text into blocks again and puts each group back in its
place; a burst, a re-segmenting and an unfold whose places no longer match
the blocks all make fresh drafts of a few blocks each. The whole text's
blocks are also the check on the segments when an answer ends.
"""

from __future__ import annotations

from collections.abc import Sequence

from tuichat.ui.widgets.answer_segment import AnswerSegment, Fold, ParserFactory
from tuichat.ui.widgets.markdown_blocks import group_blocks, split_blocks


def draft_segments(blocks: list[str], parser: ParserFactory) -> list[AnswerSegment]:
    """Drafts of ``blocks``, a few blocks (about a segment's worth) each."""
    return [AnswerSegment(group, parser=parser) for group in group_blocks(blocks)]


def unfolded_segments(text: str, fold: Fold, parser: ParserFactory) -> list[AnswerSegment]:
    """Drafts of ``text`` in the places ``fold`` kept (fresh drafts if they no longer match)."""
    blocks = split_blocks(text)
    places = fold.places
    if sum(place.blocks for place in places) != len(blocks):
        return draft_segments(blocks, parser)
    segments = []
    for place in places:
        group, blocks = blocks[: place.blocks], blocks[place.blocks :]
        segments.append(AnswerSegment.parked(group, place, parser=parser))
    return segments


def diverged_blocks(text: str, segments: Sequence[AnswerSegment]) -> list[str] | None:
    """The whole text's blocks when the segments' blocks are not exactly them (else None)."""
    blocks = split_blocks(text)
    return None if blocks == [block for segment in segments for block in segment.blocks] else blocks
