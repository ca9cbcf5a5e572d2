"""Classification: features, the torch head, splits, the runner and its report."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from embedlab.analysis.classify import (
    ClassificationResult,
    ClassifyConfig,
    document_map,
    run_classification,
    runner,
    splits,
)
from embedlab.analysis.classify.features import PooledVectors, TfidfFeatures, oov_stats
from embedlab.analysis.classify.heads import TorchBagClassifier
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.ingest.labelled import LabelledTexts, demo_labelled
from embedlab.ingest.tokenize import tokenize
from embedlab.jobs.classify import classify_and_save
from embedlab.store.workspace import Workspace


@pytest.fixture(scope="module")
def demo() -> LabelledTexts:
    return demo_labelled()


# --- features -----------------------------------------------------------------------------


def test_oov_counts_are_exact_with_the_corpus_tokenizer():
    emb = Embeddings(["don't", "stop", "film"], np.eye(3))
    stats = oov_stats(["Don't stop the film!", "THE END, the end."], emb)
    # tokens: don't stop the film | the end the end -> 8 tokens, 5 unknown (the ×3, end ×2)
    assert (stats["tokens"], stats["oov_tokens"], stats["oov_types"]) == (8, 5, 2)
    assert stats["oov_rate"] == pytest.approx(5 / 8)
    assert stats["top_oov"] == [["the", 3], ["end", 2]]
    assert stats["documents_without_known_words"] == 1


def test_mean_and_tfidf_weighted_mean_by_hand():
    emb = Embeddings(["a", "b", "c"], np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    train = ["a b", "a c", "a"]
    mean = PooledVectors(emb, "mean").fit(train).transform(["a b b"])
    assert mean[0] == pytest.approx([1 / 3, 2 / 3])
    weighted = PooledVectors(emb, "tfidf").fit(train).transform(["a b b"])
    idf_a, idf_b = np.log(4 / 4) + 1, np.log(4 / 2) + 1  # smooth idf over the 3 training texts
    expected = (idf_a * np.array([1, 0]) + 2 * idf_b * np.array([0, 1])) / (idf_a + 2 * idf_b)
    assert weighted[0] == pytest.approx(expected, abs=1e-6)


def test_sif_removes_the_first_principal_component_fitted_on_training_texts(lee_emb, demo):
    train, test = list(demo.texts[:150]), list(demo.texts[150:])
    sif = PooledVectors(lee_emb, "sif").fit(train)
    u = sif.components_[0]
    assert np.linalg.norm(u) == pytest.approx(1.0, abs=1e-5)
    before = PooledVectors(lee_emb, "mean").fit(train).transform(train)
    assert np.abs(before @ u).mean() > 0.1  # pooled vectors share a strong common direction
    for texts in (train, test):
        after = sif.transform(texts)
        assert np.abs(after @ u).max() < 1e-4
    refit = PooledVectors(lee_emb, "sif").fit(test)
    assert not np.allclose(np.abs(refit.components_[0]), np.abs(u), atol=1e-3)


def test_sif_weights_are_a_over_a_plus_training_frequency():
    emb = Embeddings(["the", "gem", "unseen"], np.eye(3))
    sif = PooledVectors(emb, "sif", a=1e-3).fit(["the " * 49 + "gem"])
    rare, common = 1e-3 / (1e-3 + 1 / 50), 1e-3 / (1e-3 + 49 / 50)  # unseen: as if seen once
    assert sif.weights_ == pytest.approx([common, rare, rare])
    assert sif.weights_[0] < sif.weights_[1] / 10


def test_features_follow_the_estimator_contract(lee_emb, demo):
    for features in (TfidfFeatures(), PooledVectors(lee_emb, "sif")):
        with pytest.raises(NotFittedError):
            features.transform(["text"])
        assert clone(features).get_params().keys() == features.get_params().keys()
    pipe = make_pipeline(PooledVectors(lee_emb, "mean"), LogisticRegression(max_iter=500))
    pipe.fit(list(demo.texts), list(demo.labels))
    assert set(pipe.predict(["a dull film"])) <= {"neg", "pos"}
    with pytest.raises(InputError, match="Unknown pooling 'max'"):
        PooledVectors(lee_emb, "max").fit(["a"])
    with pytest.raises(InputError, match="not one string"):
        TfidfFeatures().fit("one string")


# --- splits and config --------------------------------------------------------------------


def test_folds_are_stratified_disjoint_and_seeded(demo):
    config = ClassifyConfig(cv=5, seed=3)
    folds = splits(demo.labels, config)
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(len(demo)))
    labels = np.asarray(demo.labels)
    for train, test in folds:
        assert not set(train) & set(test)
        assert (labels[test] == "pos").sum() == 20  # 100 pos / 5 folds
    again = splits(demo.labels, config)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    other = splits(demo.labels, ClassifyConfig(cv=5, seed=4))
    assert not np.array_equal(folds[0][1], other[0][1])
    held = splits(demo.labels, ClassifyConfig(cv=None, test_size=0.2))
    assert len(held) == 1 and len(held[0][1]) == 40
    assert (labels[held[0][1]] == "neg").sum() == 20


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"features": "bert"}, "Unknown features 'bert'"),
        ({"classifier": "svm"}, "Unknown classifier 'svm'"),
        ({"features": "mean"}, "pool word vectors; choose a model"),
        ({"classifier": "torch", "features": "mean"}, "torch head starts from word vectors"),
        ({"classifier": "torch", "features": "sif", "model": "m"}, "use features 'mean'"),
        ({"finetune": True}, "Fine-tuning needs the torch classifier"),
        ({"test_size": 0.2}, "not both or neither"),
        ({"cv": None}, "not both or neither"),
        ({"cv": 1}, "cv must be a whole number from 2 to 20"),
        ({"cv": None, "test_size": 0.99}, "test_size must be a share"),
        ({"hidden": -1}, "hidden must be a whole number"),
        ({"epochs": 0}, "epochs must be a whole number"),
        ({"c": 0}, "must be above 0"),
        ({"device": "tpu"}, "Unknown device 'tpu'"),
    ],
)
def test_each_config_rule_has_one_message(changes, message):
    with pytest.raises(InputError, match=message):
        ClassifyConfig(**changes).validate()


# --- the torch head -----------------------------------------------------------------------


def test_torch_head_early_stops_and_its_validation_loss_falls(lee_emb, demo):
    head = TorchBagClassifier(lee_emb, epochs=200, patience=3, lr=0.05, seed=1)
    head.fit(list(demo.texts), list(demo.labels))
    history = head.history_
    assert head.stopped_early_ and len(history) < 200
    assert len(history) == head.best_epoch_ + 3  # patience epochs after the best one
    best = min(e["val_loss"] for e in history)
    assert best < history[0]["val_loss"]
    assert history[head.best_epoch_ - 1]["val_loss"] == best
    assert [e["epoch"] for e in history] == list(range(1, len(history) + 1))
    proba = head.predict_proba(["a dull , tedious mess", "a delight"])
    assert proba.shape == (2, 2) and np.allclose(proba.sum(axis=1), 1)


def test_finetuning_changes_the_word_vectors_and_frozen_keeps_them(lee_emb, demo):
    texts = list(demo.texts[:60] + demo.texts[-60:])
    labels = list(demo.labels[:60] + demo.labels[-60:])
    frozen = TorchBagClassifier(lee_emb, epochs=3, patience=5).fit(texts, labels)
    assert np.array_equal(frozen.embedding_weights(), lee_emb.vectors)
    tuned = TorchBagClassifier(lee_emb, finetune=True, hidden=16, epochs=3, patience=5)
    tuned.fit(texts, labels)
    changed = ~np.isclose(tuned.embedding_weights(), lee_emb.vectors).all(axis=1)
    used = {lee_emb.index(t) for text in texts for t in tokenize(text) if t in lee_emb}
    assert changed.any() and set(np.nonzero(changed)[0]) <= used
    assert np.array_equal(lee_emb.vectors, lee_emb.vectors.copy())  # the model is untouched


# --- the runner ---------------------------------------------------------------------------


def test_tfidf_logreg_beats_the_majority_class_on_pang_lee(demo):
    accuracies = [
        run_classification(demo, ClassifyConfig(cv=10, seed=s)).accuracy for s in range(3)
    ]
    assert np.mean(accuracies) > 0.55  # majority class: 0.5
    rng = np.random.default_rng(0)
    shuffled = LabelledTexts(demo.texts, tuple(rng.permutation(demo.labels)), "shuffled")
    chance = run_classification(shuffled, ClassifyConfig(cv=10)).accuracy
    assert chance < np.mean(accuracies) - 0.05


def test_report_is_consistent_and_stored_in_the_catalog(lee_emb, demo, home):
    ws = Workspace()
    events = []
    config = ClassifyConfig(features="sif", model="lee", seed=2)
    result = classify_and_save(ws, demo, config, events.append, emb=lee_emb)
    assert isinstance(result, ClassificationResult)
    assert result.labels == ["neg", "pos"]
    confusion = np.array(result.confusion)
    assert confusion.sum() == 200 and confusion.trace() == round(result.accuracy * 200)
    assert result.per_class["pos"]["support"] == 100
    wrong = result.mistakes
    assert 0 < len(wrong) <= 20
    assert all(m["true"] != m["predicted"] and demo.texts[m["index"]] == m["text"] for m in wrong)
    assert [m["confidence"] for m in wrong] == sorted(
        (m["confidence"] for m in wrong), reverse=True
    )
    assert result.oov == oov_stats(demo.texts, lee_emb) and result.oov["oov_rate"] > 0.2
    tfidf = run_classification(demo, ClassifyConfig(seed=2))
    assert result.baseline["accuracy"] == tfidf.accuracy  # same splits, same baseline
    assert tfidf.baseline is None
    assert [e.stage for e in events][-1] == "done"
    assert [e.fold for e in events if e.stage == "fold"] == [1, 2, 3, 4, 5]
    assert all(0 <= e.fraction <= 1 for e in events)
    stored = ws.classifications()
    assert [r.id for r in stored] == [result.record_id]
    assert stored[0].features == "sif" and stored[0].report["accuracy"] == result.accuracy
    assert stored[0].report["dataset"]["balance"] == {"neg": 100, "pos": 100}
    frame = result.documents()
    assert len(frame) == 200 and (frame["correct"].mean()) == pytest.approx(result.accuracy)
    coords = document_map(result, "pca")
    assert coords[["x", "y"]].notna().all().all() and len(coords) == 200


def test_torch_run_reports_epochs_and_a_held_out_split(lee_emb, demo):
    events = []
    config = ClassifyConfig(
        features="mean", classifier="torch", model="lee", cv=None, test_size=0.25, epochs=5
    )
    result = run_classification(demo, config, on_progress=events.append, emb=lee_emb)
    assert len(result.indices) == 50 and len(result.y_pred) == 50
    epochs = [e for e in events if e.stage == "epoch"]
    assert epochs and {"epoch", "loss", "val_loss", "val_accuracy"} <= epochs[0].to_dict().keys()
    assert len(result.history) == len(epochs)
    assert result.to_json()["config"]["classifier"] == "torch"


def test_too_few_texts_for_the_folds_is_one_sentence():
    data = LabelledTexts(("a b", "c d", "e f", "g h", "i j"), ("x", "x", "x", "y", "y"), "'t'")
    with pytest.raises(InputError, match="only 2 texts of class 'y', fewer than the 5 folds"):
        run_classification(data, ClassifyConfig(cv=5))


def test_a_model_named_in_the_config_is_loaded_from_the_workspace(lee_emb, demo):
    ws = Workspace()
    ws.add_model(lee_emb, name="lee-w2v")
    config = ClassifyConfig(features="mean", model="lee-w2v", cv=3)
    result = classify_and_save(ws, demo, config, save=False)
    assert result.model["name"] == "lee-w2v" and result.model["dim"] == 50


def test_document_map_of_tfidf_reduces_the_bag_of_words_when_drawn(demo):
    result = run_classification(demo, ClassifyConfig(cv=None, test_size=0.3))
    assert result.features is None and len(result.texts) == 60
    frame = document_map(result, "pca")
    assert len(frame) == 60 and frame["x"].std() > 0 and frame["y"].std() > 0
    wrong = frame[~frame["correct"]]
    assert len(wrong) == round((1 - result.accuracy) * 60)
    assert set(frame["true"]) == {"neg", "pos"}


# --- the baseline, once per dataset and splits ---------------------------------------------


@pytest.fixture
def baseline_fits(monkeypatch):
    """The baseline computations a test makes: a spy around the real `_baseline`."""
    calls = []
    real = runner._baseline

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "_baseline", counted)
    return calls


def test_the_baseline_is_computed_once_per_dataset_and_splits(
    lee_emb, demo, tmp_path, baseline_fits
):
    first = run_classification(
        demo, ClassifyConfig(features="mean", model="lee"), emb=lee_emb, baseline_cache=tmp_path
    )
    assert len(baseline_fits) == 1 and first.baseline["cached"] is False
    assert "baseline" in first.timings
    second = run_classification(
        demo, ClassifyConfig(features="sif", model="lee"), emb=lee_emb, baseline_cache=tmp_path
    )
    assert len(baseline_fits) == 1 and second.baseline["cached"] is True  # reused
    assert "baseline" not in second.timings
    for score in ("accuracy", "macro_f1", "seconds"):
        assert second.baseline[score] == first.baseline[score]
    other_seed = run_classification(
        demo,
        ClassifyConfig(features="sif", model="lee", seed=1),
        emb=lee_emb,
        baseline_cache=tmp_path,
    )
    assert len(baseline_fits) == 2 and other_seed.baseline["cached"] is False
    held_out = ClassifyConfig(features="sif", model="lee", cv=None, test_size=0.25)
    run_classification(demo, held_out, emb=lee_emb, baseline_cache=tmp_path)
    relabelled = LabelledTexts(demo.texts, tuple(reversed(demo.labels)), demo.name)
    run_classification(
        relabelled,
        ClassifyConfig(features="sif", model="lee"),
        emb=lee_emb,
        baseline_cache=tmp_path,
    )
    assert len(baseline_fits) == 4  # other splits, other labels: computed again
    assert len(list(tmp_path.glob("baseline-*.json"))) == 4


def test_a_tfidf_run_is_the_baseline_of_later_runs_on_the_same_splits(
    lee_emb, demo, tmp_path, baseline_fits
):
    tfidf = run_classification(demo, ClassifyConfig(seed=3), baseline_cache=tmp_path)
    assert tfidf.baseline is None and baseline_fits == []
    pooled = run_classification(
        demo,
        ClassifyConfig(features="mean", model="lee", seed=3),
        emb=lee_emb,
        baseline_cache=tmp_path,
    )
    assert baseline_fits == [] and pooled.baseline["cached"] is True
    assert pooled.baseline["accuracy"] == tfidf.accuracy
    assert pooled.baseline["macro_f1"] == tfidf.macro_f1
    fresh = run_classification(
        demo, ClassifyConfig(features="mean", model="lee", seed=3), emb=lee_emb
    )
    assert fresh.baseline["accuracy"] == tfidf.accuracy and fresh.baseline["cached"] is False


def test_a_damaged_baseline_file_is_computed_again(lee_emb, demo, tmp_path, baseline_fits):
    config = ClassifyConfig(features="mean", model="lee", cv=3)
    run_classification(demo, config, emb=lee_emb, baseline_cache=tmp_path)
    (file,) = tmp_path.glob("baseline-*.json")
    file.write_text("{not json", encoding="utf-8")
    again = run_classification(demo, config, emb=lee_emb, baseline_cache=tmp_path)
    assert len(baseline_fits) == 2 and again.baseline["cached"] is False
