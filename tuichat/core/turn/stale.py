"""The last resort: an earlier answer to the same prompt, offered as stale.

When every model of the route failed and nothing was shown, the log may hold
a complete answer to exactly this prompt. It is offered, marked stale with its
age, never silently passed off as fresh; the turn still ends as failed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tuichat.core.clock import Clock
from tuichat.core.events import StaleAnswerOffered

log = logging.getLogger(__name__)

StaleLookup = Callable[[str], Awaitable[tuple[str, float, str | None] | None]]
"""prompt → (earlier answer, its epoch time, model), or None."""


async def stale_event(
    lookup: StaleLookup, prompt: str, trace_id: str, clock: Clock
) -> StaleAnswerOffered | None:
    """The offer for ``prompt``, or None (a failing lookup never fails the turn)."""
    try:
        found = await lookup(prompt)
    except Exception:
        log.exception("stale answer lookup failed")
        return None
    if found is None:
        return None
    text, created_at, model = found
    age = max(0.0, clock.wall() - created_at)
    return StaleAnswerOffered(trace_id=trace_id, ts=clock.now(), text=text, age_s=age, model=model)
