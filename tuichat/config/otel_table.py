"""The ``[otel]`` table: sending traces and metrics to an OpenTelemetry collector.

    [otel]
    endpoint = "http://localhost:4318"     # OTLP/HTTP base URL (/v1/traces is added)
    headers = { authorization = "..." }    # sent with every export (never shown)
    service_name = "tuichat"
    capture_content = false                # true: prompts and answers on the spans
    enabled = true                         # false: off even if the env vars say on

The standard environment variables win over the file (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``, and
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` for content). Export
is off when neither the file nor the env gives an endpoint; see
:mod:`tuichat.telemetry` for what is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuichat.config.fields import Where, check_keys, shown, string, table

OTEL_FIELDS = ("endpoint", "headers", "service_name", "capture_content", "enabled")
MAX_HEADERS = 32


@dataclass(frozen=True, slots=True)
class OtelSettings:
    """``[otel]``: where to send telemetry, and what (env vars are applied on top)."""

    endpoint: str | None = None
    """OTLP/HTTP base URL (``/v1/traces`` and ``/v1/metrics`` are added); None: env or off."""
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    """Headers sent with every export (e.g. an API key of the backend)."""
    service_name: str | None = None
    """``service.name`` of the resource (default ``tuichat``)."""
    capture_content: bool = False
    """Put prompts and answers (redacted as the log is) on the spans."""
    enabled: bool = True
    """False turns export off even when the environment configures it."""


def parse_otel(value: Any, where: Where) -> OtelSettings:
    """Validate ``[otel]``; raise ``ConfigError`` at the bad key."""
    keys = ("otel",)
    data = table(value, keys, where)
    check_keys(data, OTEL_FIELDS, keys, where, {})
    settings: dict[str, Any] = {}
    if "endpoint" in data:
        settings["endpoint"] = _endpoint(data["endpoint"], where)
    if "headers" in data:
        settings["headers"] = _headers(data["headers"], where)
    if "service_name" in data:
        settings["service_name"] = string(data["service_name"], (*keys, "service_name"), where)
    for flag in ("capture_content", "enabled"):
        if flag in data:
            settings[flag] = _flag(data[flag], (*keys, flag), where)
    return OtelSettings(**settings)


def _endpoint(value: Any, where: Where) -> str:
    keys = ("otel", "endpoint")
    text = string(value, keys, where).strip()
    if not text.startswith(("http://", "https://")) or any(c.isspace() for c in text):
        raise where.error(keys, f"must be an http:// or https:// URL, got {shown(value)}")
    return text


def _headers(value: Any, where: Where) -> dict[str, str]:
    keys = ("otel", "headers")
    data = table(value, keys, where)
    if len(data) > MAX_HEADERS:
        raise where.error(keys, f"has {len(data)} headers; at most {MAX_HEADERS}")
    for name, header in data.items():
        if not isinstance(header, str) or any(c in header for c in "\r\n\0"):
            raise where.error((*keys, name), "must be one line of text")
    return dict(data)


def _flag(value: Any, keys: tuple[str, ...], where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.error(keys, f"must be true or false, got {shown(value)}")
    return value
