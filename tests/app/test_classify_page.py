"""The Classify page: demo or uploaded labelled texts, a run, its scores next to the TF-IDF
baseline, the charts and tables of the result, and the earlier runs from the catalog."""

from __future__ import annotations

import json
import time

import pytest
from app_helpers import DEMO_MODEL, open_page

from embedlab.store.workspace import Workspace


def _run(at):
    return at.button(key="cls_run").click().run()


def _run_in_background(at, timeout: float = 120.0):
    """Click Run for a run that goes to the background; rerun until its result shows."""
    at = _run(at)
    assert not at.exception and not at.error
    assert at.query_params.get("classify_job"), "a slow run should start a background job"
    seen_progress = bool(at.get("progress"))
    deadline = time.monotonic() + timeout
    while "Accuracy" not in _metrics(at):
        assert time.monotonic() < deadline, "the background run did not finish"
        assert not at.exception and not at.error, [e.value for e in at.error]
        time.sleep(0.3)
        at.run()
        seen_progress = seen_progress or bool(at.get("progress"))
    assert seen_progress  # the progress bar showed while it ran
    return at


def _metrics(at) -> dict[str, object]:
    return {m.label: m for m in at.metric}


TABLES = {  # a column that only this table of the page has
    "comparison": "configuration",
    "mistakes": "row",
    "history": "evaluation",
}


def _table(at, name: str):
    return next(df.value for df in at.dataframe if TABLES[name] in df.value.columns)


def _chart(at, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.key == key)
    return json.loads(chart.proto.spec)


def _upload(at, name: str, data: bytes):
    at.radio(key="cls_source").set_value("upload").run()
    return at.file_uploader(key="cls_upload").set_value((name, data, "text/plain")).run()


def _reviews_csv(label: str = "sentiment", extra: str = "") -> bytes:
    """24 reviews whose words give their class away, with an id and a star column."""
    good = ["great", "wonderful", "superb", "lovely"]
    bad = ["awful", "terrible", "dull", "boring"]
    lines = [f"id,review,{label},stars{extra}"]
    for i in range(12):
        lines.append(f"{2 * i},{good[i % 4]} film {good[(i + 1) % 4]} plot,pos,5")
        lines.append(f"{2 * i + 1},{bad[i % 4]} film {bad[(i + 1) % 4]} plot,neg,1")
    return ("\n".join(lines) + "\n").encode()


def test_without_a_model_the_page_offers_tfidf_and_minilm(home):
    at = open_page("classify")
    assert not at.exception and not at.error
    assert at.selectbox(key="cls_features").options == [
        "TF-IDF (bag of words)",
        "all-MiniLM-L6-v2 sentence encoder",
    ]
    captions = " | ".join(c.value for c in at.caption)
    assert "need a model" in captions and "200 texts, 2 classes (neg 100, pos 100)" in captions
    assert "None yet" in captions and not at.get("plotly_chart")


