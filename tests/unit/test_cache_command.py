"""``tuichat cache stats|list|clear|invalidate`` end to end, on a temporary log and cache."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tuichat.cli import main
from tuichat.core.cache.ports import CacheEntry
from tuichat.store import cache_path_beside, open_cache_store, open_database_sync

DAY = 86400.0


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "logs" / "tuichat.db"


def seed(log: Path, now: float) -> None:
    """Four entries (one false hit, one expired) and a log of six lookups."""
    base = CacheEntry(
        key="key-docs",
        scope="s",
        question="what is \x1b[2Jthe\nanswer?",
        answer="42",
        model="gpt-x",
        served_model="gpt-x-1",
        created_at=now - 3 * DAY,
        ttft_ms=200.0,
        duration_ms=1500.0,
        cost_usd=0.01,
        tags=("docs",),
    )
    store = open_cache_store(cache_path_beside(log), max_bytes=10_000_000)
    store.put(base)
    store.put(replace(base, key="key-new", question="newest", created_at=now - 60, tags=()))
    store.put(replace(base, key="key-other", model="claude", created_at=now - DAY, tags=("a",)))
    store.put(replace(base, key="key-old", created_at=now - 10 * DAY, expires_at=now - DAY))
    store.record_hit("key-docs", now)
    store.mark_false_hit("key-other")
    store.close()
    conn = open_database_sync(log)
    conn.executemany(
        "INSERT INTO cache_lookups (trace_id, ts_wall, verdict, saved_ms, saved_usd, rejects)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("t1", now - 2 * DAY, "exact", 1500.0, 0.01, None),
            ("t2", now - 100, "semantic", 500.0, 0.002, None),
            ("t3", now - 90, "miss", None, None, None),
            ("t4", now - 80, "bypass", None, None, "key-other"),
        ],
    )
    conn.commit()
    conn.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["cache", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


def keys(log: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    listing = run_json(capsys, "list", "--database", str(log))
    return [entry["key"] for entry in listing["entries"]]  # type: ignore[attr-defined]


# --- a missing cache ------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["clear"], "nothing to clear"),
        (["invalidate", "--tag", "x"], "nothing to invalidate"),
        (["list"], "nothing cached yet"),
        (["stats"], "nothing cached yet"),
    ],
)
def test_a_missing_cache_is_a_one_line_no_op(
    log: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, *argv, "--database", str(log))

    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"no response cache at {cache_path_beside(log)}: {words}"
    assert not cache_path_beside(log).exists() and not log.exists()


def test_the_default_cache_sits_beside_the_users_log(
    tuichat_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_json(capsys, "clear")

    assert report == {"path": str(tuichat_home / "cache.sqlite3"), "exists": False, "cleared": 0}


# --- stats and list ------------------------------------------------------------


def test_stats_counts_the_entries_and_sums_the_logged_savings(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = time.time()
    seed(log, now)

    report = run_json(capsys, "stats", "--database", str(log))

    assert report["entries"] == 4 and report["hits"] == 1
    assert report["false_hits"] == 1 and report["expired"] == 1
    assert isinstance(report["size_bytes"], int) and report["size_bytes"] > 0
    assert report["lookups"] == {
        "exact": 1,
        "semantic": 1,
        "misses": 1,
        "bypasses": 1,
        "unavailable": 0,
        "false_hits": 1,
        "saved_ms": 2000.0,
        "saved_usd": 0.012,
        "unpriced_hits": 0,
        "hits": 2,
        "hit_rate": 2 / 3,
    }
    recent = run_json(capsys, "stats", "--since", "1d", "--database", str(log))
    assert recent["lookups"]["exact"] == 0  # type: ignore[index]


def test_stats_text_shows_the_hit_rate_and_savings(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(log, time.time())

    code, out, _ = run(capsys, "stats", "--database", str(log))

    assert code == 0
    assert "entries 4" in out and "hit rate 66.7%" in out and "saved 2.0 s and $0.0120" in out


def test_list_is_newest_first_on_one_line_with_controls_visible(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(log, time.time())

    code, out, err = run(capsys, "list", "--database", str(log))

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == [
        "key-new",
        "key-other",
        "key-docs",
        "key-old",
    ]
    docs = lines[3]
    assert "\x1b" not in out and "what is ␛[2Jthe answer? · docs" in docs
    assert " 3d " in docs and "never" in docs and "gpt-x" in docs
    assert "rejected" in lines[2] and "expired" in lines[4]


def test_list_json_carries_every_field(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = time.time()
    seed(log, now)

    listing = run_json(capsys, "list", "--limit", "1", "--database", str(log))

    [newest] = listing["entries"]  # type: ignore[misc]
    assert newest["key"] == "key-new" and newest["question"] == "newest"
    assert newest["hits"] == 0 and newest["tags"] == [] and newest["false_hit"] is False
    assert newest["saved_ms"] == 1500.0 and newest["saved_usd"] == 0.01
    assert 59 <= newest["age_s"] < 3600


def test_list_leaves_out_a_corrupt_row_and_says_so(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    seed(log, time.time())
    conn = sqlite3.connect(cache_path_beside(log))
    conn.execute("UPDATE entries SET chunks = 'not json' WHERE key = 'key-new'")
    conn.commit()
    conn.close()

    code, out, _ = run(capsys, "list", "--database", str(log))

    assert code == 0 and "1 corrupt entries not shown" in out and "key-new" not in out


# --- clear and invalidate -------------------------------------------------------


def test_clear_deletes_everything_and_says_how_many(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(log, time.time())

    code, out, _ = run(capsys, "clear", "--database", str(log))

    assert (code, out) == (0, "cleared 4 cached answers\n")
    assert keys(log, capsys) == []
    assert run_json(capsys, "stats", "--database", str(log))["size_bytes"] == 0


@pytest.mark.parametrize(
    ("criteria", "left"),
    [
        (["--tag", "docs"], ["key-new", "key-other"]),
        (["--model", "claude"], ["key-new", "key-docs", "key-old"]),
        (["--older-than", "2d"], ["key-new", "key-other"]),
        (["--key", "key-new"], ["key-other", "key-docs", "key-old"]),
        (["--tag", "docs", "--older-than", "5d"], ["key-new", "key-other", "key-docs"]),
        (["--tag", "nothing-has-it"], ["key-new", "key-other", "key-docs", "key-old"]),
    ],
)
def test_invalidate_drops_the_entries_matching_every_criterion(
    log: Path, capsys: pytest.CaptureFixture[str], criteria: list[str], left: list[str]
) -> None:
    seed(log, time.time())

    report = run_json(capsys, "invalidate", *criteria, "--database", str(log))

    assert report["invalidated"] == 4 - len(left)
    assert keys(log, capsys) == left


def test_invalidate_without_a_criterion_is_a_usage_error(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(log, time.time())

    with pytest.raises(SystemExit) as exit_info:
        run(capsys, "invalidate", "--database", str(log))

    assert exit_info.value.code == 2
    assert "say what to invalidate" in capsys.readouterr().err
    assert len(keys(log, capsys)) == 4


@pytest.mark.parametrize("argv", [["stats"], ["list"], ["clear"], ["invalidate", "--key", "k"]])
def test_a_cache_file_that_is_not_sqlite_is_one_line_and_exit_2(
    log: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    cache = cache_path_beside(log)
    cache.parent.mkdir(mode=0o700)
    cache.write_bytes(b"\x1b[31mnot a database" * 100)

    code, out, err = run(capsys, *argv, "--database", str(log))

    assert (code, out) == (2, "")
    assert err.startswith("tuichat cache: response cache at ") and err.count("\n") == 1
    assert "not a database" in err and "Traceback" not in err


def test_a_bad_duration_is_one_line(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(log, time.time())

    code, _, err = run(capsys, "invalidate", "--older-than", "soon\x1b[2J", "--database", str(log))

    assert code == 2 and "use 30d, 12h, 90m, 45s or YYYY-MM-DD" in err and "\x1b" not in err


def test_stats_text_says_what_unpriced_hits_saved_is_unknown(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(log, time.time())
    conn = sqlite3.connect(log)
    conn.execute(
        "INSERT INTO cache_lookups (trace_id, ts_wall, verdict, saved_ms, saved_usd)"
        " VALUES ('free', ?, 'exact', 100.0, NULL)",
        (time.time(),),
    )
    conn.commit()
    conn.close()

    code, out, _ = run(capsys, "stats", "--database", str(log))

    assert code == 0 and "saved 2.1 s and $0.0120 (+ 1 unpriced hit)" in out
