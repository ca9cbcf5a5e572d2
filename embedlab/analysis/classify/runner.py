"""Run one classification: split, featurise, fit, predict, score, compare with the baseline.

Every fold fits its features on its training texts only (TF-IDF weights, SIF's frequencies
and principal component), so the scores are out-of-fold. Sentence-encoder vectors have
nothing to fit; they are computed once per dataset and cached in the folder the caller names.
The TF-IDF baseline's scores depend only on the data and the splits, so they are computed
once per dataset (content hash), evaluation, seed and C, and kept in `baseline_cache` when the
caller names one; a run that is itself the baseline fills that cache too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.analysis.classify.config import BASELINE, ClassifyConfig
from embedlab.analysis.classify.result import ClassificationResult, ClassifyEvent
from embedlab.errors import InputError

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings
    from embedlab.ingest.labelled import LabelledTexts

ProgressCallback = Callable[[ClassifyEvent], None]
_POOLING = {"mean": "mean", "tfidf-mean": "tfidf", "sif": "sif"}


def splits(
    labels: list[str] | tuple[str, ...], config: ClassifyConfig
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays: stratified k folds, or one stratified held-out split.

    Seeded by `config.seed`, so the same config gives the same splits.

    >>> labels = ["a"] * 6 + ["b"] * 4
    >>> folds = splits(labels, ClassifyConfig(cv=2))
    >>> [sorted(labels[i] for i in test).count("b") for _, test in folds]
    [2, 2]
    """
    from sklearn.model_selection import StratifiedKFold, train_test_split

    y = np.asarray(labels)
    rows = np.arange(len(y))
    if config.cv is not None:
        folds = StratifiedKFold(n_splits=config.cv, shuffle=True, random_state=config.seed)
        return [(train, test) for train, test in folds.split(rows, y)]
    try:
        train, test = train_test_split(
            rows, test_size=config.test_size, stratify=y, random_state=config.seed
        )
    except ValueError as err:
        raise InputError(
            f"A {config.test_size:.0%} test split of {len(y):,} texts cannot hold every class "
            f"({err}); use a larger --test-size or cross-validation (--cv)."
        ) from None
    return [(np.sort(train), np.sort(test))]


def _check_sizes(data: LabelledTexts, config: ClassifyConfig) -> None:
    data.check()
    if config.cv is not None:
        label, n = min(data.balance.items(), key=lambda item: item[1])
        if n < config.cv:
            raise InputError(
                f"{data.name} has only {n} texts of class '{label}', fewer than the "
                f"{config.cv} folds; use fewer folds (--cv {max(2, n)}) or a held-out split "
                "(--test-size)."
            )


def _logreg(config: ClassifyConfig, dense: bool) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = LogisticRegression(C=config.c, max_iter=2000, random_state=config.seed)
    return make_pipeline(StandardScaler(), model) if dense else model


def _features(config: ClassifyConfig, emb: Embeddings | None) -> Any:
    from embedlab.analysis.classify.features import PooledVectors, TfidfFeatures

    if config.features == "tfidf":
        return TfidfFeatures()
    return PooledVectors(emb, pooling=_POOLING[config.features])


