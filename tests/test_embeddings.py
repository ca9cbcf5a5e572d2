from __future__ import annotations

import numpy as np
import pytest

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError, UnknownWordError

PROBES = ["government", "police", "president", "fire", "australia"]


def toy() -> Embeddings:
    vecs = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    return Embeddings(["cat", "dog", "car", "sky"], vecs, counts=[9, 7, 5, 1], meta={"name": "toy"})


@pytest.mark.parametrize(
    ("words", "vectors", "message"),
    [
        (["a", "b", "c"], np.zeros((4, 2)), "Got 3 words for 4 vectors"),
        (["a", "a"], np.ones((2, 2)), "'a' appears more than once"),
        ([], np.zeros((0, 2)), "vocabulary is empty"),
        (["a"], np.zeros(3), "2-D matrix"),
        (["a", "b"], np.array([[1.0, np.nan], [0, 1]]), "'a' contains NaN"),
        (["a", "b"], np.array([[1.0, 0], [np.inf, 1]]), "'b' contains NaN or infinity"),
        (["a"], np.zeros((1, 0)), "0 dimensions"),
    ],
)
def test_construction_is_validated(words, vectors, message):
    with pytest.raises(InputError, match=message):
        Embeddings(words, vectors)


def test_counts_must_match_words():
    with pytest.raises(InputError, match="Got 2 counts for 3 words"):
        Embeddings(["a", "b", "c"], np.eye(3), counts=[1, 2])


def test_feels_like_keyedvectors():
    emb = toy()
    assert len(emb) == 4 and "cat" in emb and "cow" not in emb
    assert emb["car"].tolist() == [0, 1, 0]
    assert emb[["cat", "sky"]].shape == (2, 3)
    assert emb.key_to_index["dog"] == 1 and emb.index_to_key[2] == "car"
    assert repr(emb) == "Embeddings(name='toy', vocab=4, dim=3)"
    with pytest.raises(KeyError):
        emb["cow"]


def test_unknown_word_names_it_and_suggests_spellings():
    with pytest.raises(UnknownWordError) as info:
        toy()["dgo"]
    assert "'dgo' is not in the vocabulary" in str(info.value)
    assert info.value.suggestions == ["dog"]
    with pytest.raises(UnknownWordError, match="did you mean: cat"):
        toy()["Cat"]


def test_values_are_immutable():
    emb = toy()
    with pytest.raises(ValueError):
        emb.vectors[0, 0] = 5.0
    with pytest.raises(TypeError):
        emb.meta["name"] = "other"  # type: ignore[index]
    renamed = emb.with_meta(name="renamed")
    assert renamed.name == "renamed" and emb.name == "toy"
    source = np.eye(2, dtype=np.float32)
    made = Embeddings(["a", "b"], source)
    source[0, 0] = 9.0
    assert made["a"][0] == 1.0, "Embeddings must own its data"


def test_neighbours_match_gensim_most_similar(lee_emb, lee_kv):
    for word in PROBES:
        ours = lee_emb.neighbours(word, k=10)
        theirs = lee_kv.most_similar(word, topn=10)
        assert [n.word for n in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], atol=1e-5)


def test_neighbours_of_a_vector_include_the_word(lee_emb):
    top = lee_emb.neighbours(lee_emb["police"], k=1)
    assert top[0].word == "police" and top[0].score == pytest.approx(1.0, abs=1e-5)


def test_euclidean_neighbours_are_the_closest_points(lee_emb):
    query = lee_emb["fire"]
    dist = np.linalg.norm(lee_emb.vectors - query, axis=1)
    order = [i for i in np.argsort(dist) if lee_emb.words[i] != "fire"][:5]
    ours = lee_emb.neighbours("fire", k=5, metric="euclidean")
    assert [n.word for n in ours] == [lee_emb.words[i] for i in order]
    np.testing.assert_allclose([n.score for n in ours], dist[order], rtol=1e-4, atol=1e-4)


def test_restrict_searches_only_the_most_frequent_words(lee_emb):
    allowed = set(lee_emb.words[:200])
    found = lee_emb.neighbours("government", k=20, restrict=200)
    assert len(found) == 20 and {n.word for n in found} <= allowed
    assert lee_emb.neighbours("government", k=20) != found


