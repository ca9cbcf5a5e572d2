"""A classification run for the CLI and the app: load the model, run, store the report.

The analysis (`analysis.classify.run_classification`) takes values and returns a value;
this is the caller that reads the model from the workspace, points the sentence-encoder
cache and the TF-IDF baseline cache at the workspace's cache folders, and saves the report in
the catalog.

>>> import tempfile
>>> from embedlab.analysis.classify import ClassifyConfig
>>> from embedlab.ingest.labelled import demo_labelled
>>> from embedlab.store.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> result = classify_and_save(ws, demo_labelled(), ClassifyConfig(cv=2))
>>> [r.id for r in ws.classifications()] == [result.record_id]
True
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.errors import NotFoundError

if TYPE_CHECKING:
    from embedlab.analysis.classify import ClassificationResult, ClassifyConfig, ProgressCallback
    from embedlab.embeddings import Embeddings
    from embedlab.ingest.labelled import LabelledTexts
    from embedlab.jobs.thread import JobBoard, ThreadJob
    from embedlab.store.workspace import Workspace


def encodings_cache(ws: Workspace) -> Path:
    """Where sentence encodings of labelled sets are cached in a workspace."""
    return ws.root / "cache" / "encodings"


def baselines_cache(ws: Workspace) -> Path:
    """Where TF-IDF baselines are kept per dataset and splits in a workspace."""
    return ws.root / "cache" / "baselines"


def classify_and_save(
    ws: Workspace,
    data: LabelledTexts,
    config: ClassifyConfig,
    on_progress: ProgressCallback | None = None,
    *,
    emb: Embeddings | None = None,
    save: bool = True,
) -> ClassificationResult:
    """Run `config` on `data` (loading `config.model` from `ws` when `emb` is None) and store
    the report unless `save` is False; the result carries the catalog id."""
    from embedlab.analysis.classify import run_classification

    config.validate()
    model_id = None
    if config.needs_model and config.model is not None:
        try:
            record = ws.model(config.model)
        except NotFoundError:
            if emb is None:
                raise
        else:  # a model given as a file (the CLI's path) has no catalog row
            emb = emb if emb is not None else ws.load_model(record.id)
            model_id = record.id
    result = run_classification(
        data,
        config,
        on_progress,
        emb=emb,
        cache_dir=encodings_cache(ws),
        baseline_cache=baselines_cache(ws),
    )
    if not save:
        return result
    stored = ws.save_classification(result.to_json(), model_id=model_id)
    return dataclasses.replace(result, record_id=stored.id)


SLOW_TEXTS = 3_000  # pooled features or TF-IDF on more texts than this run as a job


def runs_as_job(config: ClassifyConfig, texts: int) -> bool:
    """Whether a run is slow enough to go to the background: the sentence encoder (loading
    it takes seconds), the torch head (epochs per fold), or many texts.

    >>> from embedlab.analysis.classify import ClassifyConfig
    >>> runs_as_job(ClassifyConfig(), 200), runs_as_job(ClassifyConfig(features="minilm"), 200)
    (False, True)
    """
    return config.features == "minilm" or config.classifier == "torch" or texts > SLOW_TEXTS


def start_classification(
    board: JobBoard,
    ws: Workspace,
    data: LabelledTexts,
    config: ClassifyConfig,
    emb: Embeddings | None = None,
) -> ThreadJob[ClassificationResult]:
    """Check `config` here (a bad one raises at once), then run and store it on `board`."""
    config.validate()
    return board.start(
        "classification",
        lambda on_progress: classify_and_save(ws, data, config, on_progress, emb=emb),
    )
