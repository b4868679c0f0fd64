"""Answer text while it streams: kept per turn, written as one growing row.

``TextDelta`` events arrive by the hundred per second, so the writer does not
queue them: :meth:`StreamedText.add` appends the text to its turn's pending
list (O(1), on the event loop) and the writer turns what is pending into one
row per turn when it next commits, at most ``text_interval`` after the text
arrived. The row is the turn's assistant message with status ``streaming``,
inserted once and then updated in place; the turn's terminal event replaces
it with the final state (``ok``, ``cancelled``, ``failed``, ``truncated``).

Both statements are idempotent (insert-if-missing, then set the whole text),
so a transaction retried after a lock writes the same row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuichat.core.events import TextDelta

ANSWER_INSERT_SQL = (
    "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)"
    " SELECT ?, ?, 'assistant', '', ?, ?, ? WHERE NOT EXISTS"
    " (SELECT 1 FROM messages WHERE trace_id = ? AND role = 'assistant')"
)
ANSWER_UPDATE_SQL = (
    "UPDATE messages SET content = ?, status = ?, model = ?, created_at = ?"
    " WHERE trace_id = ? AND role = 'assistant'"
)
STREAMING = "streaming"
"""Status of an answer row while its turn is still running."""


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """The assistant message of one turn, as it stands now."""

    session_id: str
    trace_id: str
    content: str
    status: str
    model: str | None
    created_at: float

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
        return (self.content, self.status, self.model, self.created_at, self.trace_id)


@dataclass(slots=True)
class _Stream:
    """One turn's text: what rows already hold, and what came since."""

    text: str = ""
    pending: list[str] = field(default_factory=list)
    last_ts: float = 0.0


class StreamedText:
    """The streamed text of every running turn, until its terminal event."""

    def __init__(self) -> None:
        self._streams: dict[str, _Stream] = {}
        self._dirty: set[str] = set()

    @property
    def pending(self) -> bool:
        """True when some text has arrived that no row holds yet."""
        return bool(self._dirty)

    def add(self, event: TextDelta) -> None:
        """Keep ``event``'s text until a row takes it (O(1))."""
        stream = self._streams.get(event.trace_id)
        if stream is None:
            stream = self._streams[event.trace_id] = _Stream()
        stream.pending.append(event.text)
        stream.last_ts = event.ts
        self._dirty.add(event.trace_id)

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

    def drop(self, trace_id: str) -> None:
        """Forget a turn (its terminal event carries the final text)."""
        self._streams.pop(trace_id, None)
        self._dirty.discard(trace_id)
