"""What the limiter tells its callers: priorities, queue updates, refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

Priority = Literal["interactive", "normal", "background"]
QueueStatus = Literal["queued", "moved", "granted", "shed", "cancelled"]


@dataclass(frozen=True, slots=True)
class QueueUpdate:
    """A change in one request's place in the queue, for "queued (#2, ~30 s)" events."""

    ticket_id: str
    status: QueueStatus
    priority: Priority
    position: int | None
    """1 = next to go in its lane; None once it left the queue."""
    expected_wait: float
    """Forecast seconds from ``at`` until it may go (0 once granted)."""
    limited_by: str | None
    """The limit it waits for, e.g. ``requests/minute of model gpt-4o``."""
    at: float


QueueListener = Callable[[QueueUpdate], None]


class LoadShed(Exception):
    """A request was refused because it would wait longer than its budget."""

    error_type: ClassVar[str] = "load_shed"

    def __init__(self, message: str, *, expected_wait: float, position: int, budget: float) -> None:
        super().__init__(message)
        self.message = message
        self.expected_wait = expected_wait
        self.position = position
        self.budget = budget
