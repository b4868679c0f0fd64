"""OpenTelemetry export to a real OTLP/HTTP receiver on loopback, payloads decoded.

Skipped when the ``otel`` extra is not installed (CI installs it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.otlp_receiver import OtlpReceiver, attributes, receiving
from tests.helpers.replay_log import LiveTurn, simple_turn
from tuichat.sim.thread import SimServerThread
from tuichat.telemetry import LiveTelemetry, TelemetryStats, TelemetryTarget
from tuichat.telemetry.turn_record import turn_record

TRACE = "0af7651916cd43dd8448eb211c80319c"


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    yield from receiving()


def target(endpoint: str, **kw: object) -> TelemetryTarget:
    return TelemetryTarget(endpoint=endpoint, source="test", **kw)  # type: ignore[arg-type]


def retried_then_fell_back() -> LiveTurn:
    """Attempt 1 fails (503), a retry fails, a fallback model answers."""
    turn = LiveTurn(TRACE, prompt="why is the sky blue?")
    turn.attempt(1, 0.1)
    turn.end_attempt(1, 0.3, status="failed", error="503")
    turn.retry(1, 0.3, 0.5)
    turn.attempt(2, 0.8)
    turn.end_attempt(2, 1.0, status="failed", error="503")
    turn.fallback(1.0, "backup-model")
    turn.attempt(3, 1.1)
    turn.chunks(3, [(1.4, "Rayleigh "), (1.5, "scattering.")])
    turn.end_attempt(3, 1.6)
    turn.finished(1.6)
    return turn


def test_a_turn_is_a_trace_with_a_span_per_attempt(receiver: OtlpReceiver) -> None:
    live = LiveTelemetry(target(receiver.endpoint))
    live.start()
    for event in retried_then_fell_back().events:
        live.observe(event)
    live.close()
    receiver.wait_for("spans", 4)
    spans = receiver.spans()
    [root] = [s for s in spans if not s.parent_span_id]
    attempts = sorted((s for s in spans if s.parent_span_id), key=lambda s: s.start_time_unix_nano)
    assert root.trace_id.hex() == TRACE
    assert {s.trace_id.hex() for s in attempts} == {TRACE}
    assert {s.parent_span_id for s in attempts} == {root.span_id}
    assert root.name == "chat backup-model"
    turn = attributes(root)
    assert turn["gen_ai.operation.name"] == "chat"
    assert turn["gen_ai.conversation.id"] == "s-0000aaaa1111"
    assert (turn["gen_ai.request.model"], turn["gen_ai.response.model"]) == (
        "gpt-x",
        "backup-model",
    )
    assert turn["gen_ai.response.finish_reasons"] == ("stop",)
    assert turn["tuichat.attempts"] == 3
    assert [e.name for e in root.events] == ["retry", "fallback"]
    first, _, served = (attributes(s) for s in attempts)
    assert first["error.type"] == "server_error"
    assert first["tuichat.attempt.status"] == "failed"
    assert served["gen_ai.request.model"] == "backup-model"
    assert served["gen_ai.provider.name"] == "openai"
    assert served["gen_ai.usage.input_tokens"] == 12
    assert served["gen_ai.usage.output_tokens"] == 7
    assert served["tuichat.time_to_first_chunk_s"] == pytest.approx(0.3)
    assert "gen_ai.input.messages" not in turn  # content is opt-in
    # the logged stamps, mapped to wall time: the turn starts at its wall_time
    assert root.start_time_unix_nano == int(retried_then_fell_back().events[0].wall_time * 1e9)  # type: ignore[attr-defined]
    assert live.stats.spans_exported == 4


def test_metrics_are_histograms_of_duration_tokens_and_first_chunk(receiver: OtlpReceiver) -> None:
    live = LiveTelemetry(target(receiver.endpoint))
    live.start()
    for event in retried_then_fell_back().events:
        live.observe(event)
    live.close()
    receiver.wait_for("metrics", 1)
    points = receiver.metric_points()
    durations = points["gen_ai.client.operation.duration"]
    assert sum(p.count for p in durations) == 3
    assert {attributes(p).get("error.type") for p in durations} == {"server_error", None}
    tokens = points["gen_ai.client.token.usage"]
    assert {attributes(p)["gen_ai.token.type"] for p in tokens} == {"input", "output"}
    [ttfc] = points["gen_ai.client.operation.time_to_first_chunk"]
    assert ttfc.sum == pytest.approx(0.3)


def test_content_is_sent_only_when_opted_in_and_redacted(receiver: OtlpReceiver) -> None:
    live = LiveTelemetry(
        target(receiver.endpoint, capture_content=True),
        redact=lambda text: text.replace("sky", "[redacted]"),
    )
    live.start()
    for event in retried_then_fell_back().events:
        live.observe(event)
    live.close()
    receiver.wait_for("spans", 4)
    [root] = [s for s in receiver.spans() if not s.parent_span_id]
    sent = attributes(root)
    assert "[redacted]" in sent["gen_ai.input.messages"]
    assert "sky" not in sent["gen_ai.input.messages"]
    assert "Rayleigh scattering." in sent["gen_ai.output.messages"]


def test_a_refusing_collector_is_one_notice_and_counted() -> None:
    from tuichat.telemetry.pipeline import TelemetryPipeline

    said: list[str] = []
    with OtlpReceiver("refuse") as refusing:
        stats = TelemetryStats()
        pipeline = TelemetryPipeline(target(refusing.endpoint), stats, say=said.append)
        try:
            for n in range(3):
                record = turn_record(simple_turn(f"{n:032x}", [(0.5, "hi")]).events)
                assert record is not None
                pipeline.emit(record)
                assert not pipeline.flush_spans()
        finally:
            pipeline.close()  # else its metric reader's thread exports for the rest of the run
    assert stats.spans_failed == 6
    assert len(said) == 1 and "not answering" in said[0]
    assert stats.notice in stats.line()


def test_a_hanging_collector_does_not_hold_closing() -> None:
    with OtlpReceiver("hang") as hanging:
        live = LiveTelemetry(target(hanging.endpoint))
        live.start()
        for event in simple_turn(TRACE, [(0.5, "hi")]).events:
            live.observe(event)
        live.close(timeout_s=0.2)  # the last batch is being sent to a collector that never answers
        assert hanging.hit.wait(10)
        assert live._thread.is_alive()  # close returned without waiting for it


def test_ask_sends_its_turn(
    sim: SimServerThread, receiver: OtlpReceiver, tuichat_home: Path
) -> None:
    env = {
        **os.environ,
        "TUICHAT_HOME": str(tuichat_home),
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_EXPORTER_OTLP_HEADERS": "x-team=llm%20ops",
        "OTEL_SERVICE_NAME": "tuichat-test",
    }
    args = ["ask", "hello", "--base-url", sim.base_url, "--model", "sim?tokens=10"]
    result = subprocess.run(
        [sys.executable, "-m", "tuichat", *args], capture_output=True, text=True, env=env,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    receiver.wait_for("spans", 2)
    [root] = [s for s in receiver.spans() if not s.parent_span_id]
    assert attributes(root)["gen_ai.request.model"] == "sim?tokens=10"
    [attempt] = [s for s in receiver.spans() if s.parent_span_id]
    sent = attributes(attempt)
    assert sent["gen_ai.usage.output_tokens"] > 0
    assert (sent["server.address"], sent["server.port"]) == ("127.0.0.1", sim.port)
    assert any(h.get("x-team") == "llm ops" for h in receiver.headers)
    [resource] = {
        kv.value.string_value
        for request in receiver.traces
        for rs in request.resource_spans
        for kv in rs.resource.attributes
        if kv.key == "service.name"
    }
    assert resource == "tuichat-test"


def test_ask_quits_when_the_collector_is_unreachable(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    with OtlpReceiver() as gone:
        endpoint = gone.endpoint  # closed on leaving: nothing listens there any more
    env = {**os.environ, "TUICHAT_HOME": str(tuichat_home)}
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    args = ["ask", "hello", "--base-url", sim.base_url, "--model", "sim?tokens=5"]
    result = subprocess.run(
        [sys.executable, "-m", "tuichat", *args], capture_output=True, text=True, env=env,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert len(result.stderr.splitlines()) <= 1  # at most the one notice, never a traceback
    assert "Traceback" not in result.stderr


async def test_export_otlp_sends_logged_history_with_logged_times(
    receiver: OtlpReceiver, tuichat_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse
    import asyncio
    import io

    from tests.helpers.replay_log import WALL, log_turns
    from tuichat.headless.export import run_export

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    database = tuichat_home / "tuichat.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    await log_turns(database, [retried_then_fell_back()])
    namespace = argparse.Namespace(session=None, since=None, format="jsonl", output=None, otlp=True)
    out = io.StringIO()
    assert await asyncio.to_thread(run_export, namespace, out) == 0
    assert "1 turns, 4 spans sent" in out.getvalue()
    [root] = [s for s in receiver.spans() if not s.parent_span_id]
    assert root.trace_id.hex() == TRACE
    assert root.start_time_unix_nano == int(WALL * 1e9)
    assert receiver.metric_points()["gen_ai.client.operation.duration"]