def run_classification(
    data: LabelledTexts,
    config: ClassifyConfig,
    on_progress: ProgressCallback | None = None,
    *,
    emb: Embeddings | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    baseline_cache: str | os.PathLike[str] | None = None,
) -> ClassificationResult:
    """Evaluate `config` on `data` and return the result; the caller stores it.

    `emb` is the word-vector model for pooled features and the torch head (the caller
    loads `config.model`). Sentence encodings are cached under `cache_dir` when one is
    given. `on_progress` gets `ClassifyEvent`s. With `config.baseline`, TF-IDF + logistic
    regression runs on the same splits and its scores are in `result.baseline`; with a
    `baseline_cache` folder they are read from there when an earlier run on the same data,
    splits and C left them (`result.baseline["cached"]` is then True), else computed and
    written there.
    """
    started = time.perf_counter()
    config.validate()
    _check_sizes(data, config)
    notify = on_progress or (lambda event: None)
    timings: dict[str, float] = {}
    if config.needs_model and emb is None:
        raise InputError(
            f"The features '{config.features}' need a word-vector model; choose one first."
        )
    model_info = None
    if config.needs_model and emb is not None:
        model_info = {
            "name": emb.name,
            "vocab": len(emb),
            "dim": emb.dim,
        }
    from embedlab.device import resolve_device

    uses_torch = config.features == "minilm" or config.classifier == "torch"
    device = resolve_device(config.device) if uses_torch else "cpu"  # no torch import for TF-IDF
    folds = splits(data.labels, config)
    encoded, encoder_info = None, None
    has_baseline = config.baseline and not config.is_baseline
    share_encode = 0.3 if config.features == "minilm" else 0.0
    if config.finetunes_encoder:  # encoding (for the frozen comparison) is a small part
        share_encode = 0.05
    share_base = 0.1 if has_baseline else 0.0
    share_main = 1.0 - share_encode - share_base
    if config.features == "minilm":
        encoded, encoder_info = _encode(data, cache_dir, device, share_encode, notify)
        timings["encode"] = encoder_info["seconds"]
    texts = list(data.texts)
    labels = np.asarray(data.labels)
    classes = list(data.classes)
    proba_rows: list[np.ndarray] = []
    index_rows: list[np.ndarray] = []
    fold_rows: list[np.ndarray] = []
    frozen_rows: list[np.ndarray] = []
    history: list[dict[str, Any]] = []
    fit_start = time.perf_counter()
    for number, (train, test) in enumerate(folds, 1):
        base = share_encode + share_main * (number - 1) / len(folds)

        def on_epoch(event: dict[str, Any], number: int = number, base: float = base) -> None:
            frac = base + share_main / len(folds) * event["epoch"] / event["epochs"]
            if "message" in event:  # the fine-tuned encoder: steps, estimate, validation
                _notify_finetune(notify, event, min(frac, 1.0), number, len(folds), history)
                return
            history.append({"fold": number, **event})
            notify(
                ClassifyEvent(
                    "epoch",
                    min(frac, 1.0),
                    f"fold {number} of {len(folds)}: epoch {event['epoch']}, loss "
                    f"{event['loss']:.4f}, validation accuracy {event['val_accuracy']:.1%}",
                    fold=number,
                    folds=len(folds),
                    epoch=event["epoch"],
                    epochs=event["epochs"],
                    loss=event["loss"],
                    val_loss=event["val_loss"],
                    val_accuracy=event["val_accuracy"],
                )
            )

        proba = _fit_predict(
            config, emb, encoded, texts, labels, classes, train, test, device, on_epoch
        )
        proba_rows.append(proba)
        if config.finetunes_encoder:  # the frozen encoder + logistic regression, same fold
            frozen_config = dataclasses.replace(config, finetune=False)
            frozen_rows.append(
                _fit_predict(
                    frozen_config,
                    None,
                    encoded,
                    texts,
                    labels,
                    classes,
                    train,
                    test,
                    device,
                    _ignore,
                )  # fmt: skip
            )
        index_rows.append(test)
        fold_rows.append(np.full(len(test), number))
        notify(
            ClassifyEvent(
                "fold",
                share_encode + share_main * number / len(folds),
                f"fold {number} of {len(folds)} done",
                fold=number,
                folds=len(folds),
            )
        )
    timings["fit_predict"] = time.perf_counter() - fit_start
    indices = np.concatenate(index_rows)
    order = np.argsort(indices, kind="stable")
    indices = indices[order]
    proba = np.concatenate(proba_rows)[order]
    fold = np.concatenate(fold_rows)[order]
    baseline = None
    scores = _scores(labels[indices], proba, classes)
    frozen = None
    if frozen_rows:
        frozen_scores = _scores(labels[indices], np.concatenate(frozen_rows)[order], classes)
        frozen = {
            "features": "minilm",
            "classifier": "logreg",
            "accuracy": frozen_scores["accuracy"],
            "macro_f1": frozen_scores["macro_f1"],
        }
    if has_baseline:
        baseline = _read_baseline(baseline_cache, data, config)
        if baseline is None:
            notify(
                ClassifyEvent("baseline", 1.0 - share_base, "TF-IDF + logistic regression baseline")
            )
            baseline = _baseline(config, texts, labels, classes, folds)
            _write_baseline(baseline_cache, data, config, baseline)
            timings["baseline"] = baseline["seconds"]
    elif config.is_baseline:  # this run's scores are the baseline of later runs on the data
        scores_only = {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}
        seconds = {"seconds": timings["fit_predict"]}
        _write_baseline(baseline_cache, data, config, _baseline_entry(scores_only, seconds))
    features = _map_features(config, emb, encoded, texts, indices)
    from embedlab.analysis.classify.features import oov_stats

    oov = oov_stats(texts, emb) if config.needs_model and emb is not None else None
    y_pred = [classes[i] for i in proba.argmax(axis=1)]
    result = ClassificationResult(
        config=config,
        dataset=data.summary(),
        labels=classes,
        accuracy=scores["accuracy"],
        macro_f1=scores["macro_f1"],
        per_class=scores["per_class"],
        confusion=scores["confusion"],
        mistakes=_mistakes(texts, labels, indices, proba, classes, config.max_mistakes),
        oov=oov,
        seconds=time.perf_counter() - started,
        timings={k: round(v, 4) for k, v in timings.items()},
        baseline=baseline,
        indices=indices,
        y_true=[str(v) for v in labels[indices]],
        y_pred=y_pred,
        proba=proba.astype(np.float32),
        fold=fold,
        texts=[texts[i] for i in indices],
        features=features,
        model=model_info,
        history=history,
        encoder=encoder_info,
        frozen=frozen,
    )
    notify(ClassifyEvent("done", 1.0, f"accuracy {result.accuracy:.1%}"))
    return result


