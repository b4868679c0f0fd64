"""Only answers that finished normally, and that the log would keep, are stored."""

from __future__ import annotations

import pytest

from tuichat.core.cache.storable import StoragePolicy, refusal
from tuichat.core.events import TurnCancelled, TurnEnded, TurnFailed, TurnFinished

FULL = StoragePolicy()


def finished(text: str = "Four.", reason: str | None = "stop") -> TurnFinished:
    return TurnFinished(trace_id="t", ts=1.0, text=text, finish_reason=reason, model="m")


def test_a_normal_answer_may_be_stored() -> None:
    assert refusal(finished(), "2+2?", policy=FULL) is None
    assert refusal(finished(reason="end_turn"), "2+2?", policy=FULL) is None


@pytest.mark.parametrize(
    ("ended", "why"),
    [
        (TurnCancelled(trace_id="t", ts=1.0, text="Fo"), "cancelled"),
        (TurnFailed(trace_id="t", ts=1.0, text="", error_type="server_error", message="500"),
         "failed"),
        (TurnFailed(trace_id="t", ts=1.0, text="Fo", error_type="stream_truncated",
                    message="cut", status="truncated"), "truncated"),
        (finished(reason="length"), "'length'"),
        (finished(reason="max_tokens"), "'max_tokens'"),
        (finished(reason="content_filter"), "'content_filter'"),
        (finished(reason="tool_calls"), "'tool_calls'"),
        (finished(reason=None), "no finish reason"),
        (finished(text="  \n"), "empty"),
    ],
)  # fmt: skip
def test_each_failure_kind_is_refused(ended: TurnEnded, why: str) -> None:
    reason = refusal(ended, "2+2?", policy=FULL)
    assert reason is not None and why in reason


def test_stale_and_cached_answers_are_refused() -> None:
    assert refusal(finished(), "q", policy=FULL, stale=True) == "a stale answer"
    assert refusal(finished(), "q", policy=FULL, from_cache=True) == "served from the cache"


def test_a_metrics_only_log_caches_nothing() -> None:
    reason = refusal(finished(), "q", policy=StoragePolicy(keeps_text=False))
    assert reason == "the log keeps no content"


def test_text_the_log_redacts_is_not_cached() -> None:
    policy = StoragePolicy(redact=lambda text: text.replace("sk-secret", "[redacted]"))
    assert refusal(finished("Your key is sk-secret"), "q", policy=policy) is not None
    assert refusal(finished(), "is sk-secret valid?", policy=policy) is not None
    assert refusal(finished(), "q", policy=policy) is None
