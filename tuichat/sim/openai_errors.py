"""OpenAI-style error responses, one builder per failure a client must handle.

The bodies copy what api.openai.com returns, so the client's error mapping is
tested against realistic input. Keys are never echoed in full.
"""

from __future__ import annotations

from tuichat.sim.http1 import CannedResponse
from tuichat.sim.wire import dumps


def error_body(
    message: str, type_: str, *, param: str | None = None, code: str | None = None
) -> bytes:
    """An OpenAI error object: ``{"error": {message, type, param, code}}``."""
    return dumps(
        {"error": {"message": message, "type": type_, "param": param, "code": code}}
    ).encode()


def retry_after_header(seconds: float | None) -> str:
    """The ``retry-after`` value for ``seconds`` (1 when unset), as servers write it."""
    value = 1.0 if seconds is None else seconds
    return str(int(value)) if value == int(value) else str(value)


def _rate_limited(retry_after: float | None) -> CannedResponse:
    header = retry_after_header(retry_after)
    message = (
        "Rate limit reached for sim in organization org-sim on requests per min (RPM): "
        f"Limit 3, Used 3, Requested 1. Please try again in {header}s."
    )
    headers = (
        ("retry-after", header),
        ("x-ratelimit-limit-requests", "3"),
        ("x-ratelimit-remaining-requests", "0"),
        ("x-ratelimit-reset-requests", f"{header}s"),
    )
    body = error_body(message, "rate_limit_exceeded", code="rate_limit_exceeded")
    return CannedResponse(429, body, headers=headers)


_ERROR_TYPES = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Forbidden."),
    404: ("invalid_request_error", None, "Not found."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
    529: ("overloaded_error", None, "Overloaded"),
}


def error_kind(status: int) -> tuple[str, str | None, str]:
    """``(type, code, message)`` of the error OpenAI sends for ``status``."""
    default = ("server_error", None, "The server had an error while processing your request.")
    if 400 <= status < 500:
        default = ("invalid_request_error", None, "Invalid request.")
    return _ERROR_TYPES.get(status, default)


def http_error(status: int, retry_after: float | None) -> CannedResponse:
    """The error a provider returns with ``status`` (the ``http_error`` scenario)."""
    if status == 429:
        return _rate_limited(retry_after)
    type_, code, message = error_kind(status)
    return CannedResponse(status, error_body(message, type_, code=code))


def mask_key(key: str) -> str:
    """``sk-...abcd``: enough to recognise a key, never enough to use it."""
    if len(key) <= 8:
        return "****"
    prefix = "sk-" if key.startswith("sk-") else ""
    return f"{prefix}...{key[-4:]}"


def with_message(status: int, message: str) -> CannedResponse:
    """The error for ``status`` with ``message`` instead of the usual text."""
    type_, code, _ = error_kind(status)
    return CannedResponse(status, error_body(message, type_, code=code))


def unauthorized(presented: str | None) -> CannedResponse:
    """401 for a missing or wrong bearer token."""
    if presented is None:
        message = (
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        )
    else:
        message = f"Incorrect API key provided: {mask_key(presented)}."
    return CannedResponse(401, error_body(message, "invalid_request_error", code="invalid_api_key"))


def model_not_found(model: str) -> CannedResponse:
    message = f"The model `{model}` does not exist"
    body = error_body(message, "invalid_request_error", param="model", code="model_not_found")
    return CannedResponse(404, body)


def bad_request(message: str, param: str | None = None) -> CannedResponse:
    return CannedResponse(400, error_body(message, "invalid_request_error", param=param))


def context_too_long(prompt_tokens: int) -> CannedResponse:
    message = (
        "This model's maximum context length is 8192 tokens. However, your messages "
        f"resulted in {max(prompt_tokens, 8193)} tokens. Please reduce the length of the messages."
    )
    body = error_body(
        message, "invalid_request_error", param="messages", code="context_length_exceeded"
    )
    return CannedResponse(400, body)


def invalid_url(method: str, path: str) -> CannedResponse:
    message = f"Invalid URL ({method} {path})"
    return CannedResponse(404, error_body(message, "invalid_request_error"))
