"""``tuichat export --otlp``: logged turns sent to the OpenTelemetry collector after the fact.

The same spans and metrics as live export (:mod:`tuichat.telemetry`), made
from the logged events, so their times are the logged ones. Sent in batches
in this process (no background thread: the command exists to send them);
each send gives up after the exporter's timeout.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from tuichat.config import Settings
from tuichat.core.untrusted import one_line
from tuichat.headless.export_formats import ExportedSession, Redact
from tuichat.telemetry import TelemetryStats, TelemetryUnavailable, require_extra, telemetry_target

EXIT_OK, EXIT_NOT_SENT, EXIT_USAGE = 0, 1, 2
NO_TARGET = (
    "no OpenTelemetry collector configured: set OTEL_EXPORTER_OTLP_ENDPOINT "
    "or [otel] endpoint in config.toml"
)


def send_history(
    settings: Settings, items: Sequence[ExportedSession], redact: Redact, out: TextIO
) -> int:
    """Send every turn of ``items``; print one summary line; return the exit code."""
    target = telemetry_target(settings.otel)
    if target is None:
        return _say(NO_TARGET, EXIT_USAGE)
    try:
        require_extra(target)
    except TelemetryUnavailable as exc:
        return _say(str(exc), EXIT_USAGE)
    from tuichat.telemetry.pipeline import TelemetryPipeline

    stats = TelemetryStats(endpoint=target.endpoint)
    content = redact if settings.log.content == "full" else None
    pipeline = TelemetryPipeline(target, stats, content=content)
    turns = 0
    for item in items:
        for record in item.records:
            pipeline.emit(record)
            turns += 1
    pipeline.flush_spans()
    metrics_sent = pipeline.flush_metrics()
    pipeline.close()
    line = f"{turns} turns, {stats.spans_exported} spans sent to {target.endpoint}"
    if stats.spans_failed or not metrics_sent:
        return _say(f"{line}; {stats.spans_failed} spans not taken ({stats.notice or 'metrics'})",
                    EXIT_NOT_SENT)  # fmt: skip
    out.write(f"tuichat export: {line}\n")
    return EXIT_OK


def _say(message: str, code: int) -> int:
    print(f"tuichat export: {one_line(message)}", file=sys.stderr)
    return code
