"""The Classify page's decisions without AppTest: run now or in the background, what to do
with a remembered background run, the map thinned for drawing with mistakes that keep the
class colours, and the earlier runs' table without a literal "None"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.analysis.classify import ClassifyConfig
from embedlab.app import classify as view
from embedlab.app.charts.classification import document_map_figure
from embedlab.ingest.labelled import LabelledTexts, demo_labelled
from embedlab.jobs.thread import Cancelled, JobBoard
from embedlab.store.workspace import Workspace


@pytest.fixture
def ws(home) -> Workspace:
    return Workspace(home)


def _big_map(n: int = 10_000, wrong: float = 0.19) -> pd.DataFrame:
    """A document map of n texts in 3 classes (60/30/10 %), `wrong` of them misclassified."""
    rng = np.random.default_rng(0)
    true = rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1])
    predicted = true.copy()
    flip = rng.random(n) < wrong
    predicted[flip] = np.where(true[flip] == "a", "b", "a")
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
            "index": np.arange(n),
            "text": [f"text {i}" for i in range(n)],
            "true": true,
            "predicted": predicted,
            "confidence": rng.random(n),
            "correct": true == predicted,
        }
    )


def test_ten_thousand_texts_are_thinned_for_drawing_and_the_caption_says_so():
    frame = _big_map()
    shown, caption = view.map_sample(frame)
    assert 2900 <= len(shown) <= 3100
    assert caption.startswith(f"Showing {len(shown):,} of 10,000 texts")
    assert view.map_caption(caption).endswith(caption)
    share = shown["true"].value_counts(normalize=True)
    full = frame["true"].value_counts(normalize=True)
    assert share.to_dict() == pytest.approx(full.to_dict(), abs=0.01)  # classes in proportion
    assert shown["index"].is_unique and shown["index"].is_monotonic_increasing
    assert view.map_sample(frame, limit=20_000)[1] is None  # small enough: all of them
    # the same sample on every rerun (a selection must find the same points)
    assert view.map_sample(frame)[0]["index"].tolist() == shown["index"].tolist()


def test_a_small_class_keeps_enough_points():
    frame = _big_map()
    frame.loc[frame.index[:12], "true"] = "rare"
    shown, _ = view.map_sample(frame)
    assert (shown["true"] == "rare").sum() == 12  # fewer than the floor: all of them


def test_mistakes_are_rings_in_the_predicted_class_colour_and_can_be_hidden():
    frame, _ = view.map_sample(_big_map())
    fig = document_map_figure(frame, ["a", "b", "c"])
    names = [t.name for t in fig.data]
    assert names == ["a", "b", "c", "misclassified"]
    colour = {t.name: t.marker.color for t in fig.data[:3]}
    ring = fig.data[3]
    wrong = frame[~frame["correct"]]
    assert len(ring.x) == len(wrong) and ring.marker.symbol == "circle-open"
    assert list(ring.marker.color) == [colour[p] for p in wrong["predicted"]]
    assert ring.marker.line.width <= 1  # thin: hundreds of rings must not make a black mass
    assert "#111111" not in {str(c) for c in ring.marker.color}
    assert fig.data[0].type == "scattergl"
    hidden = document_map_figure(frame, ["a", "b", "c"], mistakes=False)
    assert [t.name for t in hidden.data] == ["a", "b", "c"]
    # a class missing from the sample does not shift the others' colours
    only_b = frame[frame["true"] == "b"]
    assert document_map_figure(only_b, ["a", "b", "c"]).data[0].marker.color == colour["b"]


def test_a_tfidf_run_has_an_empty_baseline_cell_not_none(ws):
    from embedlab.jobs.classify import classify_and_save

    data = demo_labelled()
    classify_and_save(ws, data, ClassifyConfig(cv=2))  # TF-IDF: it is its own baseline
    classify_and_save(ws, data, ClassifyConfig(cv=2, classifier="logreg", features="tfidf"))
    table = view.history_table(ws.classifications())
    for column in view.HISTORY_SCORES:
        assert table[column].dtype == float
    assert table["baseline accuracy"].isna().all()
    assert "None" not in table.astype(str).replace("nan", "").to_string()
    assert (table["accuracy"] > 0.5).all()


def test_quick_runs_run_now_and_slow_ones_go_to_the_background(ws):
    board = JobBoard()
    small = demo_labelled()
    assert view.start_in_background(board, ws, small, ClassifyConfig(cv=2)) is None
    result = view.run_now(ws, small, ClassifyConfig(cv=2))
    assert [r.id for r in ws.classifications()] == [result.record_id]
    many = LabelledTexts(small.texts * 16, small.labels * 16, name="'many'")  # 3,200 texts
    job = view.start_in_background(board, ws, many, ClassifyConfig(cv=2))
    assert job is not None
    done = board.wait(job.id, timeout=120)
    assert done.state == "done" and done.result.dataset["documents"] == 3200


def test_what_the_page_does_with_a_remembered_background_run():
    board = JobBoard()
    adopted: set[str] = set()
    assert view.background(None, None, adopted) == view.Background()
    assert view.background("old", None, adopted).forget  # the server forgot it

    ok = board.wait(board.start("classification", lambda on_progress: "result").id, timeout=5)
    first = view.background(ok.id, ok, adopted)
    assert first.result == "result" and not first.running
    assert view.background(ok.id, ok, adopted) == view.Background()  # taken up once only

    def cancelled(on_progress):
        raise Cancelled("stopped.")

    stopped = board.wait(board.start("classification", cancelled).id, timeout=5)
    shown = view.background(stopped.id, stopped, adopted)
    assert shown.cancelled and shown.message == "stopped." and shown.result is None

    def fails(on_progress):
        raise ValueError("boom")

    failed = board.wait(board.start("classification", fails).id, timeout=5)
    shown = view.background(failed.id, failed, adopted)
    assert not shown.cancelled and "failed unexpectedly" in shown.message


def test_the_map_is_computed_once_per_method(ws):
    from embedlab.jobs.classify import classify_and_save

    result = classify_and_save(ws, demo_labelled(), ClassifyConfig(cv=2))
    maps: dict[str, pd.DataFrame] = {}
    first = view.cached_map(maps, result, "pca")
    assert view.cached_map(maps, result, "pca") is first and list(maps) == ["pca"]
    assert len(first) == 200 and {"x", "y", "correct"} <= set(first.columns)


def test_earlier_runs_tell_a_fine_tuned_encoder_from_a_frozen_one(ws):
    def report(finetune: bool) -> dict:
        config = {"features": "minilm", "classifier": "logreg", "finetune": finetune}
        return {"dataset": {"name": "demo"}, "accuracy": 0.8, "macro_f1": 0.8, "config": config}

    ws.save_classification(report(finetune=False))
    ws.save_classification(report(finetune=True))
    table = view.history_table(ws.classifications())
    assert sorted(table["features"]) == ["minilm", "minilm (fine-tuned)"]
