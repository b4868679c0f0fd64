"""The turn and its events: one prompt walked along a route of models.

Owns the turn (attempts, retries, fallbacks, timeouts), the chat session that
builds turns from the history, the answer text and its sentence buffer. May use
every other core package except metrics (consumers attach to its events).
"""
