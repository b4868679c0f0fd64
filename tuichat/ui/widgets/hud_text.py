"""Small text pieces the HUD panels are drawn with: numbers, bars, sparklines.

A panel's lines are plain tuples of parts (a string, or ``(text, style)``), so
they compare cheaply and a panel redraws only the lines that really changed.
Text is never parsed as markup (model, provider and host names are
untrusted). A style is a name (:data:`STYLES`): panel bodies map it to a
component class, :func:`to_content` to a theme variable, so the HUD follows
the theme either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from tuichat.core.cost import money

Part = str | tuple[str, str]
Line = tuple[Part, ...]

DASH = "–"
MUTED = "muted"
ACCENT = "accent"
WARNING = "warning"
ERROR = "error"
STYLES = {
    MUTED: "$text-muted",
    ACCENT: "$accent",
    WARNING: "$text-warning",
    ERROR: "$text-error",
}
"""Style names used in lines, and the theme variable each stands for."""
BAR_FULL, BAR_EMPTY = "▇", "▁"
SPARKS = "▁▂▃▄▅▆▇█"


def to_content(lines: Sequence[Line]) -> Content:
    """The lines as one inert ``Content`` (no markup is ever interpreted)."""
    return Content("\n").join(Content.assemble(*map(_themed, line)) for line in lines)


def _themed(part: Part) -> Part:
    return part if isinstance(part, str) else (part[0], STYLES.get(part[1], part[1]))


def plain(line: Line) -> str:
    """The text of a line without its styles."""
    return "".join(part if isinstance(part, str) else part[0] for part in line)


def ms(value: float | None) -> str:
    """``0.4 ms``, ``312 ms``, ``1.25 s``, ``12.5 s``; a dash for unknown."""
    if value is None:
        return DASH
    if value < 10:
        return f"{value:.1f} ms"
    if value < 1000:
        return f"{value:.0f} ms"
    seconds = value / 1000
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def seconds(value: float | None) -> str:
    """A countdown: ``45s``, ``3m05s``, ``2h10m``."""
    if value is None:
        return DASH
    whole = int(value + 0.5)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def count(value: int | None, estimated: bool = False) -> str:
    """``987``, ``12,345``, ``1.23M``; ``≈`` marks a local estimate."""
    if value is None:
        return DASH
    text = f"{value / 1e6:.2f}M" if value >= 1_000_000 else f"{value:,}"
    return f"≈{text}" if estimated else text


def short_count(value: int | None) -> str:
    """``950``, ``9.8k``, ``120k``, ``1.2M``: for limits, where space is tight."""
    if value is None:
        return "?"
    if value < 1000:
        return str(value)
    if value < 100_000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    if value < 1_000_000:
        return f"{value // 1000}k"
    return f"{value / 1e6:.1f}M"


def percent(value: float | None) -> str:
    """``45%``, ``0.5%``; a dash for unknown."""
    if value is None:
        return DASH
    pct = value * 100
    return f"{pct:.1f}%" if 0 < pct < 10 else f"{pct:.0f}%"


def usd(value: float | None) -> str:
    """``$0.0007``, ``$0.034``, ``$0.42``, ``$120``; a dash for unknown.

    The one money formatter (:func:`tuichat.core.cost.money.usd`), as budget lines use it.
    """
    return DASH if value is None else money.usd(value)


def rate(value: float | None) -> str:
    """Tokens per second: ``98.4``, ``1,205``."""
    if value is None:
        return DASH
    return f"{value:.1f}" if value < 99.95 else f"{value:,.0f}"


def bar(fraction: float | None, width: int) -> str:
    """``▇▇▇▁▁`` filled to ``fraction`` (0..1) over ``width`` cells."""
    if fraction is None or width <= 0:
        return ""
    filled = round(min(1.0, max(0.0, fraction)) * width)
    return BAR_FULL * filled + BAR_EMPTY * (width - filled)


def span_bar(start: float, length: float | None, total: float, width: int) -> str:
    """A waterfall bar: blank up to ``start``, then ``length``, scaled to ``width`` cells.

    A phase too short for a cell still gets a thin mark, so it is visible.
    """
    if length is None or total <= 0 or width <= 0:
        return ""
    begin = min(width - 1, int(start / total * width))
    cells = round(length / total * width)
    mark = "█" * cells if cells else ("▏" if length > 0 else "")
    return (" " * begin + mark)[:width]


def sparkline(values: Sequence[float], width: int) -> str:
    """Values as ``▁▂▅▇`` scaled to their maximum, averaged down to ``width`` cells."""
    points = list(values)
    while len(points) > width > 0:
        points = [sum(points[i : i + 2]) / len(points[i : i + 2]) for i in range(0, len(points), 2)]
    top = max(points, default=0.0)
    if top <= 0:
        return SPARKS[0] * len(points)
    last = len(SPARKS) - 1
    return "".join(SPARKS[min(last, int(v / top * last + 0.5))] for v in points)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis (names can be long)."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def row(label: str, value: str, width: int, *, label_width: int = 9, style: str = "") -> Line:
    """``label     value``: a muted label column and the value (cut to fit)."""
    room = max(1, width - label_width - 1)
    shown = fit(value, room)
    return ((f"{label:<{label_width}} ", MUTED), (shown, style) if style else shown)
