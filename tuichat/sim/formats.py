"""The APIs the simulator speaks, as data: each route names one of these.

Adding a wire format is one :class:`~tuichat.sim.wire.ApiFormat` here plus its
wire and error modules; the server, the timing engine and every scenario stay
as they are.
"""

from __future__ import annotations

from tuichat.sim import anthropic_errors, anthropic_wire, openai_errors, openai_wire
from tuichat.sim.wire import ApiFormat

OPENAI = ApiFormat(
    name="openai",
    parse=openai_wire.parse_chat_request,
    new_wire=lambda record_id: openai_wire.OpenAIWire(f"chatcmpl-sim-{record_id}"),
    errors=openai_errors,
    presented_key=openai_wire.presented_key,
)
"""OpenAI Chat Completions (``/v1/chat/completions``), bearer auth."""

ANTHROPIC = ApiFormat(
    name="anthropic",
    parse=anthropic_wire.parse_messages_request,
    new_wire=lambda record_id: anthropic_wire.AnthropicWire(f"msg_sim_{record_id}"),
    errors=anthropic_errors,
    presented_key=anthropic_wire.presented_key,
    required_headers=("anthropic-version",),
)
"""Anthropic Messages (``/v1/messages``), ``x-api-key`` auth."""
