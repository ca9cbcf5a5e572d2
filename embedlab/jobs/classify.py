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
from typing import TYPE_CHECKING, Any

from embedlab.errors import NotFoundError

if TYPE_CHECKING:
    from embedlab.analysis.classify import (
        ClassificationResult,
        ClassifyConfig,
        ClassifyEvent,
        ProgressCallback,
    )
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
    """Check `config` here (a bad one raises at once), then run and store it on `board`, in
    a child process (`jobs.child`: as fast as `embedlab classify`, and the server's other
    pages do not wait on it). The child opens the same workspace (a student's space as a
    space) and loads `config.model` itself, as the CLI does, when `emb` is that catalog
    model; other vectors are handed over."""
    from embedlab.jobs.child import start_in_child

    config.validate()
    if emb is not None and _is_catalog_model(ws, config.model, emb):
        emb = None
    vectors = None if emb is None else _parts(emb)
    return start_in_child(
        board,
        "classification",
        classify_in_child,
        _place(ws),
        data,
        config,
        vectors,
        waiting=waiting_event,
        preload=PRELOAD,
    )


PRELOAD = (
    "embedlab.jobs.classify",
    "embedlab.analysis.classify.runner",
    "sklearn.linear_model",
    "sklearn.feature_extraction.text",
)
"""What a spare classification child imports while it waits: scikit-learn and embedlab's
classifiers (1.6 s on this 2-core machine). Not torch with sentence-transformers (6 s
more): a spare still importing them when a job takes it delayed the job, and refilling it
after each job took that CPU from the next one (TF-IDF in the app went from 1.06x to 1.20x
the CLI's time)."""


def prepare_classification() -> None:
    """Have a spare child process waiting for the next classification job, its imports
    done (`jobs.child.prepare_spare`): the Classify page calls this as it opens."""
    from embedlab.jobs.child import prepare_spare

    prepare_spare(PRELOAD)


def waiting_event(ahead: int) -> ClassifyEvent:
    """The progress event of a classification waiting for its turn (`jobs.child`).

    >>> waiting_event(1).message
    'waiting for a free slot: 1 classification is ahead of this one (2 run at once)'
    """
    from embedlab import limits
    from embedlab.analysis.classify import ClassifyEvent

    ahead_text = "1 classification is" if ahead == 1 else f"{ahead} classifications are"
    if ahead == 0:
        ahead_text = "it is next"
    else:
        ahead_text += " ahead of this one"
    running = limits.MAX_CHILD_JOBS.value()
    return ClassifyEvent(
        "waiting", 0.0, f"waiting for a free slot: {ahead_text} ({running} run at once)"
    )


def classify_in_child(
    place: tuple[str, str | None],
    data: LabelledTexts,
    config: ClassifyConfig,
    vectors: tuple[Any, ...] | None,
    on_progress: ProgressCallback,
) -> ClassificationResult:
    """`classify_and_save` in the workspace at `place` (see `_place`), with the vectors
    handed over (`_parts`) if any: a background job's child process runs this."""
    from embedlab.embeddings import Embeddings

    emb = None if vectors is None else Embeddings(*vectors)
    return classify_and_save(_reopen(place), data, config, on_progress, emb=emb)


def _parts(emb: Embeddings) -> tuple[Any, ...]:
    """What `Embeddings(...)` rebuilds `emb` from, in a form that pickles (its `meta` is a
    read-only view, which does not)."""
    return emb.words, emb.vectors, emb.counts, dict(emb.meta), emb.subwords


def _place(ws: Workspace) -> tuple[str, str | None]:
    """Where a child reopens `ws`: (the root, None), or for a student space (the teacher's
    root, the space's name), so it keeps the space's read-only rules."""
    from embedlab.store.spaces import ClassWorkspace

    if isinstance(ws, ClassWorkspace):
        return str(ws.teacher.root), ws.space
    return str(ws.root), None


def _reopen(place: tuple[str, str | None]) -> Workspace:
    from embedlab.store.spaces import ClassWorkspace
    from embedlab.store.workspace import Workspace

    root, space = place
    return Workspace(root) if space is None else ClassWorkspace(root, space)


def _is_catalog_model(ws: Workspace, name: str | None, emb: Embeddings) -> bool:
    """Whether `emb` is (by name and shape) the model `name` of the catalog, so a child can
    load it instead of receiving it."""
    if name is None:
        return False
    try:
        record = ws.model(name)
    except NotFoundError:
        return False
    return (record.vocab, record.dim) == (len(emb), emb.dim)