def test_exclude_and_k_bounds(lee_emb):
    first = lee_emb.neighbours("police", k=3)
    skipped = lee_emb.neighbours("police", k=3, exclude=[first[0].word])
    assert first[0].word not in {n.word for n in skipped}
    assert skipped[0] == first[1]
    assert len(toy().neighbours("cat", k=100)) == 3
    for bad in (0, -1, 10**6, 2.5, True):
        with pytest.raises(InputError, match="k must be a whole number"):
            lee_emb.neighbours("police", k=bad)


def test_vector_of_the_wrong_dimension_is_refused(lee_emb):
    with pytest.raises(InputError, match="has 3 dimensions but the model has 50"):
        lee_emb.neighbours(np.ones(3), k=2)


def test_analogy_matches_gensim(lee_emb, lee_kv):
    cases = [
        ("police", "officers", "government"),
        ("man", "woman", "president"),
        ("fire", "fires", "attack"),
    ]
    for a, b, c in cases:
        ours = lee_emb.analogy(a, b, c, k=5)
        theirs = lee_kv.most_similar(positive=[b, c], negative=[a], topn=5)
        assert [n.word for n in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], atol=1e-5)
        ours_mul = lee_emb.analogy(a, b, c, k=5, method="3cosmul")
        theirs_mul = lee_kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
        assert [n.word for n in ours_mul] == [w for w, _ in theirs_mul]
        assert not {a, b, c} & {n.word for n in ours + ours_mul}


def test_batched_analogies_equal_single_ones(lee_emb):
    questions = [("police", "officers", "government"), ("fire", "fires", "attack")]
    batch = lee_emb.analogies(questions, k=3)
    single = [lee_emb.analogy(*q, k=3) for q in questions]
    assert [[n.word for n in r] for r in batch] == [[n.word for n in r] for r in single]
    np.testing.assert_allclose(
        [[n.score for n in r] for r in batch], [[n.score for n in r] for r in single], atol=1e-6
    )


def test_unknown_method_and_word_in_analogy(lee_emb):
    with pytest.raises(InputError, match="Unknown analogy method"):
        lee_emb.analogy("police", "officers", "government", method="3cosplus")
    with pytest.raises(UnknownWordError, match="'zzzq'"):
        lee_emb.analogy("police", "zzzq", "government")


def test_similarity_and_odd_one_out_match_gensim(lee_emb, lee_kv):
    assert lee_emb.similarity("police", "officers") == pytest.approx(
        float(lee_kv.similarity("police", "officers")), abs=1e-6
    )
    words = ["police", "officers", "security", "tuesday"]
    assert lee_emb.odd_one_out(words) == lee_kv.doesnt_match(words)
    with pytest.raises(InputError, match="at least 3 words"):
        lee_emb.odd_one_out(["police", "fire"])


def test_keyedvectors_round_trip(lee_emb, lee_kv):
    kv = lee_emb.to_keyedvectors()
    assert kv.index_to_key == lee_kv.index_to_key
    np.testing.assert_array_equal(kv.vectors, lee_kv.vectors)
    assert kv.get_vecattr("the", "count") == lee_kv.get_vecattr("the", "count")
    back = Embeddings.from_keyedvectors(kv)
    np.testing.assert_array_equal(back.counts, lee_emb.counts)


def test_top_and_subset_are_new_values(lee_emb):
    top = lee_emb.top(100)
    assert len(top) == 100 and top.words == lee_emb.words[:100] and len(lee_emb) > 100
    sub = lee_emb.subset(["fire", "police"])
    assert sub.words == ("fire", "police")
    np.testing.assert_array_equal(sub["fire"], lee_emb["fire"])
    with pytest.raises(UnknownWordError):
        lee_emb.subset(["fire", "zzzq"])


def test_names_x_round_trip():
    names, X = toy().to_names_X()
    again = Embeddings.from_names_X(names, X)
    assert again.words == toy().words and np.array_equal(again.vectors, toy().vectors)


