"""WEAT: effect sizes and permutation p-values on vectors built so the answer is known."""

from __future__ import annotations

import itertools
import json
import statistics

import numpy as np
import pytest

from embedlab.analysis import weat
from embedlab.analysis.weat import WordSets
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError

DIM = 16


def build(groups: dict[str, np.ndarray], seed: int = 0, noise: float = 0.3) -> Embeddings:
    """Words named `<group><i>`, each its group's direction plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    words, vectors = [], []
    for name, (direction, count) in groups.items():
        for i in range(count):
            words.append(f"{name}{i}")
            vectors.append(direction + rng.normal(0, noise, DIM))
    return Embeddings(words, np.array(vectors, dtype=np.float32))


def sets_of(sizes: dict[str, int], title: str = "test") -> WordSets:
    lists = {k: tuple(f"{k.lower()}{i}" for i in range(n)) for k, n in sizes.items()}
    return WordSets(title, "X", lists["X"], "Y", lists["Y"], "A", lists["A"], "B", lists["B"])


@pytest.fixture(scope="module")
def biased() -> tuple[Embeddings, WordSets]:
    """X built along A, Y along B: a large positive effect."""
    e = np.eye(DIM)
    emb = build({"x": (e[0], 8), "y": (e[1], 8), "a": (e[0], 8), "b": (e[1], 8)})
    return emb, sets_of({"X": 8, "Y": 8, "A": 8, "B": 8})


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.rstrip().endswith((".", "?"))


def test_x_built_along_a_gives_a_large_positive_effect(biased):
    emb, sets = biased
    result = weat.weat(emb, sets)
    assert result.effect_size > 1.5 and result.p_value < 0.01
    assert result.exact and result.partitions == result.total_partitions == 12870
    assert result.counts() == {k: (8, 8) for k in "XYAB"}
    assert all(not m for m in result.missing.values())
    assert "closer than Y words to A" in result.summary()


def test_swapping_a_and_b_flips_the_sign(biased):
    emb, sets = biased
    result = weat.weat(emb, sets)
    swapped = weat.weat(emb, WordSets("s", "X", sets.x, "Y", sets.y, "B", sets.b, "A", sets.a))
    assert swapped.effect_size == pytest.approx(-result.effect_size, abs=1e-9)
    assert swapped.p_value > 0.99
    targets = weat.weat(emb, WordSets("t", "Y", sets.y, "X", sets.x, "A", sets.a, "B", sets.b))
    assert targets.effect_size == pytest.approx(-result.effect_size, abs=1e-9)


def test_the_effect_size_is_the_papers_formula_with_the_sample_std(biased):
    emb, sets = biased
    result = weat.weat(emb, sets)

    def s(w):
        return statistics.mean(emb.similarity(w, a) for a in sets.a) - statistics.mean(
            emb.similarity(w, b) for b in sets.b
        )

    sx, sy = [s(w) for w in sets.x], [s(w) for w in sets.y]
    expected = (statistics.mean(sx) - statistics.mean(sy)) / statistics.stdev(sx + sy)
    assert result.effect_size == pytest.approx(expected, abs=1e-5)
    assert [score for _, _, score in result.scores] == pytest.approx(sx + sy, abs=1e-5)


def naive_p_value(emb: Embeddings, x, y, a, b) -> float:
    """Every split of X u Y into |X| and |Y| words, the statistic recomputed from scratch."""

    def stat(xs, ys):
        def s(w):
            return np.mean([emb.similarity(w, v) for v in a]) - np.mean(
                [emb.similarity(w, v) for v in b]
            )

        return np.mean([s(w) for w in xs]) - np.mean([s(w) for w in ys])

    words = list(x) + list(y)
    observed = stat(x, y)
    hits = total = 0
    for chosen in itertools.combinations(words, len(x)):
        rest = [w for w in words if w not in chosen]
        total += 1
        hits += stat(chosen, rest) >= observed - 1e-9
    return hits / total


def test_the_exact_p_value_matches_a_brute_force_enumeration_and_scipy():
    from scipy.stats import permutation_test

    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(13)]
    emb = Embeddings(words, rng.normal(size=(13, 6)).astype(np.float32))
    sets = WordSets("tiny", "X", ("w0", "w1", "w2"), "Y", ("w3", "w4", "w5", "w6"),
                    "A", ("w7", "w8", "w9"), "B", ("w10", "w11", "w12"))  # fmt: skip
    result = weat.weat(emb, sets)
    assert result.exact and result.partitions == 35  # C(7, 3)
    assert result.p_value == pytest.approx(naive_p_value(emb, sets.x, sets.y, sets.a, sets.b))
    s = np.array([score for _, _, score in result.scores])
    scipy_result = permutation_test(
        (s[:3], s[3:]),
        lambda u, v, axis: u.mean(axis=axis) - v.mean(axis=axis),
        permutation_type="independent",
        vectorized=True,
        alternative="greater",
    )
    assert result.p_value == pytest.approx(scipy_result.pvalue, abs=1e-12)


def test_random_splits_are_seeded_and_never_give_zero(biased):
    emb, sets = biased
    first = weat.weat(emb, sets, permutations=2000, seed=7, min_words=3)
    assert first.exact  # 12,870 splits: exact whatever is asked
    forced = weat.permutation_p_value(np.arange(16.0)[::-1], 8, permutations=2000, seed=7,
                                      exact_limit=0)  # fmt: skip
    again = weat.permutation_p_value(np.arange(16.0)[::-1], 8, permutations=2000, seed=7,
                                     exact_limit=0)  # fmt: skip
    assert forced == again and forced[1] is False and forced[2] == 2000
    # the observed split is the most extreme: only draws of that same split count
    assert 1 / 2001 <= forced[0] < 5 / 2001


def test_big_sets_use_random_splits(biased):
    e = np.eye(DIM)
    emb = build({"x": (e[0], 12), "y": (e[1], 12), "a": (e[0], 4), "b": (e[1], 4)}, seed=1)
    result = weat.weat(emb, sets_of({"X": 12, "Y": 12, "A": 4, "B": 4}), permutations=3000)
    assert not result.exact and result.partitions == 3000 and result.seed == 0
    assert result.total_partitions == 2704156 and result.p_value < 5 / 3001


@pytest.mark.parametrize("exact_limit", [weat.EXACT_LIMIT, 0])
def test_p_values_of_random_sets_spread_uniformly(exact_limit):
    """Under the null (all words drawn alike) the p-values should look uniform."""
    from scipy.stats import kstest

    sets = sets_of({"X": 7, "Y": 7, "A": 5, "B": 5})
    pvalues = []
    for seed in range(30):
        zero = np.zeros(DIM)
        emb = build({"x": (zero, 7), "y": (zero, 7), "a": (zero, 5), "b": (zero, 5)}, seed, 1.0)
        pvalues.append(
            weat.weat(emb, sets, permutations=1000, seed=seed, exact_limit=exact_limit).p_value
        )
    assert kstest(pvalues, "uniform").pvalue > 0.01
    assert 0.3 < np.mean(pvalues) < 0.7


# --- words: missing, folded, refused --------------------------------------------------------
def test_missing_words_are_listed_and_counted(biased):
    emb, sets = biased
    more = WordSets("m", "X", sets.x + ("zebra",), "Y", sets.y, "A", sets.a + ("unicorn", "yeti"),
                    "B", sets.b)  # fmt: skip
    result = weat.weat(emb, more)
    assert result.missing["X"] == ("zebra",) and result.missing["A"] == ("unicorn", "yeti")
    assert result.counts()["X"] == (8, 9) and result.counts()["A"] == (8, 10)
    assert result.to_dict()["sets"]["A"]["missing"] == ["unicorn", "yeti"]
    json.dumps(result.to_dict(), allow_nan=False)


def test_a_lower_case_model_finds_capitalised_names(biased):
    emb, sets = biased
    upper = WordSets("u", "X", tuple(w.upper() for w in sets.x), "Y", sets.y, "A", sets.a,
                     "B", sets.b)  # fmt: skip
    assert weat.weat(emb, upper).used["X"] == sets.x


def test_too_few_words_in_a_set_refuse_the_test_in_one_sentence(biased):
    emb, sets = biased
    few = WordSets("f", "Flowers", ("x0", "x1", "rose", "tulip"), "Y", sets.y, "A", sets.a,
                   "B", sets.b)  # fmt: skip
    with pytest.raises(InputError) as err:
        weat.weat(emb, few)
    message = str(err.value)
    assert message.startswith("Only 2 of the 4 words of the target set X (Flowers) are in")
    assert "rose, tulip" in message and f"at least {weat.MIN_WORDS}" in message
    assert one_sentence(message)


def test_empty_sets_and_shared_words_are_refused(biased):
    emb, sets = biased
    with pytest.raises(InputError) as err:
        weat.weat(emb, WordSets("e", "X", sets.x, "Y", sets.y, "Pleasant", (), "B", sets.b))
    assert str(err.value).startswith("The attribute set A (Pleasant) is empty")
    assert one_sentence(str(err.value))
    with pytest.raises(InputError) as err:
        weat.weat(emb, WordSets("d", "X", sets.x, "Y", sets.y[:-1] + ("x0",), "A", sets.a,
                                "B", sets.b))  # fmt: skip
    assert "'x0' is in both X and Y" in str(err.value) and one_sentence(str(err.value))
    with pytest.raises(InputError, match="in both A and B"):
        weat.weat(emb, WordSets("d", "X", sets.x, "Y", sets.y, "A", sets.a, "B", ("a0", "b1")))
    with pytest.raises(InputError, match="in both X and Y once lower-cased"):
        weat.weat(emb, WordSets("d", "X", sets.x, "Y", sets.y[:-1] + ("X0",), "A", sets.a,
                                "B", sets.b))  # fmt: skip


def test_identical_vectors_give_no_effect_size():
    emb = Embeddings([f"w{i}" for i in range(12)], np.ones((12, 3), dtype=np.float32))
    sets = WordSets("z", "X", ("w0", "w1", "w2"), "Y", ("w3", "w4", "w5"), "A",
                    ("w6", "w7", "w8"), "B", ("w9", "w10", "w11"))  # fmt: skip
    with pytest.raises(InputError, match="undefined"):
        weat.weat(emb, sets)


# --- the shipped tests, several models, real data -------------------------------------------
def test_the_papers_ten_tests_ship_as_package_data():
    tests = weat.weat_tests()
    assert sorted(tests) == list(range(1, 11))
    sizes = {n: tuple(len(w) for _, w in t.named().values()) for n, t in tests.items()}
    assert sizes[1] == sizes[2] == (25, 25, 25, 25)
    assert sizes[3] == (32, 32, 25, 25) and sizes[4] == (16, 16, 25, 25)
    assert sizes[6] == (8, 8, 8, 8) and sizes[9] == (6, 6, 7, 7)
    assert tests[6].a_name == "Career" and "Flowers" in tests[1].title
    for t in tests.values():
        assert not set(t.x) & set(t.y) and not set(t.a) & set(t.b)
    with pytest.raises(InputError, match="from 1 to 10"):
        weat.weat_test(11)


def test_one_test_over_several_models(biased):
    emb, sets = biased
    small = Embeddings(["x0", "y0"], np.eye(2, dtype=np.float32))
    rows = weat.weat_across({"big": emb, "small": small}, sets)
    assert [r.model for r in rows] == ["big", "small"]
    assert rows[0].result is not None and rows[0].error is None
    assert rows[1].result is None and rows[1].error.startswith("Only 1 of the 8 words")


def test_weat_1_and_6_on_the_lee_corpus_lose_most_words(lee_emb):
    with pytest.raises(InputError, match=r"Only 0 of the 25 words of the target set X \(Flowers"):
        weat.weat(lee_emb, weat.weat_test(1))
    with pytest.raises(InputError, match=r"target set Y \(Female names\)"):
        weat.weat(lee_emb, weat.weat_test(6))
    result = weat.weat(lee_emb, weat.weat_test(6), min_words=1)
    assert result.counts()["Y"] == (1, 8) and "sarah" in result.used["Y"]


def test_read_word_list_splits_on_commas_spaces_and_lines():
    assert weat.read_word_list("a, b;c\n d  a") == ["a", "b", "c", "d"]
    assert weat.read_word_list("") == []
