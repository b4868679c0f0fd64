"""``tuichat ask`` with the response cache, against the simulator over loopback.

Everything is real: settings, the factory, the SQLite cache file beside the
log, the simulator's HTTP stream.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.fake_cache_store import FakeCacheStore
from tuichat import cache_setup
from tuichat.config import CliOverrides, resolve_settings
from tuichat.core.cache.ports import CacheEntry
from tuichat.core.events import CacheLookedUp
from tuichat.headless.ask import AskOptions, cached_line, run_ask
from tuichat.paths import database_path
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.store import cache_path_beside, open_cache_store


def stored(where: Path | None = None) -> list[CacheEntry]:
    """The entries in the cache file beside the log (what a second process would find)."""
    path = cache_path_beside(where or database_path())
    if not path.exists():
        return []
    store = open_cache_store(path, max_bytes=1 << 30)
    try:
        keys = [row[0] for row in store.read("SELECT key FROM entries")]
        return store.entries(keys, now=0.0)
    finally:
        store.close()


def ask_json(sim: SimServerThread, *, no_cache: bool = False) -> tuple[int, dict[str, Any], str]:
    flags = CliOverrides(model="sim?tokens=20&ttft_ms=40", base_url=sim.base_url)
    options = AskOptions("hello", resolve_settings(flags, env={}), json_output=True,
                         no_cache=no_cache, cache_tags=("t1",))  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    code = run_ask(options, out, err)
    return code, json.loads(out.getvalue()), err.getvalue()


def test_a_second_identical_ask_is_an_exact_hit(sim: SimServerThread, tuichat_home: Path) -> None:
    code, first, _ = ask_json(sim)
    assert code == 0 and first["cache"] is None and first["saved_ms"] is None
    (entry,) = stored()
    assert entry.answer == answer_text("prose", 20) and entry.tags == ("t1",)
    assert entry.ttft_ms is not None and entry.ttft_ms >= 40
    code, second, err = ask_json(sim)
    assert code == 0, err
    assert second["cache"] == "exact" and second["text"] == first["text"]
    assert second["cost_usd"] in (0.0, None) and second["provider"] == "cache"
    assert second["saved_ms"] >= 40 and second["age_s"] >= 0
    assert second["similarity"] is None
    (again,) = stored()
    assert again.hits == 1 and again.created_at == entry.created_at


def test_no_cache_asks_live_and_refreshes_the_entry(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    ask_json(sim)
    (entry,) = stored()
    code, fresh, _ = ask_json(sim, no_cache=True)
    assert code == 0 and fresh["cache"] is None and fresh["provider"] != "cache"
    (renewed,) = stored()
    assert renewed.created_at >= entry.created_at and renewed.hits == 0


def test_a_broken_cache_answers_live_with_one_line(
    sim: SimServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = FakeCacheStore(broken=RuntimeError("disk I/O error"))
    monkeypatch.setattr(cache_setup, "open_cache_store", lambda path, max_bytes: broken)
    code, summary, err = ask_json(sim)
    assert code == 0 and summary["text"] == answer_text("prose", 20)
    assert err.count("\n") == 1 and "cache is skipped: disk I/O error" in err


def test_the_terminal_line_of_a_hit() -> None:
    hit = CacheLookedUp(trace_id="t", ts=0.0, verdict="exact", age_s=3 * 3600 + 5,
                        saved_ms=1234.0, saved_usd=0.0031)  # fmt: skip
    assert cached_line(hit) == "cached (exact, 3 h old) · saved 1.2 s, $0.0031"
    close = CacheLookedUp(trace_id="t", ts=0.0, verdict="semantic", similarity=0.934, age_s=12)
    assert cached_line(close) == "cached (semantic 0.93, 12 s old)"


def test_a_metrics_only_log_opens_no_cache(sim: SimServerThread, tuichat_home: Path) -> None:
    tuichat_home.mkdir(parents=True, exist_ok=True)
    (tuichat_home / "config.toml").write_text('[log]\ncontent = "metrics"\n', encoding="utf-8")
    ask_json(sim)
    code, second, _ = ask_json(sim)
    assert code == 0 and second["cache"] is None
    assert not cache_path_beside(database_path()).exists()


def test_a_corrupt_cache_file_answers_live_with_one_line(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    path = cache_path_beside(database_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    code, summary, err = ask_json(sim)
    assert code == 0 and summary["text"] == answer_text("prose", 20)
    assert err.count("\n") == 1 and "cache" in err.lower()


def ask_prompt(sim: SimServerThread, prompt: str) -> dict[str, Any]:
    flags = CliOverrides(model="sim?tokens=20", base_url=sim.base_url)
    options = AskOptions(prompt, resolve_settings(flags, env={}), json_output=True)
    out, err = io.StringIO(), io.StringIO()
    assert run_ask(options, out, err) == 0, err.getvalue()
    summary: dict[str, Any] = json.loads(out.getvalue())
    return summary


def test_semantic_hits_a_rewording_and_refuses_a_negation(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    """The real WordLlama model from its wheel, the gate, the SQLite store, two processes' worth."""
    tuichat_home.mkdir(parents=True, exist_ok=True)
    (tuichat_home / "config.toml").write_text("[cache]\nsemantic = true\n", encoding="utf-8")
    first = ask_prompt(sim, "What is the capital of France?")
    assert first["cache"] is None
    reworded = ask_prompt(sim, "What's France's capital city?")
    assert reworded["cache"] == "semantic", reworded
    assert 0.9 <= reworded["similarity"] <= 1.0 and reworded["provider"] == "cache"
    negated = ask_prompt(sim, "What is not the capital of France?")
    assert negated["cache"] is None and negated["provider"] != "cache"


def test_the_debug_view_reads_the_hits_from_the_log(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    import argparse

    from tuichat.headless.debug import run_debug

    ask_json(sim)
    ask_json(sim)
    args = argparse.Namespace(session=None, since=3600.0, json=True)
    out, err = io.StringIO(), io.StringIO()
    assert run_debug(args, out, err) == 0, err.getvalue()
    report = json.loads(out.getvalue())
    assert report["cache"]["exact_hit_rate"] == 0.5
    assert report["cache"]["semantic_hit_rate"] == 0.0
