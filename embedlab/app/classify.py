"""What the Classify page shows, as plain values: the choices it offers, the config they make,
progress lines, and the tables of a result (scores next to the TF-IDF baseline, per class,
mistakes, earlier runs). The page reads widgets and draws these; nothing here imports streamlit.

>>> from embedlab.ingest.labelled import LabelledTexts
>>> data = LabelledTexts(("good", "bad", "great", "awful"), ("pos", "neg", "pos", "neg"),
...                      name="'toy.csv'")
>>> data_caption(data)
"'toy.csv': 4 texts, 2 classes (neg 2, pos 2)"
>>> feature_choices(has_model=False), classifier_choices("mean")
(['tfidf', 'minilm'], ['logreg', 'torch'])
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from embedlab.analysis.classify.config import CLASSIFIERS, FEATURES, POOLED, ClassifyConfig

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.analysis.classify.result import ClassificationResult, ClassifyEvent
    from embedlab.ingest.labelled import LabelledTexts
    from embedlab.store.workspace import ClassificationRecord

DEMO_TITLE = "Demo: 200 movie-review sentences (100 negative, 100 positive)"
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")
_HEADER_BYTES = 256 * 1024
_SHOWN_CLASSES = 8


def table_columns(data: bytes, filename: str) -> list[str]:
    """The column (CSV/TSV) or field (JSONL) names of an upload, for the column pickers;
    [] for other formats or when the start of the file cannot be read (the reader then says
    what is wrong).

    >>> table_columns(b"id;review;stars\\n1;fine;5\\n", "r.csv")
    ['id', 'review', 'stars']
    >>> table_columns(b'{"text": "a", "y": 1}\\n{"text": "b", "z": 0}\\n', "r.jsonl")
    ['text', 'y', 'z']
    >>> table_columns(b"__label__pos fine\\n", "r.txt")
    []
    """
    from embedlab.ingest.documents import _sniff_delimiter

    lower = filename.lower()
    if not lower.endswith(TABLE_SUFFIXES):
        return []
    head = data[:_HEADER_BYTES]
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not merely a character cut at the sample's end
            return []
        text = head[: err.start].decode("utf-8-sig")
    if "\x00" in text:
        return []
    lines = text.splitlines()
    if not lower.endswith((".jsonl", ".ndjson")):
        if not lines:
            return []
        delimiter = "\t" if lower.endswith(".tsv") else _sniff_delimiter("\n".join(lines[:20]))
        try:
            header = next(csv.reader([lines[0]], delimiter=delimiter))
        except (csv.Error, StopIteration):
            return []
        names = [cell.strip() for cell in header]
        return names if len(names) > 1 and all(names) else []
    keys: dict[str, None] = {}
    for line in lines[:200]:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            keys.update(dict.fromkeys(str(k) for k in record))
    return list(keys)


def load_labelled(
    upload: tuple[str, bytes] | None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> LabelledTexts:
    """The demo set (`upload` None) or an uploaded file's labelled texts; InputError (one
    sentence) when it cannot be read, has one class or a class of one text."""
    from embedlab.ingest.labelled import demo_labelled, read_labelled

    if upload is None:
        return demo_labelled()
    name, data = upload
    return read_labelled(data, name, text_column or None, label_column or None)


def data_caption(data: LabelledTexts) -> str:
    """One line: name, size, classes and how many texts each has."""
    balance = data.balance
    shown = ", ".join(f"{label} {n:,}" for label, n in list(balance.items())[:_SHOWN_CLASSES])
    if len(balance) > _SHOWN_CLASSES:
        shown += f", and {len(balance) - _SHOWN_CLASSES} more"
    return f"{data.name}: {len(data):,} texts, {len(balance)} classes ({shown})"


def feature_choices(has_model: bool) -> list[str]:
    """The features the page offers: pooled word vectors only when a model is at hand."""
    return [f for f in FEATURES if has_model or f not in POOLED]


def classifier_choices(features: str) -> list[str]:
    """The classifiers that go with `features`: the torch head reads word ids, so 'mean' only."""
    return [c for c in CLASSIFIERS if c == "logreg" or features == "mean"]


def make_config(
    features: str,
    classifier: str = "logreg",
    model: str | int | None = None,
    *,
    folds: int | None = 5,
    test_size: float | None = None,
    seed: int = 0,
    hidden: int = 0,
    finetune: bool = False,
    epochs: int = 30,
) -> ClassifyConfig:
    """A validated config from the page's choices; `model` is dropped for features that need
    none (so a run on TF-IDF does not record the active model).

    >>> make_config("tfidf", model="lee").model is None
    True
    >>> make_config("sif", model="lee", folds=None, test_size=0.2).evaluation()
    'held-out 20% test split'
    """
    needs = features in POOLED or classifier == "torch"
    return ClassifyConfig(
        features=features,
        classifier=classifier,
        model=model if needs else None,
        cv=None if test_size is not None else folds,
        test_size=test_size,
        seed=int(seed),
        hidden=int(hidden) if classifier == "torch" else 0,
        finetune=bool(finetune) and classifier == "torch",
        epochs=int(epochs),
    ).validate()


def progress_text(event: ClassifyEvent) -> str:
    """The progress bar's line for one event.

    >>> from embedlab.analysis.classify import ClassifyEvent
    >>> progress_text(ClassifyEvent("encode", 0.1, "encoding", done=64, total=200))
    'Encoding the texts with MiniLM: 64 of 200'
    >>> progress_text(ClassifyEvent("fold", 0.4, "fold 2 of 5 done", fold=2, folds=5))
    'Fold 2 of 5 done'
    """
    if event.stage == "encode" and event.total:
        return f"Encoding the texts with MiniLM: {event.done or 0:,} of {event.total:,}"
    if event.stage == "baseline":
        return "Scoring the TF-IDF + logistic regression baseline on the same splits"
    if event.stage == "done":
        return f"Done: {event.message}"
    message = event.message
    return message[:1].upper() + message[1:]


def _main_seconds(result: ClassificationResult) -> float:
    timings = result.timings
    return float(timings.get("encode", 0.0)) + float(timings.get("fit_predict", 0.0))


def comparison_table(result: ClassificationResult) -> pd.DataFrame:
    """This run next to the TF-IDF baseline on the same splits: configuration, accuracy,
    macro-F1, seconds (the baseline row is missing when the run is the baseline itself)."""
    import pandas as pd

    config = result.config
    name = config.describe().rsplit(", ", 1)[0]
    if result.model and config.needs_model:
        name += f" ({result.model['name']})"
    rows = [
        {
            "configuration": name,
            "accuracy": result.accuracy,
            "macro-F1": result.macro_f1,
            "seconds": round(_main_seconds(result), 2),
        }
    ]
    if result.baseline:
        base = result.baseline
        rows.append(
            {
                "configuration": f"{FEATURES[base['features']]} + "
                f"{CLASSIFIERS[base['classifier']]} (baseline)",
                "accuracy": base["accuracy"],
                "macro-F1": base["macro_f1"],
                "seconds": round(float(base["seconds"]), 2),
            }
        )
    return pd.DataFrame(rows)


def baseline_delta(result: ClassificationResult, score: str) -> str | None:
    """'+0.052 vs TF-IDF': `score` ("accuracy" or "macro_f1") minus the baseline's, or None
    when the run has no baseline."""
    if not result.baseline:
        return None
    return f"{float(getattr(result, score)) - float(result.baseline[score]):+.3f} vs TF-IDF"


def per_class_table(result: ClassificationResult) -> pd.DataFrame:
    """One row per class: precision, recall, F1, support."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "class": label,
                "precision": row["precision"],
                "recall": row["recall"],
                "F1": row["f1-score"],
                "texts": int(row["support"]),
            }
            for label in result.labels
            for row in [result.per_class[label]]
        ]
    )


