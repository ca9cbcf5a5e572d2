"""The CPU neighbour search (panels over threads) and the Procrustes residuals, held against
exact references."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from embedlab.analysis import compare as cmp
from embedlab.analysis import compare_search as search
from embedlab.errors import InputError


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


def _brute(unit: np.ndarray, k: int) -> np.ndarray:
    scores = unit.astype(np.float64) @ unit.T.astype(np.float64)
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def test_an_unknown_precision_is_one_sentence():
    with pytest.raises(InputError) as err:
        cmp.nearest_ids(_random(10, 4, seed=0), 2, "cpu", "int8")
    message = str(err.value)
    assert "bfloat16" in message and message.endswith(".") and "\n" not in message


def test_auto_is_the_exact_search_on_a_cpu_without_bfloat16_units():
    if search._fast_bf16("cpu"):
        pytest.skip("this CPU screens in bfloat16")
    unit = _random(300, 16, seed=2)
    found, how = cmp.nearest_ids(unit, 5, "cpu", "auto")
    assert how == "float32"
    assert _equal_rows(found, _brute(unit, 5)) == 1.0


@pytest.mark.parametrize("n, panel, width", [(1000, 320, 320), (333, 100, 150), (130, 64, 70)])
def test_runs_of_scores_and_ragged_panels_match_a_brute_force(n, panel, width):
    """Rows longer than one run of 64 scores, a ragged last run, panel and product."""
    unit = _clustered(n, 24, seed=n, spread=0.5)
    found = cmp._nearest_cpu(unit, 7, panel=panel, width=width, threads=2)
    assert _equal_rows(found, _brute(unit, 7)) >= 0.995  # float32 vs float64: near-ties
    scores = unit.astype(np.float64) @ unit.T.astype(np.float64)
    ordered = np.take_along_axis(scores, found, axis=1)
    assert (np.diff(ordered, axis=1) <= 1e-6).all()


def test_the_threads_lists_merge_to_the_one_thread_answer():
    unit = _clustered(1200, 32, seed=3)
    one = cmp._nearest_cpu(unit, 10, panel=64, width=128, threads=1)
    three = cmp._nearest_cpu(unit, 10, panel=64, width=128, threads=3)
    assert _equal_rows(three, one) == 1.0


def test_progress_rises_to_one_and_a_cancel_stops_every_thread():
    unit = _random(3000, 64, seed=4)
    seen: list[float] = []
    cmp._nearest_cpu(unit, 10, panel=64, width=128, on_progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 2

    class Stop(Exception):
        pass

    def cancel(part: float) -> None:
        raise Stop

    blas_before = [lib["num_threads"] for lib in threadpool_info()]
    threads_before = threading.active_count()
    with pytest.raises(Stop):
        cmp._nearest_cpu(_random(30_000, 128, seed=5), 10, on_progress=cancel)
    assert threading.active_count() == threads_before  # the search threads have stopped
    assert [lib["num_threads"] for lib in threadpool_info()] == blas_before  # BLAS restored


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