def test_demo_tfidf_run_shows_scores_confusion_classes_mistakes_and_map(home):
    at = _run(open_page("classify"))
    assert not at.exception and not at.error
    (record,) = Workspace().classifications()
    assert (record.features, record.classifier, record.dataset) == (
        "tfidf",
        "logreg",
        "pang-lee polarity (demo)",
    )
    (bar,) = at.get("progress")  # fed by the run's progress events, up to the last one
    assert bar.proto.value == 100
    assert bar.proto.text.replace("\\", "") == f"Done: accuracy {record.accuracy:.1%}"
    metrics = _metrics(at)
    assert float(metrics["Accuracy"].value) == pytest.approx(record.accuracy, abs=5e-4)
    assert float(metrics["Macro-F1"].value) == pytest.approx(record.macro_f1, abs=5e-4)
    assert "OOV rate" not in metrics  # TF-IDF has no vocabulary to miss
    # the run is the baseline itself: one row, no second one to compare with
    comparison = _table(at, "comparison")
    assert list(comparison["configuration"]) == ["TF-IDF (bag of words) + logistic regression"]

    confusion = _chart(at, "cls_confusion")["data"][0]
    counts = [[int(c.replace(",", "")) for c in row] for row in confusion["text"]]
    assert counts == record.report["confusion"] and sum(map(sum, counts)) == 200
    bars = _chart(at, "cls_per_class")["data"]
    assert [b["name"] for b in bars] == ["precision", "recall", "F1"]
    assert bars[2]["y"] == pytest.approx(
        [record.report["per_class"][c]["f1-score"] for c in ("neg", "pos")]
    )

    mistakes = _table(at, "mistakes")
    assert list(mistakes.columns) == ["text", "true", "predicted", "confidence", "row"]
    assert len(mistakes) == 20 and (mistakes["true"] != mistakes["predicted"]).all()
    assert mistakes["confidence"].is_monotonic_decreasing

    traces = _chart(at, "cls_map")["data"]
    assert [t["name"] for t in traces] == ["neg", "pos", "misclassified"]
    wrong = round(200 * (1 - record.accuracy))
    assert sum(len(t["customdata"]) for t in traces[:2]) == 200
    assert len(traces[2]["customdata"]) == wrong
    assert traces[2]["marker"]["symbol"] == "circle-open"

    # a widget rerun redraws the stored result (another projection), it does not run again
    at.radio(key="cls_map_method").set_value("tsne").run()
    assert not at.exception and not at.error
    assert len(Workspace().classifications()) == 1
    assert len(_chart(at, "cls_map")["data"][2]["customdata"]) == wrong
    history = _table(at, "history")
    assert list(history["id"]) == [record.id] and list(history["features"]) == ["tfidf"]


def test_pooled_features_show_the_baseline_side_by_side_and_the_oov_rate(lee_home):
    at = open_page("classify")
    at.selectbox(key="cls_features").set_value("sif").run()
    assert at.selectbox(key="cls_model").value == DEMO_MODEL  # the active model by default
    at = _run(at)
    assert not at.exception and not at.error
    (record,) = Workspace().classifications()
    report = record.report
    assert record.features == "sif" and report["model"]["name"] == DEMO_MODEL
    comparison = _table(at, "comparison")
    assert list(comparison["configuration"]) == [
        f"SIF (smooth inverse frequency, first component removed) + logistic regression "
        f"({DEMO_MODEL})",
        "TF-IDF (bag of words) + logistic regression (baseline)",
    ]
    assert list(comparison["accuracy"]) == pytest.approx(
        [report["accuracy"], report["baseline"]["accuracy"]]
    )
    metrics = _metrics(at)
    gap = report["accuracy"] - report["baseline"]["accuracy"]
    assert metrics["Accuracy"].delta == f"{gap:+.3f} vs TF-IDF"
    # Lee's news words miss many of the movie reviews' words
    assert metrics["OOV rate"].value == f"{report['oov']['oov_rate']:.1%}"
    assert 0.05 < report["oov"]["oov_rate"] < 0.9
    captions = " | ".join(c.value for c in at.caption)
    assert f"{report['oov']['oov_tokens']:,} of {report['oov']['tokens']:,} tokens" in captions
    history = _table(at, "history")
    assert list(history["model"]) == [DEMO_MODEL]
    assert list(history["baseline accuracy"]) == pytest.approx([report["baseline"]["accuracy"]])


def test_an_uploaded_csv_runs_with_the_columns_picked(home):
    data = _reviews_csv(label="verdict")  # neither 'verdict' nor 'stars' is a known label name
    at = _upload(open_page("classify"), "reviews.csv", data)
    assert not at.exception
    assert len(at.error) == 1 and "several columns that could hold the label" in at.error[0].value
    assert at.button(key="cls_run").disabled
    assert at.selectbox(key="cls_label_column").options == [
        "guess it",
        "id",
        "review",
        "verdict",
        "stars",
    ]
    at.selectbox(key="cls_label_column").set_value("verdict").run()
    assert not at.exception and not at.error
    captions = " | ".join(c.value for c in at.caption)
    assert "reviews.csv" in captions and "24 texts, 2 classes (neg 12, pos 12)" in captions
    at = _run(at)
    assert not at.exception and not at.error
    (record,) = Workspace().classifications()
    assert record.report["dataset"]["label_column"] == "verdict"
    assert record.report["dataset"]["text_column"] == "review"
    assert record.accuracy == 1.0  # each class has its own words
    assert _metrics(at)["Accuracy"].value == "1.000"
    assert "None: every text was classified right." in [c.value for c in at.caption]


