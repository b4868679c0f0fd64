"""Structured output: a JSON document asked of the model, read while it streams, then checked.

- :mod:`partial_json`: an incremental parser showing the fields filled so far;
- :mod:`schema`: a schema file's text checked into a
  :class:`~tuichat.core.conversation.ResponseFormat` (bad input is one line);
- :mod:`verdict`: the finished answer validated against the schema
  (``jsonschema``), errors with their JSON path;
- :mod:`prompts`: the instruction for providers without a schema mode, and
  the repair prompt that asks the model to fix an invalid answer.

``jsonschema`` is imported on first use, never at start-up.
"""
