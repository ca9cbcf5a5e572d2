"""The CPU neighbour search's int8 screen and the faster Procrustes residuals, held against
exact references."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis import compare as cmp
from embedlab.analysis import compare_search as search
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError

needs_int8 = pytest.mark.skipif(not search._int8_ready(), reason="no fbgemm int8 kernels here")


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _random(n: int, d: int, seed: int) -> np.ndarray:
    return _unit(np.random.default_rng(seed).standard_normal((n, d)))


def _clustered(n: int, d: int, seed: int, spread: float = 0.35) -> np.ndarray:
    """Tight clusters of ~40 points: many near-ties among each row's neighbours."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n // 40, d))
    return _unit(centres[rng.integers(0, len(centres), n)] + spread * rng.standard_normal((n, d)))


def _equal_rows(found: np.ndarray, reference: np.ndarray) -> float:
    return float((np.sort(found, axis=1) == np.sort(reference, axis=1)).all(axis=1).mean())


@needs_int8
@pytest.mark.parametrize("make", [_random, _clustered], ids=["random", "clustered"])
def test_the_int8_screen_finds_the_exact_neighbours(make):
    unit = make(4000, 96, seed=11)
    exact, how = cmp.nearest_ids(unit, 10, "cpu", "float32")
    screened, how_int8 = cmp.nearest_ids(unit, 10, "cpu", "int8")
    assert (how, how_int8) == ("float32", "int8")
    assert _equal_rows(screened, exact) >= 0.999
    # re-scored exactly: best first, never itself
    scores = np.take_along_axis(unit @ unit.T, screened, axis=1)
    assert (np.diff(scores, axis=1) <= 1e-6).all()
    assert (screened != np.arange(len(unit))[:, None]).all()


@needs_int8
def test_int8_and_float32_comparisons_agree_on_jaccard():
    words = [f"w{i}" for i in range(3000)]
    a = Embeddings(words, _clustered(3000, 64, seed=1))
    b = Embeddings(words, _clustered(3000, 64, seed=1) + 0.05 * _random(3000, 64, seed=2))
    exact = cmp.compare(a, b, k=10, device="cpu", precision="float32")
    fast = cmp.compare(a, b, k=10, device="cpu", precision="int8")
    assert fast.agreement.precision == "int8" and fast.params["precision"] == "int8"
    assert 0.0 < exact.agreement.mean_jaccard < 1.0
    assert abs(fast.agreement.mean_jaccard - exact.agreement.mean_jaccard) <= 0.001
    assert (fast.agreement.jaccard == exact.agreement.jaccard).mean() >= 0.995


@needs_int8
@pytest.mark.parametrize("n", [12, 30])
def test_int8_with_few_rows_keeps_every_candidate_and_is_exact(n):
    unit = _random(n, 16, seed=n)
    found, _ = cmp.nearest_ids(unit, 10, "cpu", "int8")
    scores = unit.astype(np.float64) @ unit.T.astype(np.float64)
    np.fill_diagonal(scores, -np.inf)
    reference = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    assert (found == reference).all()


@needs_int8
def test_auto_screens_in_int8_only_on_large_searches_with_clear_neighbours():
    if search._fast_bf16("cpu"):
        pytest.skip("this CPU screens in bfloat16")
    spread = _random(search.INT8_FROM, 64, seed=5)
    assert search._auto_precision(spread, 10, "cpu") == "int8"
    assert search._auto_precision(spread[:-1], 10, "cpu") == "float32"  # too few rows
    tight = _clustered(search.INT8_FROM, 64, seed=5, spread=0.1)  # near-ties everywhere
    assert not search._int8_pays(tight, 10)
    assert search._auto_precision(tight, 10, "cpu") == "float32"


@needs_int8
@pytest.mark.parametrize(("spread", "path"), [(0.1, "all"), (0.35, "some")])
def test_rows_too_close_to_call_are_searched_again_exactly(spread, path):
    unit = _clustered(3000, 64, seed=8, spread=spread)
    report: dict[str, int] = {}
    found = cmp._nearest_cpu(unit, 10, screen="int8", report=report)
    _, how = cmp.nearest_ids(unit, 10, "cpu", "int8")
    if path == "all":  # most rows doubtful: the whole exact search instead
        assert report["doubtful"] > len(unit) // 4 and report["searched_all"] == 1
        assert how == "float32"
    else:
        assert 0 < report["doubtful"] <= len(unit) // 4 and "searched_all" not in report
        assert how == "int8"
    exact = cmp._nearest_cpu(unit, 10)
    assert _equal_rows(found, exact) == 1.0


def test_an_unknown_precision_is_one_sentence():
    with pytest.raises(InputError) as err:
        cmp.nearest_ids(_random(10, 4, seed=0), 2, "cpu", "float16")
    message = str(err.value)
    assert "int8" in message and message.endswith(".") and "\n" not in message


@pytest.mark.parametrize("n, block", [(1000, 320), (333, 100)])
def test_column_bands_and_panels_match_a_brute_force(n, block):
    """More columns than one band of stripes, ragged last stripe and panel."""
    unit = _clustered(n, 24, seed=n, spread=0.5)
    found = cmp._nearest_cpu(unit, 7, block=block)
    scores = unit.astype(np.float64) @ unit.T.astype(np.float64)
    np.fill_diagonal(scores, -np.inf)
    reference = np.argsort(-scores, axis=1, kind="stable")[:, :7]
    assert _equal_rows(found, reference) >= 0.995  # float32 vs float64: a near-tie may swap
    ordered = np.take_along_axis(scores, found, axis=1)
    assert (np.diff(ordered, axis=1) <= 1e-6).all()


def test_procrustes_matches_scipy_and_a_float64_residual():
    from scipy.linalg import orthogonal_procrustes

    ua, ub = _random(2000, 40, seed=3), _clustered(2000, 40, seed=4)
    words = [f"w{i}" for i in range(2000)]
    al = cmp.procrustes(ua, ub, words, fit_top=1500)
    ma = ua[:1500].astype(np.float64).mean(axis=0)
    mb = ub[:1500].astype(np.float64).mean(axis=0)
    ca, cb = ua - ma, ub - mb
    rotation, _ = orthogonal_procrustes(ca[:1500], cb[:1500])
    assert np.allclose(al.rotation, rotation, atol=1e-5)

    def residual(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cos = (x * y).sum(axis=1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))
        return np.clip(1.0 - cos, 0.0, 2.0)

    assert np.allclose(al.before, residual(ca, cb), atol=1e-6)
    assert np.allclose(al.after, residual(ca @ rotation, cb), atol=1e-5)
    assert al.mean_after < al.mean_before
