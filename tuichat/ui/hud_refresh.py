"""When the HUD redraws: a policy on the session's clock, no Textual.

:class:`~tuichat.ui.hud_app.HudApp` owns two timers and the drawing;
:class:`HudRefresh` decides, from the session clock's ``now``, whether each
occasion is worth a refresh. Refreshing is cheap, bounded, and never costs the
answer a frame of its own:

- while text flows, the HUD is refreshed together with the answer (when new
  text arrives and the HUD is at least RIDE_AFTER old), so both land in the
  frame the answer needs anyway; extra frames would cost layout time the
  streamed text needs; except the turn's first text, which paints alone
  (the frame the user waits for);
- while no text flows for TEXT_QUIET (queued, waiting for the first token),
  the HUD_INTERVAL timer refreshes it on its own; however text flows, the HUD
  is never older than STALE_AFTER; that timer runs only while a turn runs,
  and a turn's start counts as text and as a refresh: the timer resumes with
  a tick (Textual's timers catch up at once), which would otherwise redraw
  the HUD into the frame of the answer's first text;
- one refresh follows the frame that completes the answer, and an
  IDLE_INTERVAL tick runs while idle only to move countdowns (rate-limit
  resets, an open breaker, a queue wait);
- a hidden HUD is not refreshed at all, and its timers are paused.

The timers tick in real time (they only give the policy a chance to look);
every age and countdown is measured on the session's clock, the one the
events are stamped with, so a manual clock drives all of it in tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tuichat.core.metrics.hud_view import HudSnapshot, LimitsView

HUD_INTERVAL = 0.1
"""How often (s) the streaming timer looks whether the HUD is due."""
RIDE_AFTER = 0.08
"""Text arrived and the HUD is this old (s): refresh it into the answer's frame."""
TEXT_QUIET = 0.15
"""No text for this long (s): the timer refreshes the HUD on its own."""
STALE_AFTER = 0.3
"""However text flows, the HUD is never older than this (s) while a turn runs."""
IDLE_INTERVAL = 1.0
"""How often (s) countdowns move while no turn runs."""


@dataclass(frozen=True, slots=True)
class TimerPlan:
    """Which of the HUD's timers should run."""

    streaming_timer: bool
    idle_timer: bool


class HudRefresh:
    """Decides when the HUD is worth redrawing; times are seconds on the session clock."""

    def __init__(self) -> None:
        self.live = False
        """A turn runs: the streaming timer runs and text brings the HUD along."""
        self.countdowns = False
        """The last snapshot shows something that counts down by itself."""
        self._refreshed_at = -math.inf
        self._text_at = -math.inf
        self._turn_at = -math.inf  # the running turn's start
        self._first_text_at: float | None = -math.inf  # its first text (None: still to come)

    def streaming(self, live: bool, now: float) -> None:
        """A turn started (``live``) or ended, at ``now``."""
        self.live = live
        if live:
            self._turn_at, self._first_text_at = now, None

    def text_shown(self, now: float) -> bool:
        """The answer got text (a frame follows): True if the HUD should ride along.

        Never on a turn's first text, nor on text that comes with it (an
        answer that arrives at once, from the cache): that frame is the one
        the user waits for, and it paints sooner alone; the HUD follows with
        text RIDE_AFTER later, or the timer's next look.
        """
        self._text_at = now
        if self._first_text_at is None:
            self._first_text_at = now
            return False
        since = max(self._refreshed_at, self._first_text_at)
        return self.live and now - since >= RIDE_AFTER

    def tick_due(self, now: float) -> bool:
        """The streaming timer ticked: True if text went quiet or the HUD went stale."""
        quiet = now - max(self._text_at, self._turn_at) >= TEXT_QUIET
        return quiet or now - max(self._refreshed_at, self._turn_at) >= STALE_AFTER

    def idle_tick_due(self) -> bool:
        """The idle timer ticked: True if countdowns on screen should move."""
        return self.countdowns and not self.live

    def refreshed(self, now: float, snapshot: HudSnapshot) -> None:
        """The HUD was redrawn from ``snapshot`` at ``now``."""
        self._refreshed_at = now
        self.countdowns = has_countdowns(snapshot.limits)

    def timers(self, shown: bool) -> TimerPlan:
        """Timers run only while there is something to show."""
        return TimerPlan(streaming_timer=shown and self.live, idle_timer=shown)


def has_countdowns(limits: LimitsView) -> bool:
    """Whether the limits panel shows anything that counts down by itself (worth a tick)."""
    return (
        limits.queue is not None
        or any(w.reset_in_s for w in limits.windows)
        or any(p.retry_in_s for p in limits.providers)
    )
