"""One theme table → Theme: every key is checked before Textual sees it."""

from __future__ import annotations

import pytest
from textual.theme import Theme

from tuichat.ui.theme_schema import ThemeSchemaError, theme_from_table


def table(**extra: object) -> dict[str, object]:
    return {"name": "ocean", "primary": "#0077be", **extra}


def issues(value: dict[str, object]) -> list[str]:
    with pytest.raises(ThemeSchemaError) as caught:
        theme_from_table(value)
    return caught.value.issues


def test_a_minimal_table_is_a_theme() -> None:
    theme = theme_from_table(table())
    assert isinstance(theme, Theme)
    assert (theme.name, theme.primary, theme.dark) == ("ocean", "#0077be", True)


def test_every_field_maps_onto_theme() -> None:
    colours = ("secondary", "accent", "foreground", "background", "surface", "panel", "boost")
    full = table(
        **dict.fromkeys(colours, "#102030"),
        warning="orange",
        error="rgb(200, 30, 40)",
        success="hsl(140, 60%, 45%)",
        dark=False,
        ansi=False,
        luminosity_spread=0.2,
        text_alpha=1,
        variables={
            "footer-key-foreground": "#4fa3f7",
            "input-selection-background": "#4fa3f7 35%",
            "text-muted": "auto 60%",
            "link-background": "initial",
            "block-cursor-text-style": "bold reverse",
            "link-style-hover": "bold not underline",
        },
    )
    theme = theme_from_table(full)
    assert theme.dark is False and theme.text_alpha == 1
    assert theme.variables["text-muted"] == "auto 60%"
    assert theme.variables is not full["variables"]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"primary": "blurple"}, "primary"),
        ({"primary": 42}, "primary"),
        ({"background": "#12345"}, "background"),
        ({"name": "two words"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "evil\x1b[31m"}, "name"),
        ({"name": ["a"]}, "name"),
        ({"dark": "yes"}, "dark"),
        ({"dark": 1}, "dark"),
        ({"text_alpha": 1.5}, "text_alpha"),
        ({"text_alpha": True}, "text_alpha"),
        ({"luminosity_spread": float("nan")}, "luminosity_spread"),
        ({"variables": "red"}, "variables"),
        ({"variables": {"Bad Name": "red"}}, "variables."),
        ({"variables": {"footer-key-foreground": "bold"}}, "variables.footer-key-foreground"),
        ({"variables": {"footer-key-foreground": "red 150%"}}, "variables.footer-key-foreground"),
        ({"variables": {"link-style": "sparkly"}}, "variables.link-style"),
        ({"variables": {"link-style": ""}}, "variables.link-style"),
        ({"variables": {"text": {"nested": "table"}}}, "variables.text"),
        ({"primry": "#fff"}, "'primry': unknown key"),
    ],
)
def test_a_bad_value_names_its_key(extra: dict[str, object], key: str) -> None:
    found = issues(table(**extra))
    assert len(found) == 1 and found[0].startswith(key), found


def test_required_keys_are_reported_missing() -> None:
    assert issues({}) == ["name: missing", "primary: missing"]


def test_every_bad_key_is_reported_at_once() -> None:
    found = issues(table(primary="nope", dark="no", extra=1))
    assert [issue.split(":")[0] for issue in found] == ["primary", "dark", "'extra'"]


def test_control_characters_are_escaped_in_issues() -> None:
    (issue,) = issues(table(name="bad\x1b]52;c;payload\x07"))
    assert "\x1b" not in issue and "\x07" not in issue


def test_huge_values_are_cut_short_in_issues() -> None:
    (issue,) = issues(table(primary="#" + "f" * 5000))
    assert len(issue) < 120
