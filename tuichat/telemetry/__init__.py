"""OpenTelemetry export: each turn as a trace, GenAI metrics, over OTLP/HTTP.

A consumer of the turn's events like the metrics, the log and the cache
(the core knows nothing of OpenTelemetry)::

    target.py       [otel] + OTEL_* env vars → a TelemetryTarget, or off
    turn_record.py  one turn's events → a TurnRecord (turn, attempts, marks)
    collector.py    the tap on the event loop: whole turns onto a bounded queue
    live.py         start_telemetry / LiveTelemetry: the thread, the bounded close
    pipeline.py     records → spans and metric points, batched OTLP sends (SDK)
    spans.py        the GenAI semantic conventions' span and metric shapes (SDK)

Only ``pipeline`` and ``spans`` import the SDK (the ``otel`` extra), and
only on the telemetry thread or in ``tuichat export --otlp``.
"""

from __future__ import annotations

from tuichat.telemetry.collector import TelemetryStats, TurnCollector
from tuichat.telemetry.live import LiveTelemetry, start_telemetry
from tuichat.telemetry.target import (
    TelemetryTarget,
    TelemetryUnavailable,
    require_extra,
    telemetry_target,
)

__all__ = [
    "LiveTelemetry",
    "TelemetryStats",
    "TelemetryTarget",
    "TelemetryUnavailable",
    "TurnCollector",
    "require_extra",
    "start_telemetry",
    "telemetry_target",
]
