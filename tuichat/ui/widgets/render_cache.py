"""Keep Textual's render caches from pinning widgets that are gone.

Textual memoises ``StylesCache.get_inner_outer`` with ``functools.lru_cache``
on the instance method, so up to 1,024 ``StylesCache`` objects of removed
widgets stay alive, each with its cached lines (Textualize/textual#6665).
A streamed answer replaces widgets all the time (the live tail, rendered and
parked segments), so the cache fills up, the heap grows by ~200,000 objects,
and every full garbage collection walks them: a 30 ms pause becomes 200 ms,
mid-stream. Trimming the cache costs one ``Style`` per widget on its next
paint. The attribute lookups are guarded, so a Textual that fixes the leak
(or renames the method) just makes this a no-op.
"""

from __future__ import annotations

from typing import Any

TRIM_ABOVE = 256  # entries; live widgets re-add theirs on their next paint


def _cached_method() -> Any:
    try:
        from textual._styles_cache import StylesCache
    except ImportError:  # pragma: no cover - a Textual without the module
        return None
    method = getattr(StylesCache, "get_inner_outer", None)
    return method if hasattr(method, "cache_info") and hasattr(method, "cache_clear") else None


def trim_render_cache(limit: int = TRIM_ABOVE) -> bool:
    """Clear the leaking cache if it holds more than ``limit`` entries."""
    method = _cached_method()
    if method is None or method.cache_info().currsize <= limit:
        return False
    method.cache_clear()
    return True