def test_labels_and_texts_stay_text_in_the_charts(home):
    rows = ["text,label"] + [
        f"<img src=x> good {i},<b>pos</b>\nbad & sad {i},neg" for i in range(6)
    ]
    at = _run(_upload(open_page("classify"), "hostile.csv", ("\n".join(rows) + "\n").encode()))
    assert not at.exception and not at.error
    layout = _chart(at, "cls_confusion")["layout"]
    assert layout["yaxis"]["ticktext"] == ["&lt;b&gt;pos&lt;/b&gt;", "neg"]
    names = [t["name"] for t in _chart(at, "cls_map")["data"]]
    assert "&lt;b&gt;pos&lt;/b&gt;" in names and "<b>pos</b>" not in names
    hovers = [row[1] for t in _chart(at, "cls_map")["data"] for row in t["customdata"]]
    assert all("<img" not in h for h in hovers) and any("&lt;img src=x&gt;" in h for h in hovers)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("one.csv", b"text,label\nfine film,pos\ngood film,pos\nnice film,pos\n", "only one class"),
        ("blob.txt", bytes(range(256)) * 40, "blob.txt"),
        ("empty.csv", b"", "empty.csv"),
    ],
    ids=["one-class", "binary", "empty"],
)
def test_a_bad_upload_is_one_error_and_nothing_runs(home, name, data, message):
    at = _upload(open_page("classify"), name, data)
    assert not at.exception
    assert len(at.error) == 1 and message in at.error[0].value.replace("\\", "")
    assert "Traceback" not in at.error[0].value
    assert at.button(key="cls_run").disabled
    assert Workspace().classifications() == []


def test_an_upload_over_the_limit_is_refused(home, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "1")
    at = open_page("classify")
    at.radio(key="cls_source").set_value("upload").run()
    uploader = at.file_uploader(key="cls_upload")
    assert uploader.proto.max_upload_size_mb == 1  # the browser refuses bigger files too
    big = _reviews_csv() * 2000
    assert 1024**2 < len(big) < 2 * 1024**2
    uploader.set_value(("big.csv", big, "text/plain")).run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("'big.csv' is 1.")
    assert "over the 1 MB upload limit" in at.error[0].value
    assert at.button(key="cls_run").disabled


def test_earlier_runs_are_listed_newest_first(home):
    at = _run(open_page("classify"))
    at.radio(key="cls_evaluation").set_value("split").run()
    at = _run(at)
    assert not at.exception and not at.error
    history = _table(at, "history")
    assert list(history["evaluation"]) == ["held-out 20% test split", "5-fold CV"]
    stored = Workspace().classifications()
    assert list(history["id"]) == [r.id for r in stored]
    assert list(history["accuracy"]) == pytest.approx([r.accuracy for r in stored])
    # a held-out split scores only its test texts: 40 of the 200
    confusion = _chart(at, "cls_confusion")["data"][0]
    assert sum(int(c) for row in confusion["text"] for c in row) == 40


@pytest.mark.slow
def test_minilm_runs_without_a_model_next_to_the_baseline(home):
    at = open_page("classify")
    at.selectbox(key="cls_features").set_value("minilm").run()
    at = _run_in_background(at)
    assert not at.exception and not at.error
    (record,) = Workspace().classifications()
    assert record.features == "minilm" and record.report["encoder"]["texts"] == 200
    comparison = _table(at, "comparison")
    assert len(comparison) == 2 and comparison["configuration"][1].endswith("(baseline)")
    assert record.accuracy > record.report["baseline"]["accuracy"]  # a sentence encoder helps


