"""The export side of telemetry: a background thread that turns turns into OTLP batches.

The thread takes finished turns from the collector's bounded queue, makes
their spans (:mod:`tuichat.telemetry.spans`) and metric points, and sends the
spans in batches of :data:`BATCH_SPANS` or every :data:`FLUSH_EVERY_S`,
whichever comes first, with the OTLP/HTTP exporter (protobuf). Metrics go
out through the SDK's periodic reader on its own thread.

Failure is quiet and bounded: a batch the collector does not take is counted
(``spans_failed``) and the first such failure becomes one notice for the
front end (never one per turn); each send gives up after
:data:`SEND_TIMEOUT_S`. The thread and the bounded shutdown are
:class:`tuichat.telemetry.live.LiveTelemetry`'s.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from tuichat.core.events import Event
from tuichat.core.untrusted import one_line
from tuichat.telemetry.collector import TelemetryStats, TurnCollector
from tuichat.telemetry.spans import GenAiInstruments, Redact, TurnTraceIds, emit_turn
from tuichat.telemetry.target import TelemetryTarget
from tuichat.telemetry.turn_record import TurnRecord, turn_record

log = logging.getLogger(__name__)

BATCH_SPANS = 128
FLUSH_EVERY_S = 2.0
SEND_TIMEOUT_S = 5.0
METRICS_EVERY_MS = 15_000.0
SHUTDOWN_S = 1.5
"""Closing gives the last metric export at most this long."""


class _KeepEnded(SpanProcessor):
    """Collects ended spans for the pipeline's own batching."""

    def __init__(self, into: list[ReadableSpan]) -> None:
        self._into = into

    def on_end(self, span: ReadableSpan) -> None:
        self._into.append(span)


class TelemetryPipeline:
    """Spans and metrics for finished turns, sent over OTLP/HTTP (see the module doc)."""

    def __init__(
        self,
        target: TelemetryTarget,
        stats: TelemetryStats,
        *,
        content: Redact | None = None,
        say: Callable[[str], None] | None = None,
        span_exporter: SpanExporter | None = None,
        metric_exporter: MetricExporter | None = None,
        metrics_every_ms: float = METRICS_EVERY_MS,
    ) -> None:
        self.target, self.stats, self._say = target, stats, say
        self._content = content if target.capture_content else None
        resource = Resource.create({"service.name": target.service_name})
        self._ids = TurnTraceIds()
        self._ended: list[ReadableSpan] = []
        tracers = TracerProvider(resource=resource, id_generator=self._ids)
        tracers.add_span_processor(_KeepEnded(self._ended))
        self._tracer = tracers.get_tracer("tuichat")
        self._spans = span_exporter or OTLPSpanExporter(
            endpoint=target.url("traces"), headers=target.headers, timeout=SEND_TIMEOUT_S
        )
        metrics = metric_exporter or OTLPMetricExporter(
            endpoint=target.url("metrics"), headers=target.headers, timeout=SEND_TIMEOUT_S
        )
        reader = PeriodicExportingMetricReader(metrics, export_interval_millis=metrics_every_ms)
        self._meters = MeterProvider(resource=resource, metric_readers=[reader])
        self._instruments = GenAiInstruments(self._meters.get_meter("tuichat"))

    def emit(self, record: TurnRecord) -> None:
        """Make one turn's spans and metric points (sent with the next batch)."""
        emit_turn(record, self._tracer, self._ids, self._content)
        for attempt in record.attempts:
            self._instruments.record(attempt)
        if len(self._ended) >= BATCH_SPANS:
            self.flush_spans()

    def emit_events(self, events: Iterable[Event]) -> None:
        """:meth:`emit` for a turn's events (a turn that does not parse is skipped)."""
        record = turn_record(events)
        if record is not None:
            self.emit(record)

    def flush_spans(self) -> bool:
        """Send the spans made so far; True when the collector took them."""
        batch = list(self._ended)
        del self._ended[: len(batch)]
        if not batch:
            return True
        try:
            sent = self._spans.export(batch) is SpanExportResult.SUCCESS
        except Exception:  # an exporter bug must not kill the thread
            log.exception("OpenTelemetry span export failed")
            sent = False
        self._count(batch, sent)
        return sent

    def flush_metrics(self, timeout_s: float = SEND_TIMEOUT_S) -> bool:
        """Send the metric points now (``export --otlp`` and tests)."""
        return self._meters.force_flush(int(timeout_s * 1000))

    def drain(self, collector: TurnCollector, stopping: threading.Event) -> None:
        """Take turns from ``collector`` until ``stopping`` is set, then send what is left.

        Runs on the telemetry thread (:class:`tuichat.telemetry.live.LiveTelemetry`).
        """
        next_flush = time.monotonic() + FLUSH_EVERY_S
        while not stopping.is_set():
            try:
                turn = collector.turns.get(timeout=0.1)
            except queue.Empty:
                turn = None
            if turn is not None:
                self._safely(turn)
            if time.monotonic() >= next_flush:
                self.flush_spans()
                next_flush = time.monotonic() + FLUSH_EVERY_S
        self._last(collector)

    def close(self) -> None:
        """Send the last metric points and close the exporters (may wait on the collector)."""
        try:
            self._meters.shutdown(timeout_millis=SHUTDOWN_S * 1000)
            self._spans.shutdown()
        except Exception:
            log.exception("OpenTelemetry shutdown failed")

    def _last(self, collector: TurnCollector) -> None:
        """At shutdown: the turns still queued, then one last batch."""
        while True:
            try:
                turn = collector.turns.get_nowait()
            except queue.Empty:
                break
            if turn is not None:
                self._safely(turn)
        self.flush_spans()

    def _safely(self, turn: Sequence[Event]) -> None:
        try:
            self.emit_events(turn)
        except Exception:  # a malformed turn costs its spans, not the thread
            log.exception("cannot make spans of turn %s", turn[0].trace_id if turn else "?")

    def _count(self, batch: Sequence[ReadableSpan], sent: bool) -> None:
        if sent:
            self.stats.spans_exported += len(batch)
            return
        self.stats.spans_failed += len(batch)
        if self.stats.notice is None:
            self.stats.notice = one_line(
                f"OpenTelemetry collector at {self.target.endpoint} is not answering; "
                "spans are counted as failed until it does"
            )
            if self._say is not None:
                self._say(self.stats.notice)
