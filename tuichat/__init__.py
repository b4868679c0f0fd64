"""tuichat: a terminal chat client for LLMs with a live operations HUD."""

__version__ = "0.1.0"
