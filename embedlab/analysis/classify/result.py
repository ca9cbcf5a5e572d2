"""What a classification run returns: `ClassificationResult`, and its progress events.

The result holds the scores (accuracy, macro-F1, per-class precision/recall/F1, the
confusion matrix), the most confident mistakes, the OOV rate of pooled features, timings,
the TF-IDF baseline on the same splits, and per-document predictions with probabilities
and features, from which `document_map` draws the texts in 2D.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.analysis.classify.config import ClassifyConfig


@dataclass(frozen=True)
class ClassifyEvent:
    """One progress event of a run, for a callback.

    `stage` is "load" (model or encoder), "waiting" (for a free slot: `jobs.child`), "encode"
    (sentence-encoder batches: `done` of `total` texts), "estimate" (a fine-tuning's expected
    time, in `message`), "fold" (fold `fold` of `folds` finished), "epoch" (torch head:
    `epoch` of `epochs` in fold `fold`, with `loss`, `val_loss`, `val_accuracy`), "baseline" or
    "done". `fraction` (0..1) is the share of the whole run done; `message` says it in words.

    >>> ClassifyEvent("fold", 0.4, "fold 2 of 5", fold=2, folds=5).to_dict()["fold"]
    2
    """

    stage: str
    fraction: float
    message: str
    fold: int | None = None
    folds: int | None = None
    epoch: int | None = None
    epochs: int | None = None
    loss: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    done: int | None = None
    total: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The event as a plain dict, without the fields that are None."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True, eq=False)
class ClassificationResult:
    """Scores, mistakes and per-document predictions of one run (`run_classification`).

    `indices` are the dataset positions that were scored (every text under CV, the test
    texts with a held-out split); `y_true`, `y_pred`, `proba` (columns in `labels` order),
    `fold` and `features` (dense, for the map; None for TF-IDF, reduced when drawn) follow
    them. `frozen` holds the frozen encoder + logistic regression's scores on the same
    splits when the encoder itself was fine-tuned.
    """

    config: ClassifyConfig
    dataset: dict[str, Any]
    labels: list[str]
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    mistakes: list[dict[str, Any]]
    oov: dict[str, Any] | None
    seconds: float
    timings: dict[str, float]
    baseline: dict[str, Any] | None
    indices: np.ndarray
    y_true: list[str]
    y_pred: list[str]
    proba: np.ndarray
    fold: np.ndarray
    texts: list[str]
    features: np.ndarray | None = None
    model: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    encoder: dict[str, Any] | None = None
    record_id: int | None = None
    frozen: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The CLI's --json document (and what the catalog stores): scores, not documents."""
        config = self.config.to_dict()
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": self.per_class,
            "confusion": self.confusion,
            "labels": self.labels,
            "baseline": self.baseline,
            "evaluation": self.config.evaluation(),
            "description": self.config.describe(),
            "config": config,
            "dataset": self.dataset,
            "model": self.model,
            "encoder": self.encoder,
            "frozen": self.frozen,
            "oov": self.oov,
            "mistakes": self.mistakes,
            "seconds": self.seconds,
            "timings": self.timings,
            "history": self.history,
            "id": self.record_id,
        }

    def documents(self) -> pd.DataFrame:
        """One row per scored text: index, text, true, predicted, confidence, correct, fold."""
        import pandas as pd

        return pd.DataFrame(
            {
                "index": self.indices,
                "text": self.texts,
                "true": self.y_true,
                "predicted": self.y_pred,
                "confidence": self.proba.max(axis=1) if len(self.proba) else [],
                "correct": np.asarray(self.y_true) == np.asarray(self.y_pred),
                "fold": self.fold,
            }
        )


def document_map(result: ClassificationResult, method: str = "pca", seed: int = 0) -> pd.DataFrame:
    """The scored texts in 2D (PCA, UMAP or t-SNE of their features) with `documents()`.

    Columns: x, y, then those of `result.documents()`; colour by `true`, mark `correct`.
    """
    from embedlab.analysis.project import project
    from embedlab.embeddings import Embeddings
    from embedlab.errors import InputError

    if len(result.texts) < 3:
        raise InputError("A map needs at least 3 scored documents; this result has fewer.")
    features = result.features
    if features is None:
        features = _tfidf_reduced(result.texts, 2 if method == "pca" else 50, seed)
    names = [str(i) for i in range(len(features))]
    features = np.asarray(features, dtype=np.float32)
    jitter = np.zeros_like(features)
    empty = ~np.any(features, axis=1)
    jitter[empty, 0] = 1e-6  # a text without known words has a zero row; keep it drawable
    emb = Embeddings(names, features + jitter)
    kwargs: dict[str, Any] = {"seed": seed, "metric": "euclidean"}
    if method == "tsne":
        kwargs["perplexity"] = float(min(30, max(2, (len(names) - 1) // 3)))
    if method == "umap":
        kwargs["umap_neighbors"] = int(min(15, len(names) - 1))
    projected = project(emb, method, n=len(names), dims=2, **kwargs)  # type: ignore[arg-type]
    frame = result.documents()
    frame.insert(0, "y", projected.coords[:, 1])
    frame.insert(0, "x", projected.coords[:, 0])
    return frame


def _tfidf_reduced(texts: list[str], columns: int, seed: int) -> np.ndarray:
    """TF-IDF of `texts` reduced to `columns` dimensions by truncated SVD (LSA)."""
    from sklearn.decomposition import TruncatedSVD

    from embedlab.analysis.classify.features import TfidfFeatures

    matrix = TfidfFeatures().fit_transform(texts)
    k = max(2, min(columns, matrix.shape[1] - 1, len(texts) - 1))
    return TruncatedSVD(n_components=k, n_iter=3, random_state=seed).fit_transform(matrix)
