"""The Axes page's presenter: URL state, the map, the ranking, removal and WEAT tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from embedlab.app import axes as view
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError


@pytest.fixture
def toy() -> Embeddings:
    """man -> woman along dimension 0, bad -> good along 1; x/y/a/b words for a WEAT."""
    rng = np.random.default_rng(0)
    e = np.eye(8)
    words = ["man", "woman", "king", "queen", "bad", "good"]
    vectors = [-e[0], e[0], -e[0] + e[4], e[0] + e[4], -e[1], e[1]]
    for prefix, direction in (("x", e[2]), ("y", e[3]), ("a", e[2]), ("b", e[3])):
        for i in range(5):
            words.append(f"{prefix}{i}")
            vectors.append(direction + rng.normal(0, 0.3, 8))
    return Embeddings(words, np.array(vectors, np.float32), meta={"name": "toy"})


def test_default_axes_use_the_classic_pairs_the_model_knows(toy):
    assert view.default_axes(toy) == (("man", "woman"), ("bad", "good"))
    other = Embeddings(["he", "she", "war", "peace", "x"], np.eye(5, dtype=np.float32))
    assert view.default_axes(other) == (("he", "she"), ("war", "peace"))
    bare = Embeddings(["a", "b", "c", "d"], np.eye(4, dtype=np.float32))
    assert view.default_axes(bare) == (("a", "b"), ("c", "d"))


def test_axes_and_the_test_round_trip_through_the_url(toy):
    assert view.axis_param("he, man", "she,woman") == "he,man|she,woman"
    assert view.read_axis_param("he,man|she,woman") == ("he, man", "she, woman")
    for bad in (None, "", "man", "a|b|c", "|woman"):
        assert view.read_axis_param(bad) is None
    state = view.initial_state(toy, {"x": "queen|king", "y": "nonsense", "test": "99"})
    assert (state["ax_x_start"], state["ax_x_end"]) == ("queen", "king")
    assert (state["ax_y_start"], state["ax_y_end"]) == ("bad", "good")
    assert state["ax_test"] == "1"
    assert "executive" in state["ax_set_A"]  # custom lists start from WEAT 6
    assert view.initial_state(toy, {"test": "custom"})["ax_test"] == view.CUSTOM


def test_the_map_carries_words_as_custom_data_and_labels_both_ends(toy):
    x = view.make_axis(toy, "man", "woman")
    y = view.make_axis(toy, "bad", "good")
    shown = view.map_view(toy, x, y, "queen, good <b>, unicorn")
    assert list(shown.table.columns) == ["word", "x", "y"]
    assert list(shown.table["word"]) == ["queen", "good"]
    assert [row[0] for row in shown.figure.data[0].customdata] == ["queen", "good"]
    ends = {a.text for a in shown.figure.layout.annotations}
    assert any("man" in t for t in ends) and any("good" in t for t in ends)
    assert "unicorn" in shown.missing and "&lt;b&gt;" not in shown.caption
    assert "2 words (your words)" in shown.caption
    top = view.map_view(toy, x, y, "", top=6)
    assert len(top.table) == 6 and top.missing is None and "most frequent" in top.caption


def test_the_map_starts_on_example_words_the_model_knows():
    words = [*view.EXAMPLE_WORDS[:6], "the", "of"]
    emb = Embeddings(words, np.eye(len(words), dtype=np.float32))
    assert view.default_words(emb).split() == list(view.EXAMPLE_WORDS[:6])
    assert view.initial_state(emb, {})["ax_words"] == view.default_words(emb)
    few = Embeddings([*view.EXAMPLE_WORDS[:4], "the"], np.eye(5, dtype=np.float32))
    assert view.default_words(few) == ""  # too few: the map shows the frequent words


def test_a_crowded_map_labels_only_the_words_farthest_out():
    from embedlab.app.charts.axes import LABELLED, axis_map_figure

    rows = [(f"w{i}", i / 100, 0.0) for i in range(LABELLED + 20)]
    fig = axis_map_figure(rows, ("a", "b"), ("c", "d"))
    labelled = [t for t in fig.data[0].text if t]
    assert len(labelled) == LABELLED and "w0" not in labelled and f"w{len(rows) - 1}" in labelled
    assert len(fig.data[0].customdata) == len(rows)  # every word still hovers


def test_ranking_and_removal_on_a_real_model(lee_emb):
    axis = view.make_axis(lee_emb, "man", "woman")
    table = view.ranking_table(lee_emb, axis)
    assert len(table) == 20
    assert list(table.columns) == [
        "rank", "toward man", "cosine (start)", "toward woman", "cosine (end)"
    ]  # fmt: skip
    assert table["cosine (end)"].is_monotonic_decreasing
    before_after, sentence = view.removal_view(lee_emb, axis, "police", k=5)
    assert len(before_after) == 5 and "police" in sentence
    assert list(before_after.columns) == [
        "rank",
        "before",
        "cosine before",
        "after",
        "cosine after",
    ]
    config = view.column_config(before_after)  # 0.380 beside 0.804, never 0.38
    assert sorted(config) == ["cosine after", "cosine before"]
    assert {c["type_config"]["format"] for c in config.values()} == {"%.3f"}
    assert list(view.column_config(table)) == ["cosine (start)", "cosine (end)"]


def test_sets_on_either_end_make_one_axis(toy):
    axis = view.make_axis(toy, "man, king", "woman queen")
    assert axis.start == ("man", "king") and axis.end == ("woman", "queen")
    assert view.describe(axis) == "from the mean of man, king to the mean of woman, queen"
    with pytest.raises(InputError, match="zero vector"):
        view.make_axis(toy, "man", "man")


def test_weat_view_and_the_custom_lists(toy):
    texts = {k: " ".join(f"{k.lower()}{i}" for i in range(5)) + f" no{k}" for k in "YAB"}
    texts["X"] = "x0, x1, x2, x3, x4"
    sets = view.chosen_sets(view.CUSTOM, texts)
    shown = view.weat_view(toy, sets, permutations=1000)
    assert shown.effect_size > 1.5 and shown.p_value < 0.05
    assert list(shown.counts.columns) == ["set", "name", "used", "given", "missing"]
    assert shown.counts["used"].tolist() == [5, 5, 5, 5]
    assert shown.counts["given"].tolist() == [5, 6, 6, 6]
    assert "3 of the test's words are not in this model's vocabulary" in shown.missing
    assert [t.name for t in shown.figure.data] == ["X", "Y"]
    assert view.chosen_sets("6").x_name == "Male names"
    assert set(view.weat_options()) == {str(n) for n in range(1, 11)} | {view.CUSTOM}


def test_the_across_models_table_explains_a_model_that_cannot_run(toy):
    texts = {k: " ".join(f"{k.lower()}{i}" for i in range(5)) for k in "XYAB"}
    sets = view.chosen_sets(view.CUSTOM, texts)
    small = Embeddings(["x0", "y0"], np.eye(2, dtype=np.float32))
    table = view.across_models({"toy": toy, "small": small}, sets, permutations=1000)
    assert list(table["model"]) == ["toy", "small"]
    assert table.loc[0, "effect size"] > 1.5 and table.loc[0, "X"] == "5/5"
    assert math.isnan(table.loc[1, "effect size"]) and table.loc[1, "note"].startswith("Only 1")
    with pytest.raises(InputError, match="at most"):
        view.across_models({str(i): toy for i in range(view.MAX_MODELS + 1)}, sets)
