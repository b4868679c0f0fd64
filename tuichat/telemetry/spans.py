"""A turn record as OpenTelemetry spans and GenAI metrics (imports the SDK: the otel extra).

One trace per turn, with the turn's own trace id (so a trace id in the log,
``ask --json`` or the debug view finds the trace in the backend):

- the turn span ``chat MODEL`` (``gen_ai.operation.name = chat``, the
  conversation id, the answer's finish reason, ``error.type`` when it
  failed, ``tuichat.cache.verdict``), with span events for queueing,
  retries, fallbacks, breaker changes and the cache lookup;
- a child span per attempt, also ``chat MODEL``: provider, server, request
  and response model, max tokens, usage (input, output, cache-read input),
  finish reasons, ``error.type``, the time to first chunk, the cost, and
  ``tuichat.attempt``; a cache hit is an attempt of provider ``tuichat.cache``.

Attribute names follow the OpenTelemetry GenAI semantic conventions; the
``tuichat.*`` ones are ours. Metrics (histograms, the conventions' bucket
boundaries): ``gen_ai.client.operation.duration`` and
``gen_ai.client.operation.time_to_first_chunk`` in seconds, and
``gen_ai.client.token.usage`` by ``gen_ai.token.type``, per attempt that
reached a provider. Prompt and answer text (``gen_ai.input.messages``,
``gen_ai.output.messages``) only when content capture is on, redacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.metrics import Histogram, Meter
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from tuichat.telemetry.turn_record import AttemptRecord, Attributes, TurnRecord

DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                    40.96, 81.92)  # fmt: skip
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                 16777216, 67108864)  # fmt: skip
PROVIDER_NAMES = {"openai": "openai", "anthropic": "anthropic", "cache": "tuichat.cache"}
"""tuichat's provider kinds as ``gen_ai.provider.name`` (others keep their own name)."""

Redact = Callable[[str], str]


class TurnTraceIds(IdGenerator):
    """Trace ids from the turns themselves (random span ids; random trace id if unusable)."""

    def __init__(self) -> None:
        self.next_trace_id: int | None = None
        self._random = RandomIdGenerator()

    def generate_span_id(self) -> int:
        return self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        wanted, self.next_trace_id = self.next_trace_id, None
        return wanted or self._random.generate_trace_id()


def trace_number(trace_id: str) -> int | None:
    """A 32-hex trace id as the integer OpenTelemetry wants (None: not one)."""
    if len(trace_id) != 32:
        return None
    try:
        return int(trace_id, 16) or None
    except ValueError:
        return None


class GenAiInstruments:
    """The three GenAI client histograms."""

    def __init__(self, meter: Meter) -> None:
        self.duration: Histogram = meter.create_histogram(
            "gen_ai.client.operation.duration", "s", "GenAI operation duration",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )  # fmt: skip
        self.tokens: Histogram = meter.create_histogram(
            "gen_ai.client.token.usage", "{token}", "Tokens used per operation",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )  # fmt: skip
        self.first_chunk: Histogram = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk", "s", "Time to the first chunk",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )  # fmt: skip

    def record(self, attempt: AttemptRecord) -> None:
        """One attempt's duration, tokens and time to first chunk (cache plays excluded)."""
        if attempt.provider == "cache" or attempt.end is None:
            return
        attrs = _metric_attributes(attempt)
        self.duration.record(attempt.end - attempt.start, attrs)
        if attempt.ttfc_s is not None:
            self.first_chunk.record(attempt.ttfc_s, attrs)
        for kind, count in (("input", attempt.input_tokens), ("output", attempt.output_tokens)):
            if count is not None:
                self.tokens.record(count, {**attrs, "gen_ai.token.type": kind})


def emit_turn(
    record: TurnRecord, tracer: Tracer, ids: TurnTraceIds, content: Redact | None = None
) -> int:
    """Make the turn's spans (ended, so the processor sees them); returns how many."""
    ids.next_trace_id = trace_number(record.trace_id)
    root = tracer.start_span(
        f"chat {record.model}", kind=SpanKind.CLIENT, start_time=_ns(record.start),
        attributes=_turn_attributes(record, content),
    )  # fmt: skip
    context = trace.set_span_in_context(root)
    for mark in record.marks:
        root.add_event(mark.name, mark.attributes, timestamp=_ns(mark.at))
    for attempt in record.attempts:
        _emit_attempt(attempt, record, tracer, context)
    if record.status == "failed":
        root.set_status(Status(StatusCode.ERROR, record.error_type))
    root.end(end_time=_ns(record.end))
    return 1 + len(record.attempts)


