"""``tuichat rerun`` from the session picker: which models, then the comparison.

:class:`CompareSetup` asks for the models (comma-separated names from the
config) and says, before anything is sent, how many real requests that makes
and that each run is logged as a new session. :class:`ComparisonScreen` runs
the rerun in a worker (escape stops it) and shows the same
:meth:`~tuichat.headless.rerun.Comparison.table` as the command line, as
inert text. :func:`rerun_comparison` is the runner the chat hands the picker:
the chat's own settings with another model selected, a fresh set of
backends (the chat's providers are never closed under it), the chat's log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, LoadingIndicator, Static

from tuichat.backends import Backends
from tuichat.config import Settings
from tuichat.core.untrusted import one_line
from tuichat.factory import ChatWishes, start_chat
from tuichat.headless.rerun import Comparison, TurnFigures, _rerun_one
from tuichat.logbook import LoggedSession

log = logging.getLogger(__name__)

SessionLoader = Callable[[], Awaitable[LoggedSession]]
Runner = Callable[[LoggedSession, Sequence[str]], Awaitable[Comparison]]


def model_names(settings: Settings | None) -> list[str]:
    """What a session can be rerun on: the configured models, then the chains."""
    if settings is None:
        return []
    return sorted(settings.models) + sorted(settings.chains)


def for_model(settings: Settings, name: str) -> Settings:
    """``settings`` with ``name`` (a model or a chain) selected."""
    chain = settings.chains.get(name, (name,))
    return replace(
        settings, selected=chain, selection=name, selection_source="rerun from the session picker"
    )


async def rerun_comparison(
    settings: Settings, database: Path, session: LoggedSession, models: Sequence[str]
) -> Comparison:
    """Every turn of ``session`` asked again on each model (real requests), compared."""
    backends = Backends(connect_timeout=settings.resilience.connect_timeout)
    runs: dict[str, list[TurnFigures]] = {}
    try:
        for name in models:
            wishes = ChatWishes(
                system=session.system, label="rerun", rerun_of=session.session_id,
                database=database, warm=False,
            )  # fmt: skip
            chosen = for_model(settings, name)
            chat = await asyncio.to_thread(start_chat, chosen, wishes, backends=backends)
            runs[name] = await _rerun_one(chat, session)
    finally:
        await asyncio.to_thread(backends.close)  # embedded servers this rerun started
    return Comparison(session, runs)


def request_count(turns: int, models: int) -> str:
    """``"6 requests"``: what a rerun sends, before retries and fallbacks."""
    count = turns * models
    return f"{count} request" + ("" if count == 1 else "s")


class CompareSetup(ModalScreen[list[str] | None]):
    """Which models to rerun a session on; says first that real requests will be sent."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="compare-cancel")]
    DEFAULT_CSS = """
    CompareSetup { align: center middle; }
    CompareSetup > Vertical {
        width: 80%; max-width: 100; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
    }
    CompareSetup #compare-error { color: $text-error; height: auto; }
    """

    def __init__(self, session_id: str, turns: int, models: Sequence[str]) -> None:
        super().__init__()
        self.session_id = session_id
        self.turns = turns
        self.models = tuple(models)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content(f"Compare session {self.session_id} on other models").stylize("bold")
            )
            yield Static(Content(self._warning()))
            yield Input(placeholder="model names, comma-separated", id="compare-models")
            known = ", ".join(self.models) if self.models else "none configured"
            yield Static(Content(one_line(f"Models: {known}", 400)).stylize("dim"))
            yield Static(id="compare-error")

    def _warning(self) -> str:
        return (
            f"This sends the session's {self.turns} prompts again to each model you name: "
            f"{request_count(self.turns, 1)} per model, real requests that may be billed. "
            "Each run is logged as a new session. Enter starts, escape cancels."
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        names = [name.strip() for name in event.value.split(",") if name.strip()]
        unknown = [name for name in names if name not in self.models]
        if not names:
            self._error("Name at least one model.")
        elif unknown:
            self._error(f"Not configured: {', '.join(unknown)}")
        else:
            self.dismiss(list(dict.fromkeys(names)))

    def _error(self, line: str) -> None:
        self.query_one("#compare-error", Static).update(Content(one_line(line)))

    def action_cancel(self) -> None:
        """Send nothing."""
        self.dismiss(None)


class ComparisonScreen(ModalScreen[None]):
    """The rerun, computed in a worker, then its comparison table (scrollable)."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="comparison-close")]
    DEFAULT_CSS = """
    ComparisonScreen { align: center middle; }
    ComparisonScreen > Vertical {
        width: 96%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    ComparisonScreen #comparison-body { height: 1fr; }
    ComparisonScreen LoadingIndicator { height: 3; }
    """

    def __init__(
        self, session_id: str, models: Sequence[str], load: SessionLoader, run: Runner
    ) -> None:
        super().__init__()
        self.session_id = session_id
        self.models = tuple(models)
        self._loader = load
        self._runner = run
        self.comparison: Comparison | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            title = f"Rerun of {self.session_id} on {', '.join(self.models)}"
            yield Static(Content(one_line(title, 200)).stylize("bold"))
            yield LoadingIndicator()
            with VerticalScroll(id="comparison-body"):
                yield Static(Content("Loading the session…"), id="comparison-text")

    def on_mount(self) -> None:
        self._compare()

    @work(group="compare", exit_on_error=False, description="rerun and compare")
    async def _compare(self) -> None:
        try:
            session = await self._loader()
            sent = request_count(len(session.turns), len(self.models))
            self._show(f"Sending {sent} (escape stops)…")
            self.comparison = await self._runner(session, self.models)
        except Exception as exc:
            log.exception("rerunning %s failed", self.session_id)
            line = one_line(f"Rerun failed: {exc}")
            self._show(line, done=True)
            self.notify(line, severity="error", markup=False)
        else:
            self._show(self.comparison.table(terminal=True), done=True)

    def _show(self, text: str, *, done: bool = False) -> None:
        self.query_one("#comparison-text", Static).update(Content(text))
        if done:
            self.query_one(LoadingIndicator).display = False

    def action_close(self) -> None:
        """Back to the picker (a rerun still running is stopped)."""
        self.dismiss(None)
