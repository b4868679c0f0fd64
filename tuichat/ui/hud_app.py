"""The HUD's side of the app: when it refreshes, its keys, its width and folding.

Kept out of ``app.py`` so the chat flow stays readable. Refreshing is cheap,
bounded, and never costs the answer a frame of its own:

- while text flows, the HUD is refreshed together with the answer (when new
  text arrives and the HUD is at least RIDE_AFTER old), so both land in the
  frame the answer needs anyway; extra frames would cost layout time the
  streamed text needs;
- while no text flows (queued, waiting for the first token) a 0.1 s timer
  refreshes it on its own; the timer runs only while a turn runs;
- one refresh follows the frame that completes the answer, and a 1 s tick
  runs while idle only to move countdowns (rate-limit resets, an open
  breaker, a queue wait);
- a hidden HUD is not refreshed at all, and its timers are paused.
"""

from __future__ import annotations

import time

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.geometry import Size

from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.metrics.hud_view import HudSnapshot, SpendStatus
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.ui.widgets.hud import Hud

HUD_INTERVAL = 0.1
RIDE_AFTER = 0.08
"""Text arrived and the HUD is this old (s): refresh it into the answer's frame."""
TEXT_QUIET = 0.15
"""No text for this long (s): the timer refreshes the HUD on its own."""
STALE_AFTER = 0.3
"""However text flows, the HUD is never older than this (s) while a turn runs."""
IDLE_INTERVAL = 1.0
MIN_WIDTH = 22
WIDTH_STEP = 4
TRANSCRIPT_MIN = 30
"""Columns the transcript keeps however wide the HUD is made."""

_WIDTH = Binding.Group("HUD width", compact=True)
HUD_BINDINGS = [
    Binding("ctrl+b", "toggle_hud", "HUD", id="toggle-hud"),
    Binding("f4", "hud_narrower", "Narrower", id="hud-narrower", group=_WIDTH),
    Binding("f5", "hud_wider", "Wider", id="hud-wider", group=_WIDTH),
    Binding("f3", "fold_panels", "Fold panels", show=False, id="hud-fold-all"),
]
"""HUD keys: none is a key the prompt uses (its TextArea takes f6 and f7), and f2 stays
free for the debug screen."""


def default_width(columns: int) -> int:
    """The HUD's width for a terminal ``columns`` wide, before the user resizes it."""
    if columns < 100:
        return 28
    return 30 if columns < 140 else 36


class HudApp(App[None]):
    """Base of the chat app: owns the HUD's refresh, keys, width and folding."""

    metrics: SessionMetrics
    breakers: BreakerBoard
    _hud: Hud | None = None
    hud_width: int | None = None
    """The width the user chose with the keys, kept for the session; None: by terminal size."""

    def start_hud(self) -> None:
        """Create the timers (paused) and lay the HUD out for the terminal."""
        self._hud_timer = self.set_interval(HUD_INTERVAL, self._hud_tick, pause=True)
        self._idle_timer = self.set_interval(IDLE_INTERVAL, self._idle_tick)
        self._countdowns = False
        self._hud_live = False
        self._refreshed_at = self._text_at = 0.0
        self._fit_hud()
        self.refresh_hud()

    @property
    def hud(self) -> Hud:
        """The HUD widget (found once: no DOM query per refresh)."""
        if self._hud is None:
            self._hud = self.query_one(Hud)
        return self._hud

    def hud_now(self) -> float:
        """The clock the events are stamped with (the session's)."""
        raise NotImplementedError

    def spend_status(self) -> SpendStatus:
        """Today's spend and budgets for the cost panel (the app supplies them)."""
        raise NotImplementedError

    def hud_streaming(self, streaming: bool) -> None:
        """A turn started (keep the HUD live) or ended (one last refresh)."""
        self._hud_live = streaming
        if not streaming:
            self.call_after_refresh(self.refresh_hud)  # after the answer's last frame
        self._run_timers()

    def hud_text_shown(self) -> None:
        """The answer just got text (a frame follows): bring the HUD along if it is due."""
        now = time.monotonic()
        self._text_at = now
        if self._hud_live and now - self._refreshed_at >= RIDE_AFTER:
            self.refresh_hud()

    def _hud_tick(self) -> None:
        now = time.monotonic()
        quiet = now - self._text_at >= TEXT_QUIET
        if quiet or now - self._refreshed_at >= STALE_AFTER:
            self.refresh_hud()  # looked up per call, so a benchmark can wrap it

    def _idle_tick(self) -> None:
        if self._countdowns and not self._hud_live:
            self.refresh_hud()

    def _run_timers(self) -> None:
        """Timers run only while there is something to show."""
        shown = self.hud.display
        for timer, wanted in ((self._hud_timer, self._hud_live), (self._idle_timer, True)):
            if shown and wanted:
                timer.resume()
            else:
                timer.pause()

    def refresh_hud(self) -> None:
        """Redraw the HUD from a fresh snapshot (skipped while it is hidden)."""
        hud = self.hud
        if not hud.display:
            return
        self._refreshed_at = time.monotonic()
        spend = self.spend_status()
        snapshot = self.metrics.hud_snapshot(
            self.hud_now(),
            self.breakers.snapshot(),
            today_usd=spend.today_usd,
            budgets=spend.budgets,
        )
        hud.show(snapshot)
        self._countdowns = _has_countdowns(snapshot)

    def action_toggle_hud(self) -> None:
        """Hide or show the HUD (one key); shown again, it is up to date at once."""
        hud = self.hud
        hud.display = not hud.display
        self._run_timers()
        if hud.display:
            self.refresh_hud()
        elif hud.has_focus_within:
            self.screen.focus_next()

    def action_hud_narrower(self) -> None:
        """Make the HUD narrower (the width is kept for the session)."""
        self._resize_hud(-WIDTH_STEP)

    def action_hud_wider(self) -> None:
        """Make the HUD wider, up to leaving the transcript TRANSCRIPT_MIN columns."""
        self._resize_hud(WIDTH_STEP)

    def action_fold_panels(self) -> None:
        """Fold every panel (or unfold all when all are folded)."""
        self.hud.fold_all()
        self.refresh_hud()

    def _resize_hud(self, step: int) -> None:
        current = self.hud_width or default_width(self.size.width)
        widest = max(MIN_WIDTH, self.size.width - TRANSCRIPT_MIN)
        self.hud_width = max(MIN_WIDTH, min(widest, current + step))
        self._fit_hud()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_hud(event.size)  # self.size is updated after this handler

    def _fit_hud(self, size: Size | None = None) -> None:
        """Width (the user's, else by terminal width) and default folding by height."""
        size = size or self.size
        hud = self.hud
        width = self.hud_width or default_width(size.width)
        widest = max(MIN_WIDTH, size.width - TRANSCRIPT_MIN)
        hud.styles.width = min(width, widest)
        hud.fold_for_height(size.height)


def _has_countdowns(snapshot: HudSnapshot) -> bool:
    """Whether anything on screen counts down by itself (worth a 1 s tick)."""
    limits = snapshot.limits
    return (
        limits.queue is not None
        or any(w.reset_in_s for w in limits.windows)
        or any(p.retry_in_s for p in limits.providers)
    )
