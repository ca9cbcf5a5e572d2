"""What the app does with hostile text: words, names and labels are shown, never run.

A word, a model name or a corpus name may hold HTML (`<img src=x onerror=...>`), Markdown
(`**bold**`) or a spreadsheet formula (`=1+1`). Everywhere the app draws it — Markdown
messages, plotly labels and hovers, tables, the CSV download — it must come out as the
same literal text (tests/app/test_hostile_text.py drives every page with such text).
Names typed into the app never reach a file path outside the workspace.
"""

from __future__ import annotations

import json

import numpy as np

from embedlab.app.charts.analogies import analogy_figure
from embedlab.app.charts.corpus import zipf_figure
from embedlab.app.charts.neighbours import neighbours_figure
from embedlab.embeddings import Embeddings
from embedlab.jobs.corpora import add_corpus
from embedlab.store.workspace import Workspace

IMG = "<img/src=x/onerror=alert(1)>"  # one token: no space, so it is also a word
BOLD = "**bold**"
TAG = "<b>x</b>"
FORMULA = "=1+1"
NASTY_WORDS = [IMG, BOLD, TAG, FORMULA]
NASTY_NAME = "**m**<img src=x onerror=alert(1)>"
RAW = [IMG, "<img src", TAG, "<b>x"]  # markup that must never reach a renderer as markup


def rendered_text(figure_json: str | dict) -> str:
    """Everything plotly renders from a figure: its JSON without `customdata`, which holds
    the raw words for selections and is never drawn."""
    spec = json.loads(figure_json) if isinstance(figure_json, str) else figure_json
    for trace in spec.get("data", []):
        trace.pop("customdata", None)
    return json.dumps(spec, ensure_ascii=False)


def assert_no_markup(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} is drawn as markup in {text[:300]!r}"


# --- the charts, one by one -----------------------------------------------------------------


def test_neighbour_bars_show_words_as_text():
    fig = neighbours_figure([(w, 0.9 - i / 10) for i, w in enumerate(NASTY_WORDS)])
    assert_no_markup(rendered_text(fig.to_json()))
    assert [row[0] for row in fig.data[0].customdata][::-1] == NASTY_WORDS  # clicks read these
    assert "&lt;b&gt;x&lt;/b&gt;" in list(fig.data[0].y)


def test_analogy_picture_shows_words_as_text():
    points = [("a", IMG, 0, 0), ("b", TAG, 0, 1), ("c", BOLD, 1, 0), ("d", TAG + "2", 1, 1)]
    fig = analogy_figure(points + [("target", "<i>t</i>", 1, 1)])
    text = rendered_text(fig.to_json())
    assert_no_markup(text)
    assert "<i>" not in text and "&lt;i&gt;t&lt;/i&gt;" in text


def test_zipf_hover_shows_words_as_text():
    fig = zipf_figure([(w, 10 - i) for i, w in enumerate(NASTY_WORDS)])
    assert_no_markup(json.dumps(fig.to_plotly_json()["data"][0]["customdata"].tolist()))
    assert fig.data[0].customdata[0][0] == "&lt;img/src=x/onerror=alert(1)&gt;"


# --- names never become paths outside the workspace --------------------------------------------


def test_names_typed_into_the_app_stay_inside_the_workspace(home, tmp_path):
    ws = Workspace(home)
    name = "../../../../tmp/escape/" + "x" * 30
    corpus = add_corpus(ws, b"the cat sat", name=name, filename="../../evil.txt")
    model = ws.add_model(Embeddings(["a", "b"], np.eye(2, dtype=np.float32)), name=name)
    for path in (corpus.path, model.path):
        assert path.resolve().is_relative_to(ws.root), path
        assert ".." not in path.relative_to(ws.root).parts
    assert (corpus.name, model.name) == (name, name)  # the name itself is kept as given