def _notify_finetune(
    notify: ProgressCallback,
    event: dict[str, Any],
    fraction: float,
    number: int,
    folds: int,
    history: list[dict[str, Any]],
) -> None:
    """One event of the fine-tuned encoder as a `ClassifyEvent` (validation scores also go to
    `history`)."""
    fold = f"fold {number} of {folds}: " if folds > 1 else ""
    scored = event["kind"] == "epoch"
    if scored:
        keep = ("epoch", "epochs", "step", "steps", "loss", "val_loss", "val_accuracy")
        history.append({"fold": number, **{k: event[k] for k in keep}})
    notify(
        ClassifyEvent(
            "estimate" if event["kind"] == "estimate" else "epoch",
            fraction,
            fold + event["message"],
            fold=number,
            folds=folds,
            loss=event.get("loss") if scored else None,
            val_loss=event.get("val_loss"),
            val_accuracy=event.get("val_accuracy"),
            done=event.get("step"),
            total=event.get("steps"),
        )
    )


def _encode(
    data: LabelledTexts,
    cache_dir: str | os.PathLike[str] | None,
    device: str,
    share: float,
    notify: ProgressCallback,
) -> tuple[np.ndarray, dict[str, Any]]:
    from embedlab.analysis.encoders import ENCODERS, encode, encode_cached

    notify(ClassifyEvent("load", 0.0, f"loading the sentence encoder {ENCODERS['minilm']}"))

    def on_batch(done: int, total: int) -> None:
        notify(
            ClassifyEvent(
                "encode",
                share * done / total,
                f"encoded {done:,} of {total:,} texts",
                done=done,
                total=total,
            )
        )

    if cache_dir is None:
        start = time.perf_counter()
        vectors = encode(data.texts, device, "minilm", on_progress=on_batch)
        info = {"cached": False, "seconds": time.perf_counter() - start, "device": device}
    else:
        vectors, info = encode_cached(
            data.texts, data.content_hash, cache_dir, device, "minilm", on_progress=on_batch
        )
    info = {"name": ENCODERS["minilm"], **info, "texts": len(data)}
    return vectors, info


