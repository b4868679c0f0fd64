"""What the log keeps of regenerating: which turn regenerates which, and which was kept.

Both are :class:`~tuichat.core.events.Event` subclasses, emitted by a front
end around the turns they are about (like the feedback records), so they
reach the log through ``LogSink.observe`` and carry their own session and
wall time. Each alternative is an ordinary turn, logged and priced as one;
these records only link it to the original turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.core.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class RegenerationMade(Event):
    """Turn ``trace_id`` asks the prompt of turn ``regenerates`` again, with ``strategy``."""

    session_id: str
    regenerates: str
    strategy: str
    model: str
    wall_time: float


@dataclass(frozen=True, slots=True, kw_only=True)
class AlternativeKept(Event):
    """Of the answers to turn ``regenerates``, the user kept the one of turn ``trace_id``.

    ``trace_id == regenerates``: the original answer was kept.
    """

    session_id: str
    regenerates: str
    wall_time: float
