"""Full screens pushed over the chat: the debug view (more to come: replay, stats)."""

from tuichat.ui.screens.debug import DebugScreen

__all__ = ["DebugScreen"]
