"""The built-in simulator: a real streaming server (OpenAI and Anthropic APIs) on loopback.

Integration tests, the benchmark and ``tuichat`` with nothing configured talk
to it over real HTTP. Timing (TTFT, tokens/s, burst) and faults (HTTP errors,
hangs, resets, truncated or malformed streams) are chosen per server
(:class:`SimSettings`) or per request through the model name, e.g.
``sim?tps=0&tokens=3000`` or ``sim?scenario=http_error&status=429``.

Modules: ``http1`` (hand-written HTTP/1.1), ``answers`` (deterministic text),
``settings`` (defaults and overrides), ``wire`` (what every API shares),
``openai_wire``/``openai_errors`` and ``anthropic_wire``/``anthropic_errors``
(requests and response bytes), ``formats`` (the APIs as data),
``prompt_cache``, ``exchange`` (one request, timed writer), ``streaming``
(pacing engine), ``scenarios`` (registry), ``server``, ``thread``, ``cli``.
"""
