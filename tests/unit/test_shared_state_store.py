"""The shared limits file: rows, damaged input, two writers, and the fall-back to memory."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
from pathlib import Path

import pytest

from tuichat.core.health.breaker_health import BreakerHealth
from tuichat.core.limit_state import LimitWindow, RateLimitState
from tuichat.core.limits.shared_buckets import BucketDraw, SharedStateUnavailable
from tuichat.store.shared_state import SqliteSharedState, open_shared_state
from tuichat.store.shared_state_schema import SCHEMA_VERSION, state_path_beside

KEY = "model:m|requests/minute"


def draw(amount: float = 1.0, need: float | None = 1.0) -> BucketDraw:
    return BucketDraw(KEY, 1_000_000.0, 0.0, amount, need)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return state_path_beside(tmp_path / "data" / "tuichat.db")


def test_the_file_is_private_and_beside_the_log(path: Path) -> None:
    open_shared_state(path).close()
    assert path.name == "limits.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_two_connections_see_one_bucket(path: Path) -> None:
    first, second = open_shared_state(path), open_shared_state(path)
    assert first.draw([BucketDraw(KEY, 2.0, 0.0, 1.0, 1.0)], 10.0)
    assert second.draw([BucketDraw(KEY, 2.0, 0.0, 1.0, 1.0)], 11.0)
    assert not first.draw([BucketDraw(KEY, 2.0, 0.0, 1.0, 1.0)], 12.0)
    assert second.level(KEY, 2.0, 0.0, 12.0) == 0.0


def test_breakers_and_readings_round_trip(path: Path) -> None:
    first, second = open_shared_state(path), open_shared_state(path)

    def trip(health: BreakerHealth) -> None:
        health.state, health.recent, health.opened_at = "open", [5.0, 6.0], 6.0

    first.update("sim@h", trip)
    assert second.read("sim@h") == BreakerHealth(state="open", recent=[5.0, 6.0], opened_at=6.0)
    assert set(second.read_all()) == {"sim@h"}
    reading = RateLimitState(
        LimitWindow(10, 2, 70.0), None, LimitWindow(None, 5, None), None, 60.0, "openai"
    )
    first.record_reading("sim@h", reading)
    first.record_reading("sim@h", RateLimitState.empty(observed_at=50.0))  # older: ignored
    assert second.latest_reading("sim@h") == reading


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"state": "melting"}', '{"state": "open", "recent": [1e999]}', "{}"],
)
def test_a_damaged_breaker_row_reads_as_a_new_breaker(path: Path, text: str) -> None:
    store = open_shared_state(path)
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO breakers VALUES ('sim@h', ?, 0)", (text,))
    assert store.read("sim@h") is None
    assert store.update("sim@h", lambda health: None).state == "closed"


def test_a_damaged_bucket_row_reads_as_a_full_bucket(path: Path) -> None:
    store = open_shared_state(path)
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO buckets VALUES (?, 'lots', 0)", (KEY,))
    assert store.level(KEY, 2.0, 0.0, 1.0) == 2.0


def test_a_damaged_reading_is_absent(path: Path) -> None:
    store = open_shared_state(path)
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO readings VALUES ('p', '{\"observed_at\": 1, \"source\": 3}', 1)")
    assert store.latest_reading("p") is None


def test_a_newer_file_or_not_a_database_is_refused_in_one_line(path: Path) -> None:
    open_shared_state(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(SharedStateUnavailable, match="newer tuichat"):
        open_shared_state(path)
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(SharedStateUnavailable) as caught:
        open_shared_state(path)
    assert "\n" not in str(caught.value)


def test_a_file_that_fails_mid_run_moves_the_state_into_memory(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_shared_state(path)
    assert store.draw([BucketDraw(KEY, 2.0, 0.0, 1.0, 1.0)], 1.0)
    store._conn.close()  # type: ignore[union-attr]  # as if the file went away
    assert store.draw([BucketDraw(KEY, 2.0, 0.0, 1.0, 1.0)], 2.0)  # in memory from now on
    assert store.failed and store.level(KEY, 2.0, 0.0, 2.0) == 1.0
    assert store.update("sim@h", lambda health: None).state == "closed"
    assert sum("limits now hold per process" in r.message for r in caplog.records) == 1


def _draw_many(path: str, count: int, start: multiprocessing.synchronize.Event) -> None:
    store = open_shared_state(Path(path), busy_timeout_ms=5000)
    start.wait()
    for i in range(count):
        assert store.draw([draw()], float(i))
        store.update("sim@h", _count_one)
    store.close()


def _count_one(health: BreakerHealth) -> None:
    health.streak += 1


def test_two_writer_processes_lose_no_update(path: Path) -> None:
    open_shared_state(path).close()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    workers = [ctx.Process(target=_draw_many, args=(str(path), 200, start)) for _ in range(2)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    store: SqliteSharedState = open_shared_state(path)
    assert store.level(KEY, 1_000_000.0, 0.0, 1000.0) == 1_000_000.0 - 400
    health = store.read("sim@h")
    assert health is not None and health.streak == 400
