"""Telemetry without the SDK: the [otel] table, the env vars, the turn record, the bounded queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.replay_log import WALL, LiveTurn, simple_turn
from tuichat.config import ConfigError, resolve_settings
from tuichat.config.otel_table import OtelSettings
from tuichat.telemetry import TelemetryStats, TurnCollector, telemetry_target
from tuichat.telemetry.turn_record import turn_record


def test_off_when_neither_env_nor_file_names_an_endpoint() -> None:
    assert telemetry_target(OtelSettings(), {}) is None


def test_env_vars_over_the_file() -> None:
    file = OtelSettings(endpoint="http://file:4318", headers={"a": "1"}, service_name="svc")
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318/",
        "OTEL_EXPORTER_OTLP_HEADERS": "a=2,api-key=x%3Dy,broken",
        "OTEL_SERVICE_NAME": "team",
    }
    target = telemetry_target(file, env)
    assert target is not None
    assert target.url("traces") == "http://env:4318/v1/traces"
    assert target.headers == {"a": "2", "api-key": "x=y"}
    assert (target.service_name, target.source) == ("team", "OTEL_EXPORTER_OTLP_ENDPOINT")
    assert not target.capture_content
    assert telemetry_target(OtelSettings(enabled=False), env) is None
    assert telemetry_target(file, {"OTEL_SDK_DISABLED": "true"}) is None


def test_the_otel_table_is_validated(tuichat_home: Path) -> None:
    tuichat_home.mkdir(parents=True, exist_ok=True)
    config = tuichat_home / "config.toml"
    config.write_text('[otel]\nendpoint = "http://c:4318"\ncapture_content = true\n')
    otel = resolve_settings().otel
    assert (otel.endpoint, otel.capture_content) == ("http://c:4318", True)
    config.write_text('[otel]\nendpoint = "c:4318"\n')
    with pytest.raises(ConfigError, match=r"otel\.endpoint: must be an http"):
        resolve_settings()
    config.write_text("[otel]\nsample = 1\n")
    with pytest.raises(ConfigError, match="unknown key"):
        resolve_settings()


def test_a_record_has_the_attempts_and_what_happened_between() -> None:
    turn = LiveTurn("f" * 32)
    turn.attempt(1, 0.1)
    turn.end_attempt(1, 0.2, status="failed", error="503")
    turn.retry(1, 0.2, 0.5)
    turn.attempt(2, 0.7)
    turn.chunks(2, [(0.9, "ok")])
    turn.end_attempt(2, 1.0)
    turn.finished(1.0)
    record = turn_record(turn.events)
    assert record is not None
    assert [a.status for a in record.attempts] == ["failed", "ok"]
    assert [m.name for m in record.marks] == ["retry"]
    assert record.start == WALL and record.end == pytest.approx(WALL + 1.0)
    assert record.attempts[1].ttfc_s == pytest.approx(0.2)
    assert record.tokens() == (24, 14) and record.cost_usd() == pytest.approx(0.002)


def test_a_full_queue_drops_whole_turns_and_counts_their_spans() -> None:
    stats = TelemetryStats(endpoint="http://c")
    collector = TurnCollector(stats, queue_turns=1)
    for n in range(3):
        for event in simple_turn(f"{n + 1:032x}", [(0.5, "hi")]).events:
            collector.observe(event)
    assert (stats.turns_queued, stats.turns_dropped, stats.spans_dropped) == (1, 2, 4)
    assert "4 dropped" in stats.line()
    [turn] = [collector.turns.get_nowait()]
    assert turn is not None and not any(type(e).__name__ == "TextDelta" for e in turn)
