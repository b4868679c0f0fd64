"""Provider adapters: OpenAI-compatible servers and Anthropic, over httpx and SSE.

Importing any adapter imports httpx, whose package also imports its own
command-line client (``httpx._main``: rich, click and pygments, ~100 ms in a
process that has not loaded rich, ~25 ms in one that has). tuichat never runs
that client, so it is marked as absent before httpx is first imported, and
httpx installs its stub ``httpx.main`` instead. A process that imported httpx
earlier keeps the real one.
"""

from __future__ import annotations

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
