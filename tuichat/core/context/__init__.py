"""The context window: each model's size, what the next request fills, what to do on overflow.

- :mod:`.window` — where a model's window comes from (config, the local
  server's ``n_ctx``, the genai-prices catalogue) or that it is unknown;
- :mod:`.fit` — the arithmetic: history + system + draft + the answer budget
  against the window, and how many of the oldest messages must go;
- :mod:`.length` — the per-session length presets (brief / normal / long);
- :mod:`.keeper` — the policies (summarise, drop-oldest, refuse) applied
  visibly before a send, and once after a provider's context-length error.

Nothing here truncates silently: every change of the context comes back as a
:class:`~tuichat.core.context.keeper.ContextAction` with one line to show.
"""
