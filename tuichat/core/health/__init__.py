"""Health: one circuit breaker per provider endpoint and the turn's view of them.

Uses only the core's root vocabulary (clock, errors, events).
"""
