"""embedlab.app.explore: what the Neighbours and Analogies pages ask of a model."""

from __future__ import annotations

import difflib

import numpy as np
import pytest

from embedlab.app import explore
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError, UnknownWordError


@pytest.fixture(scope="module")
def big() -> Embeddings:
    """100,000 random words with random vectors, most frequent first."""
    rng = np.random.default_rng(0)
    codes = rng.integers(ord("a"), ord("z") + 1, size=(150_000, 9), dtype=np.uint8)
    lengths = rng.integers(2, 10, size=len(codes))
    spelt = (row[:n].tobytes().decode() for row, n in zip(codes, lengths, strict=True))
    words = list(dict.fromkeys(spelt))[:100_000]
    n = len(words)
    return Embeddings(list(words), rng.normal(size=(n, 8)), counts=np.arange(n, 0, -1))


@pytest.fixture(scope="module")
def fasttext(lee_sentences) -> Embeddings:
    from gensim.models import FastText

    model = FastText(
        lee_sentences, vector_size=16, min_count=3, epochs=2, bucket=5000, workers=1, seed=1
    )
    return Embeddings.from_keyedvectors(model.wv, meta={"name": "lee-fasttext"})


def _no_difflib(*args, **kwargs):
    raise AssertionError("suggestions must not scan the vocabulary with difflib")


# --- suggestions -----------------------------------------------------------------------
def test_suggestions_are_prefix_matches_frequent_first(big, monkeypatch):
    monkeypatch.setattr(difflib, "get_close_matches", _no_difflib)
    monkeypatch.setattr(difflib, "SequenceMatcher", _no_difflib)
    found = explore.suggest_words(big, "ab", n=5)
    every = [w for w in big.words if w.startswith("ab")]  # the vocabulary is frequency-ordered
    assert found == every[:5]
    assert explore.suggest_words(big, "AB", n=5) == found  # any case
    assert len(explore.suggest_words(big, "a", n=8)) == 8
    assert explore.suggest_words(big, "") == [] and explore.suggest_words(big, "zzzzzzzzzz") == []


def test_suggestions_follow_counts_not_file_order():
    toy = Embeddings(["polish", "police", "policy"], np.eye(3), counts=[1, 9, 5])
    assert explore.suggest_words(toy, "pol") == ["police", "policy", "polish"]
    assert explore.suggest_words(toy, "police", include_exact=False) == []


def test_the_last_word_of_a_query_is_completed():
    assert explore.last_word("king - man + wom") == "wom"
    assert explore.last_word("king -wom") == "wom"
    assert explore.replace_last_word("king - man + wom", "woman") == "king - man + woman"
    assert explore.replace_last_word("king + ", "woman") == "king + woman"


def test_example_words_skip_function_words(lee_emb):
    words = explore.example_words(lee_emb, n=5)
    assert len(words) == 5 and all(w in lee_emb and len(w) >= 6 for w in words)
    assert not set(words) & {"because", "against", "before"}


# --- query -----------------------------------------------------------------------------
def test_query_a_word(lee_emb):
    result = explore.query(lee_emb, " police ", k=5)
    assert not result.is_expression and result.text == "police"
    assert len(result.neighbours) == 5 and "police" not in [w for w, _ in result.rows()]
    assert [n.word for n in result.neighbours] == [
        n.word for n in lee_emb.neighbours("police", k=5)
    ]
    table = result.table()
    assert list(table.columns) == ["rank", "word", "cosine similarity"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]

    far = explore.query(lee_emb, "police", k=5, metric="euclidean")
    assert far.score_label == "euclidean distance" and not far.metric_ignored
    assert [s for _, s in far.rows()] == sorted(s for _, s in far.rows())


def test_query_restricts_to_the_most_frequent_words(lee_emb):
    result = explore.query(lee_emb, "police", k=10, restrict=100)
    assert {w for w, _ in result.rows()} <= set(lee_emb.words[:100])
    assert explore.query(lee_emb, "police", restrict=0).rows() == (
        explore.query(lee_emb, "police").rows()
    )


