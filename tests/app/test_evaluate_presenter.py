"""The Evaluate page's decisions without AppTest: which benchmarks run, running and saving
them (the analysis returns a value, the presenter saves), the reading that follows the active
model, and wrong answers shown as the model spells the words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.app import evaluate as view
from embedlab.app.reports import failure_rows, run_report
from embedlab.embeddings import Embeddings
from embedlab.store.records import ModelRecord
from embedlab.store.workspace import Workspace

CAPITALS = ["athens", "greece", "baghdad", "iraq", "berlin", "germany", "paris", "france"]


@pytest.fixture
def ws(home) -> Workspace:
    return Workspace(home)


def _lower_case_model() -> Embeddings:
    """Lower-case capitals and countries whose geometry gets some questions wrong."""
    rng = np.random.default_rng(1)
    return Embeddings(CAPITALS, rng.normal(size=(len(CAPITALS), 6)).astype(np.float32))


def test_the_ticked_benchmarks_then_the_upload():
    chosen = {"analogy": False, "ws353": True, "simlex": True}
    assert view.benchmarks_to_run(chosen, has_upload=False) == ["ws353", "simlex"]
    assert view.benchmarks_to_run(chosen, has_upload=True)[-1] == view.UPLOADED


def test_run_and_save_saves_each_result_and_goes_on_after_a_failure(ws, lee_emb):
    record = ws.add_model(lee_emb, name="lee")
    upload = ("bad.tsv", b"police\tofficers\t9\nfire\tbushfires\tvery\n")
    outcomes = view.run_and_save(ws, record, lee_emb, ["ws353", "upload", "simlex"], upload=upload)
    assert [o.label for o in outcomes] == ["WordSim353", "bad.tsv", "SimLex-999"]
    ws353, bad, simlex = outcomes
    assert bad.report is None and "Line 2 of 'bad.tsv'" in bad.error
    assert ws353.explain and not simlex.explain  # the reading is said once per kind
    saved = ws.metrics("lee")
    assert set(saved) == {"ws353", "simlex"}  # the failed one saved nothing
    assert saved["ws353"]["spearman"] == pytest.approx(ws353.report.result.spearman)


def test_wrong_answers_read_as_the_lower_case_model_saw_them(ws):
    emb = _lower_case_model()
    data = b": capital-world\nAthens Greece Baghdad Iraq\nBerlin Germany Paris France\n"
    report = run_report(emb, "mine", data=data, filename="capitals.txt")
    assert report.kind == "analogy" and report.result.total == 2
    rows = failure_rows(report.result, report.spelling)
    assert rows, "the random model should get a question wrong"
    for row in rows:
        shown = [row[k] for k in ("a", "b", "c", "expected", "predicted")]
        assert all(word == word.lower() for word in shown), row
    # the raw result keeps the file's spelling; only the table follows the model
    assert report.result.failures[0].a[0].isupper()
    assert failure_rows(report.result)[0]["a"][0].isupper()


def _record(**kw) -> ModelRecord:
    fields = dict(
        id=1, name="m", path=Path("."), origin="trained", corpus_id=1, corpus_name="lee",
        run_id=1, vocab=1500, dim=32, created="", meta={"corpus_words": 59_890},
    )  # fmt: skip
    fields.update(kw)
    return ModelRecord(**fields)


def test_the_reading_speaks_of_the_active_model():
    text = view.reading_text("analogy", _record(name="news_w2v", corpus_name="news*wire"))
    assert "Lee's 60,000 words" not in text
    assert "*news\\_w2v* was trained on *news\\*wire* (59,890 words)" in text
    assert "knows 1,500 words" in text and "says more about the corpus" in text
    big = _record(
        name="glove", origin="imported", corpus_name=None, vocab=400_000,
        meta={"source": "glove.6B.300d.txt", "format": "glove"},
    )  # fmt: skip
    text = view.reading_text("analogy", big)
    assert "*glove* was loaded from *glove.6B.300d.txt* and knows 400,000 words" in text
    assert "says more about the corpus" not in text
    assert view.reading_text("similarity", big) == view.SIMILARITY_READING


def test_comparisons_need_two_models_with_a_score(ws, lee_emb):
    first = ws.add_model(lee_emb, name="a")
    view.run_and_save(ws, first, lee_emb, ["ws353"])
    assert view.comparisons(ws) == {}
    second = ws.add_model(lee_emb, name="b")
    view.run_and_save(ws, second, lee_emb, ["ws353", "simlex"])
    scores = view.comparisons(ws)
    assert list(scores) == ["ws353"] and {s.model for s in scores["ws353"]} == {"a", "b"}
