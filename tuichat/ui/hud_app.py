"""The HUD's side of the app: when it refreshes, its keys, its width and folding.

Kept out of ``app.py`` so the chat flow stays readable. *When* the HUD
refreshes is decided by :class:`~tuichat.ui.hud_refresh.HudRefresh` (its
docstring has the rules) on the session's clock; here are its timers, the
drawing, and the keys. :class:`HudHost` holds all of it for any owner of a
HUD: the chat app (:class:`HudApp`) and the replay screen, which animates a
HUD of its own from logged events.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.geometry import Size

from tuichat.core.feedback.tally import FeedbackCounts
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.metrics.cache_tally import CacheTally
from tuichat.core.metrics.hud_view import SpendStatus, ThroughputView
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.route_choice import RouteChoice
from tuichat.ui.hud_refresh import HUD_INTERVAL, IDLE_INTERVAL, HudRefresh
from tuichat.ui.widgets.hud import Hud

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


if TYPE_CHECKING:
    _Node = DOMNode
else:
    # Not a DOMNode at run time: Textual inherits CSS along the first DOMNode
    # base, which must stay the App or the Screen this is mixed into.
    _Node = object


class HudHost(_Node):
    """What owns a HUD (the chat app, the replay screen): its refresh, keys, width and folding.

    A mixin before an App or a Screen (both are DOM nodes with timers and a
    size); the host supplies ``metrics``, ``breakers``, :meth:`hud_now` and
    :meth:`spend_status`, and a :class:`Hud` among its widgets.
    """

    metrics: SessionMetrics
    breakers: BreakerBoard
    _hud: Hud | None = None
    hud_width: int | None = None
    """The width the user chose with the keys, kept for the session; None: by terminal size."""

    if TYPE_CHECKING:

        @property
        def size(self) -> Size: ...

    def start_hud(self) -> None:
        """Create the timers (paused) and lay the HUD out for the terminal."""
        self._hud_timer = self.set_interval(HUD_INTERVAL, self._hud_tick, pause=True)
        self._idle_timer = self.set_interval(IDLE_INTERVAL, self._idle_tick)
        self.hud_refresh = HudRefresh()
        self._fit_hud()
        self.refresh_hud()

    @property
    def hud(self) -> Hud:
        """The HUD widget (found once: no DOM query per refresh)."""
        if self._hud is None:
            self._hud = self.query_one(Hud)
        return self._hud

    @property
    def _countdowns(self) -> bool:
        """Whether the HUD shows countdowns (read by tests; see ``hud_refresh``)."""
        return self.hud_refresh.countdowns

    def hud_now(self) -> float:
        """The clock the events are stamped with (the session's): the HUD's only clock."""
        raise NotImplementedError

    def cache_today(self) -> CacheTally | None:
        """Today's response-cache lookups from the log (None: the line is hidden)."""
        return None

    def spend_status(self) -> SpendStatus:
        """Today's spend and budgets for the cost panel (the app supplies them)."""
        raise NotImplementedError

    def feedback_counts(self) -> FeedbackCounts | None:
        """The session's ratings and follow-ups for the cost panel (None: no line)."""
        return None

    def context_view(self, view: ThroughputView) -> ThroughputView:
        """The throughput view with the window use and length preset (the chat app's)."""
        return view

    def route_choice(self) -> RouteChoice | None:
        """Which routing rule picked the latest turn's model (None: no ``routed`` row)."""
        return None

    def hud_streaming(self, streaming: bool) -> None:
        """A turn started (keep the HUD live) or ended (one last refresh)."""
        self.hud_refresh.streaming(streaming, self.hud_now())
        if not streaming:
            self.call_after_refresh(self.refresh_hud)  # after the answer's last frame
        self._run_timers()

    def hud_text_shown(self) -> None:
        """The answer just got text (a frame follows): bring the HUD along if it is due."""
        if self.hud_refresh.text_shown(self.hud_now()):
            self.refresh_hud()

    def _hud_tick(self) -> None:
        if self.hud_refresh.tick_due(self.hud_now()):
            self.refresh_hud()  # looked up per call, so a benchmark can wrap it

    def _idle_tick(self) -> None:
        if self.hud_refresh.idle_tick_due():
            self.refresh_hud()

    def _run_timers(self) -> None:
        """Timers run only while there is something to show."""
        plan = self.hud_refresh.timers(self.hud.display)
        for timer, wanted in (
            (self._hud_timer, plan.streaming_timer),
            (self._idle_timer, plan.idle_timer),
        ):
            if wanted:
                timer.resume()
            else:
                timer.pause()

    def refresh_hud(self) -> None:
        """Redraw the HUD from a fresh snapshot (skipped while it is hidden)."""
        hud = self.hud
        if not hud.display:
            return
        now = self.hud_now()
        spend = self.spend_status()
        snapshot = self.metrics.hud_snapshot(
            now,
            self.breakers.snapshot(),
            today_usd=spend.today_usd,
            budgets=spend.budgets,
            cache_today=self.cache_today(),
        )
        if (feedback := self.feedback_counts()) is not None:
            snapshot = replace(snapshot, cost=replace(snapshot.cost, feedback=feedback))
        snapshot = replace(snapshot, throughput=self.context_view(snapshot.throughput))
        if (route := self.route_choice()) is not None:
            snapshot = replace(snapshot, health=replace(snapshot.health, route=route))
        hud.show(snapshot)
        self.hud_refresh.refreshed(now, snapshot)

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


class HudApp(HudHost, App[None]):
    """Base of the chat app: an App that owns a HUD (see :class:`HudHost`)."""
