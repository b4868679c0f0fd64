"""Give an app tuichat's themes, start it in the remembered one, remember each switch.

Two steps, because Textual allows them at different times:

- ``ThemeKeeper(app)`` in ``App.__init__``: loads and registers the themes,
  adds their scoped styles and sets ``app.theme`` before the first stylesheet
  parse, so the first frame is already in the right colours;
- ``keeper.start()`` in ``on_mount``: reports bad theme files as warnings
  (a notification needs a running app) and subscribes to
  ``theme_changed_signal`` (a signal needs a mounted node).

Textual's "Theme" command in the palette lists every registered theme, so
the switch itself needs no code here; whatever theme becomes active, by the
palette or by code, is saved. A remembered theme that is gone falls back to
DEFAULT_THEME.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.app import App
from textual.theme import Theme

from tuichat.core.untrusted import one_line
from tuichat.ui.themes import ThemeSet, load_themes
from tuichat.ui.ui_state import load_ui_state, save_theme

__all__ = ["DEFAULT_THEME", "ThemeKeeper"]

log = logging.getLogger(__name__)

DEFAULT_THEME = "tuichat-dark"
FALLBACK_THEME = "textual-dark"  # Textual's own, for an install without tuichat's themes


class ThemeKeeper:
    """Registers tuichat's themes with one app and keeps its theme choice across runs."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.theme_set: ThemeSet = load_themes(app_variables=app.get_theme_variable_defaults())
        self.problems: list[str] = list(self.theme_set.problems)
        for theme in self.theme_set.themes:
            app.register_theme(theme)
        for name, css in self.theme_set.css.items():
            app.stylesheet.add_source(css, read_from=(f"<theme {name}>", ""))
        self.remembered = load_ui_state().theme
        self.current = app.theme = self._starting_theme()

    def start(self) -> None:
        """Report what went wrong while loading, then remember every theme switch."""
        for problem in self.problems:
            self._warn(problem)
        self.app.theme_changed_signal.subscribe(self.app, self._remember)

    def _starting_theme(self) -> str:
        """The remembered theme if it still exists, else the default."""
        available = self.app.available_themes
        if self.remembered in available:
            return self.remembered
        if self.remembered is not None:
            self.problems.append(f"theme {self.remembered!r} is not available any more")
        return DEFAULT_THEME if DEFAULT_THEME in available else FALLBACK_THEME

    def _remember(self, theme: Theme) -> None:
        """Save a theme the user switched to; a failed write is a warning, not an error.

        The start-up theme is not saved: a fallback must not overwrite a
        remembered theme that is only missing for now.
        """
        if theme.name == self.current:
            return
        self.current = theme.name
        try:
            save_theme(theme.name)
        except OSError as exc:
            log.warning("cannot save the theme choice: %s", exc)
            self._warn(f"cannot remember the theme: {exc.strerror or exc}")

    def _warn(self, message: str) -> None:
        """A warning toast; file names and values are shown as text, never as markup."""
        self.app.notify(one_line(message), title="Themes", severity="warning", markup=False)
