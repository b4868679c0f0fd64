"""Rows of floats into the bytes the cache ports carry: L2-normalised little-endian float32."""

from __future__ import annotations

from typing import Any

from tuichat.core.cache.ports import CacheUnavailable
from tuichat.core.cache.vectors import numpy_module


def unit_rows(rows: Any) -> list[bytes]:
    """Each row of a 2-D float array scaled to length 1, as ``<f4`` bytes.

    A row that cannot be normalised (all zeros: nothing to embed; or not
    finite) makes the whole call fail as :class:`CacheUnavailable`.
    """
    np = numpy_module()
    matrix = np.asarray(rows, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise CacheUnavailable("semantic cache skipped: the model returned no vectors")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise CacheUnavailable("semantic cache skipped: nothing in the text to embed")
    unit = (matrix / norms).astype("<f4")
    return [row.tobytes() for row in unit]
