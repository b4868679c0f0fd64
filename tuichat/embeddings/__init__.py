"""Embedding models for the semantic response cache (adapters of ``core.cache.ports.Embedder``).

* :mod:`wordllama_model`: an offline model whose weights and tokenizer ship
  inside the ``wordllama`` wheel (the ``semantic`` extra), loaded from the
  package folder with no download, lazily and off the event loop;
* :mod:`openai_embeddings`: a provider's ``/v1/embeddings`` over httpx.

Both return L2-normalised little-endian float32 vectors as bytes and raise
:class:`~tuichat.core.cache.ports.CacheUnavailable` (one line, keys
redacted) when they cannot run. Nothing is imported here, so importing this
package costs nothing.
"""
