"""Axes: directions from words, sets and expressions; positions, maps, rankings, removal."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis import axes
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError, UnknownWordError
from embedlab.subwords import Subwords

# x: man -> woman is dimension 0 (negative to positive), y: bad -> good is dimension 1.
WORDS = {
    "man": [-1, 0, 0.2, 0],
    "woman": [1, 0, 0.2, 0],
    "he": [-0.9, 0.1, 0, 0.3],
    "she": [0.9, 0.1, 0, 0.3],
    "king": [-0.7, 0.3, 1, 0],
    "queen": [0.7, 0.3, 1, 0],
    "bad": [0, -1, 0, 0.1],
    "good": [0, 1, 0, 0.1],
    "awful": [0.1, -0.9, 0, 0.5],
    "great": [-0.1, 0.9, 0, 0.5],
    "table": [0, 0, 0, 1],
    "chair": [0.05, 0, 0.1, 1],
}


@pytest.fixture
def toy() -> Embeddings:
    return Embeddings(
        list(WORDS), np.array(list(WORDS.values()), dtype=np.float32), meta={"name": "toy"}
    )


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.rstrip().endswith((".", "?"))


def test_a_word_axis_points_from_the_first_word_to_the_second(toy):
    axis = axes.word_axis(toy, "man", "woman")
    assert axis.name == "woman - man"
    assert (axis.start, axis.end) == (("man",), ("woman",))
    assert (axis.start_label, axis.end_label) == ("man", "woman")
    expected = unit(unit(WORDS["woman"]) - unit(WORDS["man"]))
    np.testing.assert_allclose(axis.vector, expected, atol=1e-6)
    assert np.linalg.norm(axis.vector) == pytest.approx(1.0, abs=1e-6)
    assert axes.position(toy, axis, "queen").cosine > 0 > axes.position(toy, axis, "king").cosine


def test_a_set_axis_is_the_mean_difference_of_unit_vectors(toy):
    axis = axes.set_axis(toy, ["man", "he"], ["woman", "she"])
    start = (unit(WORDS["man"]) + unit(WORDS["he"])) / 2
    end = (unit(WORDS["woman"]) + unit(WORDS["she"])) / 2
    np.testing.assert_allclose(axis.vector, unit(end - start), atol=1e-6)
    assert axis.start == ("man", "he") and axis.end == ("woman", "she")
    assert axis.start_label == "man, he"
    # one word per side is the word axis
    assert axes.set_axis(toy, ["man"], ["woman"]).name == "woman - man"


def test_an_expression_axis_is_parsed_once_into_its_two_ends(toy):
    axis = axes.expression_axis(toy, "woman - man")
    np.testing.assert_allclose(axis.vector, axes.word_axis(toy, "man", "woman").vector, atol=1e-6)
    both = axes.expression_axis(toy, "woman - man + good - bad")
    assert both.end == ("woman", "good") and both.start == ("man", "bad")
    alone = axes.expression_axis(toy, "good")
    assert alone.start == () and alone.start_label == "(origin)"


def test_position_gives_the_cosine_and_the_scalar_projection(toy):
    axis = axes.word_axis(toy, "bad", "good")
    place = axes.position(toy, axis, "great")
    vec = np.array(WORDS["great"], dtype=np.float64)
    assert place.cosine == pytest.approx(float(unit(vec) @ axis.vector), abs=1e-6)
    assert place.projection == pytest.approx(float(vec @ axis.vector), abs=1e-6)


def test_a_lower_case_model_finds_capitalised_words(toy):
    axis = axes.word_axis(toy, "Man", "WOMAN")
    assert axis.start == ("man",) and axis.end == ("woman",)
    mixed = Embeddings(["Man", "woman"], np.eye(2, dtype=np.float32))
    with pytest.raises(UnknownWordError):
        axes.word_axis(mixed, "man", "woman")


def test_the_map_places_words_on_two_axes_and_lists_the_unknown(toy):
    x = axes.word_axis(toy, "man", "woman")
    y = axes.word_axis(toy, "bad", "good")
    view = axes.axis_map(toy, x, y, words=["queen", "great", "unicorn", "queen"])
    assert view.words == ("queen", "great") and view.missing == ("unicorn",)
    (_, qx, qy), (_, gx, gy) = view.rows()
    assert qx > 0.3 and abs(qy) < 0.5 and gy > 0.5 and abs(gx) < 0.2
    assert abs(view.axes_cosine) < 1e-6  # independent directions
    top = axes.axis_map(toy, x, y, top=5)
    assert top.words == tuple(WORDS)[:5] and top.missing == ()
    projected = axes.axis_map(toy, x, y, words=["queen", "king"], measure="projection")
    assert projected.x[0] == pytest.approx(axes.position(toy, x, "queen").projection, abs=1e-6)


def test_ranking_lists_each_end_without_the_axis_words(toy):
    ranking = axes.rank_along(toy, axes.word_axis(toy, "man", "woman"), k=2)
    assert [n.word for n in ranking.end] == ["she", "queen"]
    assert [n.word for n in ranking.start] == ["he", "king"]
    assert ranking.searched == len(toy)
    assert ranking.end[0].score >= ranking.end[1].score
    with_words = axes.rank_along(
        toy, axes.word_axis(toy, "man", "woman"), k=1, exclude_axis_words=False
    )
    assert with_words.end[0].word == "woman" and with_words.start[0].word == "man"


def test_ranking_a_real_model_gives_twenty_at_each_end(lee_emb):
    ranking = axes.rank_along(lee_emb, axes.word_axis(lee_emb, "man", "woman"))
    assert len(ranking.start) == len(ranking.end) == 20
    assert not {n.word for n in ranking.start} & {n.word for n in ranking.end}
    scores = [n.score for n in ranking.end]
    assert scores == sorted(scores, reverse=True)


def test_removing_an_axis_makes_every_vector_orthogonal_to_it(toy):
    axis = axes.word_axis(toy, "man", "woman")
    flat = axes.remove_axis(toy, axis)
    assert np.abs(flat.vectors @ axis.vector).max() < 1e-6
    assert flat.name == "(toy | woman - man)" and flat.words == toy.words
    assert toy.vectors[0, 0] == -1  # the original value is unchanged
    # king and queen differed only along the axis: now they are the same direction
    assert flat.similarity("king", "queen") == pytest.approx(1.0, abs=1e-5)
    # what removal does to queen's neighbours: king moves to the top
    change = axes.compare_neighbours(toy, flat, "queen", k=1)
    assert change.before[0].word != "king" and change.after[0].word == "king"
    assert change.joined == ("king",) and change.left == (change.before[0].word,)


def test_removal_projects_fasttext_subwords_too():
    rng = np.random.default_rng(0)
    sub = Subwords(rng.normal(size=(50, 4)).astype(np.float32), 3, 4)
    emb = Embeddings(
        ["man", "woman"], np.array([[1, 0, 0, 0], [0, 1, 0, 0]], np.float32), subwords=sub
    )
    axis = axes.word_axis(emb, "man", "woman")
    flat = axes.remove_axis(emb, axis)
    unseen = flat.lookup("womanly")
    assert unseen.from_subwords and abs(float(unseen.vector @ axis.vector)) < 1e-5


def test_neighbours_without_an_axis_match_the_projected_model(lee_emb):
    axis = axes.word_axis(lee_emb, "man", "woman")
    flat = axes.remove_axis(lee_emb, axis)
    for word in ("police", "government", "man"):
        fast = axes.neighbours_without(lee_emb, axis, word, k=10)
        slow = axes.compare_neighbours(lee_emb, flat, word, k=10)
        assert [n.word for n in fast.before] == [n.word for n in slow.before]
        assert [n.word for n in fast.after][:5] == [n.word for n in slow.after][:5]
        np.testing.assert_allclose(
            [n.score for n in fast.after], [n.score for n in slow.after], atol=1e-4
        )


# --- bad input: one sentence each -----------------------------------------------------------
def test_an_axis_of_two_identical_words_is_refused(toy):
    with pytest.raises(InputError) as err:
        axes.word_axis(toy, "man", "man")
    assert "zero vector" in str(err.value) and "two different words" in str(err.value)
    assert one_sentence(str(err.value))
    with pytest.raises(InputError, match="zero vector"):
        axes.set_axis(toy, ["man", "woman"], ["woman", "man"])
    with pytest.raises(InputError, match="zero vector"):
        axes.expression_axis(toy, "good - good")


def test_unknown_words_are_named(toy):
    with pytest.raises(UnknownWordError) as err:
        axes.word_axis(toy, "man", "wman")
    assert "'wman'" in str(err.value) and "woman" in str(err.value)
    with pytest.raises(InputError) as err:
        axes.set_axis(toy, ["man", "dragon"], ["woman", "unicorn"])
    message = str(err.value)
    assert "'dragon'" in message and "'unicorn'" in message and one_sentence(message)


def test_too_few_words_are_refused(toy):
    with pytest.raises(InputError) as err:
        axes.set_axis(toy, [], ["woman"])
    assert "start of the axis has no words" in str(err.value) and one_sentence(str(err.value))
    with pytest.raises(InputError, match="two words"):
        axes.word_axis(toy, "man", " ")
    x = axes.word_axis(toy, "man", "woman")
    with pytest.raises(InputError) as err:
        axes.axis_map(toy, x, x, words=["queen", "unicorn"])
    assert "at least 2 words" in str(err.value) and "unicorn" in str(err.value)
    assert one_sentence(str(err.value))


def test_an_axis_from_another_model_is_refused(toy):
    other = Embeddings(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(InputError, match="same model"):
        axes.rank_along(toy, axes.word_axis(other, "a", "b"))
