"""Fine-tuning all-MiniLM-L6-v2 end to end: it learns, offline; bad input is one sentence;
`run_classification` scores it next to the frozen encoder and TF-IDF on the same split."""

from __future__ import annotations

import socket

import pytest

from embedlab.analysis.classify import ClassifyConfig, run_classification
from embedlab.analysis.classify.finetune import EncoderClassifier
from embedlab.errors import InputError
from embedlab.ingest.labelled import LabelledTexts

POS = ["a great film", "wonderful acting", "I loved it", "brilliant and moving"]
NEG = ["a terrible film", "boring plot", "I hated it", "awful and dull"]


@pytest.fixture
def offline(monkeypatch):
    """HF_HUB_OFFLINE=1, and any attempt to open a network connection fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(self, address):  # noqa: ANN001, ANN202
        raise AssertionError(f"a network connection was attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.mark.slow
def test_fine_tuning_a_tiny_set_lowers_the_loss_and_moves_the_weights(offline):
    events: list[dict] = []
    texts, labels = (POS + NEG) * 3, (["pos"] * 4 + ["neg"] * 4) * 3
    model = EncoderClassifier(
        epochs=4, batch_size=6, val_size=0.25, lr=1e-4, patience=10, on_epoch=events.append
    ).fit(texts, labels)
    scored = [e for e in events if e["kind"] == "epoch"]
    assert len(scored) >= 4 and scored[-1]["val_loss"] < scored[0]["val_loss"]
    assert model.history_[-1]["loss"] < model.history_[0]["loss"]
    assert model.weight_change_ > 0  # the encoder itself trained, not only the head
    kinds = [e["kind"] for e in events]
    assert kinds.count("estimate") == 1 and kinds.index("estimate") < kinds.index("epoch")
    assert model.tokens_per_second_ > 0 and model.estimate_ > 0
    assert list(model.predict(["a great and wonderful film", "boring and awful"])) == ["pos", "neg"]
    proba = model.predict_proba(POS)
    assert proba.shape == (4, 2) and abs(float(proba.sum()) - 4) < 1e-4


@pytest.mark.slow
def test_the_shared_encoder_is_left_as_it_was(offline):
    """Fine-tuning trains its own copy, not the encoder every MiniLM encoding shares."""
    from embedlab.analysis import encoders

    shared = encoders.load_encoder("cpu")[0].auto_model
    before = [p.detach().clone() for p in shared.parameters()]
    model = EncoderClassifier(epochs=1, batch_size=4, val_size=0.25, lr=1e-3, max_steps=1)
    model.fit(POS + NEG, ["pos"] * 4 + ["neg"] * 4)
    assert model.weight_change_ > 0 and model.encoder_ is not shared
    assert all(bool((a == b).all()) for a, b in zip(before, shared.parameters(), strict=True))


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        ("one string", ["pos"], "not one string"),
        (["a", "b", "c"], ["pos", "neg"], "Got 3 texts for 2 labels"),
        (["a", "b", "c"], ["pos"] * 3, "one class"),
    ],
)
def test_bad_training_input_is_one_sentence(texts, labels, message):
    with pytest.raises(InputError, match=message) as err:
        EncoderClassifier().fit(texts, labels)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (ClassifyConfig(features="tfidf", finetune=True), "minilm features"),
        (ClassifyConfig(features="minilm", finetune=True, max_length=2), "max_length"),
        (EncoderClassifier(max_length=1000), "max_length must be a whole number"),
        (EncoderClassifier(lr=0), "Learning rates must be above 0"),
    ],
)
def test_bad_settings_are_one_sentence(config, message):
    with pytest.raises(InputError, match=message) as err:
        if isinstance(config, ClassifyConfig):
            config.validate()
        else:
            config.fit(POS + NEG, ["pos"] * 4 + ["neg"] * 4)
    assert "\n" not in str(err.value)


def test_a_fine_tuning_config_describes_itself():
    config = ClassifyConfig(features="minilm", finetune=True, cv=None, test_size=0.2).validate()
    assert config.finetunes_encoder and not config.needs_model
    assert config.describe() == (
        "all-MiniLM-L6-v2 fine-tuned end to end + linear head, held-out 20% test split"
    )
    assert not ClassifyConfig(features="minilm").finetunes_encoder


@pytest.mark.slow
def test_run_classification_scores_it_beside_the_frozen_encoder_and_tfidf(offline, tmp_path):
    texts = [f"{t} {i}" for i in range(3) for t in POS + NEG]
    labels = (["pos"] * 4 + ["neg"] * 4) * 3
    data = LabelledTexts(texts=tuple(texts), labels=tuple(labels), name="tiny")
    events = []
    config = ClassifyConfig(
        features="minilm", finetune=True, cv=None, test_size=0.25, epochs=2, val_size=0.2
    )
    result = run_classification(data, config, events.append, cache_dir=tmp_path)
    assert result.frozen is not None and result.baseline is not None
    assert set(result.frozen) >= {"accuracy", "macro_f1"}
    assert len(result.indices) == 6 and 0 <= result.accuracy <= 1
    assert result.to_json()["frozen"] == result.frozen
    assert result.history and all("val_accuracy" in h for h in result.history)
    stages = [e.stage for e in events]
    assert "estimate" in stages and stages[-1] == "done"
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions)  # the bar only moves forward
