"""Text classification with embeddings: features + classifier + report.

Features: TF-IDF (the baseline), pooled word vectors of a catalog model (mean, TF-IDF-
weighted mean, SIF) or the all-MiniLM-L6-v2 sentence encoder. Classifiers: logistic
regression on any features, or a torch head over the model's vectors (frozen or
fine-tuned). `run_classification` scores a config with stratified k-fold CV or a held-out
split and compares it with the TF-IDF baseline on the same splits.

>>> from embedlab.ingest.labelled import demo_labelled
>>> result = run_classification(demo_labelled(), ClassifyConfig(cv=10, seed=1))
>>> result.labels, result.accuracy > 0.55, len(result.confusion)
(['neg', 'pos'], True, 2)
>>> sorted(result.to_json())[:5]
['accuracy', 'baseline', 'config', 'confusion', 'dataset']
"""

from __future__ import annotations

from embedlab.analysis.classify.config import (
    BASELINE,
    CLASSIFIERS,
    FEATURES,
    POOLED,
    ClassifyConfig,
)
from embedlab.analysis.classify.result import ClassificationResult, ClassifyEvent, document_map
from embedlab.analysis.classify.runner import ProgressCallback, run_classification, splits

__all__ = [
    "BASELINE",
    "CLASSIFIERS",
    "FEATURES",
    "POOLED",
    "ClassificationResult",
    "ClassifyConfig",
    "ClassifyEvent",
    "ProgressCallback",
    "document_map",
    "run_classification",
    "splits",
]
