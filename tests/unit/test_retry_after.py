"""Retry-After parsing in every form providers send."""

from __future__ import annotations

import email.utils

from tuichat.providers.http_errors import parse_retry_after


def test_retry_after_ms_wins() -> None:
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5


def test_retry_after_seconds() -> None:
    assert parse_retry_after({"retry-after": "2"}) == 2.0


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after({"retry-after": header}, now=now) == 30.0


def test_retry_after_garbage_or_missing() -> None:
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
