"""Arrays from .npy and .safetensors files, never unpickled; a bad file is a FormatError.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     np.save(Path(tmp) / "v.npy", np.arange(6, dtype=np.float32).reshape(3, 2))
...     numeric_array(load_npy(Path(tmp) / "v.npy", limit=2), Path("v.npy"), 2).tolist()
[[0.0, 1.0], [2.0, 3.0]]
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from embedlab.errors import EmbedlabError, FormatError
from embedlab.formats._common import quoted


def load_npy(path: Path, limit: int | None) -> np.ndarray:
    """The first `limit` rows of a .npy array (memory-mapped when limited), never unpickled."""
    try:
        arr = np.load(path, allow_pickle=False, mmap_mode="r" if limit else None)
        return np.array(arr[:limit] if limit else arr)
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise FormatError(
                f"{quoted(path)} holds Python objects, which are never unpickled; save the array "
                "with a numeric dtype."
            ) from err
        raise _invalid_npy(path, err) from err
    except (EOFError, OSError, struct.error) as err:
        raise _invalid_npy(path, err) from err


def _invalid_npy(path: Path, err: Exception) -> FormatError:
    return FormatError(f"{quoted(path)} is not a valid .npy file ({err}); save it again.")


def load_safetensors(path: Path, limit: int | None) -> np.ndarray:
    """The first `limit` rows of the tensor "vectors" (safetensors is imported only here)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            if "vectors" not in f.keys():  # noqa: SIM118 - safe_open is not a dict
                raise FormatError(
                    f"{quoted(path)} has no tensor named 'vectors'; save the matrix under that key."
                )
            part = f.get_slice("vectors")
            return np.array(part[:limit] if limit else part[:])
    except EmbedlabError:
        raise
    except Exception as err:  # safetensors raises its own SafetensorError
        raise FormatError(
            f"{quoted(path)} is not a valid safetensors file ({err}); save it again."
        ) from err


def numeric_array(arr: np.ndarray, path: Path, ndim: int) -> np.ndarray:
    """`arr` itself, if it is an `ndim`-D array of numbers; else a FormatError naming `path`."""
    if arr.ndim != ndim or arr.dtype.kind not in "fiu":
        raise FormatError(
            f"{quoted(path)} holds a {arr.dtype} array of shape {arr.shape}; it must be a "
            f"{ndim}-D numeric array."
        )
    return arr
