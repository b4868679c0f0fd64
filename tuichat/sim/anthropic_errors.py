"""Anthropic-style error responses: ``{"type": "error", "error": {"type", "message"}}``.

Types and statuses follow api.anthropic.com (``overloaded_error`` is 529,
``rate_limit_error`` 429 with ``retry-after``), so the adapter's error mapping
is tested against realistic input. Keys are never echoed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tuichat.sim.http1 import CannedResponse
from tuichat.sim.openai_errors import retry_after_header
from tuichat.sim.wire import dumps

CONTEXT_LIMIT = 200_000
RATE_LIMIT_RPM = 50

_ERROR_KINDS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use this resource."),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Rate limited."),
    500: ("api_error", "Internal server error"),
    504: ("timeout_error", "Request timed out."),
    529: ("overloaded_error", "Overloaded"),
}


def error_body(type_: str, message: str) -> bytes:
    """An Anthropic error object."""
    return dumps({"type": "error", "error": {"type": type_, "message": message}}).encode()


def error_kind(status: int) -> tuple[str, str]:
    """``(type, message)`` of the error Anthropic sends for ``status``."""
    default = _ERROR_KINDS[400] if 400 <= status < 500 else _ERROR_KINDS[500]
    return _ERROR_KINDS.get(status, default)


def _rate_limited(retry_after: float | None) -> CannedResponse:
    header = retry_after_header(retry_after)
    reset = datetime.now(UTC) + timedelta(seconds=float(header))
    message = (
        "This request would exceed the rate limit for your organization of "
        f"{RATE_LIMIT_RPM} requests per minute. Please try again later."
    )
    headers = (
        ("retry-after", header),
        ("anthropic-ratelimit-requests-limit", str(RATE_LIMIT_RPM)),
        ("anthropic-ratelimit-requests-remaining", "0"),
        ("anthropic-ratelimit-requests-reset", reset.strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
    return CannedResponse(429, error_body("rate_limit_error", message), headers=headers)


def http_error(status: int, retry_after: float | None) -> CannedResponse:
    """The error Anthropic returns with ``status`` (the ``http_error`` scenario)."""
    if status == 429:
        return _rate_limited(retry_after)
    type_, message = error_kind(status)
    return CannedResponse(status, error_body(type_, message))


def with_message(status: int, message: str) -> CannedResponse:
    """The error for ``status`` with ``message`` instead of the usual text."""
    return CannedResponse(status, error_body(error_kind(status)[0], message))


def unauthorized(presented: str | None) -> CannedResponse:
    """401 for a missing or wrong ``x-api-key``."""
    message = "x-api-key header is required" if presented is None else "invalid x-api-key"
    return CannedResponse(401, error_body("authentication_error", message))


def model_not_found(model: str) -> CannedResponse:
    return CannedResponse(404, error_body("not_found_error", f"model: {model}"))


def bad_request(message: str, param: str | None = None) -> CannedResponse:
    """400 ``invalid_request_error`` (Anthropic names the field in the message, not apart)."""
    return CannedResponse(400, error_body("invalid_request_error", message))


def context_too_long(prompt_tokens: int) -> CannedResponse:
    shown = max(prompt_tokens, 250_000)
    message = f"prompt is too long: {shown} tokens > {CONTEXT_LIMIT} maximum"
    return CannedResponse(400, error_body("invalid_request_error", message))
