"""The shared limits file as the core's ports: buckets, breakers, readings.

:func:`open_shared_state` opens ``limits.sqlite3`` (see
:mod:`tuichat.store.shared_state_schema` for why a file of its own) and
returns a :class:`SqliteSharedState` that implements
:class:`~tuichat.core.limits.shared_buckets.SharedBuckets`,
:class:`~tuichat.core.health.breaker_health.HealthRecords` and
:class:`~tuichat.core.limits.shared_readings.RateReadings` for every tuichat
process of the user. The rules stay in the core; this module only keeps rows:

* a read (a bucket's level for the forecast, a breaker for the HUD) is one
  primary-key ``SELECT`` outside any transaction (WAL: never blocked);
* a change (a grant, a settlement, a breaker's step) is ``BEGIN IMMEDIATE``,
  read the rows, apply the core's rule, upsert, ``COMMIT``: two processes
  never lose each other's updates, and a grant takes all or nothing;
* a reading is one upsert that keeps the newer of the two.

If the file fails after it opened (disk full, locked past the short busy
timeout, deleted under us), the first failure is logged once and the state
moves into this process's memory: limits and breakers then hold per process,
as they did before sharing, and nothing raises into a turn.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tuichat.core.health.breaker_health import BreakerHealth, HealthChange, LocalHealth
from tuichat.core.limit_state import RateLimitState
from tuichat.core.limits.shared_buckets import BucketDraw, BucketLevel, MemoryBuckets, apply_draws
from tuichat.core.limits.shared_buckets import refilled as refilled_level
from tuichat.store.shared_rows import (
    health_from_json,
    health_json,
    reading_from_json,
    reading_json,
)
from tuichat.store.shared_state_schema import STATE_BUSY_TIMEOUT_MS, connect_state

__all__ = ["SqliteSharedState", "open_shared_state"]

log = logging.getLogger(__name__)

_UPSERT_BUCKET = (
    "INSERT INTO buckets (key, level, at) VALUES (?, ?, ?)"
    " ON CONFLICT (key) DO UPDATE SET level = excluded.level, at = excluded.at"
)
_UPSERT_BREAKER = (
    "INSERT INTO breakers (key, health, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (key) DO UPDATE SET health = excluded.health, updated_at = excluded.updated_at"
)
_UPSERT_READING = (
    "INSERT INTO readings (key, reading, observed_at) VALUES (?, ?, ?)"
    " ON CONFLICT (key) DO UPDATE SET reading = excluded.reading,"
    " observed_at = excluded.observed_at WHERE excluded.observed_at >= readings.observed_at"
)
_MAX_BREAKERS = 200


def open_shared_state(
    path: Path, *, busy_timeout_ms: int = STATE_BUSY_TIMEOUT_MS
) -> SqliteSharedState:
    """The shared limits at ``path`` (created 0600 if missing).

    Raises :class:`~tuichat.core.limits.shared_buckets.SharedStateUnavailable`
    (one line) when the file cannot be used.
    """
    return SqliteSharedState(connect_state(path, busy_timeout_ms), path)


class SqliteSharedState:
    """Buckets, breakers and readings in one SQLite file (see the module doc)."""

    wall_clock = True
    """Breaker records are stamped with wall-clock time: processes share them."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self._lock = threading.Lock()
        self._buckets = MemoryBuckets()
        self._health = LocalHealth(wall_clock=True)
        self._readings: dict[str, RateLimitState] = {}

    @property
    def failed(self) -> bool:
        """True once the file failed and the state moved into this process."""
        return self._conn is None

    # --- buckets ----------------------------------------------------------

    def level(self, key: str, capacity: float, refill_per_second: float, now: float) -> float:
        """The level of ``key`` at wall-clock ``now`` (full when never used)."""
        with self._lock:
            if self._conn is not None:
                try:
                    sql = "SELECT level, at FROM buckets WHERE key = ?"
                    row = self._conn.execute(sql, (key,)).fetchone()
                    return refilled_level(_level(row), capacity, refill_per_second, now)
                except _FILE_ERRORS as exc:
                    self._fall_back(exc)
            return self._buckets.level(key, capacity, refill_per_second, now)

    def draw(self, draws: Sequence[BucketDraw], now: float) -> bool:
        """Apply ``draws`` at ``now`` in one transaction; False (nothing taken) on a short one."""
        with self._lock:
            if self._conn is not None:
                try:
                    return _draw(self._conn, draws, now)
                except _FILE_ERRORS as exc:
                    self._fall_back(exc)
            return self._buckets.draw(draws, now)

    # --- breakers ---------------------------------------------------------

    def read(self, key: str) -> BreakerHealth | None:
        """The breaker record of ``key`` (None: never used, or unreadable)."""
        with self._lock:
            if self._conn is not None:
                try:
                    sql = "SELECT health FROM breakers WHERE key = ?"
                    row = self._conn.execute(sql, (key,)).fetchone()
                    return None if row is None else health_from_json(row[0])
                except _FILE_ERRORS as exc:
                    self._fall_back(exc)
            return self._health.read(key)

    def read_all(self) -> dict[str, BreakerHealth]:
        """Every breaker record (the most recently changed few hundred)."""
        with self._lock:
            if self._conn is not None:
                try:
                    sql = "SELECT key, health FROM breakers ORDER BY updated_at DESC LIMIT ?"
                    rows = self._conn.execute(sql, (_MAX_BREAKERS,)).fetchall()
                    found = {str(k): health_from_json(text) for k, text in rows}
                    return {k: health for k, health in found.items() if health is not None}
                except _FILE_ERRORS as exc:
                    self._fall_back(exc)
            return self._health.read_all()

    def update(self, key: str, change: HealthChange) -> BreakerHealth:
        """Read, change and write the record of ``key`` in one write-locked transaction."""
        with self._lock:
            if self._conn is not None:
                try:
                    return _update(self._conn, key, change)
                except _FILE_ERRORS as exc:
                    self._fall_back(exc)
            return self._health.update(key, change)

    # --- readings ---------------------------------------------------------

    def record_reading(self, key: str, reading: RateLimitState) -> None:
        """Keep ``reading`` (wall-clock times) unless a newer one is stored."""
        with self._lock:
            if self._conn is not None:
                try:
                    values = (key, reading_json(reading), reading.observed_at)
                    self._conn.execute(_UPSERT_READING, values)
                    return
                except _FILE_ERRORS as exc:
                    self._fall_back(exc)
            self._readings[key] = reading

    def latest_reading(self, key: str) -> RateLimitState | None:
        """The newest reading of ``key`` by any process."""
        with self._lock:
            if self._conn is not None:
                try:
                    sql = "SELECT reading FROM readings WHERE key = ?"
                    row = self._conn.execute(sql, (key,)).fetchone()
                    return None if row is None else reading_from_json(row[0])
                except _FILE_ERRORS as exc:
                    self._fall_back(exc)
            return self._readings.get(key)

    def close(self) -> None:
        """Close the file (the state stays in memory for late callers)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _fall_back(self, exc: BaseException) -> None:
        """The file failed: say so once, and keep the state in this process from now on."""
        log.warning("shared limits at %s failed (%s); limits now hold per process", self.path, exc)
        if self._conn is not None:
            self._conn.close()
        self._conn = None


_FILE_ERRORS = (sqlite3.Error, OSError)


def _draw(conn: sqlite3.Connection, draws: Sequence[BucketDraw], now: float) -> bool:
    with _immediate(conn):
        keys = sorted({d.key for d in draws})
        marks = ", ".join("?" for _ in keys)
        sql = f"SELECT key, level, at FROM buckets WHERE key IN ({marks})"
        stored = {str(k): lv for k, *row in conn.execute(sql, keys) if (lv := _level(row))}
        changed = apply_draws(stored, draws, now)
        if changed is not None:
            conn.executemany(_UPSERT_BUCKET, [(k, v.level, v.at) for k, v in changed.items()])
    return changed is not None


def _update(conn: sqlite3.Connection, key: str, change: HealthChange) -> BreakerHealth:
    with _immediate(conn):
        found = conn.execute("SELECT health FROM breakers WHERE key = ?", (key,)).fetchone()
        health = (health_from_json(found[0]) if found else None) or BreakerHealth()
        change(health)
        stamp = max([health.opened_at, *health.recent, *health.probes])
        conn.execute(_UPSERT_BREAKER, (key, health_json(health), stamp))
    return health


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _level(row: Sequence[object] | None) -> BucketLevel | None:
    """A stored bucket, or None for a missing or damaged row (the bucket starts full)."""
    if row is None or len(row) != 2:
        return None
    level, at = row
    ok = all(isinstance(v, float | int) and v == v and abs(v) < 1e300 for v in (level, at))
    return BucketLevel(float(level), float(at)) if ok else None  # type: ignore[arg-type]
