"""The response cache: answers that finished normally, served again as an answer source.

Owns the cache key (a hash of the whole normalised request), what may be
stored, the playback of a hit through the same events as a live answer, the
semantic match (embeddings compared only within one conversation scope, then
a content gate) and the ports its adapters implement (:mod:`ports`): the
SQLite cache file (``tuichat.store.cache_db``) and the embedding models
(``tuichat.embeddings``). Uses only the root vocabulary (events, clock,
conversation); :mod:`tuichat.core.turn` asks it before a turn's first attempt.
"""
