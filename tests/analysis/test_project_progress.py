"""A projection reports how far it has got, and a report that raises stops it (a cancel)."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis import project as projecting
from embedlab.analysis.project import ProjectionEvent, project
from embedlab.embeddings import Embeddings


class Stop(Exception):
    """Raised by a progress sink to stop the projection, as the job board's cancel does."""


@pytest.fixture(scope="module")
def words() -> Embeddings:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 4
    vectors = centres[np.arange(240) % 3] + rng.normal(scale=0.5, size=(240, 16))
    return Embeddings([f"w{i}" for i in range(240)], vectors)


@pytest.mark.parametrize("method", ["tsne", pytest.param("umap", marks=pytest.mark.slow)])
def test_progress_rises_to_one_and_names_the_steps(words, method):
    events: list[ProjectionEvent] = []
    proj = project(words, method, n=240, dims=2, perplexity=10, on_progress=events.append)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert "nearest neighbours" in events[1].text
    step = "iteration" if method == "tsne" else "epoch"
    assert sum(step in e.text for e in events) >= 3  # reports while laying out, not only at the end
    assert events[-1].text.endswith(f"done in {proj.seconds:,.1f} s")


@pytest.mark.parametrize("method", ["tsne", pytest.param("umap", marks=pytest.mark.slow)])
def test_a_report_that_raises_stops_the_projection(words, method):
    seen: list[ProjectionEvent] = []

    def stop_half_way(event: ProjectionEvent) -> None:
        seen.append(event)
        if event.fraction >= 0.5:
            raise Stop

    with pytest.raises(Stop):
        project(words, method, n=240, dims=2, perplexity=10, on_progress=stop_half_way)
    assert seen[-1].fraction < 1.0


@pytest.mark.slow
def test_a_stopped_umap_leaves_tqdm_usable_by_other_threads(words):
    """umap's bar is written under tqdm's process-wide lock; a stop raised from the write
    must not leave that lock held (the sentence encoder's bar waited for ever after)."""
    import threading

    from tqdm import tqdm

    def stop(event: ProjectionEvent) -> None:
        if event.fraction >= 0.5:
            raise Stop

    with pytest.raises(Stop):
        project(words, "umap", n=240, dims=2, on_progress=stop)
    finished = threading.Event()

    def another_bar() -> None:
        for _ in tqdm(range(3), disable=False, mininterval=0):
            pass
        finished.set()

    threading.Thread(target=another_bar, daemon=True).start()
    assert finished.wait(20), "tqdm's lock was left held by the stopped projection"


def test_pca_reports_start_and_end_only(words):
    events: list[ProjectionEvent] = []
    project(words, "pca", n=240, dims=2, on_progress=events.append)
    assert [e.fraction for e in events] == [0.0, 1.0]


def test_tsne_neighbours_leave_each_word_out_even_with_duplicate_vectors():
    """Exact neighbours for openTSNE: never the word itself, also when a twin ties with it."""
    data = np.array([[1, 0], [1, 0], [0, 1], [0.9, 0.1], [0.1, 0.9]], np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    index = projecting._exact_knn(data, k=2, metric="cosine")
    ids, dists = index.build()
    assert ids.shape == (5, 2) and (ids != np.arange(5)[:, None]).all()
    assert set(ids[0]) == {1, 3} and set(ids[1]) == {0, 3}
    assert (dists >= 0).all()


def test_estimates_grow_with_the_words_and_pca_is_instant():
    est = projecting.estimate_seconds
    assert est("pca", 100_000) < 5
    assert est("umap", 5_000) < est("umap", 100_000) and est("tsne", 5_000) < est("tsne", 100_000)
