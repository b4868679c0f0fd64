"""The debug screen: the operator's checklist for this session or the last 24 h.

The diagnosis comes from :mod:`tuichat.store.diagnostics`, and the cache
section's verdict from :mod:`tuichat.headless.debug_cache` (the HUD's
figures read back from the log: response-cache tally, provider prompt-cache
share, prompt-cache breaks with cause and extra cost); this screen only
shows them. It is loaded by a worker that opens the log read-only for each
load (a few milliseconds), so the screen holds no connection to close and
never competes with the chat's writer. Everything shown from the log goes
through the diagnostics' inert text and into plain :class:`Content`, never
markup. Keyboard only: ``escape`` closes, ``r`` refreshes, ``s`` switches
between this session and the last 24 hours.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, Static
from textual.worker import Worker, WorkerState

from tuichat.core.metrics.cache_verdict import CacheVerdict
from tuichat.core.untrusted import one_line
from tuichat.headless.debug import cache_text
from tuichat.headless.debug_cache import cache_section
from tuichat.store.diagnostics import (
    DAY_S,
    VERDICT_MARKS,
    Diagnosis,
    Scope,
    Section,
    Verdict,
    diagnose_file,
    headline_text,
    section_details,
    title_line,
)

log = logging.getLogger(__name__)

SECTION_IDS = ("latency", "rate-limits", "cache", "errors", "streaming", "tokens")
_VERDICT_CLASSES = {"ok": "-ok", "warn": "-warn", "bad": "-bad", "n/a": "-na"}


@dataclass(frozen=True, slots=True)
class DebugReport:
    """One load: the log's diagnosis and the cache verdict."""

    diagnosis: Diagnosis
    cache: CacheVerdict


class SectionView(Vertical):
    """One checklist section: verdict badge and headline, then the figures."""

    DEFAULT_CSS = """
    SectionView { height: auto; margin: 0 0 1 0; padding: 0 1; border-left: outer $panel; }
    SectionView.-ok { border-left: outer $success; }
    SectionView.-warn { border-left: outer $warning; }
    SectionView.-bad { border-left: outer $error; }
    SectionView > Horizontal { height: auto; }
    SectionView .badge { width: 7; text-style: bold; color: $text-muted; }
    SectionView.-ok .badge { color: $success; }
    SectionView.-warn .badge { color: $warning; }
    SectionView.-bad .badge { color: $error; }
    SectionView .headline { width: 1fr; text-style: bold; }
    SectionView .details { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("", classes="badge")
            yield Static("", classes="headline")
        yield Static("", classes="details")

    def show(self, section: Section) -> None:
        """Show ``section``; its verdict picks the colour through a CSS class."""
        self.show_parts(section.verdict, headline_text(section), section_details(section))

    def show_parts(self, verdict: Verdict, headline: str, details: Sequence[str]) -> None:
        """Show a verdict, an inert headline and inert detail lines (as plain content)."""
        self.remove_class(*_VERDICT_CLASSES.values())
        self.add_class(_VERDICT_CLASSES[verdict])
        self.query_one(".badge", Label).update(Content(VERDICT_MARKS[verdict]))
        self.query_one(".headline", Static).update(Content(headline))
        self.query_one(".details", Static).update(Content("\n".join(details)))


class DebugScreen(Screen[None]):
    """Where latency comes from, rate limits, cache, errors, streaming and tokens.

    ``database`` is the log file (opened read-only on each load, never
    created); ``session_id`` is the chat's session, or None to show only the
    time window. ``clock`` gives epoch seconds (injected for tests).
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="debug-close"),
        Binding("r", "reload", "Refresh", id="debug-refresh"),
        Binding("s", "toggle_scope", "Session / 24 h", id="debug-scope"),
    ]
    DEFAULT_CSS = """
    DebugScreen #debug-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    DebugScreen #debug-status { height: auto; padding: 0 1; color: $text-muted; }
    DebugScreen #debug-status.-error { color: $error; }
    DebugScreen #debug-otel { height: auto; padding: 0 1; color: $text-muted; }
    DebugScreen #debug-sections { height: 1fr; padding: 1 1 0 1; }
    """

    def __init__(
        self,
        database: Path,
        session_id: str | None,
        *,
        clock: Callable[[], float] = time.time,
        window_s: float = DAY_S,
        telemetry: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self.telemetry = telemetry
        """OpenTelemetry export's line (spans sent, dropped, failed); None: export is off."""
        self.database = database
        self.session_id = session_id
        self.window_s = window_s
        self._clock = clock
        self.show_session = session_id is not None
        self.diagnosis: Diagnosis | None = None
        self.cache: CacheVerdict | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content("Debug"), id="debug-title")
        yield Static(Content("Reading the log…"), id="debug-status")
        if self.telemetry is not None:
            yield Static(Content(self.telemetry()), id="debug-otel", classes="-otel")
        with VerticalScroll(id="debug-sections"):
            for section_id in SECTION_IDS:
                yield SectionView(id=f"debug-{section_id}")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#debug-sections").focus()
        self.action_reload()

    def scope(self) -> Scope:
        """This session, or the window ending now."""
        if self.show_session and self.session_id is not None:
            return Scope.session(self.session_id)
        return Scope.last(self.window_s, self._clock())

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        """Read the log again for the current scope."""
        scope = self.scope()
        self._set_status(f"Reading the log for {scope.describe()}…")
        self.load_diagnosis(scope)

    def action_toggle_scope(self) -> None:
        """Between this session and the last 24 h."""
        self.show_session = not self.show_session
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Scope switching needs a session: without one it shows disabled."""
        if action == "toggle_scope" and self.session_id is None:
            return None
        return True

    @work(
        name="debug-diagnosis",
        group="debug",
        exclusive=True,
        exit_on_error=False,
        description="diagnose the log",
    )
    async def load_diagnosis(self, scope: Scope) -> DebugReport:
        """The diagnosis of ``scope``; errors end in :meth:`on_worker_state_changed`."""
        if not await asyncio.to_thread(self.database.is_file):
            raise FileNotFoundError(f"no log at {self.database} yet")
        diagnosis = await diagnose_file(self.database, scope, now=self._clock())
        cache = await asyncio.to_thread(
            cache_section, self.database, diagnosis.scope, diagnosis.cache
        )
        return DebugReport(diagnosis, cache)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a load ends: show the diagnosis, or one line of error."""
        if event.worker.name != "debug-diagnosis":
            return
        result = event.worker.result
        if event.state == WorkerState.SUCCESS and isinstance(result, DebugReport):
            self.show(result.diagnosis, result.cache)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            log.warning("debug view: cannot diagnose %s", self.database, exc_info=error)
            self._set_status(f"Cannot read the log: {error}", error=True)

    def show(self, diagnosis: Diagnosis, cache: CacheVerdict | None = None) -> None:
        """Fill the title and the six sections (the cache one from ``cache`` when given)."""
        self.diagnosis, self.cache = diagnosis, cache
        self.query_one("#debug-title", Static).update(Content(f"Debug · {title_line(diagnosis)}"))
        self.query_one("#debug-status", Static).display = False
        for section_id, (_, section) in zip(SECTION_IDS, diagnosis.sections(), strict=True):
            view = self.query_one(f"#debug-{section_id}", SectionView)
            if section_id == "cache" and cache is not None:
                view.show_parts(cache.verdict, *cache_text(cache))
            else:
                view.show(section)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#debug-status", Static)
        status.display = True
        status.set_class(error, "-error")
        status.update(Content(one_line(text)))
