"""Small argument checks shared by the backend, each with one clear message.

>>> positive_int(5, "k")
5
>>> positive_int(None, "restrict", allow_none=True) is None
True
>>> positive_int(0, "k")
Traceback (most recent call last):
...
embedlab.errors.InputError: k must be a whole number of at least 1; got 0.
>>> is_int(3), is_int(True), is_int(3.0)
(True, False, False)
>>> is_real(0.5), is_real(float("nan")), is_real("1")
(True, False, False)
"""

from __future__ import annotations

import math
import numbers

from embedlab.errors import InputError


def positive_int(
    value: object, what: str, *, allow_none: bool = False, maximum: int | None = None
) -> int | None:
    """`value` as an int in [1, maximum]; bools, floats and strings are refused."""
    if value is None and allow_none:
        return None
    if is_int(value) and int(value) >= 1 and (maximum is None or int(value) <= maximum):  # type: ignore[arg-type]
        return int(value)  # type: ignore[arg-type]
    span = f"from 1 to {maximum:,}" if maximum is not None else "of at least 1"
    raise InputError(f"{what} must be a whole number {span}; got {value!r}.")


def is_int(value: object) -> bool:
    """Whether `value` is a whole number (an int or numpy integer; a bool is not)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> bool:
    """Whether `value` is a finite real number (int, float or numpy scalar; a bool is not)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    return math.isfinite(value)
