"""Validate one theme table (parsed TOML) into a :class:`textual.theme.Theme`.

Theme files come from users, so nothing is trusted: every key is checked
before Textual sees it, because Textual fails late and loudly. A bad colour
only raises when the theme is applied, a name that is not an identifier
crashes the app when Textual turns it into the CSS class ``-theme-<name>``,
and a bad ``[variables]`` value breaks the stylesheet of every screen.

The schema (keys map one to one onto ``Theme`` fields):

- ``name`` (required): 1–64 letters, digits, ``-`` or ``_``
- ``primary`` (required), ``secondary``, ``accent``, ``foreground``,
  ``background``, ``surface``, ``panel``, ``boost``, ``warning``, ``error``,
  ``success``: colours as :meth:`textual.color.Color.parse` reads them
- ``dark``, ``ansi``: booleans
- ``luminosity_spread``, ``text_alpha``: numbers from 0 to 1
- ``[variables]``: Textual CSS variables; a value is a colour, optionally with
  an alpha percentage (``"#4fa3f7 35%"``, ``"auto 87%"``), or, for a variable
  whose name has a ``style`` part, text-style flags (``"bold underline"``)

Unknown keys are errors, so a typo is reported instead of silently ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.theme import Theme

__all__ = ["ThemeSchemaError", "theme_from_table"]

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
VARIABLE_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,63}")
ALPHA_SUFFIX = re.compile(r"(?P<colour>.+?)\s+(?P<alpha>\d{1,3}(?:\.\d+)?)%")
COLOUR_KEYWORDS = frozenset({"auto", "initial"})
MAX_VALUE_LENGTH = 64
MAX_VARIABLES = 256

COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
REQUIRED_FIELDS = ("name", "primary")

Check = Callable[[object], str | None]


class ThemeSchemaError(ValueError):
    """A table that is not a valid theme; ``issues`` are ``"key: what is wrong"`` lines."""

    def __init__(self, issues: list[str]) -> None:
        super().__init__("; ".join(issues))
        self.issues = issues


def theme_from_table(table: Mapping[str, object]) -> Theme:
    """Build a Theme from a parsed theme file, or raise ThemeSchemaError naming every bad key."""
    issues = [f"{key}: missing" for key in REQUIRED_FIELDS if key not in table]
    for key, value in table.items():
        if key == "variables":
            issues.extend(_variable_issues(value))
        elif (check := FIELD_CHECKS.get(key)) is None:
            issues.append(f"{_shown(key)}: unknown key")
        elif (problem := check(value)) is not None:
            issues.append(f"{key}: {problem}")
    if issues:
        raise ThemeSchemaError(issues)
    theme = Theme(**{key: _copied(value) for key, value in table.items()})  # type: ignore[arg-type]
    _check_colour_system(theme)
    return theme


def _check_name(value: object) -> str | None:
    """Textual makes the name a CSS class, so it must be an identifier."""
    if isinstance(value, str) and NAME_PATTERN.fullmatch(value):
        return None
    return f"must be 1–64 letters, digits, '-' or '_' (got {_shown(value)})"


def _check_colour(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        return f"must be a colour string (got {_shown(value)})"
    try:
        Color.parse(value)
    except ColorParseError:
        return f"cannot parse {_shown(value)} as a colour"
    return None


def _check_bool(value: object) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false (got {_shown(value)})"


def _check_ratio(value: object) -> str | None:
    """A number in [0, 1]; TOML's ``nan`` and ``inf`` are refused, and so are booleans."""
    problem = f"must be a number from 0 to 1 (got {_shown(value)})"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return problem
    return None if math.isfinite(value) and 0 <= value <= 1 else problem


FIELD_CHECKS: dict[str, Check] = {
    "name": _check_name,
    **dict.fromkeys(COLOUR_FIELDS, _check_colour),
    "dark": _check_bool,
    "ansi": _check_bool,
    "luminosity_spread": _check_ratio,
    "text_alpha": _check_ratio,
}


def _variable_issues(value: object) -> list[str]:
    """Check ``[variables]``: well-formed names, values Textual's CSS will accept."""
    if not isinstance(value, dict):
        return ["variables: must be a table"]
    if len(value) > MAX_VARIABLES:
        return [f"variables: more than {MAX_VARIABLES} entries"]
    issues = []
    for key, item in value.items():
        if not VARIABLE_PATTERN.fullmatch(key):
            issues.append(f"variables.{_shown(key)}: not a variable name (a-z, 0-9, '-')")
        elif (problem := _check_variable(key, item)) is not None:
            issues.append(f"variables.{key}: {problem}")
    return issues


def _check_variable(key: str, value: object) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        return f"must be a short string (got {_shown(value)})"
    if "style" in key.split("-"):
        flags = value.split()
        if flags and set(flags) <= VALID_STYLE_FLAGS:
            return None
        return f"{_shown(value)} is not a text style (e.g. 'bold underline', 'none')"
    match = ALPHA_SUFFIX.fullmatch(value.strip())
    colour = match["colour"] if match else value.strip()
    if match and float(match["alpha"]) > 100:
        return f"alpha in {_shown(value)} is over 100%"
    return None if colour in COLOUR_KEYWORDS else _check_colour(colour)


def _check_colour_system(theme: Theme) -> None:
    """Let Textual derive its colours once, so a theme that passed the checks cannot fail later."""
    try:
        theme.to_color_system().generate()
    except Exception as exc:
        raise ThemeSchemaError([f"colours: {exc}"]) from exc


def _copied(value: object) -> object:
    """Variables are copied so the Theme does not share the parsed table."""
    return dict(value) if isinstance(value, dict) else value


def _shown(value: object) -> str:
    """A short view of a bad value for a problem message; repr quotes and escapes strings."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