def test_more_folds_than_texts_of_a_class_is_one_error(home):
    rows = ["text,label"] + [f"good film {i},pos\nbad film {i},neg" for i in range(3)]
    at = _upload(open_page("classify"), "small.csv", ("\n".join(rows) + "\n").encode())
    assert not at.exception and not at.error  # readable: 3 texts per class
    at = _run(at)  # but 5 folds need 5 texts of each class
    assert not at.exception
    assert len(at.error) == 1 and "fewer than the 5 folds" in at.error[0].value
    assert Workspace().classifications() == [] and not at.get("plotly_chart")
    at.slider(key="cls_folds").set_value(3).run()
    at = _run(at)
    assert not at.exception and not at.error
    assert [r.report["evaluation"] for r in Workspace().classifications()] == ["3-fold CV"]


@pytest.mark.slow
def test_the_torch_head_trains_per_fold_and_is_compared_with_the_baseline(lee_home):
    at = open_page("classify")
    at.selectbox(key="cls_features").set_value("mean").run()
    at.radio(key="cls_classifier").set_value("torch").run()
    at.number_input(key="cls_epochs").set_value(3).run()
    at.slider(key="cls_folds").set_value(2).run()
    at = _run_in_background(at)
    assert not at.exception and not at.error
    (record,) = Workspace().classifications()
    report = record.report
    assert record.classifier == "torch" and report["evaluation"] == "2-fold CV"
    assert {(h["fold"], h["epoch"]) for h in report["history"]} <= {
        (f, e) for f in (1, 2) for e in (1, 2, 3)
    }
    assert {h["fold"] for h in report["history"]} == {1, 2}
    comparison = _table(at, "comparison")
    assert comparison["configuration"][0] == f"torch head (linear, frozen vectors) ({DEMO_MODEL})"
    assert comparison["configuration"][1].endswith("(baseline)")


@pytest.mark.slow
def test_a_background_run_can_be_cancelled_and_a_reload_finds_a_finished_one(lee_home):
    from embedlab.jobs.thread import BOARD

    at = open_page("classify")
    at.selectbox(key="cls_features").set_value("mean").run()
    at.radio(key="cls_classifier").set_value("torch").run()
    at.number_input(key="cls_epochs").set_value(200).run()
    at = _run(at)
    job_id = at.query_params["classify_job"]
    at.button(key="cls_cancel").click().run()
    assert BOARD.wait(job_id, timeout=60).state == "cancelled"
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["The classification run was cancelled."]
    assert Workspace().classifications() == []  # nothing stored

    at.number_input(key="cls_epochs").set_value(2).run()
    at.slider(key="cls_folds").set_value(2).run()
    at = _run(at)
    job_id = at.query_params["classify_job"]
    assert BOARD.wait(job_id, timeout=120).state == "done"
    fresh = open_page("classify")  # a reload: a new session with the job in the URL
    fresh.query_params["classify_job"] = job_id
    fresh.run()
    assert not fresh.exception and not fresh.error
    assert "Accuracy" in _metrics(fresh) and _chart(fresh, "cls_confusion")


def test_a_tfidf_run_shows_an_empty_baseline_cell_and_mistakes_can_be_hidden(home):
    at = _run(open_page("classify"))
    assert not at.exception and not at.error
    history = next(df for df in at.dataframe if "evaluation" in df.value.columns)
    assert history.proto.placeholder == "—"  # what a missing number shows, not "None"
    assert history.value["baseline accuracy"].isna().all()  # TF-IDF is its own baseline
    assert history.value["baseline accuracy"].dtype == float
    captions = " | ".join(c.value for c in at.caption)
    assert "in the colour of the class it predicted" in captions
    assert "Showing" not in captions  # 200 texts: every one is drawn
    at.toggle(key="cls_map_mistakes").set_value(False).run()
    assert not at.exception
    assert [t["name"] for t in _chart(at, "cls_map")["data"]] == ["neg", "pos"]
