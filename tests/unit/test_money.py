"""Dollar amounts: significant digits for small sums, one formatter everywhere."""

from __future__ import annotations

import pytest

from tuichat.core.cost.budget import describe
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.cost.money import usd


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "$0"),
        (0.0007, "$0.0007"),
        (0.00072, "$0.00072"),
        (0.0012, "$0.0012"),
        (0.00999, "$0.01"),
        (0.034, "$0.034"),
        (0.07, "$0.07"),
        (0.42, "$0.42"),
        (1.234, "$1.23"),
        (120.4, "$120"),
        (1234.0, "$1,234"),
        (4e-8, "<$0.000001"),
        (-0.0031, "-$0.0031"),
    ],
)
def test_small_sums_keep_their_significant_digits(value: float, shown: str) -> None:
    assert usd(value) == shown


def test_budget_lines_show_what_was_spent_however_small() -> None:
    line = BudgetLine("day", 0.0007, 0.0008, 0.001)
    assert describe(line) == "day budget: $0.0007 spent of $0.0008 (soft limit)"
    over = BudgetLine("day", 5.1, 4.0, 5.0)
    assert describe(over) == "day budget: $5.10 spent of $5.00 (hard limit)"
