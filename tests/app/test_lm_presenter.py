"""The Language model page's presenter: starting points, the comparison job, its tables."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from embedlab.app import lm as view
from embedlab.app.charts.lm import perplexity_figure
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.jobs.thread import JobBoard
from embedlab.store.workspace import Workspace
from embedlab.train.lm import LMConfig

NOUNS = ["cat", "dog", "bird", "fish", "horse", "mouse"]
TINY = LMConfig(dim=12, hidden=16, epochs=2, batch_size=8, seq_len=12, lr=0.02, device="cpu")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = random.Random(3)
    lines = [f"the {rng.choice(NOUNS)} sees the {rng.choice(NOUNS)}" for _ in range(300)]
    path = tmp_path_factory.mktemp("pets") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def emb():
    vectors = np.random.default_rng(0).normal(size=(len(NOUNS) + 1, 12)).astype(np.float32)
    return Embeddings([*NOUNS, "the"], vectors, meta={"name": "toy"})


@pytest.fixture(scope="module")
def comparison(corpus, emb):
    events = []
    runs = view.starts(["random", "frozen", "finetuned"], "toy")
    result = view.run_comparison(corpus, runs, TINY, emb, events.append, corpus_name="pets")
    return result, events


def test_starts_follow_the_choices_and_need_a_model_for_the_model_starts():
    runs = view.starts(["finetuned", "random"], "lee")
    assert [(r.label, r.model, r.freeze) for r in runs] == [
        ("random", None, False),
        ("lee, fine-tuned", "lee", False),
    ]
    with pytest.raises(InputError, match="at least one"):
        view.starts([], "lee")
    with pytest.raises(InputError, match="needs a model"):
        view.starts(["random", "finetuned"], None)


def test_demo_config_gives_every_start_the_models_width(emb):
    assert view.demo_config(emb).dim == 12
    assert view.demo_config().dim is None
    with pytest.raises(InputError, match="epochs"):
        view.demo_config(epochs=0)


def test_a_comparison_trains_each_start_and_reports_progress(comparison):
    result, events = comparison
    assert list(result.models) == ["random", "toy, frozen", "toy, fine-tuned"]
    assert [e.index for e in events] == sorted(e.index for e in events)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    last = events[-1]
    assert set(last.curves) == set(result.models) and all(len(c) == 2 for c in last.curves.values())
    assert view.progress_text(last).startswith("Run 3 of 3 (toy, fine-tuned)")
    reports = result.reports
    assert not reports["random"].init_model and reports["toy, frozen"].config.freeze
    # the same seed and split: one test text, so one unigram perplexity
    assert len({r.unigram_perplexity for r in reports.values()}) == 1
    assert all(r.test_perplexity < r.unigram_perplexity for r in reports.values())


def test_tables_and_the_chart(comparison):
    result, _ = comparison
    table = view.results_table(result)
    assert list(table["start"]) == list(result.models)
    assert table["words without a vector"].isna().tolist() == [True, False, False]
    nexts = view.completions_table(result, "the", 4)
    assert list(nexts.columns) == list(result.models) and len(nexts) == 4
    assert all("%" in cell for cell in nexts.iloc[0])
    assert "below random" in view.summary(result) or "Lowest test perplexity: random" in (
        view.summary(result)
    )
    curves = view.comparison_curves(result)
    fig = perplexity_figure(curves, 2, view.unigram(result))
    assert [t.name for t in fig.data][:3] == list(result.models)


def test_reports_are_stored_and_listed(comparison, tmp_path):
    result, _ = comparison
    ws = Workspace(tmp_path / "ws")
    if not hasattr(ws, "add_analysis"):
        pytest.skip("the workspace has no analyses table yet")
    assert view.save_reports(ws, result) == 3
    history = view.history_table(ws.analyses(view.KIND))
    assert list(history["run"]) == ["pets: toy, fine-tuned", "pets: toy, frozen", "pets: random"]
    assert history["test perplexity"].notna().all()


def test_the_job_runs_in_the_background_stores_reports_and_can_be_cancelled(corpus, tmp_path):
    board = JobBoard()
    ws = Workspace(tmp_path / "ws")
    runs = view.starts(["random"], None)
    job = view.start_comparison(board, corpus, runs, TINY, corpus_name="pets", ws=ws)
    done = board.wait(job.id, timeout=120)
    assert done.state == "done" and list(done.result.models) == ["random"]
    assert [r.name for r in ws.analyses(view.KIND)] == ["pets: random"]

    slow = LMConfig(**{**TINY.to_dict(), "epochs": 200})
    job = view.start_comparison(board, corpus, runs, slow)
    deadline = time.monotonic() + 60
    while job.event is None and time.monotonic() < deadline:
        time.sleep(0.01)
    board.cancel(job.id)
    done = board.wait(job.id, timeout=60)
    assert done.state == "cancelled" and "cancelled" in done.error