def mistakes_table(result: ClassificationResult) -> pd.DataFrame:
    """The most confident wrong predictions: text, true, predicted, confidence, row."""
    import pandas as pd

    columns = ["text", "true", "predicted", "confidence", "row"]
    rows = [
        {
            "text": m["text"],
            "true": m["true"],
            "predicted": m["predicted"],
            "confidence": float(m["confidence"]),
            "row": int(m["index"]) + 1,
        }
        for m in result.mistakes
    ]
    return pd.DataFrame(rows, columns=columns)


def selected_documents(frame: pd.DataFrame, points: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The rows of a document map (`document_map`) picked in the chart, by their customdata.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"index": [4, 7], "text": ["a", "b"], "true": ["x", "y"],
    ...     "predicted": ["x", "x"], "confidence": [0.9, 0.6], "correct": [True, False]})
    >>> list(selected_documents(frame, [{"customdata": [7, "b"]}])["text"])
    ['b']
    """
    picked = {int(p["customdata"][0]) for p in points if p.get("customdata")}
    rows = frame[frame["index"].isin(picked)]
    table = rows[["text", "true", "predicted", "confidence", "correct"]].copy()
    table.insert(len(table.columns), "row", rows["index"].astype(int) + 1)
    return table


def history_table(records: Sequence[ClassificationRecord]) -> pd.DataFrame:
    """Earlier runs from the catalog (`Workspace.classifications()`), newest first: data,
    configuration, evaluation, accuracy and macro-F1 next to their baselines'."""
    import pandas as pd

    columns = [
        "id", "when", "data", "features", "classifier", "model", "evaluation",
        "accuracy", "macro-F1", "baseline accuracy", "baseline macro-F1",
    ]  # fmt: skip
    rows = []
    for record in records:
        report = record.report or {}
        baseline = report.get("baseline") or {}
        model = report.get("model") or {}
        rows.append(
            {
                "id": record.id,
                "when": str(record.created)[:16].replace("T", " "),
                "data": record.dataset,
                "features": record.features,
                "classifier": record.classifier,
                "model": model.get("name") or "",
                "evaluation": report.get("evaluation", ""),
                "accuracy": record.accuracy,
                "macro-F1": record.macro_f1,
                "baseline accuracy": baseline.get("accuracy"),
                "baseline macro-F1": baseline.get("macro_f1"),
            }
        )
    return pd.DataFrame(rows, columns=columns)
