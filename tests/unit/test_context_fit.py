"""Fit arithmetic, length presets and window sources, table-driven."""

from __future__ import annotations

import pytest

from tuichat.core.context.fit import FitInput, answer_budget, plan_fit, system_fits
from tuichat.core.context.length import PRESETS, next_preset, preset_named
from tuichat.core.context.window import resolve_window

# window, fixed, history, draft, answer, room_for -> (fits, drop, possible)
FIT_TABLE = [
    (100, 10, (10, 10), 10, 20, 0, (True, 0, True)),  # 60 of 100
    (60, 10, (10, 10), 10, 20, 0, (True, 0, True)),  # exactly full
    (59, 10, (10, 10), 10, 20, 0, (False, 2, True)),  # one token over: a whole exchange goes
    (80, 10, (10, 10, 10, 10, 10, 10), 10, 20, 0, (False, 2, True)),  # 100 of 80: drop 2
    (80, 10, (10, 10, 10, 10, 10, 10), 10, 20, 15, (False, 4, True)),  # room for a summary
    (80, 10, (50, 5, 5, 5), 10, 20, 0, (False, 2, True)),  # the big first exchange
    (30, 10, (10, 10), 10, 20, 0, (False, 2, False)),  # even no history is too much
    (40, 10, (), 10, 20, 0, (True, 0, True)),  # nothing to drop, fits
]


FIT_ARGS = ("window", "fixed", "history", "draft", "answer", "room", "want")


@pytest.mark.parametrize(FIT_ARGS, FIT_TABLE)
def test_plan_fit(
    window: int,
    fixed: int,
    history: tuple[int, ...],
    draft: int,
    answer: int,
    room: int,
    want: tuple[bool, int, bool],
) -> None:
    plan = plan_fit(FitInput(window, fixed, history, draft, answer), room)
    assert (plan.fits, plan.drop, plan.possible) == want
    assert plan.used == fixed + sum(history) + draft + answer
    assert plan.over == max(0, plan.used - window)


def test_a_drop_keeps_the_history_opening_with_the_user() -> None:
    # user, assistant, assistant (a continued answer), user: dropping 1 is enough by tokens,
    # but the kept part must open with a user message, so three go.
    given = FitInput(50, 0, (20, 5, 5, 5), 10, 10, roles=("user", "assistant", "assistant", "user"))
    assert plan_fit(given).drop == 3


@pytest.mark.parametrize(
    ("cap", "window", "want"), [(300, 4096, 300), (None, 4096, 1024), (None, 128_000, 4096)]
)
def test_answer_budget(cap: int | None, window: int, want: int) -> None:
    assert answer_budget(cap, window) == want


def test_system_fits_needs_room_for_a_prompt() -> None:
    assert system_fits(100, 50, 49)
    assert not system_fits(100, 50, 50)


def test_length_presets_cycle_and_set_caps() -> None:
    assert [p.name for p in PRESETS.values()] == ["brief", "normal", "long"]
    assert PRESETS["brief"].max_tokens < PRESETS["normal"].max_tokens < PRESETS["long"].max_tokens
    seen, preset = [], next_preset(None)
    while preset is not None:
        seen.append(preset.name)
        preset = next_preset(preset)
    assert seen == ["brief", "normal", "long"]
    assert preset_named(None) is None and preset_named("long") is PRESETS["long"]
    assert all("Length:" in p.instruction for p in PRESETS.values())


WINDOW_TABLE = [
    (8000, "openai", "gpt-4o", None, 128_000, (8000, "config")),
    (None, "local", "gemma-3-270m", 4096, None, (4096, "local n_ctx")),
    (None, "sim", "sim?window=500&tps=0", None, None, (500, "simulator model id")),
    (None, "openai", "gpt-4o", None, 128_000, (128_000, "genai-prices")),
    (None, "openai-compat", "mystery", None, None, (None, "unknown window")),
    (None, "sim", "sim?window=zero", None, None, (None, "unknown window")),
]


@pytest.mark.parametrize(("configured", "kind", "model", "served", "listed", "want"), WINDOW_TABLE)
def test_window_sources_in_order(
    configured: int | None,
    kind: str,
    model: str,
    served: int | None,
    listed: int | None,
    want: tuple[int | None, str],
) -> None:
    window = resolve_window(configured, kind, model, served=served, catalogue=lambda: listed)
    assert (window.tokens, window.source) == want


def test_the_local_window_is_the_servers_n_ctx() -> None:
    from tuichat.context_setup import LOCAL_N_CTX
    from tuichat.local.profiles import DEFAULT_CONTEXT

    assert LOCAL_N_CTX == DEFAULT_CONTEXT


def test_genai_prices_lists_windows() -> None:
    from tuichat.core.cost.pricing import PriceBook, Tariff

    book = PriceBook()
    assert (book.context_window(Tariff("openai", "gpt-4o")) or 0) >= 100_000
    assert book.context_window(Tariff("sim", "sim")) is None
    assert book.context_window(Tariff("openai", "no-such-model-xyz")) is None
