"""Shared fixtures: one real model trained once per session, and a fresh workspace per test."""

from __future__ import annotations

import random

import numpy as np
import pytest

from embedlab.embeddings import Embeddings

SEED = 42


@pytest.fixture(autouse=True)
def _seed() -> None:
    random.seed(SEED)
    np.random.seed(SEED)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """Every test gets its own empty workspace through EMBEDLAB_HOME."""
    path = tmp_path / "workspace"
    monkeypatch.setenv("EMBEDLAB_HOME", str(path))
    monkeypatch.setenv("EMBEDLAB_WARM_UP", "0")  # the app's UMAP warm-up thread stays off
    monkeypatch.setenv("EMBEDLAB_CLASSIFY_DEMO", "small")  # 200 sentences, not 10,662
    monkeypatch.delenv("EMBEDLAB_DEVICE", raising=False)
    return path


@pytest.fixture(scope="session")
def lee_sentences() -> list[list[str]]:
    """gensim's Lee corpus (300 news documents), tokenised by gensim's simple_preprocess."""
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [simple_preprocess(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def lee_kv(lee_sentences):
    """A real gensim Word2Vec model on the Lee corpus (trained once, deterministic)."""
    from gensim.models import Word2Vec

    model = Word2Vec(
        lee_sentences, vector_size=50, window=5, min_count=3, epochs=15, workers=1, seed=SEED
    )
    return model.wv


@pytest.fixture(scope="session")
def lee_emb(lee_kv) -> Embeddings:
    return Embeddings.from_keyedvectors(lee_kv, meta={"name": "lee"})


@pytest.fixture(scope="session")
def lee_corpus_file(tmp_path_factory, lee_sentences):
    """The Lee corpus in embedlab's corpus format: one sentence per line, tokens spaced."""
    path = tmp_path_factory.mktemp("lee") / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in lee_sentences) + "\n", encoding="utf-8")
    return path
