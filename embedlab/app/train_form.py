"""The Train page's form, made from `TrainConfig`'s declared settings.

Each setting's label, one-line help, choices, bounds and the algorithms it applies to are
declared once, on `TrainConfig`'s fields (`embedlab.train.config.settings()`); the CLI's
`train` flags are made from the same declarations, and `TrainConfig.build` checks what
either one gives. Nothing here imports streamlit.

>>> [f.name for f in form_fields("fasttext")][-3:]
['min_n', 'max_n', 'bucket']
>>> build_config("word2vec", {"dim": 16, "epochs": 2}).describe()
'word2vec skip-gram, negative sampling (5), 16d, window 5, min-count 5, 2 epochs'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from embedlab.train.registry import ABOUT, algo_label, algorithms

if TYPE_CHECKING:
    from embedlab.train import TrainConfig
    from embedlab.train.config import Setting

__all__ = [
    "FieldSpec",
    "algo_label",
    "algorithms_help",
    "build_config",
    "default_values",
    "form_fields",
]


@dataclass(frozen=True)
class FieldSpec:
    """How the Train page shows one `TrainConfig` field: label, one-line help, widget bounds.

    `choices` (with `choice_labels`) makes a select box; otherwise a number input with
    `min_value` and `step` (the upper bounds are `TrainConfig.validate`'s to enforce, so the
    message names the range). `advanced` fields sit in a collapsed section.
    """

    name: str
    label: str
    help: str
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    min_value: float | None = None
    step: float | None = None
    number_format: str | None = None
    advanced: bool = False
    switch: bool = False  # a true/false setting: a checkbox

    @classmethod
    def from_setting(cls, setting: Setting) -> FieldSpec:
        """The widget for a declared setting (int bounds for an int field, float otherwise).

        >>> from embedlab.train.config import settings
        >>> FieldSpec.from_setting(settings()["sample"]).min_value
        0.0
        """
        number = int if setting.kind is int else float
        options = setting.options()
        return cls(
            name=setting.name,
            label=setting.label,
            help=setting.help,
            choices=tuple(v for v, _ in options),
            choice_labels=tuple(label for _, label in options),
            min_value=None if setting.minimum is None else number(setting.minimum),
            step=None if setting.step is None else number(setting.step),
            number_format=setting.number_format,
            advanced=setting.advanced,
            switch=setting.kind is bool,
        )

    def choice_label(self, value: str) -> str:
        """The label shown for one of `choices`."""
        labels = dict(zip(self.choices, self.choice_labels, strict=False))
        return labels.get(value, value)


def form_fields(algo: str) -> list[FieldSpec]:
    """The fields the form shows for `algo`, in `TrainConfig`'s order.

    The algorithm has its own select box above them; undeclared fields (min_alpha,
    max_vocab) keep their defaults.

    >>> [f.name for f in form_fields("word2vec")][:6]
    ['architecture', 'loss', 'dim', 'window', 'min_count', 'epochs']
    >>> "bucket" in [f.name for f in form_fields("word2vec")]
    False
    """
    from embedlab.train.config import settings

    return [
        FieldSpec.from_setting(s)
        for name, s in settings().items()
        if name != "algo" and s.applies_to(algo)
    ]


def algorithms_help() -> str:
    """The algorithm select box's help: each algorithm's label and what it is, one a line.

    >>> algorithms_help().splitlines()[0].strip()
    '**Word2Vec**: one vector per word, learned from its neighbours (gensim, on the CPU)'
    """
    lines = []
    for algo in algorithms():
        about = ABOUT.get(algo)
        lines.append(f"**{about.label}**: {about.help}" if about else f"**{algo}**")
    return "  \n".join(lines)


def default_values(tokens: int | None = None, algo: str = "word2vec") -> dict[str, Any]:
    """The form's starting values: `TrainConfig.suggested` for `algo` on `tokens` words.

    >>> default_values()["window"], default_values(60_000)["epochs"]
    (5, 30)
    >>> default_values(60_000, "glove")["alpha"]
    0.05
    """
    from embedlab.train import TrainConfig

    if tokens is None:
        return TrainConfig(algo=algo).to_dict()
    return TrainConfig.suggested(tokens, algo).to_dict()


def build_config(algo: str, values: Mapping[str, Any]) -> TrainConfig:
    """A validated `TrainConfig` from the form's values (InputError names a bad one).

    >>> build_config("word2vec", {"negative": 0})
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: negative must be between 1 and 100 with loss 'negative'; ...
    """
    from embedlab.train import TrainConfig

    return TrainConfig.build(algo, values)
