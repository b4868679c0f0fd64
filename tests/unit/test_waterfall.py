"""The waterfall: consecutive phases of the answering attempt that add up to the total."""

from __future__ import annotations

import pytest

from tuichat.core.metrics.waterfall import PHASES, AttemptStamps, Waterfall, build_waterfall


def ms(fall: Waterfall) -> dict[str, float | None]:
    return {p.name: None if p.ms is None else round(p.ms, 6) for p in fall.phases}


def test_a_finished_turn_splits_into_every_phase() -> None:
    a = AttemptStamps(
        number=1,
        queued_at=10.010,
        started=10.110,
        headers=10.140,
        connect_ms=10.0,
        first_token=10.300,
        last_token=11.300,
        server_prefill_ms=120.0,
        reused=False,
    )
    fall = build_waterfall(10.0, a, 11.310, running=False)
    assert [p.name for p in fall.phases] == list(PHASES)
    assert ms(fall) == {
        "retries": None,
        "queue": 100.0,
        "connect": 10.0,
        "TTFB": 20.0,
        "1st token": 160.0,
        "client busy": None,
        "generation": 1000.0,
        "client": 20.0,
    }
    assert fall.total_ms == pytest.approx(1310.0)
    assert sum(p.ms or 0 for p in fall.phases) == pytest.approx(fall.total_ms)
    assert fall.server_prefill_ms == 120.0 and fall.earlier_attempts == 0
    starts = [p.start_ms for p in fall.phases if p.ms is not None]
    assert starts == sorted(starts)


def test_while_waiting_for_headers_ttfb_runs_to_now_and_later_phases_are_unknown() -> None:
    a = AttemptStamps(number=1, started=5.0)
    fall = build_waterfall(5.0, a, 5.2, running=True)
    assert ms(fall)["TTFB"] == pytest.approx(200.0)
    assert ms(fall)["connect"] is None  # known only once the headers are in
    assert ms(fall)["1st token"] is None and ms(fall)["generation"] is None


def test_while_streaming_generation_runs_to_now() -> None:
    a = AttemptStamps(number=1, started=0.0, headers=0.05, first_token=0.1, last_token=0.4)
    fall = build_waterfall(0.0, a, 0.5, running=True)
    assert ms(fall)["generation"] == pytest.approx(400.0)
    assert ms(fall)["client"] is None  # a remainder only once the turn is over


def test_a_retried_turn_counts_earlier_attempts_as_retries() -> None:
    a = AttemptStamps(number=2, started=3.0, headers=3.01, first_token=3.1, last_token=3.2)
    fall = build_waterfall(1.0, a, 3.2, running=False)
    assert ms(fall)["retries"] == pytest.approx(2000.0)
    assert fall.earlier_attempts == 1
    assert sum(p.ms or 0 for p in fall.phases) == pytest.approx(fall.total_ms)


def test_without_headers_the_first_token_phase_starts_at_the_attempt() -> None:
    a = AttemptStamps(number=1, started=0.0, first_token=0.25, last_token=0.45)
    fall = build_waterfall(0.0, a, 0.45, running=False)
    assert ms(fall)["TTFB"] is None
    assert ms(fall)["1st token"] == pytest.approx(250.0)


def test_a_reused_connection_connects_in_no_time() -> None:
    a = AttemptStamps(number=1, started=0.0, headers=0.01, connect_ms=0.0, reused=True)
    fall = build_waterfall(0.0, a, 0.02, running=True)
    assert ms(fall)["connect"] == 0.0 and fall.connection_reused is True
