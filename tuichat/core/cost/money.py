"""Sums of money as people read them: significant digits for small sums.

One formatter for every place that shows dollars (the HUD, budget lines, the
pre-send estimate): a session of cheap calls costs fractions of a cent, and
``$0.00 spent of $0.00`` hides it while ``tuichat cost`` says ``$0.0007``.
"""

from __future__ import annotations

import math

SMALL = 0.1
"""Below this, two significant digits (``$0.0012``, ``$0.034``); above, cents."""
FLOOR = 1e-6
"""Smaller non-zero sums read ``<$0.000001`` (no run of zeros that says nothing)."""


def usd(value: float) -> str:
    """``$0``, ``$0.0007``, ``$0.0012``, ``$0.034``, ``$0.42``, ``$1.23``, ``$120``, ``$1,234``."""
    if value < 0:
        return "-" + usd(-value)
    if value == 0:
        return "$0"
    if value < FLOOR:
        return f"<${FLOOR:.6f}"
    if value < SMALL:
        decimals = 1 - math.floor(math.log10(value))  # two significant digits
        text = f"{value:.{decimals}f}"
        return "$" + (text.rstrip("0") if "." in text else text)
    return f"${value:,.2f}" if value < 100 else f"${value:,.0f}"
