"""Textual's footer, recomposed at most once per frame.

Textual's :class:`~textual.widgets.Footer` rebuilds all its keys on every
bindings change, and start-up alone changes them five times (the screen's
focus, the prompt's, the screen resuming, each also after the next frame):
five recomposes of ~20 ms before the keys are on screen. The keys are read
from the screen when the footer composes, so one recompose, already queued,
shows every change made before it runs.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class ChatFooter(Footer):
    """A :class:`Footer` that coalesces bindings changes into one queued recompose."""

    _recompose_queued = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Queue a recompose unless one is queued already (it will read the new bindings)."""
        if self._recompose_queued:
            return
        super().bindings_changed(screen)
        self._recompose_queued = bool(
            screen.app.app_focus and self.is_attached and screen is self.screen
        )

    async def recompose(self) -> None:
        """Rebuild the keys from the screen's current bindings."""
        self._recompose_queued = False
        await super().recompose()
