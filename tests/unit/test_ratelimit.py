"""Rate-limit headers in every form providers and gateways send, and hostile ones."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.limits.headers import (
    LimitWindow,
    RateLimitState,
    parse_duration,
    parse_rate_limit_headers,
    parse_rfc3339,
)

NOW = 1000.0  # monotonic
WALL = datetime(2024, 8, 20, 12, 0, 0, tzinfo=UTC).timestamp()


def parse(headers: dict[str, str]) -> RateLimitState | None:
    return parse_rate_limit_headers(headers, NOW, WALL)


def parsed(headers: dict[str, str]) -> RateLimitState:
    state = parse(headers)
    assert state is not None
    return state


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("12ms", 0.012),
        ("1h2m3.5s", 3723.5),
        ("0.5s", 0.5),
        ("1m30.5s", 90.5),
        ("20ms", 0.02),
        ("500us", 0.0005),
        ("250µs", 0.00025),
        ("100ns", 1e-7),
        ("0s", 0.0),
        (" 3S ", 3.0),
        (".5s", 0.5),
        ("2", 2.0),  # bare seconds, as LiteLLM and the IETF draft send
        ("7.25", 7.25),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        *("", " ", "s", "-1s", "1x", "1e3s", "1e3", "inf", "nan", "1s2", "abc", "1.2.3s"),
        *("1h-2m", "9" * 400 + "s", "1" * 70, "+5s", "5 s", "1d"),
    ],
)
def test_parse_duration_garbage(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("2024-08-20T12:00:30Z", 30.0),
        ("2024-08-20t12:00:30z", 30.0),
        ("2024-08-20T14:00:30+02:00", 30.0),
        ("2024-08-20T06:30:30-05:30", 30.0),
        ("2024-08-20T12:00:30.5Z", 30.5),
        ("2024-08-20T12:00:30.123456789Z", 30.123456),
        ("2024-08-20 12:00:30+00:00", 30.0),
        ("2024-08-20T12:00:30", 30.0),  # no offset: UTC, never the machine's zone
        ("2024-08-20T11:59:00Z", -60.0),
    ],
)
def test_parse_rfc3339(text: str, offset: float) -> None:
    value = parse_rfc3339(text)
    assert value is not None
    assert value - WALL == pytest.approx(offset, abs=1e-6)


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "2024-13-01T00:00:00Z", "2024-08-20T25:00:00Z", "12:00:30", "Z"]
)
def test_parse_rfc3339_garbage(text: str) -> None:
    assert parse_rfc3339(text) is None


def test_openai_headers() -> None:
    state = parsed(
        {
            "x-ratelimit-limit-requests": "60",
            "x-ratelimit-remaining-requests": "59",
            "x-ratelimit-reset-requests": "1s",
            "x-ratelimit-limit-tokens": "150000",
            "x-ratelimit-remaining-tokens": "149984",
            "x-ratelimit-reset-tokens": "6m0s",
        }
    )
    assert state.source == "openai"
    assert state.observed_at == NOW
    assert state.requests == LimitWindow(60, 59, NOW + 1.0)
    assert state.tokens == LimitWindow(150000, 149984, NOW + 360.0)
    assert state.input_tokens is None and state.output_tokens is None


def test_header_names_are_case_insensitive() -> None:
    state = parsed({"X-RateLimit-Remaining-Tokens": "5", "X-RATELIMIT-RESET-TOKENS": "12ms"})
    assert state.tokens is not None
    assert (state.tokens.limit, state.tokens.remaining) == (None, 5)
    assert state.tokens.reset_at == pytest.approx(NOW + 0.012)


def test_httpx_headers_are_a_mapping() -> None:
    headers = httpx.Headers(
        {"X-Ratelimit-Limit-Requests": "3", "x-ratelimit-remaining-requests": "0"}
    )
    state = parse_rate_limit_headers(headers, NOW, WALL)
    assert state is not None and state.requests == LimitWindow(3, 0, None)


def test_anthropic_headers_all_windows() -> None:
    headers: dict[str, str] = {}
    for window, limit in [("requests", 50), ("tokens", 90000), ("input-tokens", 80000)]:
        headers[f"anthropic-ratelimit-{window}-limit"] = str(limit)
        headers[f"anthropic-ratelimit-{window}-remaining"] = str(limit - 1)
        headers[f"anthropic-ratelimit-{window}-reset"] = "2024-08-20T12:00:30Z"
    headers["anthropic-ratelimit-output-tokens-limit"] = "10000"
    headers["anthropic-ratelimit-output-tokens-remaining"] = "0"
    headers["anthropic-ratelimit-output-tokens-reset"] = "2024-08-20T14:01:00.5+02:00"
    state = parsed(headers)
    assert state.source == "anthropic"
    assert state.requests == LimitWindow(50, 49, NOW + 30.0)
    assert state.tokens == LimitWindow(90000, 89999, NOW + 30.0)
    assert state.input_tokens == LimitWindow(80000, 79999, NOW + 30.0)
    assert state.output_tokens == LimitWindow(10000, 0, NOW + 60.5)


def test_anthropic_wins_over_openai_style_headers() -> None:
    state = parsed(
        {"anthropic-ratelimit-requests-remaining": "4", "x-ratelimit-limit-requests": "9"}
    )
    assert state.source == "anthropic"
    assert state.requests == LimitWindow(None, 4, None)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"RateLimit-Limit": "100", "RateLimit-Remaining": "40", "RateLimit-Reset": "30"},
            LimitWindow(100, 40, NOW + 30.0),
        ),
        (
            {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "1m"},
            LimitWindow(10, 2, NOW + 60.0),
        ),
        (  # GitHub-style: the reset is an epoch time
            {"x-ratelimit-remaining": "2", "x-ratelimit-reset": str(int(WALL) + 45)},
            LimitWindow(None, 2, NOW + 45.0),
        ),
    ],
)
def test_generic_headers(headers: dict[str, str], expected: LimitWindow) -> None:
    state = parsed(headers)
    assert state.source == "generic"
    assert state.requests == expected
    assert state.tokens is None


def test_openai_reset_as_bare_seconds_or_epoch() -> None:
    """LiteLLM documents its resets as ints; both readings are accepted."""
    assert parsed({"x-ratelimit-reset-requests": "7"}).requests == LimitWindow(None, None, NOW + 7)
    epoch = str(int(WALL) + 90)
    assert parsed({"x-ratelimit-reset-tokens": epoch}).tokens == LimitWindow(None, None, NOW + 90)


def test_litellm_forwarded_provider_headers_fill_gaps() -> None:
    state = parsed(
        {
            "x-ratelimit-remaining-requests": "7",  # the gateway's own limit for the key
            "llm_provider-x-ratelimit-remaining-requests": "999",
            "llm_provider-x-ratelimit-limit-requests": "1000",
        }
    )
    assert state.requests == LimitWindow(1000, 7, None)


def test_garbage_is_ignored_field_by_field() -> None:
    state = parsed(
        {
            "x-ratelimit-limit-requests": "lots",
            "x-ratelimit-remaining-requests": "10",
            "x-ratelimit-reset-requests": "soon",
            "x-ratelimit-limit-tokens": "-5",
            "x-ratelimit-remaining-tokens": "1.5",
            "x-ratelimit-reset-tokens": "2s",
        }
    )
    assert state.requests == LimitWindow(None, 10, None)
    assert state.tokens == LimitWindow(None, None, NOW + 2.0)


def test_repeated_header_uses_first_value() -> None:
    assert parsed({"x-ratelimit-limit-requests": "100, 200"}).requests == LimitWindow(
        100, None, None
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "text/event-stream", "retry-after": "2"},
        {"x-ratelimit-limit-requests": "", "anthropic-ratelimit-tokens-reset": "whenever"},
        {"x-ratelimit-remaining-tokens": "9" * 5000},
        {"ratelimit-reset": "\x00\x1b[31m"},
    ],
)
def test_no_usable_rate_limit_header_gives_none(headers: dict[str, str]) -> None:
    assert parse(headers) is None


def test_simulator_headers_parse() -> None:
    """The shapes the built-in simulator sends on a 429."""
    openai = parsed(
        {
            "x-ratelimit-limit-requests": "3",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "1.5s",
        }
    )
    assert openai.requests == LimitWindow(3, 0, NOW + 1.5)
    anthropic = parsed({"anthropic-ratelimit-requests-reset": "2024-08-20T12:00:02Z"})
    assert anthropic.seconds_to_reset(NOW) is None  # no counts: cannot rank
    assert anthropic.requests is not None and anthropic.requests.seconds_to_reset(NOW) == 2.0


# --- the state's helpers ---------------------------------------------------------------


def test_empty_state() -> None:
    state = RateLimitState.empty()
    assert state.windows() == {}
    assert state.tightest() is None
    assert state.seconds_to_reset(NOW) is None
    assert state.source == "none"


@pytest.mark.parametrize(
    ("window", "fraction"),
    [
        (LimitWindow(100, 25, None), 0.25),
        (LimitWindow(100, 0, None), 0.0),
        (LimitWindow(0, 0, None), 0.0),
        (LimitWindow(10, 50, None), 1.0),  # a gateway may report more than its limit
        (LimitWindow(None, 5, None), None),
        (LimitWindow(5, None, None), None),
    ],
)
def test_fraction_left(window: LimitWindow, fraction: float | None) -> None:
    assert window.fraction_left() == fraction


def test_window_reset_and_exhaustion() -> None:
    window = LimitWindow(10, 0, NOW + 5)
    assert window.is_exhausted()
    assert window.seconds_to_reset(NOW) == 5.0
    assert window.seconds_to_reset(NOW + 9) == 0.0
    assert not LimitWindow(10, None, None).is_exhausted()
    assert LimitWindow(10, 3, None).seconds_to_reset(NOW) is None


def test_tightest_window_and_its_reset() -> None:
    state = RateLimitState(
        requests=LimitWindow(50, 40, NOW + 1),
        tokens=LimitWindow(1000, 0, NOW + 5),
        input_tokens=LimitWindow(800, 0, NOW + 20),
        output_tokens=LimitWindow(None, 3, NOW + 99),
        observed_at=NOW,
        source="anthropic",
    )
    assert state.tightest() == ("input_tokens", state.input_tokens)
    assert state.seconds_to_reset(NOW) == 20.0
    assert list(state.windows()) == ["requests", "tokens", "input_tokens", "output_tokens"]


# --- hostile input -----------------------------------------------------------------------

KNOWN_NAMES = [
    f"x-ratelimit-{part}-{window}"
    for part in ("limit", "remaining", "reset")
    for window in ("requests", "tokens")
] + [
    f"anthropic-ratelimit-{window}-{part}"
    for window in ("requests", "tokens", "input-tokens", "output-tokens")
    for part in ("limit", "remaining", "reset")
]
KNOWN_NAMES += ["ratelimit-reset", "x-ratelimit-reset", "llm_provider-x-ratelimit-reset-tokens"]

header_values = st.one_of(
    st.text(),
    st.from_regex(r"[0-9.hmsun]{0,12}", fullmatch=True),
    st.from_regex(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?", fullmatch=True
    ),
    st.integers(-(10**30), 10**30).map(str),
)


def _assert_sane(state: RateLimitState | None) -> None:
    if state is None:
        return
    for window in state.windows().values():
        assert window.limit is None or window.limit >= 0
        assert window.remaining is None or window.remaining >= 0
        assert window.reset_at is None or math.isfinite(window.reset_at)
        fraction = window.fraction_left()
        assert fraction is None or 0.0 <= fraction <= 1.0


@given(st.dictionaries(st.text(), st.text()))
def test_parse_never_raises_on_arbitrary_headers(headers: dict[str, str]) -> None:
    _assert_sane(parse_rate_limit_headers(headers, NOW, WALL))


@given(
    st.dictionaries(st.sampled_from(KNOWN_NAMES).map(str.title), header_values),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
def test_parse_never_raises_on_known_names_with_hostile_values(
    headers: dict[str, str], now: float
) -> None:
    _assert_sane(parse_rate_limit_headers(headers, now, WALL))


@given(st.text())
def test_duration_and_time_parsers_never_raise(text: str) -> None:
    seconds = parse_duration(text)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
    when = parse_rfc3339(text)
    assert when is None or math.isfinite(when)
