"""embedlab's native folder: words.txt, vectors.npy or .safetensors, counts, meta, subwords.

Nothing in it is ever unpickled; a save replaces the folder atomically, and only an empty
folder or an earlier native model may be replaced.

>>> import tempfile
>>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[3, 1])
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = save_native(emb, Path(tmp) / "model")
...     sorted(p.name for p in folder.iterdir())
['counts.npy', 'meta.json', 'vectors.npy', 'words.txt']
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError, InputError
from embedlab.formats._arrays import load_npy, load_safetensors, numeric_array
from embedlab.formats._common import PathLike, check_exists, plural, quoted
from embedlab.formats._lines import strip_bom
from embedlab.formats._meta_json import meta_json, read_json
from embedlab.formats._parsed import Parsed, check_finite, check_new_word, guarded
from embedlab.formats._writing import check_words, temp_beside, write_error
from embedlab.subwords import Subwords

NATIVE_FILES: tuple[str, ...] = (
    "words.txt",
    "vectors.npy",
    "vectors.safetensors",
    "counts.npy",
    "meta.json",
    "subwords.npy",
    "subwords.json",
)


# --- reading ----------------------------------------------------------------------------------
def load_native(directory: PathLike) -> Embeddings:
    """Load a folder written by `save_native`, with its counts, meta and subwords.

    >>> import tempfile
    >>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[3, 1],
    ...                  meta={"name": "toy"})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = load_native(save_native(emb, Path(tmp) / "toy"))
    >>> back, back.counts.tolist()
    (Embeddings(name='toy', vocab=2, dim=2), [3, 1])
    """
    path = Path(directory)
    check_exists(path)
    parsed = guarded(path, "native", lambda: read_native(path, None))
    return parsed.build(parsed.meta, path)


def read_native(path: Path, limit: int | None) -> Parsed:
    """The first `limit` words of a native folder, checked against each other."""
    if not path.is_dir():
        raise FormatError(
            f"{quoted(path)} is a file, but the native format is a folder with words.txt and "
            "vectors.npy; choose the folder."
        )
    words_path = path / "words.txt"
    if not words_path.is_file():
        raise FormatError(f"The folder {quoted(path)} has no words.txt; it is not a native model.")
    words = _words(words_path, limit)
    vectors = _vectors(path, limit)
    if vectors.shape[0] != len(words):
        raise FormatError(
            f"The folder {quoted(path)} has {plural(len(words), 'word')} in words.txt but "
            f"{plural(vectors.shape[0], 'vector')}; save the model again."
        )
    seen: dict[str, int] = {}
    for i, word in enumerate(words):
        check_new_word(seen, word, i + 1, words_path, "save the model again")
    check_finite(vectors, words, words_path.with_name("vectors"), lambda i: f"row {i + 1}")
    return Parsed(
        words,
        vectors,
        _counts(path, len(words), limit),
        _subwords(path, vectors),
        _meta(path),
    )


def _words(path: Path, limit: int | None) -> list[str]:
    data = strip_bom(path.read_bytes())
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    if not raw:
        raise FormatError(f"{quoted(path)} is empty; a model needs at least one word.")
    try:
        return [w.decode("utf-8") for w in raw[:limit]]
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise FormatError(
            f"{quoted(path)} line {line} is not UTF-8; save the model again."
        ) from err


def _vectors(path: Path, limit: int | None) -> np.ndarray:
    npy, st = path / "vectors.npy", path / "vectors.safetensors"
    if npy.is_file():
        return numeric_array(load_npy(npy, limit), npy, 2)
    if st.is_file():
        return numeric_array(load_safetensors(st, limit), st, 2)
    raise FormatError(
        f"The folder {quoted(path)} has no vectors.npy or vectors.safetensors; save the model "
        "again."
    )


def _counts(path: Path, n: int, limit: int | None) -> np.ndarray | None:
    counts_path = path / "counts.npy"
    if not counts_path.is_file():
        return None
    counts = numeric_array(load_npy(counts_path, limit), counts_path, 1)
    if counts.shape[0] != n:
        raise FormatError(
            f"{quoted(counts_path)} has {counts.shape[0]} counts for {plural(n, 'word')}; save "
            "the model again."
        )
    return counts.astype(np.int64)


def _subwords(path: Path, vectors: np.ndarray) -> Subwords | None:
    ngrams_path, spec_path = path / "subwords.npy", path / "subwords.json"
    if not ngrams_path.is_file():
        return None
    spec = read_json(spec_path) if spec_path.is_file() else None
    if not isinstance(spec, dict) or not all(
        isinstance(spec.get(k), int) for k in ("min_n", "max_n")
    ):
        raise FormatError(
            f"{quoted(spec_path)} is missing or lacks integer min_n and max_n; save the model "
            "again."
        )
    ngrams = numeric_array(load_npy(ngrams_path, None), ngrams_path, 2)
    if ngrams.shape[1] != vectors.shape[1]:
        raise FormatError(
            f"{quoted(ngrams_path)} has {ngrams.shape[1]} dimensions but the word vectors have "
            f"{vectors.shape[1]}; save the model again."
        )
    return Subwords(ngrams.astype(np.float32), spec["min_n"], spec["max_n"])


def _meta(path: Path) -> dict[str, Any]:
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        return {}
    meta = read_json(meta_path)
    if not isinstance(meta, dict):
        raise FormatError(f"{quoted(meta_path)} must hold a JSON object; save the model again.")
    return meta


# --- writing ----------------------------------------------------------------------------------
def save_native(
    emb: Embeddings, directory: PathLike, vectors_as: Literal["npy", "safetensors"] = "npy"
) -> Path:
    """Save as a folder (words.txt, vectors, counts, meta.json, subwords), replaced atomically.

    >>> import tempfile
    >>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = save_native(emb, Path(tmp) / "m", vectors_as="safetensors")
    ...     sorted(p.name for p in folder.iterdir())
    ['meta.json', 'vectors.safetensors', 'words.txt']
    """
    if vectors_as not in ("npy", "safetensors"):
        raise InputError(f"vectors_as must be 'npy' or 'safetensors'; got {vectors_as!r}.")
    target = Path(directory)
    check_words(emb, "native")
    meta = meta_json(emb.meta)
    if target.exists() and not _replaceable(target):
        raise InputError(
            f"{quoted(target)} exists and is not an embedlab native model; choose a new or empty "
            "folder."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_beside(target)
        tmp.mkdir()
        try:
            _write_files(emb, tmp, vectors_as, meta)
            _swap_in(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except OSError as err:
        raise write_error(target, err) from err
    return target


def _replaceable(target: Path) -> bool:
    """Only an empty folder or an earlier native model may be replaced."""
    if not target.is_dir() or target.is_symlink():
        return False
    names = {p.name for p in target.iterdir()}
    return not names or ("words.txt" in names and names <= set(NATIVE_FILES))


def _write_files(emb: Embeddings, tmp: Path, vectors_as: str, meta: bytes) -> None:
    (tmp / "words.txt").write_bytes("".join(f"{w}\n" for w in emb.words).encode())
    vectors = np.ascontiguousarray(emb.vectors, dtype=np.float32)
    if vectors_as == "npy":
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    else:
        from safetensors.numpy import save_file

        save_file({"vectors": vectors}, str(tmp / "vectors.safetensors"))
    if emb.counts is not None:
        np.save(tmp / "counts.npy", np.asarray(emb.counts, dtype=np.int64), allow_pickle=False)
    if emb.subwords is not None:
        ngrams = np.asarray(emb.subwords.vectors_ngrams, dtype=np.float32)
        np.save(tmp / "subwords.npy", ngrams, allow_pickle=False)
        spec = {"min_n": int(emb.subwords.min_n), "max_n": int(emb.subwords.max_n)}
        (tmp / "subwords.json").write_text(json.dumps(spec))
    (tmp / "meta.json").write_bytes(meta)


def _swap_in(tmp: Path, target: Path) -> None:
    """Rename `tmp` to `target`; an existing target is moved away first, then deleted."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
