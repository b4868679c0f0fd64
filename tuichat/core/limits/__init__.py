"""Limits: the client-side limiter (token buckets, scopes, priorities), admission of
a request before it is sent, and the provider's rate-limit headers.

Uses the core's root vocabulary and :mod:`tuichat.core.cost` (token counts for
a request's estimate); never the turn or the metrics.
"""
