"""Find and load theme files: tuichat's shipped ones, then the user's own.

Shipped themes live in the top-level ``themes/`` folder of the repository,
which the wheel carries as ``tuichat/themes/`` (see ``setup.py``); the user's
go in ``<config dir>/themes``. Each ``*.toml`` file is one theme (the schema
is in :mod:`tuichat.ui.theme_schema`), optionally with a same-stem ``.tcss``
(see :mod:`tuichat.ui.theme_css`). A user theme with a shipped theme's name
replaces it.

A bad file never stops the app: it is skipped and described in one line of
``ThemeSet.problems``, naming the file and the key. Files are read through
:func:`~tuichat.ui.small_file.read_small_file` (size cap, regular files
only), and at most MAX_FILES_PER_FOLDER per folder. Nothing is read at
import time.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from textual.theme import Theme

import tuichat
from tuichat import paths
from tuichat.core.untrusted import one_line
from tuichat.ui.small_file import UnsuitableFile, read_small_file
from tuichat.ui.theme_css import ThemeCssError, scoped_theme_css
from tuichat.ui.theme_schema import ThemeSchemaError, theme_from_table

__all__ = ["ThemeSet", "load_themes", "shipped_themes_dir", "user_themes_dir"]

MAX_FILE_BYTES = 64 * 1024
MAX_FILES_PER_FOLDER = 100
MAX_ISSUES_SHOWN = 3


@dataclass(slots=True)
class ThemeSet:
    """Themes ready to register, their scoped styles by theme name, and what was skipped."""

    themes: list[Theme] = field(default_factory=list)
    css: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        """The loaded theme names, in load order."""
        return [theme.name for theme in self.themes]


class ThemeFileError(ValueError):
    """One theme file (or its ``.tcss``) that cannot be used."""


class ThemeFileMissing(ThemeFileError):
    """The file is not there (fine for an optional ``.tcss``)."""


def shipped_themes_dir() -> Path | None:
    """The shipped themes: inside the installed package, else in the source checkout."""
    package = Path(tuichat.__file__).resolve().parent
    installed = package / "themes"
    if installed.is_dir():
        return installed
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "themes").is_dir():
        return checkout / "themes"
    return None


def user_themes_dir() -> Path:
    """Where users put their own themes."""
    return paths.config_dir() / "themes"


def load_themes(
    shipped: Path | None = None,
    user: Path | None = None,
    app_variables: Mapping[str, str] | None = None,
) -> ThemeSet:
    """Load the shipped themes, then the user's (which win on equal names).

    ``shipped`` and ``user`` default to :func:`shipped_themes_dir` and
    :func:`user_themes_dir`; ``app_variables`` are the app's CSS variable
    defaults, which a theme's ``.tcss`` may use.
    """
    problems: list[str] = []
    shipped = shipped or shipped_themes_dir()
    if shipped is None:
        problems.append("tuichat's own themes are missing from this installation")
    loaded: dict[str, tuple[Theme, str | None]] = {}
    for folder in (shipped, user or user_themes_dir()):
        if folder is not None:
            loaded.update(_load_folder(folder, problems, app_variables or {}))
    themes = [theme for theme, _ in loaded.values()]
    css = {name: style for name, (_, style) in loaded.items() if style is not None}
    return ThemeSet(themes, css, problems)


def _load_folder(
    folder: Path, problems: list[str], app_variables: Mapping[str, str]
) -> dict[str, tuple[Theme, str | None]]:
    """Every good theme in ``folder`` by name; each bad one adds a line to ``problems``."""
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix == ".toml" and p.name[0] != ".")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        problems.append(one_line(f"themes folder {folder}: {exc.strerror or exc}"))
        return {}
    if len(files) > MAX_FILES_PER_FOLDER:
        problems.append(
            one_line(f"themes folder {folder}: only the first {MAX_FILES_PER_FOLDER} are read")
        )
    found: dict[str, tuple[Theme, str | None]] = {}
    for path in files[:MAX_FILES_PER_FOLDER]:
        try:
            theme, style = _load_theme_file(path, app_variables)
            if theme.name in found:
                raise ThemeFileError(f"name: {theme.name!r} is already used in this folder")
        except ThemeFileError as exc:
            problems.append(one_line(f"theme {path.name}: {exc}"))
            continue
        found[theme.name] = (theme, style)
    return found


def _load_theme_file(path: Path, app_variables: Mapping[str, str]) -> tuple[Theme, str | None]:
    """One theme and its scoped styles (None without a ``.tcss``); raises ThemeFileError."""
    text = _read_small_text(path)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"not valid TOML: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses once per nesting level
        raise ThemeFileError("not valid TOML: nested too deeply") from exc
    try:
        theme = theme_from_table(table)
    except ThemeSchemaError as exc:
        raise ThemeFileError(_summary(exc.issues)) from exc
    css_path = path.with_suffix(".tcss")
    try:
        css = _read_small_text(css_path)
        return theme, scoped_theme_css(theme.name, css, str(css_path), app_variables)
    except ThemeFileMissing:
        return theme, None
    except (ThemeFileError, ThemeCssError) as exc:
        raise ThemeFileError(f"{css_path.name}: {exc}") from exc


def _read_small_text(path: Path) -> str:
    """A theme file's UTF-8 text; raises ThemeFileMissing or ThemeFileError."""
    try:
        data = read_small_file(path, MAX_FILE_BYTES)
    except FileNotFoundError as exc:
        raise ThemeFileMissing("file not found") from exc
    except UnsuitableFile as exc:
        raise ThemeFileError(str(exc)) from exc
    except OSError as exc:
        raise ThemeFileError(f"cannot read: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ThemeFileError(f"not UTF-8 text (byte {exc.start})") from exc


def _summary(issues: list[str]) -> str:
    """At most a few issues on the line, and how many more there are."""
    shown = "; ".join(issues[:MAX_ISSUES_SHOWN])
    more = len(issues) - MAX_ISSUES_SHOWN
    return f"{shown}; and {more} more" if more > 0 else shown
