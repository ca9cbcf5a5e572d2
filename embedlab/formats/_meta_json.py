"""A model's meta as plain JSON: numpy scalars, enums, paths, sets and dates are converted.

>>> import enum
>>> class Algo(enum.Enum):
...     SG = 1
>>> print(meta_json({"epochs": np.int64(3), "algo": Algo.SG, "dims": np.array([1, 2])}).decode())
{
  "epochs": 3,
  "algo": 1,
  "dims": [
    1,
    2
  ]
}
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import FormatError, InputError
from embedlab.formats._common import quoted


def meta_json(meta: Mapping[str, Any]) -> bytes:
    """`meta` as indented UTF-8 JSON; a value JSON cannot hold is an InputError."""
    return json.dumps(dict(meta), default=_jsonable, ensure_ascii=False, indent=2).encode()


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise InputError(
        f"The model's meta holds a {type(value).__name__}, which cannot be saved as JSON; "
        "store plain numbers, strings, lists or dicts in meta."
    )


def read_json(path: Path) -> Any:
    """The JSON in `path`; a file that is not UTF-8 JSON is a FormatError."""
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(
            f"{quoted(path)} is not valid UTF-8 JSON ({err}); save the model again."
        ) from err
