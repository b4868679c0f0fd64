"""The response cache in the chat app: a hit marked CACHED, "not what I asked", freshness.

The real app, the real SQLite cache file beside a throw-away log, the
simulator over loopback. Two app runs on the same files stand for two
sessions of the user: the second asks what the first asked and is answered
from the cache.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.helpers.cache_app import answers, ask, cached_app
from tests.helpers.chat_pilot import wait_until
from tuichat.backends import Backends
from tuichat.store import cache_path_beside, open_cache_store


def entry_rows(db: Path) -> list[tuple[object, ...]]:
    store = open_cache_store(cache_path_beside(db), max_bytes=1 << 30)
    try:
        return [tuple(row) for row in store.read("SELECT hits, false_hit FROM entries")]
    finally:
        store.close()


def lookups(db: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT verdict, rejects IS NOT NULL FROM cache_lookups ORDER BY ts_wall"
        ).fetchall()


async def test_a_repeated_question_is_cached_marked_and_can_be_rejected(
    sim: object, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    with Backends(env={}) as backends:
        first = cached_app(sim, backends, db)
        async with first.run_test() as pilot:
            live = await ask(pilot, first, "What is a token bucket?")
            assert live.status is None or "CACHED" not in live.status[0]
            assert first.metrics.cache_mode is not None
            assert first.metrics.cache_mode.label == "exact"
        second = cached_app(sim, backends, db)
        async with second.run_test() as pilot:
            cached = await ask(pilot, second, "What is a token bucket?")
            assert cached.status is not None and cached.status[0].startswith("CACHED · exact")
            assert "ctrl+n" in cached.status[0] and cached.text == live.text
            snapshot = second.metrics.hud_snapshot(second.hud_now(), {})
            assert snapshot.cache.response.exact == 1  # type: ignore[union-attr]
            today = lambda: second.chat.cache_today  # noqa: E731 - read after the turn's refresh
            await wait_until(pilot, lambda: today() is not None and today().exact == 1)  # type: ignore[union-attr]
            await pilot.press("ctrl+n")
            await wait_until(pilot, lambda: len(answers(second)) == 2)
            await wait_until(pilot, lambda: second.turn is not None and not second.turn.running)
            again = answers(second)[-1]
            assert again.status is None or "CACHED" not in again.status[0]
            assert second.session.last_hit is None
            assert [m.role for m in second.session.conversation.messages] == ["user", "assistant"]
    # The rejected answer is never served again: the live one asked instead replaced it.
    assert entry_rows(db) == [(0, 0)]
    assert lookups(db) == [("miss", 0), ("exact", 0), ("bypass", 1)]


async def test_freshness_critical_skips_the_cache(sim: object, tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    with Backends(env={}) as backends:
        first = cached_app(sim, backends, db)
        async with first.run_test() as pilot:
            await ask(pilot, first, "Fresh, please")
        second = cached_app(sim, backends, db)
        async with second.run_test() as pilot:
            await second.log_ready.wait()  # the cache opens with the log
            await pilot.press("f8")
            assert second.session.bypass_cache
            assert second.metrics.cache_mode is not None
            assert second.metrics.cache_mode.label == "bypassed (fresh)"
            answer = await ask(pilot, second, "Fresh, please")
            assert answer.status is None or "CACHED" not in answer.status[0]
