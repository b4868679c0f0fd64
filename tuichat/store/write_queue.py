"""What ``observe`` hands to the writer's task, and what a flush waits for.

The queue holds events, session upserts and flush markers in arrival order.
It counts **milestones** (a turn's start, an attempt's start, a turn's end, a
session upsert) as they are observed, taken into a transaction and committed,
so a flush with every milestone already committed returns without waiting.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from tuichat.core.events import AttemptStarted, Event, TurnEnded, TurnStarted
from tuichat.store.statements import Row

MILESTONES = (TurnStarted, AttemptStarted, TurnEnded)
"""Events whose rows are committed at once, without waiting for a batch window."""


@dataclass(frozen=True)
class Marker:
    """Queued by ``flush``/``close``: resolved once everything before it is committed."""

    done: asyncio.Future[None]
    stop: bool


@dataclass(frozen=True)
class SessionUpsert:
    """Queued by ``ensure_session``, so it is written in order with the events."""

    row: Row


Item = Event | SessionUpsert | Marker


class WriteQueue:
    """The writer's queue, with its milestone counts."""

    def __init__(self) -> None:
        self._items: deque[Item] = deque()
        self._observed = 0
        self._taken = 0
        self._committed = 0
        self.markers = 0
        """Markers queued and not yet resolved (a flush or close is waiting)."""

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Item) -> None:
        """Append ``item`` (O(1); called from ``observe``)."""
        self._items.append(item)
        if isinstance(item, Marker):
            self.markers += 1
        elif isinstance(item, (SessionUpsert, *MILESTONES)):
            self._observed += 1

    def take(self, limit: int) -> list[Item]:
        """Up to ``limit`` items, oldest first."""
        items = [self._items.popleft() for _ in range(min(len(self._items), limit))]
        self._taken += sum(isinstance(item, (SessionUpsert, *MILESTONES)) for item in items)
        return items

    @property
    def milestone_queued(self) -> bool:
        """Some milestone waits in the queue (the next commit should not wait)."""
        return self._observed > self._taken

    @property
    def settled(self) -> bool:
        """Every milestone observed is committed (or given up)."""
        return self._committed == self._observed

    def settle(self) -> None:
        """Everything taken so far is committed (or given up)."""
        self._committed = self._taken

    def resolve(self, markers: list[Marker]) -> None:
        """Wake the flushes waiting on ``markers``."""
        for marker in markers:
            self.markers -= 1
            if not marker.done.done():
                marker.done.set_result(None)

    def release(self) -> None:
        """The task ended early (cancelled): do not leave flush() callers hanging."""
        while self._items:
            item = self._items.popleft()
            if isinstance(item, Marker):
                self.resolve([item])
