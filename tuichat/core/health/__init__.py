"""Health: one circuit breaker per provider endpoint, the turn's view of them, and their
memory (in this process, or shared by the user's processes through a store).

Uses only the core's root vocabulary (clock, errors, events).
"""
