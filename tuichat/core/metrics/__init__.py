"""Metrics: what the HUD, ``ask --json`` and the debug view show, read from events.

Waterfall, throughput, per-turn and per-session figures, and the HUD's view
models. Consumers only: they read events and never emit any. May use cost,
health and limits value types; never the turn.
"""
