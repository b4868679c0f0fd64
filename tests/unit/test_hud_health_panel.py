"""The HUD's Health and Rate limits panels: labelled figures, breakers in Health."""

from __future__ import annotations

from tuichat.core.metrics.hud_view import HealthView, LimitsView, ProviderView
from tuichat.ui.widgets.hud_lines import (
    health_headline,
    health_lines,
    limits_headline,
    limits_lines,
)
from tuichat.ui.widgets.hud_text import ERROR, plain

WIDTH = 26
"""The panel's width in the default 28-column HUD."""
CLOSED = ProviderView("openai-compat@api.example.test", "closed", None, 0.0, 0, 2)
OPEN = ProviderView("bad@127.0.0.1", "open", 25.0, 0.4, 2, 3)


def health(
    *providers: ProviderView, failed: int = 0, attempts: int = 0, cancelled: int = 0
) -> HealthView:
    rate = failed / attempts if attempts else None
    return HealthView(attempts, failed, rate, cancelled, providers, 0, 0, "")


def text(lines: tuple[tuple[object, ...], ...]) -> list[str]:
    return [plain(line).rstrip() for line in lines]  # type: ignore[arg-type]


def test_availability_is_labelled_and_not_under_errors_alone() -> None:
    shown = text(health_lines(health(CLOSED, failed=2, attempts=2), WIDTH))
    assert shown[0] == "errors    2/2 (100%)"
    assert shown[1] == "openai-compat@api.example…"
    assert shown[2] == "circuit   closed · 0% up"


def test_an_open_breaker_shows_in_health_with_its_countdown() -> None:
    view = health(OPEN, failed=3, attempts=5)
    lines = health_lines(view, WIDTH)
    shown = text(lines)
    assert "circuit   OPEN ↻25s" in shown and "up        40%" in shown
    assert any(part[1] == ERROR for line in lines for part in line if isinstance(part, tuple))
    assert health_headline(view) == "breaker OPEN"
    wide = text(health_lines(view, 60))
    assert "circuit   OPEN ↻25s · 40% up" in wide


def test_the_limits_panel_has_no_breakers() -> None:
    view = LimitsView("bad@127.0.0.1", None, (), 0, None, (OPEN,))
    shown = "\n".join(text(limits_lines(view, WIDTH)))
    assert "OPEN" not in shown and "bad@" not in shown and "closed" not in shown
    assert limits_headline(view) == "no headers"


def test_a_cancelled_attempt_ended() -> None:
    assert text(health_lines(health(cancelled=1), WIDTH))[:2] == ["errors    none", "cancelled 1"]
    shown = text(health_lines(health(failed=1, attempts=4, cancelled=2), WIDTH))
    assert shown[:2] == ["errors    1/4 (25%)", "cancelled 2"]
    assert text(health_lines(health(), WIDTH))[0] == "errors    none ended yet"
