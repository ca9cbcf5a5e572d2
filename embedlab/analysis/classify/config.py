"""What a classification run does: `ClassifyConfig`, and the names of features and classifiers.

>>> ClassifyConfig().describe()
'TF-IDF (bag of words) + logistic regression, 5-fold CV'
>>> ClassifyConfig(features="sif").validate()
Traceback (most recent call last):
...
embedlab.errors.InputError: The features 'sif' pool word vectors; choose a model (the CLI's --model).
"""  # noqa: E501

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from embedlab.errors import InputError

FEATURES: Mapping[str, str] = {
    "tfidf": "TF-IDF (bag of words)",
    "mean": "mean of word vectors",
    "tfidf-mean": "TF-IDF-weighted mean of word vectors",
    "sif": "SIF (smooth inverse frequency, first component removed)",
    "minilm": "all-MiniLM-L6-v2 sentence encoder",
}
"""Feature name → human label. `mean`, `tfidf-mean` and `sif` pool a word-vector model."""

CLASSIFIERS: Mapping[str, str] = {
    "logreg": "logistic regression",
    "torch": "torch head over a word-vector embedding bag",
}
"""Classifier name → human label. `torch` reads token ids through a model's vectors."""

ENCODERS_FINETUNED = "all-MiniLM-L6-v2 fine-tuned end to end + linear head"
POOLED = ("mean", "tfidf-mean", "sif")
BASELINE = ("tfidf", "logreg")
MAX_FOLDS = 20
MAX_HIDDEN = 4096


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ClassifyConfig:
    """Features, classifier and evaluation of one run; `validate()` checks every rule.

    `model` is a catalog model (name or id) for pooled features and the torch head.
    Evaluation is stratified `cv`-fold cross-validation, or, with `test_size` set (and
    `cv=None`), one stratified held-out split; both seeded by `seed`. The torch head
    (`classifier="torch"`, `features="mean"`) has `hidden` units (0: linear), trains up to
    `epochs` with early stopping after `patience` epochs without a better validation loss,
    on `val_size` of the training data; `finetune` also trains the word vectors.
    `baseline` runs TF-IDF + logistic regression on the same splits for comparison.
    With `features="minilm"` (and the logreg classifier), `finetune` trains the encoder end to
    end with a linear head on texts cut at `max_length` word pieces (at most
    `finetune.MAX_EPOCHS` epochs, fewer when `epochs` is lower), and the frozen encoder +
    logistic regression is scored on the same splits too.
    """

    features: str = "tfidf"
    classifier: str = "logreg"
    model: str | int | None = None
    finetune: bool = False
    hidden: int = 0
    cv: int | None = 5
    test_size: float | None = None
    seed: int = 0
    device: str = "auto"
    baseline: bool = True
    epochs: int = 30
    patience: int = 3
    val_size: float = 0.1
    c: float = 1.0
    max_mistakes: int = 20
    max_length: int = 64

    def validate(self) -> ClassifyConfig:
        """Raise InputError for the first rule broken; return self."""
        from embedlab.device import DEVICES

        if self.features not in FEATURES:
            raise InputError(
                f"Unknown features '{self.features}'; choose one of {', '.join(FEATURES)}."
            )
        if self.classifier not in CLASSIFIERS:
            raise InputError(
                f"Unknown classifier '{self.classifier}'; choose one of {', '.join(CLASSIFIERS)}."
            )
        if self.classifier == "torch" and self.features != "mean":
            raise InputError(
                "The torch head averages word vectors through its own embedding layer; use "
                f"features 'mean' with it (got '{self.features}')."
            )
        if self.needs_model and self.model is None:
            what = (
                "The torch head starts from word vectors"
                if self.classifier == "torch"
                else f"The features '{self.features}' pool word vectors"
            )
            raise InputError(f"{what}; choose a model (the CLI's --model).")
        if self.finetune and self.classifier != "torch" and not self.finetunes_encoder:
            raise InputError(
                "Fine-tuning needs the torch classifier (the CLI's --classifier torch) or the "
                "minilm features (--features minilm)."
            )
        if not _is_int(self.max_length) or not 8 <= self.max_length <= 256:
            raise InputError(
                f"max_length must be a whole number from 8 to 256; got {self.max_length!r}."
            )
        if (self.cv is None) == (self.test_size is None):
            raise InputError(
                "Choose one evaluation: cross-validation folds (--cv) or a held-out share "
                "(--test-size), not both or neither."
            )
        if self.cv is not None and (not _is_int(self.cv) or not 2 <= self.cv <= MAX_FOLDS):
            raise InputError(f"cv must be a whole number from 2 to {MAX_FOLDS}; got {self.cv!r}.")
        if self.test_size is not None and not _fraction(self.test_size, 0.05, 0.9):
            raise InputError(f"test_size must be a share from 0.05 to 0.9; got {self.test_size!r}.")
        if not _fraction(self.val_size, 0.05, 0.5):
            raise InputError(f"val_size must be a share from 0.05 to 0.5; got {self.val_size!r}.")
        for name, low, high in (
            ("seed", 0, 2**32 - 1),
            ("hidden", 0, MAX_HIDDEN),
            ("epochs", 1, 1000),
            ("patience", 1, 100),
            ("max_mistakes", 0, 1000),
        ):
            value = getattr(self, name)
            if not _is_int(value) or not low <= value <= high:
                raise InputError(
                    f"{name} must be a whole number from {low} to {high:,}; got {value!r}."
                )
        if not (_is_real(self.c) and self.c > 0):
            raise InputError(f"c (the inverse regularisation) must be above 0; got {self.c!r}.")
        kind = str(self.device).strip().lower().split(":", 1)[0]
        if kind not in DEVICES:
            raise InputError(f"Unknown device '{self.device}'; choose one of {', '.join(DEVICES)}.")
        return self

    @property
    def needs_model(self) -> bool:
        """Whether a word-vector model is needed (pooled features or the torch head)."""
        return self.features in POOLED or self.classifier == "torch"

    @property
    def finetunes_encoder(self) -> bool:
        """Whether the sentence encoder itself is fine-tuned (minilm features, `finetune`)."""
        return self.finetune and self.features == "minilm" and self.classifier == "logreg"

    @property
    def is_baseline(self) -> bool:
        """Whether this run is itself the TF-IDF + logistic regression baseline."""
        return (self.features, self.classifier) == BASELINE

    def evaluation(self) -> str:
        """How results are measured, in words.

        >>> ClassifyConfig(cv=None, test_size=0.2).evaluation()
        'held-out 20% test split'
        """
        if self.cv is not None:
            return f"{self.cv}-fold CV"
        return f"held-out {self.test_size:.0%} test split"

    def describe(self) -> str:
        """One line: features + classifier, evaluation."""
        head = CLASSIFIERS[self.classifier]
        if self.finetunes_encoder:
            return f"{ENCODERS_FINETUNED}, {self.evaluation()}"
        if self.classifier == "torch":
            head = f"torch head ({'linear' if not self.hidden else f'{self.hidden} hidden'}"
            head += ", fine-tuned)" if self.finetune else ", frozen vectors)"
            return f"{head}, {self.evaluation()}"
        return f"{FEATURES[self.features]} + {head}, {self.evaluation()}"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClassifyConfig:
        """From `to_dict()` output; unknown keys are ignored.

        >>> ClassifyConfig.from_dict({"cv": 3, "other": 1}).cv
        3
        """
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fraction(value: object, low: float, high: float) -> bool:
    return _is_real(value) and low <= float(value) <= high  # type: ignore[arg-type]
