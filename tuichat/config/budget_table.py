"""The ``[budgets]`` table: spending limits in USD.

::

    [budgets]
    session = 0.50                    # a number is a hard limit; soft = 80% of it
    day = { soft = 2.0, hard = 5.0 }
    month = { hard = 50 }
    [budgets.profiles.alice]          # only when running as --profile alice
    day = 1.0
    [budgets.tags.summarizer]         # only for sessions tagged --tag summarizer
    month = { soft = 20, hard = 30 }
"""

from __future__ import annotations

from typing import Any

from tuichat.config.bounds import MAX_USD
from tuichat.config.fields import Where, check_keys, number, shown, table
from tuichat.core.cost.budget import PERIODS, SOFT_SHARE, BudgetRule, Period

LIMIT_KEYS = ("soft", "hard")
SCOPE_TABLES = ("profiles", "tags")


def parse_budgets(value: Any, where: Where) -> tuple[BudgetRule, ...]:
    """Validate ``[budgets]``; raise ``ConfigError`` at the first bad key."""
    keys = ("budgets",)
    data = table(value, keys, where)
    check_keys(data, (*PERIODS, *SCOPE_TABLES), keys, where, {})
    rules = list(_periods(data, keys, where))
    for kind in SCOPE_TABLES:
        scopes = table(data.get(kind, {}), (*keys, kind), where)
        for name, body in scopes.items():
            scope_keys = (*keys, kind, name)
            scope = table(body, scope_keys, where)
            check_keys(scope, PERIODS, scope_keys, where, {})
            narrowed = {"profile" if kind == "profiles" else "tag": name}
            rules.extend(
                BudgetRule(r.period, r.soft_usd, r.hard_usd, **narrowed)
                for r in _periods(scope, scope_keys, where)
            )
    return tuple(rules)


def _periods(data: dict[str, Any], keys: tuple[str, ...], where: Where) -> list[BudgetRule]:
    present = [period for period in PERIODS if period in data]
    return [_limit(period, data[period], (*keys, period), where) for period in present]


def _limit(period: Period, value: Any, keys: tuple[str, ...], where: Where) -> BudgetRule:
    """A number (hard, soft at 80%) or a ``{ soft, hard }`` table."""
    if not isinstance(value, dict):
        amount = _usd(value, keys, where)
        return BudgetRule(period, round(amount * SOFT_SHARE, 6), amount)
    check_keys(value, LIMIT_KEYS, keys, where, {})
    if not value:
        raise where.error(keys, "needs soft and/or hard, got an empty table")
    soft = _usd(value["soft"], (*keys, "soft"), where) if "soft" in value else None
    hard = _usd(value["hard"], (*keys, "hard"), where) if "hard" in value else None
    if soft is not None and hard is not None and soft > hard:
        raise where.error(keys, f"soft limit {soft:g} is above the hard limit {hard:g}")
    return BudgetRule(period, soft, hard)


def _usd(value: Any, keys: tuple[str, ...], where: Where) -> float:
    if isinstance(value, dict | list):
        raise where.error(keys, f"must be an amount in USD or {{ soft, hard }}, got {shown(value)}")
    return number(value, keys, where, 0.0, MAX_USD)