def test_fasttext_answers_unknown_words_from_subwords(lee_sentences):
    from gensim.models import FastText

    model = FastText(
        lee_sentences, vector_size=20, min_count=3, epochs=2, workers=1, seed=1, bucket=5000
    )
    emb = Embeddings.from_keyedvectors(model.wv)
    word = "policemanship"
    assert word not in emb
    found = emb.lookup(word)
    assert found.from_subwords
    np.testing.assert_allclose(found.vector, model.wv[word], atol=1e-5)
    assert emb.neighbours(word, k=3)
    assert not emb.lookup("police").from_subwords


def test_scalar_counts_are_refused():
    with pytest.raises(InputError, match="Got 1 counts for 2 words"):
        Embeddings(["a", "b"], np.eye(2), counts=5)


def test_non_numeric_vectors_are_refused():
    with pytest.raises(InputError, match="must be numbers"):
        Embeddings(["a"], np.array([["x", "y"]]))


# --- case folding (issue 13 #7) -----------------------------------------------------------
def test_a_lower_case_model_looks_capitalised_words_up_lower_cased():
    emb = toy()  # no upper-case letter: inferred lower-case
    assert emb.lowercase
    found = emb.lookup("Cat")
    assert found.folded and not found.from_subwords
    np.testing.assert_array_equal(found.vector, emb["cat"])
    assert not emb.lookup("cat").folded
    assert emb.index("DOG") == 1 and emb.resolve("Sky") == "sky" and emb.fold("CAR") == "car"
    assert emb.neighbours("Cat", k=1)[0].word == "dog"  # the word itself stays excluded
    assert emb.similarity("Cat", "dog") == pytest.approx(emb.similarity("cat", "dog"))
    assert emb.subset(["Dog"]).words == ("dog",)  # spelled as the vocabulary spells it


def test_gensim_style_access_takes_words_exactly_as_given():
    emb = toy()
    assert "Cat" not in emb
    with pytest.raises(KeyError) as info:
        emb["Cat"]
    assert str(info.value) == "'Cat' is not in the vocabulary; did you mean: cat?"
    with pytest.raises(UnknownWordError):
        emb.vector("Cat")
    with pytest.raises(UnknownWordError):
        emb.lookup("Cat", fold=False)


def test_a_cased_model_does_not_fold():
    emb = Embeddings(["Paris", "paris", "King"], np.eye(3))
    assert not emb.lowercase and emb.fold("KING") == "KING"
    with pytest.raises(UnknownWordError, match="'KING'"):
        emb.lookup("KING")
    assert not emb.lookup("Paris").folded


@pytest.mark.parametrize(
    ("meta", "lowercase"),
    [
        ({"case": "lower"}, True),
        ({"case": "cased"}, False),
        ({"corpus_options": {"lowercase": True}}, True),
        ({"corpus_options": {"lowercase": False}}, False),
        ({}, True),  # inferred: no upper-case letter
    ],
)
def test_the_meta_says_how_the_corpus_was_cased(meta, lowercase):
    emb = Embeddings(["king", "queen"], np.eye(2), meta=meta)
    assert emb.lowercase is lowercase
    assert emb.resolve("King") == ("king" if lowercase else None)


def test_meta_case_lower_folds_even_with_a_few_capitals_in_the_vocabulary():
    emb = Embeddings(["king", "[UNK]"], np.eye(2), meta={"case": "lower"})
    assert emb.lookup("King").folded and emb.lookup("[UNK]").vector[1] == 1.0


def test_an_unknown_word_with_capitals_still_names_the_word_typed():
    with pytest.raises(UnknownWordError) as info:
        toy().lookup("Zebra")
    assert info.value.word == "Zebra"


def test_folding_happens_before_subwords(lee_sentences):
    from gensim.models import FastText

    model = FastText(
        lee_sentences, vector_size=20, min_count=3, epochs=1, workers=1, seed=1, bucket=5000
    )
    emb = Embeddings.from_keyedvectors(model.wv)
    found = emb.lookup("Police")
    assert found.folded and not found.from_subwords
    np.testing.assert_array_equal(found.vector, emb["police"])
    unseen = emb.lookup("Policemanship")
    assert unseen.folded and unseen.from_subwords
    np.testing.assert_allclose(unseen.vector, model.wv["policemanship"], atol=1e-5)
