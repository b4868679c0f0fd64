"""Answer text while it streams: kept per turn, written as one growing row.

``TextDelta`` events arrive by the hundred per second, so the writer does not
queue them: :meth:`StreamedText.add` appends the text to its turn's pending
list and the delta's arrival to its attempt's chunk timeline
(:class:`~tuichat.store.timeline.TimelineRecorder`), O(1) on the event loop.
The writer turns what is pending into one row per turn when it next commits,
at most ``text_interval`` after the text arrived. The row is the turn's
assistant message with status ``streaming``, inserted once and then updated
in place; the turn's terminal event replaces it with the final state (``ok``,
``cancelled``, ``failed``, ``truncated``). The timeline so far is written
with it, so a turn cut by a crash still replays at its pace up to the cut;
the attempt's end writes its whole timeline (:meth:`StreamedText.end_attempt`).

In metrics-only mode (``keep_text=False``) no text is kept at all: the rows
are written empty, the timelines still are. A trace the policy does not
sample (``sample``) gets no timeline.

Both statements are idempotent (insert-if-missing, then set the whole text),
so a transaction retried after a lock writes the same row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tuichat.core.events import AttemptStarted, TextDelta
from tuichat.store.timeline import TimelineRecorder

ANSWER_INSERT_SQL = (
    "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)"
    " SELECT ?, ?, 'assistant', '', ?, ?, ? WHERE NOT EXISTS"
    " (SELECT 1 FROM messages WHERE trace_id = ? AND role = 'assistant')"
)
ANSWER_UPDATE_SQL = (
    "UPDATE messages SET content = ?, status = ?, model = ?, created_at = ?, content_kept = ?"
    " WHERE trace_id = ? AND role = 'assistant'"
)
STREAMING = "streaming"
"""Status of an answer row while its turn is still running."""


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """The assistant message of one turn, as it stands now (text already redacted)."""

    session_id: str
    trace_id: str
    content: str
    status: str
    model: str | None
    created_at: float
    content_kept: str | None = None

    def insert(self) -> tuple[object, ...]:
        """Parameters of :data:`ANSWER_INSERT_SQL`."""
        return (
            self.session_id,
            self.trace_id,
            self.status,
            self.model,
            self.created_at,
            self.trace_id,
        )

    def update(self) -> tuple[object, ...]:
        """Parameters of :data:`ANSWER_UPDATE_SQL`."""
        return (
            self.content,
            self.status,
            self.model,
            self.created_at,
            self.content_kept,
            self.trace_id,
        )


@dataclass(slots=True)
class _Stream:
    """One turn's text (what rows already hold, and what came since) and timelines."""

    sampled: bool
    text: str = ""
    pending: list[str] = field(default_factory=list)
    last_ts: float = 0.0
    timelines: dict[int, TimelineRecorder] = field(default_factory=dict)


class StreamedText:
    """The streamed text and chunk timelines of every running turn, until its end."""

    def __init__(
        self, *, keep_text: bool = True, sample: Callable[[str], bool] = lambda trace: True
    ) -> None:
        self._streams: dict[str, _Stream] = {}
        self._dirty: set[str] = set()
        self._keep_text = keep_text
        self._sample = sample

    @property
    def pending(self) -> bool:
        """True when some text has arrived that no row holds yet."""
        return bool(self._dirty)

    def _stream(self, trace_id: str) -> _Stream:
        stream = self._streams.get(trace_id)
        if stream is None:
            stream = self._streams[trace_id] = _Stream(self._sample(trace_id))
        return stream

    def attempt_started(self, event: AttemptStarted) -> None:
        """An attempt begins: its timeline counts from ``event.ts`` (O(1))."""
        stream = self._stream(event.trace_id)
        if stream.sampled:
            stream.timelines[event.attempt] = TimelineRecorder(event.ts)

    def add(self, event: TextDelta) -> None:
        """Keep ``event``'s text until a row takes it, and its arrival in the timeline (O(1))."""
        stream = self._stream(event.trace_id)
        if self._keep_text:
            stream.pending.append(event.text)
        stream.last_ts = event.ts
        self._dirty.add(event.trace_id)
        if stream.sampled:
            recorder = stream.timelines.get(event.attempt)
            if recorder is None:  # its start was not seen: count from here
                recorder = stream.timelines[event.attempt] = TimelineRecorder(event.ts)
            recorder.add(event.ts, len(event.text))

    def dirty_traces(self) -> list[str]:
        """Traces with text no row holds yet."""
        return list(self._dirty)

    def take(self, trace_id: str) -> tuple[str, float]:
        """The whole text of ``trace_id`` so far and the ``ts`` of its latest piece."""
        stream = self._streams[trace_id]
        if stream.pending:
            stream.text += "".join(stream.pending)
            stream.pending.clear()
        self._dirty.discard(trace_id)
        return stream.text, stream.last_ts

    def timelines(self, trace_id: str) -> list[tuple[int, bytes]]:
        """``(attempt, blob)`` of every attempt of ``trace_id`` still streaming."""
        stream = self._streams.get(trace_id)
        if stream is None:
            return []
        return [(attempt, recorder.blob()) for attempt, recorder in stream.timelines.items()]

    def end_attempt(self, trace_id: str, attempt: int) -> bytes | None:
        """The whole timeline of an attempt that ended (None: not sampled), forgotten here."""
        stream = self._streams.get(trace_id)
        if stream is None:
            sampled = self._sample(trace_id)
            return TimelineRecorder(0.0).blob() if sampled else None
        recorder = stream.timelines.pop(attempt, None)
        if recorder is None:
            return TimelineRecorder(0.0).blob() if stream.sampled else None
        return recorder.blob()

    def drop(self, trace_id: str) -> None:
        """Forget a turn (its terminal event carries the final text)."""
        self._streams.pop(trace_id, None)
        self._dirty.discard(trace_id)
