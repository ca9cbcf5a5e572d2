"""TrainConfig: every setting of a training run, validated before anything starts.

>>> config = TrainConfig(dim=50, epochs=10)
>>> config.validate()
>>> config.describe()
'word2vec skip-gram, negative sampling (5), 50d, window 5, min-count 5, 10 epochs'
>>> TrainConfig.from_dict(config.to_dict()) == config
True
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from embedlab.checks import is_int, is_real
from embedlab.device import DEVICES
from embedlab.errors import InputError
from embedlab.train.registry import algo_label, algorithms
from embedlab.train.spark_settings import INPUT_HELP, MASTER_HELP, PARTITIONS_HELP

Algo = Literal["word2vec", "fasttext"]  # what exists is decided by the registry (TRAINERS)
Architecture = Literal["skipgram", "cbow"]
Loss = Literal["negative", "hs"]
ARCHITECTURES: tuple[str, ...] = ("skipgram", "cbow")
LOSSES: tuple[str, ...] = ("negative", "hs")
MAX_SEED = 2**32 - 1  # numpy's RandomState, which gensim seeds, takes 0 .. 2**32 - 1
GENSIM_ALGOS = ("word2vec", "fasttext")
SPARK_ALGOS = ("spark-word2vec",)
WORD2VEC_ALGOS = (*GENSIM_ALGOS, "sgns")  # the trainers with word2vec's settings
GLOVE_LARGE_CORPUS = 100_000_000  # words from which GloVe's x_max defaults to 100, not 10
DEVICE_LABELS = {"auto": "auto", "cpu": "CPU", "cuda": "CUDA GPU", "mps": "Apple GPU (mps)"}

Choices = tuple[tuple[str, str], ...]  # (value, label for people)


def _num(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) and value >= 10_000 else str(value)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not is_int(value):
        raise InputError(
            f"{name} must be a whole number between {_num(low)} and {_num(high)}; got {value!r}."
        )
    if not low <= value <= high:  # type: ignore[operator]
        raise InputError(f"{name} must be between {_num(low)} and {_num(high)}; got {value!r}.")


@dataclass(frozen=True)
class Setting:
    """One `TrainConfig` field as people meet it: the one declaration that the CLI's flags,
    the app's form and `TrainConfig.validate` all read.

    `label` and `help` (one line) are shown beside the widget and in `--help`; `choices`
    are (value, label) pairs, or a function returning them (the registered algorithms);
    otherwise the value is a number in [`minimum`, `maximum`] (`above_minimum`: the minimum
    itself is refused). `only_for` / `not_for` name the algorithms it applies to; `advanced`
    settings sit in the form's collapsed section. `flag` is the CLI flag (default from the
    name) and `shorthands` extra flags that set one value, e.g. ("--cbow", "cbow", help).
    `name` and `kind` (int, float, str, or bool: a checkbox and a flag without a value) are
    filled in from the field by `settings()`.

    >>> settings()["dim"].flag, settings()["dim"].kind
    ('--dim', <class 'int'>)
    >>> settings()["loss"].choice_label("hs")
    'hierarchical softmax'
    """

    label: str
    help: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    above_minimum: bool = False
    choices: Choices | Callable[[], Choices] = ()
    explain_choices: bool = False  # the refusal names each choice's label too
    normalize: Callable[[Any], Any] | None = None  # what is compared with the choices
    only_for: tuple[str, ...] | None = None
    not_for: tuple[str, ...] = ()
    advanced: bool = False
    step: float | None = None
    number_format: str | None = None
    flag: str | None = None
    shorthands: tuple[tuple[str, str, str], ...] = ()
    default_text: str | None = None  # the default as `--help` says it, when not the field's
    name: str = ""
    kind: type = str

    def options(self) -> Choices:
        """The (value, label) choices; empty for a number."""
        return self.choices() if callable(self.choices) else self.choices

    def choice_label(self, value: str) -> str:
        """The label shown for one of the choices (the value itself when unknown)."""
        return dict(self.options()).get(value, value)

    def applies_to(self, algo: str) -> bool:
        """Whether the setting means something to `algo` (an unknown one gets the common ones).

        >>> settings()["bucket"].applies_to("fasttext"), settings()["bucket"].applies_to("glove")
        (True, False)
        """
        if self.only_for is not None and algo not in self.only_for:
            return False
        return algo not in self.not_for

    def check(self, value: object) -> None:
        """Raise `InputError` naming the value and what is allowed, when it is not allowed."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise InputError(f"{self.name} must be true or false; got {value!r}.")
            return
        options = self.options()
        if options:
            key = self.normalize(value) if self.normalize is not None else value
            if key not in [v for v, _ in options]:
                raise InputError(f"Unknown {self.name} {value!r}; choose {self._choose(options)}.")
            return
        low, high = self.minimum, self.maximum
        if low is None or high is None:
            return
        if self.kind is int:
            _check_int(self.name, value, int(low), int(high))
            return
        number = float(value) if is_real(value) else None  # type: ignore[arg-type]
        inside = number is not None and (low < number if self.above_minimum else low <= number)
        if not (inside and number <= high):  # type: ignore[operator]
            span = f"greater than {low} and at most" if self.above_minimum else f"between {low} and"
            raise InputError(f"{self.name} must be {span} {high}; got {value!r}.")

    def _choose(self, options: Choices) -> str:
        names = [f"{v} ({label})" if self.explain_choices else v for v, label in options]
        if len(names) == 2:
            return f"{names[0]} or {names[1]}"
        return "one of " + ", ".join(names)


