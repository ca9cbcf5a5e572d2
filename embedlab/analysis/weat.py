"""Association tests (WEAT, Caliskan et al. 2017): is an effect more than chance?

Two target sets X and Y (flowers, insects) and two attribute sets A and B (pleasant,
unpleasant). Each target word w gets s(w) = mean cos(w, A) - mean cos(w, B); the effect
size is

    d = (mean_{x in X} s(x) - mean_{y in Y} s(y)) / std_{w in X u Y} s(w)

with the sample standard deviation (ddof=1), as the paper's formula is usually computed
(Python's `statistics.stdev`); ddof=0 would make |d| larger by sqrt(n / (n - 1)).

The p-value is one-sided: the share of the splits of X u Y into sets of |X| and |Y|
words whose statistic mean s(X_i) - mean s(Y_i) is at least the observed one. It is exact
(every split, the observed one included) when there are at most `EXACT_LIMIT` splits,
else estimated from `permutations` random splits drawn with `seed`, as (hits + 1) /
(permutations + 1) so it is never 0. Since s(w) does not change when the words are
relabelled, a split's statistic is a sum over an index set: the test is one numpy
gather-and-sum over a (splits × |X|) index matrix: 7 ms for 12,870 exact splits and 16 ms
for 10,000 random ones, where `scipy.stats.permutation_test` on the same scores takes 160 ms
and 72 ms (it recomputes the statistic from resampled arrays). Its exact p-values are the
same; tests/analysis/test_weat.py checks both against a brute-force enumeration.

Words are looked up as given, or lower-cased in a lower-case model; words not in the
vocabulary are listed, and a set that keeps fewer than `MIN_WORDS` refuses the test.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> words = ["rose", "tulip", "lily", "ant", "flea", "moth", "love", "joy", "peace",
...          "filth", "grief", "agony"]
>>> pleasant, unpleasant = np.eye(3, dtype=np.float32)[:2]
>>> noise = np.random.default_rng(0).normal(0, 0.1, (12, 3)).astype(np.float32)
>>> vectors = np.array([pleasant] * 3 + [unpleasant] * 3 + [pleasant] * 3
...                    + [unpleasant] * 3) + noise
>>> toy = Embeddings(words, vectors)
>>> sets = WordSets("toy", "Flowers", ("rose", "tulip", "lily"), "Insects",
...                 ("ant", "flea", "moth"), "Pleasant", ("love", "joy", "peace"),
...                 "Unpleasant", ("filth", "grief", "agony"))
>>> result = weat(toy, sets)
>>> round(result.effect_size, 2), result.p_value, result.exact, result.partitions
(1.82, 0.05, True, 20)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from embedlab.analysis.axes import resolve
from embedlab.checks import positive_int
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError, InputError

MIN_WORDS = 3
EXACT_LIMIT = 100_000
DEFAULT_PERMUTATIONS = 10_000
MAX_PERMUTATIONS = 1_000_000
MAX_WORDS = 10_000  # per set
DEFAULT_SEED = 0
SETS: tuple[str, ...] = ("X", "Y", "A", "B")
_CHUNK = 20_000  # random splits drawn at a time
_TIE = 1e-9  # statistics this close to the observed one count as equal (float rounding)

CAUTION = (
    "An association test measures how the words chosen for each set sit relative to each "
    "other in this model, not bias in general: other seed words for the same idea can "
    "shrink, grow or flip the effect, and rare words have noisy vectors, so a small corpus "
    "or a list of rare names gives unstable scores (the more words a set loses to the "
    "vocabulary, the less the test says). The p-value asks how unusual the observed split "
    "of target words into X and Y is among all equal-size splits; it assumes the words "
    "are exchangeable draws, which hand-picked word lists are not, so read it as a guide, "
    "and compare effect sizes across models only on the same words."
)


@dataclass(frozen=True)
class WordSets:
    """A test's definition: target sets X, Y and attribute sets A, B, each with a name."""

    title: str
    x_name: str
    x: tuple[str, ...]
    y_name: str
    y: tuple[str, ...]
    a_name: str
    a: tuple[str, ...]
    b_name: str
    b: tuple[str, ...]

    def named(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Set key -> (name, words), in the order X, Y, A, B."""
        return {
            "X": (self.x_name, self.x),
            "Y": (self.y_name, self.y),
            "A": (self.a_name, self.a),
            "B": (self.b_name, self.b),
        }


@dataclass(frozen=True)
class WeatResult:
    """Effect size, p-value, and which words each set used and lost."""

    sets: WordSets
    effect_size: float
    p_value: float
    statistic: float  # mean s(X) - mean s(Y)
    exact: bool
    partitions: int  # splits the p-value looked at (all of them when exact)
    total_partitions: int  # C(|X| + |Y|, |X|)
    seed: int | None
    used: Mapping[str, tuple[str, ...]]  # set key -> vocabulary words used
    missing: Mapping[str, tuple[str, ...]]  # set key -> words given but not in the vocabulary
    scores: tuple[tuple[str, str, float], ...] = field(default=())  # (X or Y, word, s(w))

    def counts(self) -> dict[str, tuple[int, int]]:
        """Set key -> (words used, words given)."""
        return {k: (len(self.used[k]), len(self.used[k]) + len(self.missing[k])) for k in SETS}

    def summary(self) -> str:
        """One sentence: the effect, its direction and its p-value."""
        s = self.sets
        toward = (s.a_name, s.b_name) if self.effect_size >= 0 else (s.b_name, s.a_name)
        how = "exact" if self.exact else f"from {self.partitions:,} random splits"
        return (
            f"{s.x_name} words are closer than {s.y_name} words to {toward[0]} (rather than "
            f"{toward[1]}) with effect size d = {self.effect_size:.2f} "
            f"and one-sided p = {self.p_value:.4g} ({how})."
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        named = self.sets.named()
        return {
            "test": self.sets.title,
            "effect_size": self.effect_size,
            "p_value": self.p_value,
            "statistic": self.statistic,
            "exact": self.exact,
            "partitions": self.partitions,
            "total_partitions": self.total_partitions,
            "seed": self.seed,
            "sets": {
                k: {
                    "name": named[k][0],
                    "used": len(self.used[k]),
                    "given": len(self.used[k]) + len(self.missing[k]),
                    "missing": list(self.missing[k]),
                }
                for k in SETS
            },
            "scores": [{"set": k, "word": w, "score": s} for k, w, s in self.scores],
        }


@dataclass(frozen=True)
class ModelWeat:
    """One model's row of a comparison: its result, or the sentence saying why there is none."""

    model: str
    result: WeatResult | None
    error: str | None = None


# --- the shipped tests ------------------------------------------------------------------
@lru_cache(maxsize=1)
def weat_tests() -> dict[int, WordSets]:
    """Caliskan et al.'s WEAT 1-10, from the package data `analysis/data/weat.json`.

    >>> tests = weat_tests()
    >>> sorted(tests)[-1], tests[1].x_name, len(tests[1].x), tests[6].a_name
    (10, 'Flowers', 25, 'Career')
    """
    import json
    from importlib.resources import files

    doc = json.loads((files("embedlab.analysis") / "data" / "weat.json").read_text("utf-8"))
    out: dict[int, WordSets] = {}
    for t in doc["tests"]:
        parts = [(t[k]["name"], tuple(t[k]["words"])) for k in SETS]
        out[int(t["id"])] = WordSets(
            f"WEAT {t['id']}: {t['title']}", *[v for pair in parts for v in pair]
        )
    return out


def weat_test(number: int) -> WordSets:
    """One of WEAT 1-10; another number says which exist."""
    tests = weat_tests()
    if number not in tests:
        raise InputError(f"There is no WEAT {number}; choose a test from 1 to {max(tests)}.")
    return tests[number]


_SPLIT = re.compile(r"[\s,;]+")


def read_word_list(text: str) -> list[str]:
    """Words from text: separated by commas, semicolons, spaces or new lines; repeats dropped.

    >>> read_word_list("rose, tulip\\nlily  rose")
    ['rose', 'tulip', 'lily']
    """
    return list(dict.fromkeys(w for w in _SPLIT.split(text or "") if w))


def custom_sets(
    x: Iterable[str],
    y: Iterable[str],
    a: Iterable[str],
    b: Iterable[str],
    names: Sequence[str] = ("X", "Y", "A", "B"),
    title: str = "Your word lists",
) -> WordSets:
    """A test from the user's own lists (checked when the test runs)."""
    lists = [tuple(dict.fromkeys(w.strip() for w in s if w and w.strip())) for s in (x, y, a, b)]
    return WordSets(
        title, names[0], lists[0], names[1], lists[1], names[2], lists[2], names[3], lists[3]
    )


# --- the test ---------------------------------------------------------------------------
def _label(key: str, name: str, first: bool = False) -> str:
    role = "target" if key in "XY" else "attribute"
    the = "The" if first else "the"
    return f"{the} {role} set {key}" + (f" ({name})" if name and name != key else "")


def _check_sets(sets: WordSets, min_words: int) -> None:
    named = sets.named()
    for key, (name, words) in named.items():
        if not words:
            raise InputError(
                f"{_label(key, name, True)} is empty; give at least {min_words} words."
            )
        if len(words) > MAX_WORDS:
            raise InputError(
                f"{_label(key, name, True)} has {len(words):,} words; give at most {MAX_WORDS:,}."
            )
    for first, second in (("X", "Y"), ("A", "B")):
        both = [w for w in named[first][1] if w in set(named[second][1])]
        if both:
            shown = ", ".join(f"'{w}'" for w in both[:5])
            raise InputError(
                f"{shown} {'is' if len(both) == 1 else 'are'} in both {first} and {second}; "
                "a word may be in only one of the two sets."
            )


def _lookup(
    emb: Embeddings, sets: WordSets, min_words: int
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    used: dict[str, tuple[str, ...]] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for key, (_, words) in sets.named().items():
        found = [resolve(emb, w) for w in words]
        used[key] = tuple(dict.fromkeys(f for f in found if f is not None))
        missing[key] = tuple(w for w, f in zip(words, found, strict=True) if f is None)
    for key, (name, words) in sets.named().items():
        if len(used[key]) < min_words:
            lost = ", ".join(missing[key][:8]) + (" …" if len(missing[key]) > 8 else "")
            raise InputError(
                f"Only {len(used[key])} of the {len(words)} words of {_label(key, name)} "
                f"{'is' if len(used[key]) == 1 else 'are'} in the vocabulary (missing: {lost}); "
                "the test needs at least "
                f"{min_words} per set."
            )
    for first, second in (("X", "Y"), ("A", "B")):  # two spellings may fold into one word
        both = set(used[first]) & set(used[second])
        if both:
            raise InputError(
                f"'{sorted(both)[0]}' is in both {first} and {second} once lower-cased; "
                "a word may be in only one of the two sets."
            )
    return used, missing


def association_scores(
    emb: Embeddings, words: Sequence[str], a: Sequence[str], b: Sequence[str]
) -> np.ndarray:
    """s(w) = mean cos(w, A) - mean cos(w, B) for each vocabulary word w (float64)."""
    normed = emb.normed

    def rows(ws: Sequence[str]) -> np.ndarray:
        return normed[[emb.index(w) for w in ws]].astype(np.float64)

    w, va, vb = rows(words), rows(a), rows(b)
    return (w @ va.T).mean(axis=1) - (w @ vb.T).mean(axis=1)


def permutation_p_value(
    scores: np.ndarray,
    n_x: int,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    exact_limit: int = EXACT_LIMIT,
) -> tuple[float, bool, int]:
    """One-sided p-value that the first `n_x` scores have a higher mean than the rest:
    (p, exact, splits looked at).

    >>> permutation_p_value(np.array([3.0, 2.0, 1.0, 0.0]), 2)
    (0.16666666666666666, True, 6)
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = scores.shape[0]
    if not 0 < n_x < n:
        raise InputError(f"A split needs words on both sides; got {n_x} of {n}.")
    observed = scores[:n_x].sum()  # the statistic grows with the X-side sum
    tolerance = _TIE * max(1.0, float(np.abs(scores).sum()))
    total = math.comb(n, n_x)
    if total <= exact_limit:
        from itertools import chain, combinations

        flat = np.fromiter(
            chain.from_iterable(combinations(range(n), n_x)), dtype=np.int64, count=total * n_x
        )
        sums = scores[flat.reshape(total, n_x)].sum(axis=1)
        return float(np.count_nonzero(sums >= observed - tolerance) / total), True, total
    permutations = positive_int(permutations, "permutations", maximum=MAX_PERMUTATIONS)
    rng = np.random.default_rng(seed)
    hits, done = 0, 0
    while done < permutations:
        size = min(_CHUNK, permutations - done)
        order = rng.permuted(np.broadcast_to(np.arange(n), (size, n)), axis=1)
        sums = scores[order[:, :n_x]].sum(axis=1)
        hits += int(np.count_nonzero(sums >= observed - tolerance))
        done += size
    return (hits + 1) / (permutations + 1), False, permutations


def weat(
    emb: Embeddings,
    sets: WordSets,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    min_words: int = MIN_WORDS,
    exact_limit: int = EXACT_LIMIT,
) -> WeatResult:
    """The WEAT effect size and permutation p-value of `sets` in `emb` (see the module)."""
    min_words = positive_int(min_words, "min_words")
    permutations = positive_int(permutations, "permutations", maximum=MAX_PERMUTATIONS)
    _check_sets(sets, min_words)
    used, missing = _lookup(emb, sets, min_words)
    targets = list(used["X"]) + list(used["Y"])
    s = association_scores(emb, targets, used["A"], used["B"])
    n_x = len(used["X"])
    spread = float(np.std(s, ddof=1))
    if not spread > 1e-12:
        raise InputError(
            "Every target word has the same association score, so the effect size is "
            "undefined; use word sets whose vectors differ."
        )
    statistic = float(s[:n_x].mean() - s[n_x:].mean())
    p, exact, looked = permutation_p_value(s, n_x, permutations, seed, exact_limit)
    scores = tuple(
        ("X" if i < n_x else "Y", w, float(v))
        for i, (w, v) in enumerate(zip(targets, s, strict=True))
    )
    return WeatResult(
        sets=sets,
        effect_size=statistic / spread,
        p_value=p,
        statistic=statistic,
        exact=exact,
        partitions=looked,
        total_partitions=math.comb(len(targets), n_x),
        seed=None if exact else seed,
        used=used,
        missing=missing,
        scores=scores,
    )


def weat_across(
    models: Mapping[str, Embeddings],
    sets: WordSets,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    min_words: int = MIN_WORDS,
) -> list[ModelWeat]:
    """The same test in several models, one row each; a model that cannot run it (too few
    of the words) gets its one-sentence reason instead of a result.

    >>> toy = Embeddings(["a", "b"], np.eye(2))
    >>> weat_across({"toy": toy}, weat_test(6))[0].error[:27]
    'Only 0 of the 8 words of th'
    """
    if not models:
        raise InputError("Choose at least one model to compare.")
    rows = []
    for name, emb in models.items():
        try:
            rows.append(ModelWeat(name, weat(emb, sets, permutations, seed, min_words)))
        except EmbedlabError as err:
            rows.append(ModelWeat(name, None, str(err)))
    return rows
