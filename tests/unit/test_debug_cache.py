"""The debug view's cache evidence from a log: unreadable turns are one line, never a crash."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tuichat.core.metrics.cache_tally import CacheTally
from tuichat.headless.debug_cache import cache_evidence, read_response_tally
from tuichat.store.diagnostics import CacheReport, Scope

REPORT = CacheReport(
    verdict="ok",
    headline="",
    exact_hit_rate=None,
    semantic_hit_rate=None,
    prompt_input_tokens=2000,
    prompt_cached_tokens=500,
    prompt_hit_rate=0.25,
    cache_write_tokens=100,
    long_prompt_hit_rate=0.25,
    stale_offered=2,
)


def test_a_file_that_is_not_a_log_makes_the_breaks_unknown(tmp_path: Path) -> None:
    path = tmp_path / "not-a-log.db"
    path.write_bytes(b"\x1b[2Jthis is not sqlite" * 100)
    evidence = cache_evidence(path, Scope.session("s"), REPORT)
    assert evidence.breaks is None and evidence.breaks_note is not None
    assert evidence.breaks_note.startswith("cannot read the logged turns (")
    assert "\x1b" not in evidence.breaks_note
    assert evidence.prompt is not None and evidence.prompt.share == 0.25
    assert evidence.stale_offered == 2 and evidence.response is None


def test_the_response_tally_comes_through_the_hook(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # a database without the log's tables
    tally = CacheTally(exact=1)
    evidence = cache_evidence(path, Scope.session("s"), REPORT, tallies=lambda conn, s: tally)
    assert evidence.response == tally and evidence.breaks is None
    assert (
        cache_evidence(path, Scope.session("s"), REPORT).response is None
    )  # no cache_lookups table
    with closing(sqlite3.connect(path)) as conn:
        assert read_response_tally(conn, Scope.session("s")) is None
