"""Percentiles from (value, count) histograms agree with sorting every value."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.store.diagnostics.distribution import (
    count_above,
    histogram,
    median,
    merged,
    quantile,
)


def test_an_empty_histogram_has_no_quantiles() -> None:
    assert quantile({}, 0.5) is None and median({}) is None


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median(histogram([(100, 2), (300, 2)])) == 200
    assert median(histogram([(5, 1), (1, 1), (3, 1)])) == 3


def test_merging_adds_counts() -> None:
    assert merged({1.0: 2}, {1.0: 3, 2.0: 1}) == {1.0: 5, 2.0: 1}
    assert count_above({1.0: 5, 2.0: 1, 3.0: 4}, 1.5) == 5


@given(st.lists(st.integers(0, 50), min_size=2, max_size=60), st.sampled_from([0.5, 0.95]))
def test_quantiles_match_sorting_every_value(values: list[int], q: float) -> None:
    hist = histogram((v, 1) for v in values)
    expected = statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]
    assert quantile(hist, q) == pytest.approx(expected)
