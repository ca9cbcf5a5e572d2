"""Widget values in a page's URL and across page changes, without streamlit.

A page names its linked widgets once: query parameter -> `Field(widget key, parse)`.
`seed` puts a link's values (or the session's copy, after another page ran) into the
widgets' session keys before they are drawn; `to_query` writes the values back as text.
`embedlab.app.ui.linked_widgets` does both on every run.

>>> fields = {"k": Field("nb_k", whole(1, 50)), "metric": Field("nb_metric", choice(["cosine"]))}
>>> state = {}
>>> seed(state, {"k": "80", "metric": "manhattan"}, {}, fields)
>>> state  # 80 is clipped to the slider's range; an unknown metric is left out
{'nb_k': 50}
>>> to_query(state, fields)
{'k': '50', 'metric': ''}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

Parse = Callable[[str], Any]  # text from the URL -> the widget's value; ValueError if unusable
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def text(value: str) -> str:
    """A free text parameter, as it came (a word, an expression, a name)."""
    return value


@dataclass(frozen=True)
class Field:
    """One linked widget: its session key and how its query parameter becomes its value."""

    key: str
    parse: Parse = text


def choice(options: Sequence[Any]) -> Parse:
    """A parameter that must name one of `options` (compared as text).

    >>> choice([2, 3])("3")
    3
    >>> choice(["a"])("A")
    Traceback (most recent call last):
    ValueError: 'A' is not one of a
    """

    def parse(value: str) -> Any:
        for option in options:
            if str(option) == value:
                return option
        raise ValueError(f"{value!r} is not one of {', '.join(map(str, options))}")

    return parse


def many(options: Sequence[Any]) -> Parse:
    """A comma-separated subset of `options` (for a multiselect); unknown items are dropped.

    >>> many(["random", "frozen"])("frozen,nonsense")
    ['frozen']
    """
    one = choice(options)

    def parse(value: str) -> list[Any]:
        out = []
        for item in filter(None, value.split(",")):
            try:
                out.append(one(item))
            except ValueError:
                continue
        return out

    return parse


def whole(low: int, high: int) -> Parse:
    """A whole number, clipped to [low, high] (a slider's or number box's range).

    >>> whole(0, 10)("12"), whole(0, 10)("-3"), whole(0, 10)("4.0")
    (10, 0, 4)
    """

    def parse(value: str) -> int:
        number = float(value)
        if not math.isfinite(number) or number != int(number):
            raise ValueError(f"{value!r} is not a whole number")
        return max(low, min(high, int(number)))

    return parse


def number(low: float, high: float) -> Parse:
    """A number, clipped to [low, high].

    >>> number(0.1, 0.5)("0.9"), number(0.1, 0.5)("0.25")
    (0.5, 0.25)
    """

    def parse(value: str) -> float:
        out = float(value)
        if not math.isfinite(out):
            raise ValueError(f"{value!r} is not a number")
        return max(low, min(high, out))

    return parse


def flag(value: str) -> bool:
    """A yes/no parameter: 1/true/yes/on or 0/false/no/off.

    >>> flag("true"), flag("0")
    (True, False)
    """
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def shown(value: Any) -> str:
    """A widget value as URL text: lists comma-joined, booleans as true/false, 0.30000000000000004
    as 0.3.

    >>> shown(["random", "frozen"]), shown(True), shown(0.1 + 0.2), shown(None)
    ('random,frozen', 'true', '0.3', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def seed(
    state: MutableMapping[str, Any],
    link: Mapping[str, str],
    memory: Mapping[str, Any],
    fields: Mapping[str, Field],
) -> None:
    """Before the widgets are drawn: a link's usable values replace the widgets' values; a
    widget whose value Streamlit dropped (another page ran, or it was hidden) gets the copy
    in `memory` back. A parameter that does not parse is ignored."""
    for param, field in fields.items():
        if param in link:
            try:
                state[field.key] = field.parse(link[param])
                continue
            except (ValueError, TypeError):
                pass
        if field.key not in state and field.key in memory:
            state[field.key] = memory[field.key]


def values(state: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """The widgets' current values (widget key -> value), for the session's copy."""
    return {f.key: state[f.key] for f in fields.values() if f.key in state}


def to_query(state: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, str]:
    """Every linked parameter as text ('' for a widget not drawn yet, so the URL drops it)."""
    return {param: shown(state.get(field.key)) for param, field in fields.items()}


def brought(params: Mapping[str, str], fields: Mapping[str, Any], written: Any) -> dict[str, str]:
    """The parameters a link brought: the URL's linked parameters, unless they are exactly
    what this session wrote there on its last run (then the widgets rule).

    >>> brought({"k": "5"}, {"k": None}, {"k": "5"}), brought({"k": "7"}, {"k": None}, {"k": "5"})
    ({}, {'k': '7'})
    """
    current = {p: params[p] for p in fields if params.get(p)}
    return current if current and current != written else {}
