"""Where telemetry goes: ``[otel]`` with the standard environment variables over it.

Export is on when an endpoint is known (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``[otel] endpoint``), unless ``[otel] enabled = false`` or
``OTEL_SDK_DISABLED=true``. Headers come from ``[otel] headers`` with
``OTEL_EXPORTER_OTLP_HEADERS`` (``k=v,k2=v2``, values URL-encoded) over them.
Nothing here imports OpenTelemetry: deciding costs nothing when it is off.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from tuichat.config.otel_table import OtelSettings

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
HEADERS_ENV = "OTEL_EXPORTER_OTLP_HEADERS"
SERVICE_ENV = "OTEL_SERVICE_NAME"
CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
DISABLED_ENV = "OTEL_SDK_DISABLED"
EXTRA_MODULES = ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")
MISSING_EXTRA = (
    "OpenTelemetry is configured ({source}) but the otel extra is not installed: "
    "pip install 'tuichat[otel]'"
)


class TelemetryUnavailable(Exception):
    """Export is configured but cannot run (the extra is missing): one line to show."""


@dataclass(frozen=True, slots=True)
class TelemetryTarget:
    """A resolved export target: the collector, its headers, the service, content or not."""

    endpoint: str
    """OTLP/HTTP base URL; ``/v1/traces`` and ``/v1/metrics`` are added."""
    source: str
    """Where the endpoint came from (an env var or ``[otel]``), for messages."""
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    service_name: str = "tuichat"
    capture_content: bool = False

    def url(self, signal: str) -> str:
        """The URL of one signal (``traces`` or ``metrics``)."""
        return f"{self.endpoint.rstrip('/')}/v1/{signal}"


def telemetry_target(
    otel: OtelSettings, env: Mapping[str, str] | None = None
) -> TelemetryTarget | None:
    """The target the settings and env give (None: export is off)."""
    env = os.environ if env is None else env
    if not otel.enabled or env.get(DISABLED_ENV, "").strip().lower() == "true":
        return None
    from_env = env.get(ENDPOINT_ENV, "").strip()
    endpoint = from_env or otel.endpoint
    if not endpoint:
        return None
    headers = {**otel.headers, **parse_headers(env.get(HEADERS_ENV, ""))}
    content = env.get(CONTENT_ENV, "").strip().lower()
    return TelemetryTarget(
        endpoint=endpoint,
        source=ENDPOINT_ENV if from_env else "[otel] endpoint",
        headers=headers,
        service_name=env.get(SERVICE_ENV, "").strip() or otel.service_name or "tuichat",
        capture_content=content == "true" if content else otel.capture_content,
    )


def parse_headers(text: str) -> dict[str, str]:
    """``k=v,k2=v2`` (URL-encoded, as the OTLP spec says) → a dict; bad pairs are skipped."""
    headers: dict[str, str] = {}
    for pair in text.split(","):
        name, sep, value = pair.partition("=")
        name, value = unquote(name).strip(), unquote(value).strip()
        if sep and name and not any(c in name + value for c in "\r\n\0"):
            headers[name] = value
    return headers


def require_extra(target: TelemetryTarget) -> None:
    """Raise :class:`TelemetryUnavailable` (one line) when the otel extra is missing."""
    try:
        found = all(importlib.util.find_spec(name) for name in EXTRA_MODULES)
    except (ImportError, ValueError):
        found = False
    if not found:
        raise TelemetryUnavailable(MISSING_EXTRA.format(source=target.source))