def test_query_an_expression(lee_emb):
    result = explore.query(lee_emb, "officers - police + government", k=5, metric="euclidean")
    assert result.is_expression and result.metric == "cosine" and result.metric_ignored
    assert result.words == ["officers", "police", "government"]
    assert len(result.rows()) == 5 and not {w for w, _ in result.rows()} & set(result.words)


def test_query_errors(lee_emb):
    with pytest.raises(UnknownWordError, match="did you mean: police"):
        explore.query(lee_emb, "polise")
    with pytest.raises(InputError, match="Cannot read"):
        explore.query(lee_emb, "police +")
    with pytest.raises(InputError, match="Type a word"):
        explore.query(lee_emb, "  ")


def test_query_an_unseen_word_from_fasttext_subwords(fasttext):
    assert "policemanship" not in fasttext
    result = explore.query(fasttext, "policemanship", k=5)
    assert result.from_subwords == ["policemanship"] and len(result.rows()) == 5
    mixed = explore.query(fasttext, "policemanship - police + government", k=3)
    assert mixed.is_expression and mixed.from_subwords == ["policemanship"]
    assert explore.query(fasttext, "police").from_subwords == []


# --- analogies -------------------------------------------------------------------------
def test_examples_are_answerable(lee_emb):
    examples = explore.analogy_examples(lee_emb)
    assert examples, "the Lee model fits a few classics and questions of the analogy test"
    assert {e.source for e in examples} == {"classic", "Google analogy test"}
    for ex in examples:
        assert all(w in lee_emb for w in ex[:4])
        assert explore.solve_analogy(lee_emb, ex.a, ex.b, ex.c).add
    assert len({e[:3] for e in examples}) == len(examples)


def test_examples_fall_back_to_nothing():
    toy = Embeddings(["zebra", "quokka", "wombat"], np.eye(3))
    assert explore.analogy_examples(toy) == []


def test_examples_prefer_questions_the_model_gets_right():
    # athens : greece :: baghdad : iraq holds exactly; berlin's offset points elsewhere.
    words = ["athens", "greece", "baghdad", "iraq", "berlin", "germany"]
    vectors = np.array(
        [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 1, 1]],
        dtype=np.float32,
    )
    first = explore.derived_examples(Embeddings(words, vectors), n=1)[0]
    assert first.expected in {"iraq", "greece"} and first.source == "Google analogy test"


def test_analogy_plane_keeps_parallel_offsets_parallel():
    # unit vectors with b − a = d − c in 4D
    a, b = [0.8, 0, 0.6, 0], [0, 0.8, 0.6, 0]
    c, d = [0.8, 0, 0, 0.6], [0, 0.8, 0, 0.6]
    xy, kept = explore.analogy_plane(np.array([a, b, c, d]))
    assert xy.shape == (5, 2) and 0 < kept <= 1
    ab, cd = xy[1] - xy[0], xy[3] - xy[2]
    cosine = ab @ cd / (np.linalg.norm(ab) * np.linalg.norm(cd))
    assert cosine == pytest.approx(1.0, abs=1e-6)
    assert np.allclose(xy[4], xy[3])  # b − a + c lands on d


def test_solve_analogy(lee_emb):
    answer = explore.solve_analogy(lee_emb, "police", "officers", "government")
    assert len(answer.add) == 5 and len(answer.mul) == 5
    assert not {n.word for n in answer.add + answer.mul} & {"police", "officers", "government"}
    assert answer.picture.xy.shape == (5, 2)
    assert answer.picture.words[3] == answer.add[0].word
    assert answer.table("3cosmul").shape == (5, 3)
    with pytest.raises(InputError, match="Fill in c"):
        explore.solve_analogy(lee_emb, "police", "officers", " ")


