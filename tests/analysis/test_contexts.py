"""One word in many contexts: contextual vectors, clusters, the static view, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis import contexts
from embedlab.analysis.contexts import (
    EXAMPLE_SENSES,
    EXAMPLE_SENTENCES,
    corpus_sentences,
    static_view,
    word_contexts,
)
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.ingest.corpus import ingest

EMBEDDINGS = [
    "Word embeddings map each word to a vector.",
    "We drew the embeddings of the animals on a map.",
    "Contextual embeddings change with the sentence.",
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and message.count(". ") == 0


@pytest.mark.slow
def test_the_vector_is_the_mean_of_the_word_pieces_and_differs_by_sentence():
    import torch

    from embedlab.analysis.encoders import load_encoder

    cm = word_contexts("embeddings", EMBEDDINGS, k=1)
    assert cm.vectors.shape == (3, 384) and cm.pieces[0] == "em ##bed ##ding ##s"
    module = load_encoder("cpu")[0]
    for i, sentence in enumerate(EMBEDDINGS):  # by hand: the pieces' rows, averaged
        inputs = module.tokenizer(sentence, return_tensors="pt")
        with torch.inference_mode():
            hidden = module.auto_model(**inputs).last_hidden_state[0].numpy()
        pieces = module.tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
        first = [p.lower() for p in pieces].index("em")
        rows = [first]
        while pieces[rows[-1] + 1].startswith("##"):
            rows.append(rows[-1] + 1)
        assert [pieces[r] for r in rows] == ["em", "##bed", "##ding", "##s"]
        np.testing.assert_allclose(cm.vectors[i], hidden[rows].mean(axis=0), atol=1e-5)
    a, b = cm.vectors[0], cm.vectors[1]
    assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) < 0.99


@pytest.mark.slow
def test_bank_splits_into_river_and_money():
    cm = word_contexts("bank")
    assert cm.k == 2 and cm.chosen_by == "silhouette" and set(cm.silhouettes) == {2, 3, 4}
    assert cm.silhouettes[2] == max(cm.silhouettes.values())
    senses = {
        s: {c for c, x in zip(cm.labels, EXAMPLE_SENSES, strict=True) if x == s}
        for s in ("river", "money")
    }
    assert len(senses["river"]) == 1 and len(senses["money"]) == 1
    assert (
        senses["river"] != senses["money"]
    )  # every river sentence in one cluster, money in the other
    river = next(iter(senses["river"]))
    assert "river" in cm.cluster_words[river]
    assert cm.coords.shape == (20, 2) and cm.sizes() == [10, 10]
    assert cm.within[0] > cm.centroid_cosines[0, 1]


@pytest.mark.slow
def test_a_static_model_is_compared_with_the_clusters(lee_emb):
    cm = word_contexts("bank", EXAMPLE_SENTENCES, emb=lee_emb, k=2)
    view = cm.static
    assert view is not None and view.in_vocabulary and view.model == "lee"
    assert len(view.cluster_cosines) == 2 and len(view.neighbours) == contexts.STATIC_NEIGHBOURS
    assert all(-1 <= n.cluster < 2 for n in view.neighbours)


def test_static_view_of_a_toy_model_leans_to_the_nearer_sense():
    toy = Embeddings(
        ["bank", "river", "water", "money", "loan"],
        np.array([[1, 0.2], [1, 0], [0.9, 0.1], [0, 1], [0.1, 1]], dtype=np.float32),
    )
    view = static_view(toy, "bank", [("river", "water", "unknown"), ("money", "loan")])
    assert view.cluster_words == (("river", "water"), ("money", "loan"))
    assert view.nearest_cluster == 0 and view.cluster_cosines[0] > view.cluster_cosines[1]
    assert {n.word: n.cluster for n in view.neighbours} == {
        "river": 0,
        "water": 0,
        "money": 1,
        "loan": 1,
    }
    assert not static_view(toy, "fish", [("river",)]).in_vocabulary


def test_a_corpus_gives_a_bounded_sample_in_order(tmp_path):
    text = "\n".join(f"Sentence {i} is about the bank." for i in range(30)) + "\nNo word here."
    ingest(text.encode(), tmp_path, filename="bank.txt")
    sample, found = corpus_sentences(tmp_path, "Bank", limit=5)
    assert found == 30 and len(sample) == 5
    numbers = [int(s.split()[1]) for s in sample]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize(
    ("word", "sentences", "needle"),
    [
        ("", EXAMPLE_SENTENCES, "The word is empty"),
        ("   ", EXAMPLE_SENTENCES, "The word is empty"),
        ("x" * 60, EXAMPLE_SENTENCES, "at most 50"),
        ("zebra", EXAMPLE_SENTENCES, "'zebra' does not occur in any of the 20 sentences"),
        ("bank", ["The bank is shut.", "No word here.", "A river bank."], "Only 2 sentence(s)"),
    ],
)
def test_bad_input_is_one_sentence(word, sentences, needle):
    with pytest.raises(InputError) as err:
        word_contexts(word, sentences)
    assert needle in str(err.value) and _one_sentence(str(err.value))


def test_too_many_sentences_name_the_limit(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_CONTEXT_SENTENCES", "5")
    with pytest.raises(InputError, match="limit is 5 sentences") as err:
        word_contexts("bank", EXAMPLE_SENTENCES)
    assert "EMBEDLAB_MAX_CONTEXT_SENTENCES" in str(err.value) and _one_sentence(str(err.value))


def test_bad_k_and_both_sources_are_refused(tmp_path):
    with pytest.raises(InputError, match="between 1 and 8"):
        word_contexts("bank", EXAMPLE_SENTENCES, k=0)
    with pytest.raises(InputError, match="not both"):
        word_contexts("bank", EXAMPLE_SENTENCES, corpus=tmp_path)
    with pytest.raises(InputError, match="no corpus"):
        word_contexts("bank", corpus=tmp_path / "missing")


def test_a_long_sentence_is_cut_around_the_word():
    long = "word " * 300 + "the river bank " + "word " * 300
    text, (start, end) = contexts._window(long, contexts.find_word(long, "bank"))
    assert text[start:end] == "bank" and len(text) < 2 * contexts.WINDOW_CHARS + 20
    assert text.startswith("… ") and text.endswith(" …")
