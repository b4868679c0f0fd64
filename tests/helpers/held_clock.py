"""A clock for UI tests whose time moves only when the test says so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class HeldClock:
    """Time moves only when the test says; a sleeper wakes once time passes its deadline.

    The view's rests, deferrals and idle delay wait on it, so a test decides
    when idle rendering may start instead of racing it.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._now + 1_700_000_000.0

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._moved.set()
        self._moved = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        until = self._now + seconds
        while self._now < until:
            await self._moved.wait()

    def call_at(self, when: float, callback: Callable[[], None]) -> asyncio.Task[None]:
        """Run ``callback`` on the event loop once the test moved time to ``when``."""

        async def later() -> None:
            await self.sleep(when - self._now)
            callback()

        return asyncio.ensure_future(later())
