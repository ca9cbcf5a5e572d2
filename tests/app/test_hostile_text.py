"""Every page of the app with hostile words and names: shown as text, never as markup.

The words, the model's name and the corpus's name hold HTML and Markdown; each page is
drawn and every Markdown element and plotly figure is checked (see tests/test_security.py
for the charts one by one and the CSV export).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from app_helpers import new_app

from embedlab.embeddings import Embeddings
from embedlab.jobs.corpora import add_corpus
from embedlab.store.workspace import Workspace

IMG = "<img/src=x/onerror=alert(1)>"  # one token: no space, so it is also a word
BOLD = "**bold**"
TAG = "<b>x</b>"
NASTY_WORDS = [IMG, BOLD, TAG, "=1+1"]
NASTY_NAME = "**m**<img src=x onerror=alert(1)>"
RAW = [IMG, "<img src", TAG, "<b>x"]  # markup that must never reach a renderer as markup


def rendered_text(figure_json: str) -> str:
    """What plotly renders from a figure: its JSON without `customdata` (raw words that
    selections read and nothing draws)."""
    spec = json.loads(figure_json)
    for trace in spec.get("data", []):
        trace.pop("customdata", None)
    return json.dumps(spec, ensure_ascii=False)


def assert_no_markup(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} is drawn as markup in {text[:300]!r}"


# --- the whole app: every page with hostile words and names ---------------------------------


@pytest.fixture
def hostile_home(home) -> Path:
    """A workspace whose corpus, model and top words are all hostile text."""
    ws = Workspace(home)
    text = " ".join(NASTY_WORDS * 30 + ["cat", "dog", "the"] * 20)
    corpus = add_corpus(ws, text.encode(), name=NASTY_NAME, filename="evil.txt")
    rng = np.random.default_rng(0)
    fillers = [f"w{i}" for i in range(60)]
    words = ["cat", *NASTY_WORDS, *fillers]
    vectors = rng.normal(size=(len(words), 8)).astype(np.float32)
    vectors[1:5] = vectors[0] + 0.05 * rng.normal(size=(4, 8))  # cat's nearest: the nasties
    counts = list(range(1000, 1000 - len(words), -1))
    emb = Embeddings(words, vectors, counts=counts, meta={"name": NASTY_NAME})
    ws.add_model(emb, name=NASTY_NAME, corpus_id=corpus.id)
    return home


MARKDOWN_KINDS = ("markdown", "caption", "success", "info", "warning", "error", "title",
                  "header", "subheader")  # fmt: skip


def assert_page_shows_text_only(at) -> None:
    assert not at.exception, at.exception
    for kind in MARKDOWN_KINDS:
        for element in getattr(at, kind):
            value = str(element.value)
            assert BOLD not in value, f"{kind} renders '**bold**' as Markdown: {value!r}"
            assert not re.search(r"(?<!\\)<(img|b>)", value), f"{kind} shows raw HTML: {value!r}"
    for chart in at.get("plotly_chart"):
        assert_no_markup(rendered_text(chart.proto.spec))


@pytest.mark.slow
def test_every_page_shows_hostile_words_and_names_as_text(hostile_home):
    at = new_app().run()
    assert at.sidebar.selectbox[0].value == NASTY_NAME
    assert_page_shows_text_only(at)  # the Corpus page, with the hostile corpus selected

    at.switch_page("pages/neighbours.py").run()
    assert_page_shows_text_only(at)
    at.text_input(key="query").set_value("cat").run()
    assert_page_shows_text_only(at)
    table = next(df.value for df in at.dataframe if "word" in df.value.columns)
    assert set(NASTY_WORDS) <= set(table["word"])  # tables hold the words as they are
    assert len(at.get("plotly_chart")) == 1

    at.switch_page("pages/projection.py").run()
    at.text_input(key="proj_highlight").set_value("cat").run()
    assert_page_shows_text_only(at)

    at.switch_page("pages/analogies.py").run()
    at.text_input(key="a").set_value("w1")
    at.text_input(key="b").set_value("cat")
    at.text_input(key="c").set_value("w2").run()
    assert_page_shows_text_only(at)

    for page in ("models", "train", "evaluate"):
        at.switch_page(f"pages/{page}.py").run()
        assert_page_shows_text_only(at)
