"""``tuichat replay ID|last``: a logged session played back in the chat screen, HUD included.

The app loads the session and shows a
:class:`~tuichat.ui.screens.replay.ReplayScreen` (the same screen the chat
pushes from its session picker; its docstring has the keys and what the HUD
shows). Nothing is sent to a provider and nothing is written to the log;
closing the screen quits.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from tuichat.core.turn.replay import ReplayControl
from tuichat.core.untrusted import one_line
from tuichat.logbook import LogbookError, LoggedSession, open_logbook
from tuichat.ui.screens.replay import ReplayScreen
from tuichat.ui.theming import ThemeKeeper


def run_replay_app(args: object) -> int:
    """Load the session, then play it in the chat screen until the user quits."""
    import sys

    from tuichat.headless.log_parsers import SPEED_CHOICES

    try:
        session = asyncio.run(_load(str(getattr(args, "session", "last"))))
    except LogbookError as exc:
        print(f"tuichat replay: {one_line(str(exc))}", file=sys.stderr)
        return 2
    speed = SPEED_CHOICES[str(getattr(args, "speed", "1"))]
    app = ReplayApp(session, ReplayControl(speed))
    app.run()
    return app.return_code or 0


async def _load(ref: str) -> LoggedSession:
    async with open_logbook() as book:
        return await book.session(ref)


class ReplayApp(App[None]):
    """``tuichat replay``: the replay screen on its own; closing it quits."""

    TITLE = "tuichat replay"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit")]

    def __init__(self, session: LoggedSession, control: ReplayControl) -> None:
        super().__init__()
        self.theme_keeper = ThemeKeeper(self)
        self.session = session
        self.control = control

    def get_default_screen(self) -> ReplayScreen:
        return ReplayScreen(self.session, self.control, can_fork=False)

    def on_mount(self) -> None:
        self.theme_keeper.start()
