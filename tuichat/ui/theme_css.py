"""A theme's own ``.tcss``: checked once at load, then scoped to that theme.

Textual gives the app the class ``-theme-<name>`` while a theme is active, so
wrapping a theme's rules in ``App.-theme-<name> { … }`` (nested TCSS) makes
them apply to every screen while that theme is active and to nothing after a
switch. Every theme's styles therefore sit in the one app stylesheet from the
start, and switching themes needs no stylesheet surgery.

The stylesheet is re-parsed with the *active* theme's variables, so a theme's
``.tcss`` may only use variables every theme defines: Textual's standard ones
(``$primary``, ``$text-muted``, …) and the app's defaults, not a custom
variable from its own ``[variables]`` table. Checking against exactly that set
here means a bad file is reported at start-up instead of crashing a later
theme switch. Rules for ``App`` itself do not apply (they would select an
``App`` inside the app).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.css.errors import StylesheetError
from textual.css.stylesheet import Stylesheet, StylesheetParseError
from textual.css.tokenizer import TokenError
from textual.design import ColorSystem

__all__ = ["ThemeCssError", "scoped_theme_css"]

# Any valid colour does: only variable names and value kinds matter for parsing.
_PROBE_PRIMARY = "#808080"
# Textual parses nested rules recursively; the app re-parses on every theme
# switch from deeper in the stack than this check, so depth is capped here.
MAX_NESTING = 16


class ThemeCssError(ValueError):
    """A theme stylesheet that does not parse; the message says where and why."""


def scoped_theme_css(
    theme_name: str, css: str, origin: str, app_variables: Mapping[str, str] | None = None
) -> str:
    """Check ``css`` and return it wrapped so it only applies while ``theme_name`` is active.

    ``origin`` names the file in error messages; ``app_variables`` are the app's
    own variable defaults, which a theme stylesheet may use too.
    """
    if _nesting_depth(css) > MAX_NESTING:
        raise ThemeCssError(f"rules nested deeper than {MAX_NESTING} levels")
    scoped = f"App.-theme-{theme_name} {{\n{css}\n}}\n"
    # The bare file is parsed first so a stray "}" cannot close the scope early.
    for source in (css, scoped):
        _check_parses(source, origin, app_variables or {})
    return scoped


def shared_variables(app_variables: Mapping[str, str]) -> dict[str, str]:
    """The variables every theme defines, with the app's defaults underneath."""
    return {**app_variables, **ColorSystem(primary=_PROBE_PRIMARY).generate()}


def _check_parses(css: str, origin: str, app_variables: Mapping[str, str]) -> None:
    sheet = Stylesheet(variables=shared_variables(app_variables))
    try:
        sheet.add_source(css, read_from=(origin, ""))
        sheet.parse()
    except StylesheetParseError as exc:
        raise ThemeCssError(_first_rule_error(exc)) from exc
    except TokenError as exc:
        line = exc.start[0]
        raise ThemeCssError(f"line {line}: {exc}") from exc
    except StylesheetError as exc:
        raise ThemeCssError(str(exc)) from exc
    except Exception as exc:  # a third-party parser fed untrusted text: never crash on it
        raise ThemeCssError(f"cannot be parsed: {exc}") from exc


def _nesting_depth(css: str) -> int:
    """The deepest ``{`` nesting (braces in comments count too, which only errs on caution)."""
    depth = deepest = 0
    for char in css:
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth -= 1
    return deepest


def _first_rule_error(exc: StylesheetParseError) -> str:
    """The first declaration error as ``line N: summary`` (Textual's own report is a renderable)."""
    for rule in exc.errors.rules:
        for token, message in rule.errors:
            line = (token.referenced_by or token).location[0] + 1
            return f"line {line}: {getattr(message, 'summary', message)}"
    return "invalid styles"