def test_unknown_words_are_named_together(lee_emb):
    with pytest.raises(UnknownWordError, match="polise"):
        explore.solve_analogy(lee_emb, "polise", "officers", "government")
    with pytest.raises(InputError, match="'polise' .*'govrnment'"):
        explore.solve_analogy(lee_emb, "polise", "officers", "govrnment")


def test_odd_one_out(lee_emb):
    result = explore.odd_one_out(lee_emb, "police, officers arrested,cricket")
    assert result.odd == lee_emb.odd_one_out(["police", "officers", "arrested", "cricket"])
    table = result.table()
    assert table["word"].iloc[0] == result.odd
    assert table["similarity to the mean"].is_monotonic_increasing
    with pytest.raises(InputError, match="at least 3 words"):
        explore.odd_one_out(lee_emb, "police officers")


def test_a_capitalised_word_is_looked_up_lower_cased_and_said_so(lee_emb):
    assert lee_emb.lowercase  # a lower-cased corpus: no capitals in the vocabulary
    result = explore.query(lee_emb, "Police", k=5)
    assert result.text == "police" and result.rows() == explore.query(lee_emb, "police", k=5).rows()
    assert result.folded == [("Police", "police")]
    assert result.note() == "'Police' looked up as 'police' (this model is lower-case)."
    assert explore.query(lee_emb, "police").note() is None

    expression = explore.query(lee_emb, "Officers - police + Government", k=5)
    assert expression.folded == [("Officers", "officers"), ("Government", "government")]
    assert not {w for w, _ in expression.rows()} & {"officers", "police", "government"}
    assert "'Government' as 'government'" in expression.note()

    answer = explore.solve_analogy(lee_emb, "Police", "officers", "GOVERNMENT")
    plain = explore.solve_analogy(lee_emb, "police", "officers", "government")
    assert (answer.a, answer.b, answer.c) == ("police", "officers", "government")
    assert answer.add == plain.add and answer.picture.words == plain.picture.words
    assert "'Police' looked up as 'police', 'GOVERNMENT' as 'government'" in answer.note()

    odd = explore.odd_one_out(lee_emb, "Police, officers, Arrested, cricket")
    assert odd.odd == explore.odd_one_out(lee_emb, "police officers arrested cricket").odd
    assert {w for w, _ in odd.similarities} == {"police", "officers", "arrested", "cricket"}
    assert "'Arrested' as 'arrested'" in odd.note()
    with pytest.raises(InputError, match="at least 3 different words"):
        explore.odd_one_out(lee_emb, "police, Police, officers")


def test_a_cased_model_refuses_a_wrong_case_with_a_suggestion():
    cased = Embeddings(["King", "king", "Queen"], np.eye(3))
    with pytest.raises(UnknownWordError, match="'QUEEN' is not in the vocabulary"):
        explore.query(cased, "QUEEN")
    assert explore.query(cased, "King", k=1).folded == []


def test_the_minilm_model_says_it_is_lower_case():
    from embedlab.ingest.pretrained import minilm_static

    emb = minilm_static()
    assert emb.meta["case"] == "lower" and emb.lookup("King").folded
    assert explore.query(emb, "King", k=3).text == "king"


def test_derived_examples_never_repeat_a_question():
    from embedlab.app.explore import derived_examples

    words = ["canberra", "australia", "islamabad", "pakistan", "athens", "greece"]
    toy = Embeddings(words, np.eye(len(words)))
    labels = [e.label for e in derived_examples(toy, n=5)]
    assert labels and len(labels) == len(set(labels))


def test_an_expression_is_parsed_once_per_query(lee_emb, monkeypatch):
    import embedlab.expressions as expressions

    calls = []
    real = expressions.parse
    monkeypatch.setattr(expressions, "parse", lambda text: calls.append(text) or real(text))
    result = explore.query(lee_emb, "police - man + government", k=3)
    assert calls == ["police - man + government"] and len(result.neighbours) == 3
