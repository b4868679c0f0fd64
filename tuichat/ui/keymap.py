"""``[keys]`` from the config applied to the app: binding id → key(s).

Every binding tuichat defines has an id (``cancel``, ``toggle-hud``,
``hud-panel-toggle`` ...), so users remap keys by id, as in posting. An id
that matches no binding is reported once, not silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import App

from tuichat.core.untrusted import one_line


def apply_keymap(app: App[Any], keys: Mapping[str, str]) -> None:
    """Remap ``keys`` (binding id → comma-separated keys); notify about unknown ids."""
    if not keys:
        return
    app.set_keymap(dict(keys))
    unknown = sorted(set(keys) - binding_ids(app))
    if unknown:
        app.notify(one_line(f"[keys]: unknown binding ids: {', '.join(unknown)}"))


def binding_ids(app: App[Any]) -> set[str]:
    """Every binding id on the current screen: the app's and its widgets'."""
    ids = {binding.id for _, binding in app._bindings if binding.id}
    for node in app.screen.walk_children(with_self=True):
        ids.update(binding.id for _, binding in node._bindings if binding.id)
    return ids
