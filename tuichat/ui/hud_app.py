"""The HUD's side of the app: when it refreshes, its keys, its width and folding.

Kept out of ``app.py`` so the chat flow stays readable. Refreshing is cheap
and bounded: a 0.1 s timer runs only while a turn streams (plus one refresh
after the frame that completes the answer), and a 1 s tick runs while idle
only to move countdowns (rate-limit resets, an open breaker, a queue wait).
A hidden HUD is not refreshed at all.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.geometry import Size

from tuichat.core.breaker import BreakerBoard
from tuichat.core.hud_view import HudSnapshot, SpendStatus
from tuichat.core.metrics import SessionMetrics
from tuichat.ui.widgets.hud import Hud

HUD_INTERVAL = 0.1
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
    Binding("f6", "fold_panels", "Fold panels", show=False, id="hud-fold-all"),
]
"""HUD keys: none is a key the prompt types with, and f2 stays free for the debug screen."""


def default_width(columns: int) -> int:
    """The HUD's width for a terminal ``columns`` wide, before the user resizes it."""
    if columns < 100:
        return 28
    return 34 if columns < 140 else 40


class HudApp(App[None]):
    """Base of the chat app: owns the HUD's refresh, keys, width and folding."""

    metrics: SessionMetrics
    breakers: BreakerBoard
    hud_width: int | None = None
    """The width the user chose with the keys, kept for the session; None: by terminal size."""

    def start_hud(self) -> None:
        """Create the timers (paused) and lay the HUD out for the terminal."""
        self._hud_timer = self.set_interval(HUD_INTERVAL, self._hud_tick, pause=True)
        self._idle_timer = self.set_interval(IDLE_INTERVAL, self._idle_tick)
        self._countdowns = False
        self._hud_live = False
        self._fit_hud()
        self.refresh_hud()

    @property
    def hud(self) -> Hud:
        return self.query_one(Hud)

    def hud_now(self) -> float:
        """The clock the events are stamped with (the session's)."""
        raise NotImplementedError

    def spend_status(self) -> SpendStatus:
        """Today's spend and budgets for the cost panel (the app supplies them)."""
        raise NotImplementedError

    def hud_streaming(self, streaming: bool) -> None:
        """A turn started (refresh ten times a second) or ended (one last refresh)."""
        self._hud_live = streaming
        if streaming:
            self._hud_timer.resume()
        else:
            self._hud_timer.pause()
            self.call_after_refresh(self.refresh_hud)  # after the answer's last frame

    def _hud_tick(self) -> None:
        self.refresh_hud()  # looked up per call, so a benchmark can wrap it

    def _idle_tick(self) -> None:
        if self._countdowns and not self._hud_live:
            self.refresh_hud()

    def refresh_hud(self) -> None:
        """Redraw the HUD from a fresh snapshot (skipped while it is hidden)."""
        hud = self.hud
        if not hud.display:
            return
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
