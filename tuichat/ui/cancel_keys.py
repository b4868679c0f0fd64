"""ctrl+c and escape in the chat: cancel the answer, or copy a selection; who may act on them.

A mixin of the chat app (kept apart so the app stays one screen of wiring).
:meth:`CancelKeys.check_action` also decides which other screens' keys pass:
ctrl+c goes to a live comparison, alt+←/→ only while alternatives are browsed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from tuichat.ui.regen_actions import BROWSE_ACTION
from tuichat.ui.widgets.prompt import PromptArea

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp


class CancelKeys:
    """Cancel, cancel-or-copy and the app's action check (a mixin of the chat app)."""

    @property
    def _app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    def action_cancel(self) -> None:
        """Cancel the streaming answer (the partial answer is kept)."""
        turn = self._app.turn
        if turn is not None and turn.running:
            turn.cancel()

    def action_cancel_or_copy(self) -> None:
        """ctrl+c: copy a selection if there is one, else cancel the answer."""
        app = self._app
        prompt = app.query_one(PromptArea)
        if prompt.selected_text:
            app.copy_to_clipboard(prompt.selected_text)
        elif (selected := app.screen.get_selected_text()) is not None:
            app.copy_to_clipboard(selected)
        elif app.streaming:
            self.action_cancel()
        else:
            app.notify("Nothing to cancel. ctrl+q quits.", timeout=2)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape only while streaming; ctrl+c to a comparison; alt+←/→ only while browsing."""
        app = self._app
        if action == "cancel":
            return app.streaming
        if action == BROWSE_ACTION:
            return app.can_browse()
        return not app.compare_owns(action)
