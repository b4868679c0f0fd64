"""The one place a chat is built (filled in below)."""
