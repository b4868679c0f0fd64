"""What the simulator saw and did for each request, for tests and benchmarks.

Timestamps are ``time.monotonic()``, which on Linux is one system-wide clock:
they compare directly with a client's clock in another thread or process.
Each field is updated just before the bytes it describes are handed to the
socket, so a client that has read them finds the record already up to date.
Every request is recorded except ``GET /health`` and ``GET /_sim/requests``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class RequestRecord:
    """One request and the life of its response."""

    id: int
    connection_id: int
    """Which TCP connection carried it (1, 2, ...): equal ids mean keep-alive reuse."""
    path: str
    model: str
    """The model string as the client sent it, overrides included ("" if none)."""
    scenario: str
    """The scenario that answered ("" when the request failed before one was chosen)."""
    body: dict[str, Any] | None
    received_at: float
    """When the request was fully read."""
    status_code: int | None = None
    headers_sent_at: float | None = None
    first_token_at: float | None = None
    last_byte_at: float | None = None
    """When the latest bytes were written (stamped again once the kernel took them all)."""
    tokens_sent: int = 0
    completed: bool = False
    """The response was written in full as intended. False when a fault cut it short
    (truncate, drop, hang, hang_mid, error_mid_stream) or the client left."""
    disconnected_at: float | None = None
    """When the client went away before the response was complete."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy (for ``GET /_sim/requests``)."""
        return asdict(self)