def _fit_predict(
    config: ClassifyConfig,
    emb: Embeddings | None,
    encoded: np.ndarray | None,
    texts: list[str],
    labels: np.ndarray,
    classes: list[str],
    train: np.ndarray,
    test: np.ndarray,
    device: str,
    on_epoch: Callable[[dict[str, Any]], None],
) -> np.ndarray:
    """Class probabilities (columns in `classes` order) of the test rows."""
    train_texts = [texts[i] for i in train]
    test_texts = [texts[i] for i in test]
    if config.finetunes_encoder:
        from embedlab.analysis.classify.finetune import MAX_EPOCHS, EncoderClassifier

        tuned = EncoderClassifier(
            max_length=config.max_length,
            epochs=min(config.epochs, MAX_EPOCHS),
            patience=min(config.patience, 2),
            val_size=config.val_size,
            device=device,
            seed=config.seed,
            on_epoch=on_epoch,
        )
        tuned.fit(train_texts, labels[train])
        return _aligned(tuned.predict_proba(test_texts), tuned.classes_, classes)
    if config.classifier == "torch":
        from embedlab.analysis.classify.heads import TorchBagClassifier

        head = TorchBagClassifier(
            emb,
            hidden=config.hidden,
            finetune=config.finetune,
            epochs=config.epochs,
            patience=config.patience,
            val_size=config.val_size,
            device=device,
            seed=config.seed,
            on_epoch=on_epoch,
        )
        head.fit(train_texts, labels[train])
        return _aligned(head.predict_proba(test_texts), head.classes_, classes)
    if encoded is not None:
        x_train, x_test = encoded[train], encoded[test]
        dense = True
    else:
        features = _features(config, emb)
        x_train = features.fit_transform(train_texts)
        x_test = features.transform(test_texts)
        dense = config.features != "tfidf"
    model = _logreg(config, dense)
    model.fit(x_train, labels[train])
    return _aligned(model.predict_proba(x_test), model.classes_, classes)


def _aligned(proba: np.ndarray, seen: np.ndarray, classes: list[str]) -> np.ndarray:
    """Probabilities with one column per class in `classes` (0 for classes a fold lacked)."""
    out = np.zeros((len(proba), len(classes)), dtype=np.float64)
    where = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(seen):
        out[:, where[str(c)]] = proba[:, j]
    return out


def _baseline(
    config: ClassifyConfig,
    texts: list[str],
    labels: np.ndarray,
    classes: list[str],
    folds: list[tuple[np.ndarray, np.ndarray]],
) -> dict[str, Any]:
    start = time.perf_counter()
    base = ClassifyConfig(
        features=BASELINE[0],
        classifier=BASELINE[1],
        cv=config.cv,
        test_size=config.test_size,
        seed=config.seed,
        c=config.c,
    )
    rows, probas = [], []
    for train, test in folds:
        probas.append(
            _fit_predict(base, None, None, texts, labels, classes, train, test, "cpu", _ignore)
        )
        rows.append(test)
    indices = np.concatenate(rows)
    scores = _scores(labels[indices], np.concatenate(probas), classes)
    return _baseline_entry(scores, {"seconds": time.perf_counter() - start})


def _baseline_entry(scores: dict[str, Any], seconds: dict[str, float]) -> dict[str, Any]:
    return {
        "features": BASELINE[0],
        "classifier": BASELINE[1],
        "accuracy": scores["accuracy"],
        "macro_f1": scores["macro_f1"],
        **seconds,
        "cached": False,
    }


BASELINE_RECIPE = "tfidf(1,2),sublinear,min_df=1+logreg(max_iter=2000)/1"
"""Names how the baseline is computed; a change to it must change this, so that baselines
cached by an older recipe are not read."""


