"""The response cache's SQLite store: every port method, the cap, expiry, hostile files.

Times are plain wall-clock numbers passed in (``now``), never read from a clock.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tuichat.core.cache.ports import CacheEntry, CacheStore, CacheUnavailable
from tuichat.store.cache_db import SqliteCacheStore, cache_path_beside, open_cache_store
from tuichat.store.cache_schema import SCHEMA_VERSION

T0 = 1_700_000_000.0
BIG = 10_000_000


def entry(key: str = "k1", **overrides: object) -> CacheEntry:
    """An entry with every field set (``overrides`` replace some)."""
    base = CacheEntry(
        key=key,
        scope="scope-a",
        question=f"what is {key}?",
        answer=f"the answer to {key}",
        model="gpt-x",
        served_model="gpt-x-2024",
        created_at=T0,
        ttft_ms=120.0,
        duration_ms=900.5,
        cost_usd=0.0012,
        finish_reason="stop",
        chunks=((0.12, "the answer "), (0.5, f"to {key}")),
        tags=("docs", "team"),
        expires_at=None,
        input_tokens=30,
        output_tokens=5,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "cache.sqlite3"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteCacheStore]:
    opened = open_cache_store(path, max_bytes=BIG)
    yield opened
    opened.close()


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def one_line_unavailable(excinfo: pytest.ExceptionInfo[CacheUnavailable]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and "Traceback" not in message
    assert excinfo.value.__cause__ is None
    return message


# --- the port ---------------------------------------------------------------


def test_the_store_implements_the_port(store: SqliteCacheStore) -> None:
    port: CacheStore = store
    assert port is store


def test_put_then_get_round_trips_every_field(store: SqliteCacheStore) -> None:
    stored = entry()
    store.put(stored)

    assert store.get("k1", T0 + 1) == stored


def test_get_misses_unknown_keys(store: SqliteCacheStore) -> None:
    assert store.get("nope", T0) is None


def test_put_replaces_an_entry_of_the_same_key(store: SqliteCacheStore) -> None:
    store.put(entry(tags=("old",)))
    store.put(entry(answer="newer", tags=("new", "new", "b")))

    got = store.get("k1", T0)
    assert got is not None and got.answer == "newer"
    assert got.tags == ("b", "new")
    assert store.read("SELECT count(*) FROM entries") == [(1,)]


def test_expired_entries_are_not_served(store: SqliteCacheStore) -> None:
    store.put(entry(expires_at=T0 + 60))

    assert store.get("k1", T0 + 59.9) is not None
    assert store.get("k1", T0 + 60) is None
    assert store.entries(["k1"], T0 + 61) == []


def test_putting_an_entry_drops_entries_expired_by_then(store: SqliteCacheStore) -> None:
    store.put(entry("old", expires_at=T0 + 10))
    store.put(entry("new", created_at=T0 + 20))

    assert [key for (key,) in store.read("SELECT key FROM entries")] == ["new"]


def test_a_false_hit_is_never_served_again_but_kept(store: SqliteCacheStore) -> None:
    store.put(entry(), vector=b"\x01" * 8, embedder="e")
    store.mark_false_hit("k1")

    assert store.get("k1", T0) is None
    assert store.entries(["k1"], T0) == []
    assert store.vectors("scope-a", "e") == []
    assert store.read("SELECT false_hit FROM entries") == [(1,)]


def test_entries_returns_the_live_ones_among_the_keys(store: SqliteCacheStore) -> None:
    for n in range(1200):  # more keys than one statement takes
        store.put(entry(f"k{n}", expires_at=T0 + 5 if n % 2 else None))

    found = store.entries([f"k{n}" for n in range(1200)] + ["missing"], T0 + 10)

    assert sorted(e.key for e in found) == sorted(f"k{n}" for n in range(0, 1200, 2))


def test_record_hit_counts_and_refreshes_the_lru_time(store: SqliteCacheStore) -> None:
    store.put(entry())
    store.record_hit("k1", T0 + 30)
    store.record_hit("k1", T0 + 10)  # an older clock reading never moves it back

    got = store.get("k1", T0)
    assert got is not None and got.hits == 2
    assert store.read("SELECT last_used_at FROM entries") == [(T0 + 30,)]


def test_vectors_are_per_scope_and_embedder(store: SqliteCacheStore) -> None:
    store.put(entry("a"), vector=b"A" * 8, embedder="wl-64")
    store.put(entry("b", scope="scope-b"), vector=b"B" * 8, embedder="wl-64")
    store.put(entry("c"), vector=b"C" * 8, embedder="other")
    store.put(entry("d"))

    assert store.vectors("scope-a", "wl-64") == [("a", b"A" * 8)]
    assert store.vectors("scope-b", "wl-64") == [("b", b"B" * 8)]
    assert store.vectors("scope-a", "other") == [("c", b"C" * 8)]


def test_a_put_without_a_vector_keeps_the_earlier_one(store: SqliteCacheStore) -> None:
    store.put(entry(), vector=b"V" * 8, embedder="e")
    store.put(entry(answer="again"))

    assert store.vectors("scope-a", "e") == [("k1", b"V" * 8)]


def test_embeddings_are_remembered_per_embedder(store: SqliteCacheStore) -> None:
    assert store.embedding("h1", "e") is None
    store.save_embedding("h1", "e", b"\x00\x01")
    store.save_embedding("h1", "e", b"\x00\x02")

    assert store.embedding("h1", "e") == b"\x00\x02"
    assert store.embedding("h1", "other") is None


def test_invalidate_other_versions_drops_only_other_served_versions(
    store: SqliteCacheStore,
) -> None:
    store.put(entry("same"), vector=b"x" * 8, embedder="e")
    store.put(entry("older", served_model="gpt-x-2023"), vector=b"y" * 8, embedder="e")
    store.put(entry("unknown", served_model=None))
    store.put(entry("other-model", model="gpt-y", served_model="gpt-y-1"))

    assert store.invalidate_other_versions("gpt-x", "gpt-x-2024") == 1

    keys = {key for (key,) in store.read("SELECT key FROM entries")}
    assert keys == {"same", "unknown", "other-model"}
    assert store.read("SELECT key FROM vectors") == [("same",)]
    assert store.read("SELECT count(*) FROM entry_tags WHERE key = 'older'") == [(0,)]


def test_hostile_text_is_stored_and_read_back(store: SqliteCacheStore) -> None:
    hostile = entry(
        question="\x1b[2J\ud800 what?", answer="a\x00b\u202e", chunks=((0.0, "\ud800x"),)
    )
    store.put(hostile)

    got = store.get("k1", T0)
    assert got is not None
    assert got.question == "\x1b[2J\ufffd what?" and got.answer == "a\x00b\u202e"
    assert got.chunks == ((0.0, "\ufffdx"),)


# --- the size cap ------------------------------------------------------------


def _size(store: SqliteCacheStore) -> int:
    [(total,)] = store.read("SELECT bytes FROM cache_totals")
    assert [(total,)] == store.read("SELECT coalesce(sum(size_bytes), 0) FROM entries")
    return int(total)


def test_the_least_recently_used_entries_go_first_beyond_the_cap(
    store: SqliteCacheStore,
) -> None:
    for n in range(3):
        store.put(entry(f"k{n}", created_at=T0 + n, answer="x" * 1000))
    store.max_bytes = _size(store)  # full: one more entry evicts one
    store.record_hit("k0", T0 + 10)  # k0 is now the most recently used

    store.put(entry("k3", created_at=T0 + 11, answer="x" * 1000))

    keys = {key for (key,) in store.read("SELECT key FROM entries")}
    assert keys == {"k0", "k2", "k3"}
    assert _size(store) <= store.max_bytes


def test_eviction_deletes_tags_and_vectors_and_keeps_the_total_exact(path: Path) -> None:
    store = open_cache_store(path, max_bytes=20_000)
    for n in range(100):
        store.put(entry(f"k{n}", created_at=T0 + n, answer="y" * 500), b"v" * 256, "e")

    [(count,)] = store.read("SELECT count(*) FROM entries")
    assert 0 < count < 100
    assert _size(store) <= 20_000
    assert store.read("SELECT count(*) FROM vectors") == [(count,)]
    assert store.read("SELECT count(DISTINCT key) FROM entry_tags") == [(count,)]
    assert store.get("k99", T0) is not None and store.get("k0", T0) is None
    store.close()


def test_the_total_follows_replacements(store: SqliteCacheStore) -> None:
    store.put(entry(answer="short"))
    before = _size(store)
    store.put(entry(answer="much longer " * 10))

    assert _size(store) > before
    store.put(entry(answer="short"))
    assert _size(store) == before


# --- the file ----------------------------------------------------------------


def test_the_file_is_private_and_versioned(store: SqliteCacheStore, path: Path) -> None:
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    conn = raw(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_reopening_keeps_the_entries(path: Path) -> None:
    first = open_cache_store(path, max_bytes=BIG)
    first.put(entry())
    first.close()
    second = open_cache_store(path, max_bytes=BIG)

    assert second.get("k1", T0) == entry()
    second.close()


def test_the_default_file_sits_beside_the_log(tmp_path: Path) -> None:
    assert cache_path_beside(tmp_path / "tuichat.db") == tmp_path / "cache.sqlite3"


def test_the_lookups_use_the_indexes(store: SqliteCacheStore) -> None:
    def plan(sql: str, *params: object) -> str:
        return " ".join(str(row[-1]) for row in store.read(f"EXPLAIN QUERY PLAN {sql}", params))

    assert "USING INDEX" in plan("SELECT * FROM entries WHERE key = ?", "k")
    assert "idx_entries_scope" in plan("SELECT key FROM entries WHERE scope = ?", "s")
    assert "idx_entries_lru" in plan("SELECT key FROM entries ORDER BY last_used_at LIMIT 5")


# --- hostile files and rows ----------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("chunks", "[[0.1, 'x'", "chunks is not JSON"),
        ("chunks", '{"a": 1}', "chunks is not a list"),
        ("chunks", "[[0.1, 2]]", "a chunk's text"),
        ("question", b"\x00\x01", "question is bytes"),
        ("created_at", "yesterday", "created_at is str"),
        ("hits", -3, "hits is not a count"),
        ("input_tokens", "many", "input_tokens is not a count"),
    ],
)
def test_a_corrupt_row_makes_the_cache_unavailable_in_one_line(
    store: SqliteCacheStore, path: Path, column: str, value: object, words: str
) -> None:
    store.put(entry(question="\x1b[31mred"))
    conn = raw(path)
    conn.execute(f"UPDATE entries SET {column} = ?", (value,))
    conn.close()

    with pytest.raises(CacheUnavailable) as excinfo:
        store.get("k1", T0)

    message = one_line_unavailable(excinfo)
    assert words in message and "'k1'" in message and "\x1b" not in message


def test_a_corrupt_tag_or_vector_makes_the_cache_unavailable(
    store: SqliteCacheStore, path: Path
) -> None:
    store.put(entry(), vector=b"v" * 8, embedder="e")
    conn = raw(path)
    conn.execute("UPDATE vectors SET vector = 'text'")
    conn.execute("UPDATE entry_tags SET tag = x'00' WHERE tag = 'docs'")
    conn.close()

    with pytest.raises(CacheUnavailable, match="not a blob"):
        store.vectors("scope-a", "e")
    with pytest.raises(CacheUnavailable, match="BLOB"):
        store.get("k1", T0)


def test_a_file_that_is_not_sqlite_is_unavailable_in_one_line(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    path.write_bytes(b"not a database\n" * 200)

    with pytest.raises(CacheUnavailable) as excinfo:
        open_cache_store(path, max_bytes=BIG)

    assert "not a database" in one_line_unavailable(excinfo)


def test_a_newer_schema_is_refused_untouched(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    conn = raw(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()

    with pytest.raises(CacheUnavailable, match="newer tuichat"):
        open_cache_store(path, max_bytes=BIG)
    assert raw(path).execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_a_lock_held_beyond_the_busy_timeout_is_unavailable(path: Path) -> None:
    store = open_cache_store(path, max_bytes=BIG, busy_timeout_ms=1)
    holder = raw(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CacheUnavailable) as excinfo:
            store.put(entry())
        assert "locked" in one_line_unavailable(excinfo)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.put(entry())  # usable again once the lock is gone
    assert store.get("k1", T0) is not None
    store.close()


# --- concurrent writers ----------------------------------------------------------

WRITER = """
import sys
from dataclasses import replace
from pathlib import Path
from tuichat.core.cache.ports import CacheEntry
from tuichat.store.cache_db import open_cache_store

path, name = Path(sys.argv[1]), sys.argv[2]
store = open_cache_store(path, max_bytes=200_000, busy_timeout_ms=5000)
base = CacheEntry(key="shared", scope="s", question="q", answer="", model="m",
                  served_model=None, created_at=1.0, ttft_ms=None, duration_ms=None,
                  cost_usd=None, tags=("t",))
for n in range(150):
    store.put(replace(base, answer=f"{name} {n}", created_at=1.0 + n), b"v" * 64, "e")
    store.put(replace(base, key=f"{name}-{n}", answer="z" * 400, created_at=1.0 + n))
store.close()
print("ok")
"""


def test_two_processes_storing_the_same_key_both_succeed(path: Path) -> None:
    import os

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("first", "second")
    ]
    results = [writer.communicate(timeout=120) for writer in writers]

    assert [(w.returncode, out, err) for w, (out, err) in zip(writers, results, strict=True)] == [
        (0, "ok\n", ""),
        (0, "ok\n", ""),
    ]
    store = open_cache_store(path, max_bytes=200_000)
    rows = store.read("SELECT answer FROM entries WHERE key = 'shared'")
    assert len(rows) == 1 and rows[0][0].endswith(" 149")
    assert _size(store) <= 200_000
    store.close()
