"""The Evaluate page: benchmarks on the active model, their coverage, failures and comparison."""

from __future__ import annotations

import numpy as np
from app_helpers import DEMO_MODEL, open_page

from embedlab.embeddings import Embeddings
from embedlab.store.workspace import Workspace


def _only(at, *benchmarks: str):
    """Tick exactly these of the three built-in benchmarks."""
    for name in ("analogy", "ws353", "simlex"):
        box = at.checkbox(key=f"eval_{name}")
        box.check() if name in benchmarks else box.uncheck()
    return at.run()


def _run(at):
    return at.button(key="eval_run").click().run()


def _captions(at) -> str:
    return " | ".join(c.value for c in at.caption)


def _table(at, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_analogy_and_ws353_show_scores_coverage_failures_and_are_saved(lee_home):
    at = _run(_only(open_page("evaluate"), "analogy", "ws353"))
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert {"Accuracy", "Coverage", "Semantic", "Syntactic", "Spearman ρ"} <= set(metrics)
    assert metrics["Accuracy"].endswith(" %")
    captions = _captions(at)
    assert "of 19,544 questions — 2 %" in captions and "of 353 pairs" in captions
    failures = _table(at, "predicted")
    assert list(failures.columns) == ["a", "b", "c", "expected", "predicted", "section"]
    assert len(failures) > 100
    assert list(_table(at, "human score").columns)[:2] == ["word 1", "word 2"]
    assert len(at.get("plotly_chart")) == 2  # sections and the human-vs-model scatter
    saved = Workspace().metrics(DEMO_MODEL)
    assert set(saved) == {"analogy", "ws353"}
    assert saved["analogy"]["questions"] == 19544 and saved["ws353"]["pairs"] > 50


def test_scores_are_compared_across_models(lee_home):
    at = _run(_only(open_page("evaluate"), "ws353"))
    assert not at.exception and not at.error
    assert "No comparison yet" in _captions(at)  # only one model has scores
    # a second model (Lee's vocabulary, random vectors), made active and evaluated
    ws = Workspace()
    words = ws.load_model(DEMO_MODEL).words
    rng = np.random.default_rng(0)
    ws.add_model(Embeddings(words, rng.normal(size=(len(words), 8))), "random")
    at.run()
    at.sidebar.selectbox[0].select("random").run()
    assert not at.get("plotly_chart")  # the other model's results are not shown for this one
    at = _run(at)
    assert not at.exception and not at.error
    assert set(Workspace().metrics("random")) == {"ws353"}
    assert "No comparison yet" not in _captions(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the scatter, and WS353 across the two models
    assert DEMO_MODEL in charts[-1].proto.spec and "random" in charts[-1].proto.spec


def test_an_uploaded_similarity_file_shows_its_spearman(lee_home):
    pairs = [
        ("police", "officers", 9),
        ("police", "government", 5),
        ("fire", "zyzzyva", 8),
        ("fire", "police", 3),
        ("government", "minister", 7),
        ("attack", "fire", 2),
    ]
    data = "".join(f"{a}\t{b}\t{s}\n" for a, b, s in pairs).encode()
    at = _only(open_page("evaluate"))
    at.file_uploader(key="eval_upload").set_value(("mine.tsv", data, "text/plain")).run()
    at = _run(at)
    assert not at.exception and not at.error
    assert at.subheader[0].value.replace("\\", "") == "mine.tsv"  # however it is escaped
    spearman = next(m for m in at.metric if m.label == "Spearman ρ").value
    assert -1 <= float(spearman) <= 1
    assert "compared 5 of 6 pairs — 83 %" in _captions(at).lower()  # no 'zyzzyva' in Lee
    assert set(Workspace().metrics(DEMO_MODEL)) == {"mine.tsv"}


def test_a_malformed_upload_names_the_bad_line(lee_home):
    data = b"police\tofficers\t9\nfire\tbushfires\tvery\n"
    at = _only(open_page("evaluate"))
    at.file_uploader(key="eval_upload").set_value(("bad.tsv", data, "text/plain")).run()
    at = _run(at)
    assert not at.exception
    assert "Line 2 of 'bad.tsv'" in at.error[0].value and "'very'" in at.error[0].value
    assert Workspace().metrics(DEMO_MODEL) == {}


def test_nothing_ticked_asks_for_a_benchmark(lee_home):
    at = _run(_only(open_page("evaluate")))
    assert not at.exception and "Tick a benchmark" in at.warning[0].value


def test_without_a_model_the_page_says_where_to_get_one(home):
    at = open_page("evaluate")
    assert not at.exception and "No model is active" in at.info[0].value


def test_the_reading_follows_the_active_model_and_wrong_answers_follow_its_case(lee_home):
    at = _run(_only(open_page("evaluate"), "analogy"))
    assert not at.exception and not at.error
    reading = next(m.value for m in at.markdown if "How to read it" in m.value)
    record = Workspace().model(DEMO_MODEL)
    assert "Lee's 60,000 words" not in reading
    assert "was trained on *lee*" in reading and f"knows {record.vocab:,} words" in reading
    failures = _table(at, "predicted")
    words = failures[["a", "b", "c", "expected"]].to_numpy().ravel()
    assert all(w == w.lower() for w in words)  # the Lee model is lower-case: Athens -> athens
