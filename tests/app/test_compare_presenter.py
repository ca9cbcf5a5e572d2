"""The Compare page's presenter and charts, without AppTest."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.compare import SEARCH_SHARE
from embedlab.app import compare as view
from embedlab.app.charts.compare import aligned_map, jaccard_histogram
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError

TOP = 1000


@pytest.fixture(scope="module")
def pair(lee_emb):
    """The Lee model and a rotated, noisy copy of it, and their comparison."""
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(lee_emb.dim, lee_emb.dim)))
    noisy = lee_emb.vectors @ q + rng.normal(scale=0.3, size=lee_emb.vectors.shape)
    other = Embeddings(lee_emb.words, noisy, lee_emb.counts, meta={"name": "noisy"})
    return lee_emb, other, view.run(lee_emb, other, k=10, top=TOP)


def test_pick_pair_prefers_the_link_then_the_active_model():
    names = ["a", "b", "c"]
    assert view.pick_pair(names, "c", "a") == ("c", "a")
    assert view.pick_pair(names, None, None, active="b") == ("b", "a")
    assert view.pick_pair(names, "b", "b") == ("b", "a")  # never the same model twice
    assert view.pick_pair(names, "gone", "c", active="gone") == ("a", "c")
    with pytest.raises(InputError, match="needs two models"):
        view.pick_pair(["a"], None, None)


def test_summary_table_has_a_sentence_per_number_and_the_noise_floor(pair):
    a, b, c = pair
    table = view.summary_table(c)
    assert table.columns.tolist() == ["number", "A vs B", "what it means"]
    values = dict(zip(table["number"], table["A vs B"], strict=True))
    assert values["shared words"] == f"{TOP:,}" and values["share of A / B"] == "100.0% / 100.0%"
    assert values["mean Jaccard@10"] == f"{c.agreement.mean_jaccard:.3f}"
    assert float(values["residual after"]) < float(values["residual before"])
    assert all(s.endswith(".") and s.count(". ") == 0 for s in table["what it means"])
    floor = view.run(a, a, k=10, top=TOP)
    both = view.summary_table(c, floor)
    noise = dict(zip(both["number"], both["A vs seed twin (noise floor)"], strict=True))
    assert noise["mean Jaccard@10"] == "1.000" and noise["residual after"] == "0.000"
    assert "noise floor" in view.headline(c, floor) and view.headline(c).endswith(".")


def test_without_alignment_the_residual_rows_show_a_dash(lee_emb):
    narrow = Embeddings(lee_emb.words, lee_emb.vectors[:, :10])
    c = view.run(lee_emb, narrow, k=5, top=500)
    values = dict(zip(*view.summary_table(c)[["number", "A vs B"]].T.values, strict=True))
    assert values["residual after"] == "—"
    assert view.moved_table(c).empty
    with pytest.raises(InputError, match="cannot be rotated"):
        view.map_frame(lee_emb, narrow, c)


def test_word_tables(pair):
    a, b, c = pair
    moved = view.moved_table(c, most=True, n=5)
    assert len(moved) == 5 and moved["residual"].is_monotonic_decreasing
    least = view.moved_table(c, most=False, n=5)
    assert least["residual"].is_monotonic_increasing
    assert least["residual"].iloc[0] <= moved["residual"].iloc[-1]
    agree = view.agreement_table(c, least=True, n=5)
    assert agree["Jaccard"].is_monotonic_increasing and list(agree.columns)[0] == "word"
    assert "%" in view.jaccard_note(c) and view.jaccard_note(c).endswith(".")


def test_one_word_side_by_side(pair):
    a, b, c = pair
    w = view.look_up(a, b, c, "police")
    table = view.word_table(w)
    assert len(table) == 10 and table["rank"].tolist() == list(range(1, 11))
    marked = set(table.loc[table["A's in B too"] == "✓", "in A"])
    assert marked == set(table["in A"]) & set(table["in B"])
    sentence = view.word_sentence(w)
    assert sentence.startswith(f"'police' keeps {len(marked)} of its 10")
    assert sentence.endswith(".")


def test_map_frame_places_both_models_on_one_pca(pair):
    a, b, c = pair
    frame = view.map_frame(a, b, c, n=200)
    assert len(frame) == 400 and set(frame["model"]) == {"A (aligned)", "B"}
    assert frame["word"].tolist()[:200] == list(c.shared.words[:200])
    assert abs(frame["x"].mean()) < 1e-6 and frame["x"].var() >= frame["y"].var()
    itself = view.map_frame(a, a, view.run(a, a, k=5, top=300), n=50)
    xa, xb = itself.iloc[:50], itself.iloc[50:]  # the same model: both places coincide
    assert np.allclose(xa[["x", "y"]].values, xb[["x", "y"]].values, atol=1e-5)


def test_charts(pair):
    a, b, c = pair
    fig = jaccard_histogram(c.agreement.jaccard, 10, floor=c.agreement.jaccard)
    assert len(fig.data) == 2 and sum(fig.data[0].y) == TOP and len(fig.data[0].x) == 11
    frame = view.map_frame(a, b, c, n=50)
    word = frame["word"].iloc[3]
    fig = aligned_map(frame, word)
    assert [t.name for t in fig.data] == ["A (aligned)", "B", word]
    assert len(fig.data[2].x) == 2 and fig.data[0].customdata[0][0] == frame["word"].iloc[0]
    assert len(aligned_map(frame, "not-there").data) == 2


def test_a_background_comparison_reports_progress_and_can_be_cancelled_then_retried():
    from embedlab.jobs.thread import JobBoard

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(6000)]
    a = Embeddings(words, rng.normal(size=(6000, 40)), meta={"name": "big-a"})
    b = Embeddings(words, rng.normal(size=(6000, 40)), meta={"name": "big-b"})
    board, key = JobBoard(), ("big-a", "a", "big-b", "b", 10, None, None)
    job = view.start(board, key, a, b, 10, None)
    board.cancel(job.id)  # stops at its first progress event
    job = view.settle(board, job, 120)
    assert job.state == "cancelled" and job.error.endswith("cancelled.")
    assert view.finished(key) is None
    assert view.start(board, key, a, b, 10, None) is job  # the reason stays until forgotten
    view.forget(key)
    job = view.settle(board, view.start(board, key, a, b, 10, None), 120)
    assert job.state == "done" and view.finished(key) is job.result
    assert view.progress_fraction(job) == pytest.approx(SEARCH_SHARE)
    assert view.progress_text(job).startswith("big-a vs big-b: aligning A onto B, 95%")
    assert view.running(board) == []


def test_tables_show_three_decimals_and_side_by_side_titles(pair):
    _, _, c = pair
    tables = view.extreme_tables(c)
    assert [title for title, _ in tables][1] == "**Moved least**"
    config = view.column_config(tables[0][1])
    assert set(config) == {"residual", "before alignment", "Jaccard"}
    assert all(col["type_config"]["format"] == "%.3f" for col in config.values())
    summary = view.summary_table(c)  # text only: the page shows it as a static, wrapping table
    assert all(summary[col].map(type).eq(str).all() for col in summary.columns)
    assert view.column_config(summary) == {}