def baseline_key(data: LabelledTexts, config: ClassifyConfig) -> dict[str, Any]:
    """What the baseline's scores depend on: the data (texts and labels, by content hash),
    the evaluation (folds or test share), the seed, C and the recipe.

    >>> from embedlab.ingest.labelled import demo_labelled
    >>> a = baseline_key(demo_labelled(), ClassifyConfig(features="minilm"))
    >>> a == baseline_key(demo_labelled(), ClassifyConfig()), sorted(a)
    (True, ['c', 'cv', 'data', 'recipe', 'seed', 'test_size'])
    """
    return {
        "data": data.content_hash,
        "cv": config.cv,
        "test_size": None if config.cv is not None else config.test_size,
        "seed": config.seed,
        "c": float(config.c),
        "recipe": BASELINE_RECIPE,
    }


def baseline_file(folder: str | os.PathLike[str], key: dict[str, Any]) -> Path:
    """The JSON file that keeps the baseline of `key` in `folder`."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    return Path(folder) / f"baseline-{digest}.json"


def _read_baseline(
    folder: str | os.PathLike[str] | None, data: LabelledTexts, config: ClassifyConfig
) -> dict[str, Any] | None:
    """The cached baseline of this data and these splits (marked `cached`), or None."""
    if folder is None:
        return None
    key = baseline_key(data, config)
    try:
        stored = json.loads(baseline_file(folder, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    entry = stored.get("baseline")
    if not isinstance(entry, dict) or not {"accuracy", "macro_f1", "seconds"} <= entry.keys():
        return None
    return {**entry, "cached": True}


def _write_baseline(
    folder: str | os.PathLike[str] | None,
    data: LabelledTexts,
    config: ClassifyConfig,
    baseline: dict[str, Any],
) -> None:
    """Keep the baseline for later runs (written under a temporary name, then renamed)."""
    if folder is None:
        return
    key = baseline_key(data, config)
    file = baseline_file(folder, key)
    entry = {k: v for k, v in baseline.items() if k != "cached"}
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f".{uuid.uuid4().hex}.json")
        try:
            tmp.write_text(json.dumps({"key": key, "baseline": entry}), encoding="utf-8")
            os.replace(tmp, file)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written costs a recomputation next time, nothing else


def _scores(y_true: np.ndarray, proba: np.ndarray, classes: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    y_pred = np.asarray(classes)[proba.argmax(axis=1)]
    report = classification_report(
        y_true, y_pred, labels=classes, output_dict=True, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=classes, average="macro", zero_division=0)
        ),
        "per_class": {c: {k: float(v) for k, v in report[c].items()} for c in classes},
        "confusion": confusion_matrix(y_true, y_pred, labels=classes).tolist(),
    }


def _mistakes(
    texts: list[str],
    labels: np.ndarray,
    indices: np.ndarray,
    proba: np.ndarray,
    classes: list[str],
    top: int,
) -> list[dict[str, Any]]:
    """The wrong predictions the classifier was surest of, most confident first."""
    predicted = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    wrong = [k for k in range(len(indices)) if classes[predicted[k]] != labels[indices[k]]]
    wrong.sort(key=lambda k: -confidence[k])
    return [
        {
            "index": int(indices[k]),
            "text": texts[indices[k]],
            "true": str(labels[indices[k]]),
            "predicted": classes[predicted[k]],
            "confidence": float(confidence[k]),
        }
        for k in wrong[:top]
    ]


def _map_features(
    config: ClassifyConfig,
    emb: Embeddings | None,
    encoded: np.ndarray | None,
    texts: list[str],
    indices: np.ndarray,
) -> np.ndarray | None:
    """Dense features of the scored texts for the map (fitted on all texts), or None."""
    chosen = [texts[i] for i in indices]
    if len(chosen) < 3:
        return None
    if encoded is not None:
        return np.ascontiguousarray(encoded[indices], dtype=np.float32)
    if config.features == "tfidf":
        return None  # sparse: `document_map` reduces it when a map is asked for
    from embedlab.analysis.classify.features import PooledVectors

    pooling = _POOLING.get(config.features, "mean")
    return PooledVectors(emb, pooling=pooling).fit(texts).transform(chosen)


def _ignore(event: dict[str, Any]) -> None:
    """An epoch callback that does nothing (the baseline has no epochs)."""
