"""Regenerate an answer with a strategy: pure request changes, the alternatives, their records."""