def _device_kind(value: object) -> str | None:
    """'cuda:1' -> 'cuda': the device kind a device string names."""
    return value.strip().lower().split(":", 1)[0] if isinstance(value, str) else None


def _algorithm_choices() -> Choices:
    return tuple((algo, algo_label(algo)) for algo in algorithms())


def _setting(default: Any, **declared: Any) -> Any:
    return dataclasses.field(default=default, metadata={"setting": Setting(**declared)})


def settings() -> dict[str, Setting]:
    """The declared settings of `TrainConfig`, by field name, in field order.

    Fields without a declaration (`min_alpha`, `max_vocab`) are for the
    Python API only; the CLI and the app leave them at their defaults.

    >>> list(settings())[:4]
    ['algo', 'architecture', 'loss', 'dim']
    """
    found = {}
    for f in dataclasses.fields(TrainConfig):
        setting = f.metadata.get("setting")
        if setting is not None:
            found[f.name] = dataclasses.replace(
                setting,
                name=f.name,
                kind=type(f.default),
                flag=setting.flag or "--" + f.name.replace("_", "-"),
            )
    return found


@dataclass(frozen=True)
class TrainConfig:
    """How to train: algorithm, model shape, corpus filtering, schedule and resources.

    `loss` picks negative sampling or hierarchical softmax; `negative` is ignored (0 is
    passed to gensim) with `loss="hs"`. `workers=0` uses every core the process may run
    on. `device` is for the torch trainers; gensim always runs on the CPU. `min_n`,
    `max_n` and `bucket` apply to FastText only: `bucket` defaults to 200,000 hashed
    n-gram vectors (80 MB at 100d), where gensim's own default of 2,000,000 takes 800 MB
    at 100d. `max_vocab` caps the vocabulary (gensim's `max_final_vocab`).

    Each setting a person may change is declared once, in its field's `Setting` (see
    `settings()`): the CLI's flags and the app's form are made from those declarations.

    >>> TrainConfig(algo="fasttext", architecture="cbow", loss="hs").describe()
    'fasttext CBOW, hierarchical softmax, 100d, window 5, min-count 5, 5 epochs, n-grams 3-6'
    """

    algo: str = _setting(
        "word2vec",
        label="Algorithm",
        help="Which trainer learns the vectors.",
        choices=_algorithm_choices,
    )
    architecture: Architecture = _setting(
        "skipgram",
        label="Architecture",
        help="Skip-gram predicts the context words from each word (better for rare words); "
        "CBOW predicts a word from its context (faster).",
        choices=(("skipgram", "skip-gram"), ("cbow", "CBOW")),
        only_for=WORD2VEC_ALGOS,
        shorthands=(
            ("--sg", "skipgram", "skip-gram (the default)"),
            ("--cbow", "cbow", "continuous bag of words"),
        ),
    )
    loss: Loss = _setting(
        "negative",
        label="Loss",
        help="Negative sampling contrasts each real pair with a few random words; hierarchical "
        "softmax walks a word tree instead (often better for rare words).",
        choices=(("negative", "negative sampling"), ("hs", "hierarchical softmax")),
        explain_choices=True,
        only_for=GENSIM_ALGOS,
        shorthands=(("--hs", "hs", "hierarchical softmax instead of negative sampling"),),
    )
    dim: int = _setting(
        100,
        label="Dimensions",
        help="How many numbers describe each word: 50–300 is usual; small corpora need fewer.",
        minimum=1,
        maximum=2000,
        step=10,
    )
    window: int = _setting(
        5,
        label="Window",
        help="How many words on each side of a word count as its context.",
        minimum=1,
        maximum=100,
        step=1,
    )
    min_count: int = _setting(
        5,
        label="Min count",
        help="Words seen fewer times than this are ignored (too rare to learn well).",
        minimum=1,
        maximum=1_000_000,
        step=1,
    )
    epochs: int = _setting(
        5,
        label="Epochs",
        help="How many passes over the corpus: more passes help small corpora but take longer.",
        minimum=1,
        maximum=1000,
        step=1,
    )
    negative: int = _setting(
        5,
        label="Negative samples",
        help="With negative sampling: how many random 'wrong' words each real pair is "
        "contrasted with (5–20 is usual).",
        minimum=0,
        maximum=100,
        step=1,
        only_for=WORD2VEC_ALGOS,
        advanced=True,
    )
    sample: float = _setting(
        1e-3,
        label="Down-sampling",
        help="Skip very frequent words (the, of) more often; 0.001 is usual, 0 keeps every word.",
        minimum=0,
        maximum=1,
        step=0.0001,
        number_format="%.5f",
        only_for=WORD2VEC_ALGOS,
        advanced=True,
    )
    alpha: float = _setting(
        0.025,
        label="Learning rate",
        help="How big each training step starts out (it shrinks as training goes on).",
        minimum=0,
        maximum=1,
        above_minimum=True,
        step=0.005,
        number_format="%.4f",
        advanced=True,
        default_text="0.025; 0.05 for glove",
    )
    min_alpha: float = 0.0001
    workers: int = _setting(
        0,
        label="Workers",
        help="CPU threads to train with; 0 uses every core.",
        minimum=0,
        maximum=256,
        step=1,
        advanced=True,
    )
    seed: int = _setting(
        1,
        label="Seed",
        help="Starting point of the randomness; with 1 worker the same seed gives the same model.",
        minimum=0,
        maximum=MAX_SEED,
        step=1,
        advanced=True,
    )
    device: str = _setting(
        "auto",
        label="Device",
        help="Where a torch trainer computes: auto picks a GPU when there is one.",
        choices=tuple((d, DEVICE_LABELS.get(d, d)) for d in DEVICES),
        normalize=_device_kind,  # 'cuda:1' is a cuda device
        not_for=GENSIM_ALGOS,  # gensim always trains on the CPU
        advanced=True,
    )
    min_n: int = _setting(
        3,
        label="Shortest n-gram",
        help="FastText also learns vectors for pieces of words this many letters long and up.",
        minimum=1,
        maximum=20,
        step=1,
        only_for=("fasttext",),
        advanced=True,
    )
    max_n: int = _setting(
        6,
        label="Longest n-gram",
        help="The longest word piece FastText learns (6 is usual).",
        minimum=1,
        maximum=20,
        step=1,
        only_for=("fasttext",),
        advanced=True,
    )
    bucket: int = _setting(
        200_000,
        label="Hash buckets",
        help="How many vectors the word pieces share; more means fewer collisions, more memory.",
        minimum=1,
        maximum=10_000_000,
        step=10_000,
        only_for=("fasttext",),
        advanced=True,
    )
    x_max: float = _setting(
        0.0,
        label="GloVe x_max",
        help="Co-occurrence count at which a GloVe pair gets full weight; 0 picks it from the "
        "corpus size (10 below 100 million words, 100 above).",
        minimum=0,
        maximum=1_000_000,
        step=1.0,
        only_for=("glove",),
        advanced=True,
        flag="--x-max",
        default_text="0 (auto)",
    )
    glove_power: float = _setting(
        0.75,
        label="GloVe weighting power",
        help="How fast a GloVe pair's weight grows with its count up to x_max ((x/x_max)^power); "
        "0.75 is usual.",
        minimum=0,
        maximum=1,
        above_minimum=True,
        step=0.05,
        only_for=("glove",),
        advanced=True,
    )
    master: str = _setting(
        "",
        label="Spark master",
        help=MASTER_HELP,
        only_for=SPARK_ALGOS,
        advanced=True,
    )
    partitions: int = _setting(
        1,
        label="Partitions",
        help=PARTITIONS_HELP,
        minimum=1,
        maximum=10_000,
        step=1,
        only_for=SPARK_ALGOS,
        advanced=True,
    )
    input: str = _setting(
        "",
        label="Input on the cluster",
        help=INPUT_HELP,
        only_for=SPARK_ALGOS,
        advanced=True,
    )
    spark_conf: tuple[str, ...] = ()  # key=value pairs; a repeatable flag, declared by hand
    max_vocab: int | None = None
    deterministic: bool = _setting(
        False,
        label="Same vectors every run",
        help="One thread in a fixed order, so a seed gives the same vectors every run (slower; "
        "for class demos).",
        only_for=("sgns",),
        advanced=True,
    )

    def __post_init__(self) -> None:  # JSON gives a list back; the config keeps a tuple
        object.__setattr__(self, "spark_conf", tuple(self.spark_conf or ()))

    def validate(self) -> None:
        """Raise `InputError` for the first setting out of range, naming value and range.

        Each declared setting is checked by its `Setting`; the rules that tie two settings
        together (and those of the undeclared `min_alpha`, `max_vocab`) follow.

        >>> TrainConfig(dim=0).validate()
        Traceback (most recent call last):
        ...
        embedlab.errors.InputError: dim must be between 1 and 2000; got 0.
        """
        for name, setting in settings().items():
            setting.check(getattr(self, name))
        if self.loss == "negative" and self.negative < 1:
            raise InputError(
                f"negative must be between 1 and 100 with loss 'negative'; got {self.negative} "
                "(use loss 'hs' to train without negative samples)."
            )
        if not is_real(self.min_alpha) or not 0 <= self.min_alpha <= self.alpha:
            raise InputError(
                f"min_alpha must be between 0 and alpha ({self.alpha}); got {self.min_alpha!r}."
            )
        _check_int("min_n", self.min_n, 1, self.max_n)
        if self.max_vocab is not None and (not is_int(self.max_vocab) or self.max_vocab < 2):
            raise InputError(
                f"max_vocab must be empty (no limit) or a whole number of at least 2; "
                f"got {self.max_vocab!r}."
            )

    @classmethod
    def build(cls, algo: str, values: Mapping[str, Any]) -> TrainConfig:
        """A validated config for `algo` from the settings a person gave (the CLI's flags,
        the app's form); those left out or None take their defaults, and the learning rate
        the one `algo` usually trains with. Unknown names and bad values raise `InputError`.

        >>> TrainConfig.build("glove", {"dim": 50, "epochs": None}).alpha
        0.05
        >>> TrainConfig.build("word2vec", {"window": 0})
        Traceback (most recent call last):
        ...
        embedlab.errors.InputError: window must be between 1 and 100; got 0.
        """
        given = {k: v for k, v in values.items() if v is not None}
        given.setdefault("alpha", cls.usual_alpha(algo))
        config = cls.from_dict({**given, "algo": algo})
        config.validate()
        return config

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready: numpy numbers become Python ones) of every setting.

        >>> import numpy as np
        >>> type(TrainConfig(dim=np.int64(100)).to_dict()["dim"])
        <class 'int'>
        """
        return {
            k: v.item() if isinstance(v, numbers.Number) and hasattr(v, "item") else v
            for k, v in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Build from a dict such as `to_dict()` made; unknown keys raise `InputError`.

        Missing keys take their defaults. Values are checked by `validate()`, not here.

        >>> TrainConfig.from_dict({"dim": 50}).dim
        50
        >>> TrainConfig.from_dict({"dims": 50})
        Traceback (most recent call last):
        ...
        embedlab.errors.InputError: Unknown config key 'dims' (did you mean 'dim'?); ...
        """
        if not isinstance(data, Mapping):
            raise InputError(
                f"A training config must be a mapping of settings; got {type(data).__name__}."
            )
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = [str(k) for k in data if k not in known]
        if len(unknown) == 1:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(
                f"Unknown config key '{unknown[0]}'{hint}; the keys are {', '.join(known)}."
            )
        if unknown:
            names = ", ".join(f"'{k}'" for k in unknown)
            raise InputError(f"Unknown config keys {names}; the keys are {', '.join(known)}.")
        return cls(**dict(data))

    def resolved_workers(self) -> int:
        """The worker threads to use: `workers`, or every core available when it is 0.

        >>> TrainConfig(workers=3).resolved_workers()
        3
        >>> TrainConfig().resolved_workers() >= 1
        True
        """
        if self.workers:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return os.cpu_count() or 1

    def resolved_x_max(self, tokens: int) -> float:
        """GloVe's x_max for a corpus of `tokens` words: `x_max`, or when it is 0 the value
        GloVe's own recipes use at that size (10 below 100 million words, 100 above).

        >>> TrainConfig().resolved_x_max(1_000_000), TrainConfig().resolved_x_max(10**9)
        (10.0, 100.0)
        >>> TrainConfig(x_max=50).resolved_x_max(1_000_000)
        50.0
        """
        if self.x_max:
            return float(self.x_max)
        return 10.0 if tokens < GLOVE_LARGE_CORPUS else 100.0

    @staticmethod
    def usual_alpha(algo: str) -> float:
        """The starting learning rate an algorithm is usually trained with.

        >>> TrainConfig.usual_alpha("word2vec"), TrainConfig.usual_alpha("glove")
        (0.025, 0.05)
        """
        return 0.05 if algo == "glove" else 0.025

    @classmethod
    def suggested(cls, tokens: int, algo: str = "word2vec", **overrides: Any) -> TrainConfig:
        """Starting settings for `algo` on a corpus of `tokens` words, the rest at defaults.

        gensim's defaults (100 dimensions, 5 epochs, min-count 5) suit corpora of millions
        of words. A small corpus, such as the 60,000-word demo, needs more passes and fewer
        dimensions, or every cosine ends up near 1 and the neighbours mean little. GloVe
        wants its own learning rate (0.05, with AdaGrad) and at least 25 passes.

        >>> small = TrainConfig.suggested(60_000)
        >>> small.dim, small.epochs, small.min_count
        (50, 30, 3)
        >>> TrainConfig.suggested(50_000_000) == TrainConfig()
        True
        >>> glove = TrainConfig.suggested(50_000_000, "glove")
        >>> glove.algo, glove.alpha, glove.epochs
        ('glove', 0.05, 25)
        """
        if tokens < 1_000_000:
            base: dict[str, Any] = {"dim": 50, "epochs": 30, "min_count": 3}
        elif tokens < 20_000_000:
            base = {"dim": 100, "epochs": 10, "min_count": 5}
        else:
            base = {}
        if algo == "glove":
            base = {
                **base,
                "alpha": cls.usual_alpha(algo),
                "epochs": max(25, base.get("epochs", 0)),
            }
        return dataclasses.replace(cls(), algo=algo, **{**base, **overrides})

    def describe(self) -> str:
        """One line for people, e.g. for a run list.

        >>> TrainConfig(epochs=1, loss="hs").describe()
        'word2vec skip-gram, hierarchical softmax, 100d, window 5, min-count 5, 1 epoch'
        """
        arch = "skip-gram" if self.architecture == "skipgram" else "CBOW"
        if self.loss == "negative" and self.algo not in SPARK_ALGOS:
            loss = f"negative sampling ({self.negative})"
        else:  # MLlib's Word2Vec is skip-gram with hierarchical softmax only
            loss = "hierarchical softmax"
        parts = [
            f"{self.algo} {arch}",
            loss,
            f"{self.dim}d",
            f"window {self.window}",
            f"min-count {self.min_count}",
            f"{self.epochs} epoch{'' if self.epochs == 1 else 's'}",
        ]
        if self.algo == "fasttext":
            parts.append(f"n-grams {self.min_n}-{self.max_n}")
        if self.algo in SPARK_ALGOS:
            parts.append(f"{self.partitions} partition{'s' if self.partitions != 1 else ''}")
        if self.max_vocab is not None:
            parts.append(f"max vocab {self.max_vocab:,}")
        return ", ".join(parts)
