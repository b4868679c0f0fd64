"""The size-capped, regular-files-only reader, for themes and the UI state file.

One reader serves the config, themes and UI state: see :mod:`tuichat.small_file`.
"""

from tuichat.small_file import UnsuitableFile, read_small_file

__all__ = ["UnsuitableFile", "read_small_file"]
