"""Embedding models for the semantic response cache (adapters of ``core.cache.ports.Embedder``).

An offline model shipped inside a PyPI package (wordllama: its weights and
tokenizer are in the wheel, loaded from there with no download) and a
provider's OpenAI-compatible ``/v1/embeddings``. Imports only the core.
"""
