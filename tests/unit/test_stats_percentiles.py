"""Nearest-rank percentiles and the stats charts (pure functions)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.metrics.percentiles import nearest_rank, percentile, percentiles
from tuichat.core.metrics.stats_charts import bar, histogram_lines, sparkline


@pytest.mark.parametrize(
    ("n", "p", "rank"),
    [(1, 50, 1), (1, 99, 1), (2, 50, 1), (10, 50, 5), (10, 95, 10), (20, 95, 19), (100, 99, 99),
     (101, 99, 100), (1000, 0.1, 1), (7, 100, 7)],
)  # fmt: skip
def test_the_rank_is_the_ceiling_of_p_percent_of_n(n: int, p: float, rank: int) -> None:
    assert nearest_rank(n, p) == rank


def test_a_percentile_is_an_observed_value_not_an_interpolation() -> None:
    assert percentiles([4.0, 1.0, 3.0, 2.0]) == {"p50": 2.0, "p95": 4.0, "p99": 4.0}
    assert percentile([], 50) is None


@pytest.mark.parametrize("bad", [0.0, -1.0, 100.5])
def test_percentiles_outside_0_to_100_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="not in"):
        nearest_rank(10, bad)


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=300),
    st.sampled_from([1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0]),
)
def test_at_least_p_percent_of_the_values_are_at_or_below_it(values: list[float], p: float) -> None:
    """The defining property: the smallest value with ≥ p % of the data at or below it."""
    value = percentile(sorted(values), p)
    assert value is not None
    at_or_below = sum(v <= value for v in values)
    assert at_or_below >= math.ceil(p / 100 * len(values) - 1e-9)
    assert sum(v < value for v in values) < p / 100 * len(values) + 1e-9


def test_sparkline_scales_to_the_largest_value() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""


def test_bars_use_eighths_of_a_cell() -> None:
    assert bar(1, 1, 4) == "████"
    assert bar(1, 8, 4) == "▌"
    assert bar(0, 8, 4) == ""


def test_histogram_lines_trim_empty_ends_and_label_buckets() -> None:
    lines = histogram_lines((0.0, 100.0, 1000.0, 5000.0), (0, 3, 1, 0), width=8)
    assert lines == ["100 ms–1 s │████████ 3", "   1 s–5 s │██▋      1"]
    assert histogram_lines((0.0,), (0,)) == ["(no values)"]
