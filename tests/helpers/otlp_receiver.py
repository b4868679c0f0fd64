"""A real OTLP/HTTP receiver on loopback: decodes the protobuf payloads it is sent.

``mode`` says how it answers: ``ok`` (200, an empty response message),
``refuse`` (400, which the exporter does not retry) or ``hang`` (never
answers until :meth:`OtlpReceiver.close`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pytest

trace_service = pytest.importorskip(
    "opentelemetry.proto.collector.trace.v1.trace_service_pb2",
    reason="needs the otel extra: pip install 'tuichat[otel]'",
)
metrics_service = pytest.importorskip(
    "opentelemetry.proto.collector.metrics.v1.metrics_service_pb2"
)


class OtlpReceiver:
    """An OTLP/HTTP endpoint on 127.0.0.1 that keeps every decoded request."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.traces: list[Any] = []
        self.metrics: list[Any] = []
        self.headers: list[dict[str, str]] = []
        self.released = threading.Event()
        self.hit = threading.Event()
        self.received = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def spans(self) -> list[Any]:
        """Every span received, in order."""
        return [
            span
            for request in self.traces
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]

    def metric_points(self) -> dict[str, list[Any]]:
        """Histogram data points received, by metric name."""
        found: dict[str, list[Any]] = {}
        for request in self.metrics:
            for resource in request.resource_metrics:
                for scope in resource.scope_metrics:
                    for metric in scope.metrics:
                        found.setdefault(metric.name, []).extend(metric.histogram.data_points)
        return found

    def wait_for(self, what: str, count: int, timeout: float = 20.0) -> None:
        """Block until ``count`` items of ``what`` (``spans`` or ``metrics``) have arrived."""

        def enough() -> bool:
            return len(self.spans() if what == "spans" else self.metrics) >= count

        with self.received:
            assert self.received.wait_for(enough, timeout), f"no {count} {what} received"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.hit.set()
                if receiver.mode == "hang":
                    receiver.released.wait(60)
                    return
                if receiver.mode == "refuse":
                    self._answer(400, b"")
                    return
                receiver.keep(self.path, body, dict(self.headers))
                self._answer(200, b"")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def keep(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        with self.received:
            self.headers.append(headers)
            if path == "/v1/traces":
                request = trace_service.ExportTraceServiceRequest()
                request.ParseFromString(body)
                self.traces.append(request)
            elif path == "/v1/metrics":
                request = metrics_service.ExportMetricsServiceRequest()
                request.ParseFromString(body)
                self.metrics.append(request)
            self.received.notify_all()


def attributes(item: Any) -> dict[str, Any]:
    """A span's (or point's) attributes as plain Python values."""
    return {kv.key: _value(kv.value) for kv in item.attributes}


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return tuple(_value(v) for v in value.array_value.values)
    return getattr(value, kind)


def receiving(mode: str = "ok") -> Iterator[OtlpReceiver]:
    """A receiver for a fixture: started, closed after the test."""
    with OtlpReceiver(mode) as receiver:
        yield receiver
