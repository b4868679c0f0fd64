"""The debug view's cache verdict, from the log: the HUD's figures, read back.

Shared by ``tuichat debug`` and the debug screen. The logged turns of the
scope are replayed as events through the same
:class:`~tuichat.core.metrics.prompt_cache.PromptCacheWatch` the HUD uses,
so a prompt-cache break is found, explained and priced the same way live and
afterwards. The prompt-cache share comes from the diagnosis (the same
reported counts, summed by SQL over the whole scope).

The response cache's lookups come from the log's ``cache_lookups`` table
(:func:`read_response_tally`), the figures the HUD's "today" line reads.

A window scope reads at most ``SESSIONS_READ`` sessions (the newest), so a
busy day stays quick. Anything that cannot be read makes the breaks unknown
with one line saying why; it never fails the diagnosis.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat.core.metrics.cache_tally import CacheTally, ResponseCacheMode
from tuichat.core.metrics.cache_verdict import CacheEvidence, CacheVerdict, cache_verdict
from tuichat.core.metrics.hud_view import PromptCacheUse
from tuichat.core.metrics.prompt_cache import PromptCacheBreak, PromptCacheWatch
from tuichat.core.untrusted import one_line

if TYPE_CHECKING:
    from tuichat.store.diagnostics import CacheReport, Scope

log = logging.getLogger(__name__)

SESSIONS_READ = 50
"""Sessions replayed for a window scope (the newest first)."""

ResponseTallyReader = Callable[[sqlite3.Connection, "Scope"], CacheTally | None]
"""Reads the response cache's lookups of a scope from the log."""


def read_response_tally(conn: sqlite3.Connection, scope: Scope) -> CacheTally | None:
    """The response cache's lookups of ``scope`` from the log (None: this log cannot say)."""
    from tuichat.store.cache_lookups import cache_summary_sync

    try:
        return cache_summary_sync(conn, scope.since, scope.session_id)
    except sqlite3.Error:  # a log from before the cache, or a damaged table
        log.exception("cannot read the cache lookups")
        return None


def cache_section(
    path: Path,
    scope: Scope,
    report: CacheReport,
    *,
    tallies: ResponseTallyReader = read_response_tally,
    mode: ResponseCacheMode | None = None,
) -> CacheVerdict:
    """The cache verdict of ``scope`` (already resolved) in the log at ``path``."""
    return cache_verdict(cache_evidence(path, scope, report, tallies=tallies, mode=mode))


def cache_evidence(
    path: Path,
    scope: Scope,
    report: CacheReport,
    *,
    tallies: ResponseTallyReader = read_response_tally,
    mode: ResponseCacheMode | None = None,
) -> CacheEvidence:
    """Response tally, prompt-cache share and breaks of ``scope`` (blocking: run on a thread)."""
    prompt = None
    if report.prompt_hit_rate is not None:
        prompt = PromptCacheUse(
            report.prompt_cached_tokens, report.cache_write_tokens, report.prompt_input_tokens
        )
    tally, breaks, note = _from_log(path, scope, tallies)
    return CacheEvidence(
        response=tally,
        mode=mode,
        prompt=prompt,
        long_prompt_share=report.long_prompt_hit_rate,
        breaks=breaks,
        breaks_note=note,
        stale_offered=report.stale_offered,
    )


def _from_log(
    path: Path, scope: Scope, tallies: ResponseTallyReader
) -> tuple[CacheTally | None, tuple[PromptCacheBreak, ...] | None, str | None]:
    from tuichat.store.diagnostics.reader import read_only_uri

    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
    except (sqlite3.Error, OSError) as exc:
        return None, None, _unreadable(path, exc)
    with closing(conn):
        tally = _guarded(lambda: tallies(conn, scope), path)
        try:
            return tally, _breaks(conn, scope), None
        except Exception as exc:  # a hostile or corrupt log: one line, never a traceback
            return tally, None, _unreadable(path, exc)


def _guarded(read: Callable[[], CacheTally | None], path: Path) -> CacheTally | None:
    """The hook's tally, or None when the log cannot give it."""
    try:
        return read()
    except Exception as exc:
        _unreadable(path, exc)
        return None


def _unreadable(path: Path, exc: BaseException) -> str:
    log.warning("debug: cannot read the cache figures of %s", path, exc_info=exc)
    return f"cannot read the logged turns ({one_line(str(exc), 120)})"


def _breaks(conn: sqlite3.Connection, scope: Scope) -> tuple[PromptCacheBreak, ...]:
    """Replay the scope's turns through a prompt-cache watch, oldest session first."""
    from tuichat.store.replay_rows import logged_turns_sync
    from tuichat.store.sessions import list_sessions_sync

    if scope.session_id is not None:
        sessions = [scope.session_id]
    else:
        listed = list_sessions_sync(conn, since=scope.since, limit=SESSIONS_READ)
        sessions = [s.id for s in reversed(listed)]
    watch = PromptCacheWatch()
    for session_id in sessions:
        for turn in logged_turns_sync(conn, session_id):
            started = turn.started.wall_time
            if scope.until is not None and started >= scope.until:
                continue
            for event in turn.events:
                watch.observe(event)
    return tuple(watch.breaks)