def _emit_attempt(
    attempt: AttemptRecord, record: TurnRecord, tracer: Tracer, context: Context
) -> None:
    span = tracer.start_span(
        f"chat {attempt.model}", context=context, kind=SpanKind.CLIENT,
        start_time=_ns(attempt.start), attributes=_attempt_attributes(attempt, record),
    )  # fmt: skip
    if attempt.status == "failed":
        span.set_status(Status(StatusCode.ERROR, attempt.error_type))
    span.end(end_time=_ns(attempt.end if attempt.end is not None else record.end))


def _turn_attributes(record: TurnRecord, content: Redact | None) -> Attributes:
    attrs: Attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.conversation.id": record.session_id,
        "gen_ai.request.model": record.requested_model or record.model,
        "tuichat.turn.status": record.status,
        "tuichat.attempts": len(record.attempts),
    }
    served = record.served_by
    if served is not None:
        attrs["gen_ai.provider.name"] = _provider(served.provider)
        attrs["gen_ai.response.model"] = served.served_model or served.model
    if record.finish_reason:
        attrs["gen_ai.response.finish_reasons"] = (record.finish_reason,)  # type: ignore[assignment]
    if record.error_type:
        attrs["error.type"] = record.error_type
    if record.cache_verdict:
        attrs["tuichat.cache.verdict"] = record.cache_verdict
    if (first := record.first_chunk) is not None:
        attrs["tuichat.time_to_first_chunk_s"] = round(first - record.start, 6)
    if (cost := record.cost_usd()) is not None:
        attrs["tuichat.cost_usd"] = cost
    if content is not None:
        attrs.update(_content(record, content))
    return attrs


def _attempt_attributes(attempt: AttemptRecord, record: TurnRecord) -> Attributes:
    attrs: Attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": _provider(attempt.provider),
        "gen_ai.request.model": attempt.model,
        "gen_ai.conversation.id": record.session_id,
        **_server(attempt.host),
        "tuichat.attempt": attempt.number,
        "tuichat.attempt.status": attempt.status,
    }
    optional: dict[str, str | int | float | None] = {
        "gen_ai.response.model": attempt.served_model,
        "gen_ai.request.max_tokens": attempt.max_tokens,
        "gen_ai.usage.input_tokens": attempt.input_tokens,
        "gen_ai.usage.output_tokens": attempt.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": attempt.cached_input_tokens,
        "error.type": attempt.error_type,
        "http.response.status_code": attempt.http_status,
        "tuichat.time_to_first_chunk_s": attempt.ttfc_s,
        "tuichat.cost_usd": attempt.cost_usd,
    }
    attrs.update({key: value for key, value in optional.items() if value is not None})
    if attempt.finish_reason:
        attrs["gen_ai.response.finish_reasons"] = (attempt.finish_reason,)  # type: ignore[assignment]
    return attrs


def _metric_attributes(attempt: AttemptRecord) -> Attributes:
    attrs: Attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": _provider(attempt.provider),
        "gen_ai.request.model": attempt.model,
        **_server(attempt.host),
    }
    if attempt.served_model:
        attrs["gen_ai.response.model"] = attempt.served_model
    if attempt.error_type:
        attrs["error.type"] = attempt.error_type
    return attrs


def _content(record: TurnRecord, redact: Redact) -> Attributes:
    """The prompt and the answer as the conventions' message JSON, redacted."""

    def message(role: str, text: str) -> str:
        return json.dumps([{"role": role, "parts": [{"type": "text", "content": redact(text)}]}],
                          ensure_ascii=False)  # fmt: skip

    return {
        "gen_ai.input.messages": message("user", record.prompt),
        "gen_ai.output.messages": message("assistant", record.answer),
    }


def _server(host: str) -> Attributes:
    """``server.address`` and ``server.port`` from the logged ``host[:port]``."""
    address, sep, port = host.rpartition(":")
    if sep and port.isdigit() and (":" not in address or address.endswith("]")):
        return {"server.address": address.strip("[]"), "server.port": int(port)}
    return {"server.address": host}


def _provider(kind: str) -> str:
    return PROVIDER_NAMES.get(kind, kind)


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)
