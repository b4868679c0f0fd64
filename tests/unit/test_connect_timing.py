"""ConnectTimer reads httpcore's trace events; the event path carries what it found."""

from __future__ import annotations

import httpx

from tuichat.core.events import HeadersReceived
from tuichat.core.provider import ResponseHead
from tuichat.core.turn.part_events import meta_event
from tuichat.providers.connect_timing import ConnectTimer


class Ticks:
    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


async def test_connect_and_tls_are_timed_together() -> None:
    timer = ConnectTimer(Ticks(1.0, 1.002, 1.010))
    await timer("connection.connect_tcp.started", {})
    await timer("connection.connect_tcp.complete", {})
    await timer("connection.start_tls.started", {})
    await timer("connection.start_tls.complete", {})
    await timer("http11.send_request_headers.started", {})
    assert timer.reused is False
    assert timer.connect_ms is not None and abs(timer.connect_ms - 10.0) < 1e-6


async def test_no_connection_step_means_a_reused_connection() -> None:
    timer = ConnectTimer(Ticks())
    await timer("http11.send_request_headers.started", {})
    await timer("http11.send_request_headers.complete", {})
    assert timer.reused is True and timer.connect_ms == 0.0


async def test_a_failed_connect_is_not_a_time() -> None:
    timer = ConnectTimer(Ticks(1.0))
    await timer("connection.connect_tcp.started", {})
    await timer("connection.connect_tcp.failed", {})
    assert timer.reused is False and timer.connect_ms is None


async def test_an_untraced_transport_says_nothing() -> None:
    timer = ConnectTimer()
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    async with httpx.AsyncClient(transport=transport) as client:
        await client.get("http://x/", extensions={"trace": timer})
    assert timer.reused is None and timer.connect_ms is None


def test_the_head_part_maps_to_headers_received() -> None:
    head = ResponseHead(200, {}, connect_ms=3.5, connection_reused=False)
    event = meta_event(head, "t", 1.0, 2)
    assert isinstance(event, HeadersReceived)
    assert (event.attempt, event.connect_ms, event.connection_reused) == (2, 3.5, False)
