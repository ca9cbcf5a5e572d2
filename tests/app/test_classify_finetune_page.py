"""The Classify page's "Fine-tune the encoder" option: offered with MiniLM only, runs as a
background job with progress and Cancel, and shows the frozen encoder beside it."""

from __future__ import annotations

import time

import pytest
from app_helpers import open_page

from embedlab.store.workspace import Workspace


def _tiny_csv() -> bytes:
    good = ["great", "wonderful", "superb", "lovely"]
    bad = ["awful", "terrible", "dull", "boring"]
    lines = ["review,sentiment"]
    for i in range(8):
        lines.append(f"{good[i % 4]} film {good[(i + 1) % 4]} plot,pos")
        lines.append(f"{bad[i % 4]} film {bad[(i + 1) % 4]} plot,neg")
    return ("\n".join(lines) + "\n").encode()


def _minilm_on_tiny_upload():
    at = open_page("classify")
    at.radio(key="cls_source").set_value("upload").run()
    at.file_uploader(key="cls_upload").set_value(("tiny.csv", _tiny_csv(), "text/csv")).run()
    at.radio(key="cls_evaluation").set_value("split").run()
    return at


def test_the_option_shows_with_minilm_only(home):
    at = open_page("classify")
    assert not at.exception and not at.error
    assert "cls_finetune" not in [c.key for c in at.checkbox]  # TF-IDF: nothing to fine-tune
    at.selectbox(key="cls_features").set_value("minilm").run()
    (box,) = [c for c in at.checkbox if c.key == "cls_finetune"]
    assert box.label == "Fine-tune the encoder" and box.value is False


@pytest.mark.slow
def test_a_fine_tuning_runs_in_the_background_and_shows_the_frozen_encoder(home):
    at = _minilm_on_tiny_upload()
    at.selectbox(key="cls_features").set_value("minilm").run()
    at.checkbox(key="cls_finetune").check().run()
    at = at.button(key="cls_run").click().run()
    assert not at.exception and not at.error
    assert at.query_params.get("classify_job"), "fine-tuning should run as a background job"
    assert [b for b in at.button if b.key == "cls_cancel"]
    deadline = time.monotonic() + 300
    while not any(m.label == "Accuracy" for m in at.metric):
        assert time.monotonic() < deadline, "the fine-tuning did not finish"
        assert not at.exception and not at.error, [e.value for e in at.error]
        time.sleep(0.5)
        at.run()
    (record,) = Workspace().classifications()
    assert record.report["config"]["finetune"] and record.report["frozen"] is not None
    comparison = next(df.value for df in at.dataframe if "configuration" in df.value.columns)
    assert list(comparison["configuration"]) == [
        "all-MiniLM-L6-v2 fine-tuned end to end + linear head",
        "all-MiniLM-L6-v2 frozen + logistic regression",
        "TF-IDF (bag of words) + logistic regression (baseline)",
    ]


@pytest.mark.slow
def test_a_fine_tuning_can_be_cancelled(home):
    from embedlab.jobs.thread import BOARD

    at = _minilm_on_tiny_upload()
    at.selectbox(key="cls_features").set_value("minilm").run()
    at.checkbox(key="cls_finetune").check().run()
    at = at.button(key="cls_run").click().run()
    job_id = at.query_params["classify_job"]
    at.button(key="cls_cancel").click().run()
    assert BOARD.wait(job_id, timeout=120).state == "cancelled"
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["The classification run was cancelled."]
    assert Workspace().classifications() == []
