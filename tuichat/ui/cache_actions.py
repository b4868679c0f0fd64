"""The response cache's two keys in the chat: "not what I asked" and "freshness critical".

A mixin of the chat app (kept apart so the app stays one screen of wiring).
Rejecting re-asks the latest question live: the session marks the cached
entry a false hit (never served again) and drops that exchange from the
history; the transcript keeps the rejected answer, and the new answer comes
under a line saying why it was asked again. The freshness toggle makes every
next turn skip the cache (answers are still stored) until it is switched off;
the HUD's cache panel says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

from textual.binding import Binding

from tuichat.ui.continue_session import numbered_prompt
from tuichat.ui.widgets.messages import AssistantMessage

if TYPE_CHECKING:
    from tuichat.core.metrics.cache_tally import CacheTally
    from tuichat.ui.app import TuichatApp

CACHE_BINDINGS = [
    Binding("ctrl+n", "reject_hit", "Not what I asked", show=False, id="reject-hit"),
    Binding("f8", "toggle_freshness", "Fresh", show=False, id="freshness"),
]

REJECTED_PROMPT = "↻ not what I asked — asking the model"


class CacheActions:
    """The chat app's cache keys (a mixin of :class:`~tuichat.ui.app.TuichatApp`)."""

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    async def action_reject_hit(self) -> None:
        """The latest answer came from the cache and is wrong: mark it, ask again live."""
        app = self._app
        key = app.session.last_hit
        if app.streaming or key is None:
            if not app.streaming:
                app.notify("The last answer did not come from the cache.", timeout=3)
            return
        turn = app.session.reject_hit(key)
        answer = AssistantMessage(app.session.model)
        prompt = numbered_prompt(app.transcript, app.session, REJECTED_PROMPT)
        await app.transcript.add(prompt)
        await app.transcript.add(answer)
        app.turn = turn
        app.hud_streaming(True)
        app.stream_turn(turn, answer)

    def action_toggle_freshness(self) -> None:
        """Freshness critical: skip the cache for the next turns (or use it again)."""
        app = self._app
        if app.chat.services.cache is None:
            app.notify("No response cache in this chat ([cache] enabled = false).", timeout=3)
            return
        fresh = not app.session.bypass_cache
        app.session.bypass_cache = fresh
        mode = app.metrics.cache_mode
        if mode is not None:
            app.metrics.cache_mode = replace(mode, bypassed=fresh)
        app.notify(
            "Freshness critical: answers come live (f8 to use the cache again)."
            if fresh
            else "The cache answers repeated questions again.",
            timeout=4,
        )
        app.refresh_hud()

    def cache_today(self) -> CacheTally | None:
        """Today's cache lookups from the log, for the HUD (every tuichat process's)."""
        return self._app.chat.cache_today

    def cache_after_turn(self) -> None:
        """Once a session: the cache could not be used; and today's figures re-read."""
        app = self._app
        cache = app.chat.services.cache
        if cache is None:
            return
        if line := cache.take_notice():
            app.notify(line, severity="warning", markup=False, timeout=8)
        app.run_worker(self._cache_today(), group="cache-today", exclusive=True)

    async def _cache_today(self) -> None:
        """The turn's lookup is in the log (made durable before it ended): count it today."""
        await self._app.chat.refresh_cache_today()
        self._app.refresh_hud()
