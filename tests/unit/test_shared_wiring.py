"""The factory shares limits, breakers and readings between a user's chats (or says why not)."""

from __future__ import annotations

from pathlib import Path

from tuichat.config import resolve_settings
from tuichat.core.clock import ManualClock
from tuichat.core.events import AttemptStarted, RateLimitObserved
from tuichat.core.limit_state import LimitWindow, RateLimitState
from tuichat.factory import Chat, ChatWishes, assemble_chat

KEY = "sim@127.0.0.1"


def chat(clock: ManualClock, database: Path | None = None) -> Chat:
    settings = resolve_settings(env={})
    wishes = ChatWishes(warm=False, database=database)
    return assemble_chat(settings.primary, _Closable(), wishes, settings=settings, clock=clock)  # type: ignore[arg-type]


class _Closable:
    async def aclose(self) -> None:
        return None


def started(trace: str, clock: ManualClock) -> AttemptStarted:
    return AttemptStarted(
        trace_id=trace, ts=clock.now(), attempt=1, model="m", provider="sim",
        base_url_host="127.0.0.1",
    )  # fmt: skip


def test_a_breaker_tripped_in_one_chat_is_open_in_the_other_and_on_its_hud() -> None:
    clock = ManualClock()
    first, second = chat(clock), chat(clock)
    assert first.shared is not None and first.breakers is not None
    for _ in range(3):
        first.breakers.get(KEY).record_failure("server_error")
    assert second.breakers is not None and not second.breakers.get(KEY).allow()
    hud = second.metrics.hud_snapshot(clock.now(), second.breakers.snapshot())
    assert [(p.key, p.state) for p in hud.health.providers] == [(KEY, "open")]


def test_the_hud_shows_the_newest_reading_of_any_chat() -> None:
    clock = ManualClock()
    first, second = chat(clock), chat(clock)
    second.metrics.observe(started("t2", clock))
    first.metrics.observe(started("t1", clock))
    clock.advance(5.0)
    reading = RateLimitState(
        LimitWindow(100, 7, clock.now() + 40), None, None, None, clock.now(), "openai"
    )
    first.metrics.observe(
        RateLimitObserved(trace_id="t1", ts=clock.now(), attempt=1, state=reading)
    )
    limits = second.metrics.hud_snapshot(clock.now(), {}).limits
    assert [(w.name, w.remaining, round(w.reset_in_s or 0)) for w in limits.windows] == [
        ("requests", 7, 40)
    ]


async def test_an_unusable_file_leaves_limits_in_the_process_and_one_notice(tmp_path: Path) -> None:
    database = tmp_path / "data" / "tuichat.db"
    (tmp_path / "data" / "limits.sqlite3").mkdir(parents=True)  # not a file
    alone = chat(ManualClock(), database)
    assert alone.shared is None and alone.breakers is not None and not alone.breakers.shared
    assert alone.shared_failure is not None and "\n" not in alone.shared_failure
    assert "Limits and breakers hold in this process only" in alone.shared_failure
    notice = await alone.open_log()
    assert notice == alone.shared_failure
    await alone.aclose()
