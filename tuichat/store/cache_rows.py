"""Cache entries to rows and back, treating every stored value as hostile.

A row read back is checked column by column (types, JSON shapes) before it
becomes a :class:`~tuichat.core.cache.ports.CacheEntry`: another program, a
bug of an older version or a disk error could have left anything there, and
the entry is about to be streamed to the screen as an answer. Anything that
is not what :func:`entry_values` writes raises
:class:`~tuichat.core.cache.ports.CacheUnavailable` with one line.

``chunks`` are stored as compact JSON ``[[offset_s, text], ...]``; tags come
back from a ``json_group_array`` sub-select, so ``get`` stays one statement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tuichat.core.cache.ports import CacheEntry, CacheUnavailable
from tuichat.core.untrusted import one_line, storable

ROW_OVERHEAD_BYTES = 128
"""What a row costs beyond its text and blobs (numbers, index entries), for the size cap."""

WRITE_COLUMNS = (
    "key",
    "scope",
    "question",
    "answer",
    "model",
    "served_model",
    "created_at",
    "last_used_at",
    "expires_at",
    "ttft_ms",
    "duration_ms",
    "cost_usd",
    "finish_reason",
    "chunks",
    "input_tokens",
    "output_tokens",
    "hits",
    "false_hit",
    "size_bytes",
)
READ_COLUMNS = (
    "key, scope, question, answer, model, served_model, created_at, ttft_ms, duration_ms,"
    " cost_usd, finish_reason, chunks, expires_at, input_tokens, output_tokens, hits,"
    " false_hit, (SELECT json_group_array(tag) FROM entry_tags t WHERE t.key = e.key)"
)
"""The ``SELECT`` list :func:`entry_from_row` decodes (table alias ``e``)."""

Row = tuple[object, ...]


class _Corrupt(Exception):
    """A column that cannot be what the store wrote (its message names it)."""


def entry_values(entry: CacheEntry, vector: bytes | None) -> tuple[tuple[object, ...], int]:
    """The row of ``entry`` in :data:`WRITE_COLUMNS` order, and its size in bytes.

    Texts pass :func:`~tuichat.core.untrusted.storable` (a lone surrogate
    cannot be stored); ``last_used_at`` starts at ``created_at``.
    """
    texts = (
        storable(entry.key),
        storable(entry.scope),
        storable(entry.question),
        storable(entry.answer),
        storable(entry.model),
    )
    chunks = json.dumps(
        [[offset, storable(text)] for offset, text in entry.chunks],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    size = sum(len(text.encode()) for text in (*texts, chunks, *entry.tags))
    size += ROW_OVERHEAD_BYTES + (len(vector) if vector is not None else 0)
    served = None if entry.served_model is None else storable(entry.served_model)
    reason = None if entry.finish_reason is None else storable(entry.finish_reason)
    values = (
        *texts,
        served,
        entry.created_at,
        entry.created_at,
        entry.expires_at,
        entry.ttft_ms,
        entry.duration_ms,
        entry.cost_usd,
        reason,
        chunks,
        entry.input_tokens,
        entry.output_tokens,
        entry.hits,
        int(entry.false_hit),
        size,
    )
    return values, size


def entry_from_row(row: Row) -> CacheEntry:
    """The entry of a row selected with :data:`READ_COLUMNS`; CacheUnavailable if corrupt."""
    try:
        return _decode(row)
    except _Corrupt as exc:
        key = row[0] if row and isinstance(row[0], str) else "?"
        raise CacheUnavailable(
            one_line(f"response cache: entry {one_line(key, 16)!r} is corrupt ({exc})")
        ) from None


def _decode(row: Row) -> CacheEntry:
    if len(row) != 18:
        raise _Corrupt(f"{len(row)} columns")
    key, scope, question, answer, model, served, created, ttft, duration, cost = row[:10]
    reason, chunks, expires, tokens_in, tokens_out, hits, false_hit, tags = row[10:]
    return CacheEntry(
        key=_text(key, "key"),
        scope=_text(scope, "scope"),
        question=_text(question, "question"),
        answer=_text(answer, "answer"),
        model=_text(model, "model"),
        served_model=_optional_text(served, "served_model"),
        created_at=_number(created, "created_at"),
        ttft_ms=_optional_number(ttft, "ttft_ms"),
        duration_ms=_optional_number(duration, "duration_ms"),
        cost_usd=_optional_number(cost, "cost_usd"),
        finish_reason=_optional_text(reason, "finish_reason"),
        chunks=_chunks(chunks),
        tags=_tags(tags),
        expires_at=_optional_number(expires, "expires_at"),
        input_tokens=_optional_count(tokens_in, "input_tokens"),
        output_tokens=_optional_count(tokens_out, "output_tokens"),
        hits=_count(hits, "hits"),
        false_hit=_flag(false_hit, "false_hit"),
    )


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise _Corrupt(f"{name} is {type(value).__name__}, not text")
    return value


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Corrupt(f"{name} is {type(value).__name__}, not a number")
    return float(value)


def _optional_number(value: object, name: str) -> float | None:
    return None if value is None else _number(value, name)


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Corrupt(f"{name} is not a count")
    return value


def _optional_count(value: object, name: str) -> int | None:
    return None if value is None else _count(value, name)


def _flag(value: object, name: str) -> bool:
    if value not in (0, 1) or isinstance(value, float):
        raise _Corrupt(f"{name} is not 0 or 1")
    return bool(value)


def _json_list(value: object, name: str) -> list[object]:
    try:
        decoded = json.loads(_text(value, name))
    except (ValueError, RecursionError):
        raise _Corrupt(f"{name} is not JSON") from None
    if not isinstance(decoded, list):
        raise _Corrupt(f"{name} is not a list")
    return decoded


def _chunks(value: object) -> tuple[tuple[float, str], ...]:
    chunks = []
    for item in _json_list(value, "chunks"):
        if not isinstance(item, list) or len(item) != 2:
            raise _Corrupt("a chunk is not [offset, text]")
        chunks.append((_number(item[0], "a chunk offset"), _text(item[1], "a chunk's text")))
    return tuple(chunks)


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(sorted(_text(tag, "a tag") for tag in _json_list(value, "tags")))


def unique_tags(tags: Sequence[str]) -> list[str]:
    """The tags to store: storable, without duplicates, in order."""
    return list(dict.fromkeys(storable(tag) for tag in tags))
