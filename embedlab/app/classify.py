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
from collections.abc import MutableMapping, MutableSet, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from embedlab.analysis.classify.config import CLASSIFIERS, FEATURES, POOLED, ClassifyConfig
from embedlab.app import links

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.analysis.classify.result import ClassificationResult, ClassifyEvent
    from embedlab.analysis.classify.runner import ProgressCallback
    from embedlab.embeddings import Embeddings
    from embedlab.ingest.labelled import LabelledTexts
    from embedlab.jobs.thread import JobBoard, ThreadJob
    from embedlab.store.workspace import ClassificationRecord, Workspace

DEMO_TITLE = "Demo: movie-review sentences, positive or negative (Pang & Lee)"
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")
_HEADER_BYTES = 256 * 1024
_SHOWN_CLASSES = 8
MAP_POINTS = 3_000
"""Most texts the document map draws; more are sampled down to this, class by class."""
MAP_MIN_PER_CLASS = 30
"""A sampled map keeps at least this many texts of each class (all of a smaller class)."""
MAP_CAPTION = (
    "Each dot is a text, coloured by its true class; a ring marks a text the classifier got "
    "wrong, in the colour of the class it predicted. Texts whose features are alike land "
    "close together."
)


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
    from embedlab.ingest.labelled import read_labelled
    from embedlab.ingest.polarity import classify_demo

    if upload is None:
        return classify_demo()
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
        finetune=bool(finetune) and (classifier == "torch" or features == "minilm"),
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
    if result.frozen:  # a fine-tuned encoder's frozen self, on the same splits
        frozen = result.frozen
        rows.insert(1, {"configuration": "all-MiniLM-L6-v2 frozen + logistic regression",
                        "accuracy": frozen["accuracy"], "macro-F1": frozen["macro_f1"],
                        "seconds": None})  # fmt: skip
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


def warm_up() -> None:
    """A spare process for this page's next background run, its imports done
    (`jobs.classify.prepare_classification`); nothing when one waits already."""
    from embedlab.jobs.classify import prepare_classification

    prepare_classification()


def start_in_background(
    board: JobBoard,
    ws: Workspace,
    data: LabelledTexts,
    config: ClassifyConfig,
    emb: Embeddings | None = None,
) -> ThreadJob[ClassificationResult] | None:
    """Start a run that takes seconds or more (the sentence encoder, the torch head, many
    texts: `jobs.classify.runs_as_job`) on `board` and return its job; None when the run is
    quick enough to run now, in the page (`run_now`)."""
    from embedlab.jobs.classify import runs_as_job, start_classification

    if not runs_as_job(config, len(data)):
        return None
    return start_classification(board, ws, data, config, emb)


def run_now(
    ws: Workspace,
    data: LabelledTexts,
    config: ClassifyConfig,
    on_progress: ProgressCallback | None = None,
    emb: Embeddings | None = None,
) -> ClassificationResult:
    """Run a quick classification here and store its report in the workspace."""
    from embedlab.jobs.classify import classify_and_save

    return classify_and_save(ws, data, config, on_progress, emb=emb)


@dataclass(frozen=True)
class Background:
    """What the page does about the background run it remembers (by id, from the URL or the
    session): poll it (`running`), take up its `result`, show why it ended (`message`, a
    warning when `cancelled`), or `forget` an id this server no longer knows."""

    running: bool = False
    result: ClassificationResult | None = None
    message: str | None = None
    cancelled: bool = False
    forget: bool = False


def background(
    job_id: str | None, job: ThreadJob[Any] | None, adopted: MutableSet[str]
) -> Background:
    """Decide what to show of a background run. A finished run's result is taken up once per
    session (`adopted` holds the ids taken): a later run on the page may have replaced it.

    >>> background(None, None, set()), background("gone1", None, set()).forget
    (Background(running=False, result=None, message=None, cancelled=False, forget=False), True)
    """
    if job is None:
        return Background(forget=bool(job_id))
    if not job.finished:
        return Background(running=True)
    if job.result is not None:
        if job.id in adopted:
            return Background()
        adopted.add(job.id)
        return Background(result=job.result)
    cancelled = job.state == "cancelled"
    default = "The run was cancelled." if cancelled else "The run failed."
    return Background(message=job.error or default, cancelled=cancelled)


def result_caption(result: ClassificationResult) -> str:
    """The line under a result's title: the data, its size, classes and majority share."""
    dataset = result.dataset
    return (
        f"On {dataset['name']}: {dataset['documents']:,} texts, {len(result.labels)} classes; "
        f"the largest class is {dataset['majority_share']:.0%} of the texts (what always "
        "guessing it would score)."
    )


def oov_caption(result: ClassificationResult) -> str | None:
    """How many tokens the word-vector model had no vector for; None without pooled features."""
    oov = result.oov
    if oov is None:
        return None
    top = ", ".join(w for w, _ in oov["top_oov"][:10])
    model = (result.model or {}).get("name", "the model")
    return (
        f"{oov['oov_tokens']:,} of {oov['tokens']:,} tokens ({oov['oov_types']:,} distinct "
        f"words) have no vector in {model}; {oov['documents_without_known_words']:,} texts "
        "have no known word at all." + (f" Most common: {top}." if top else "")
    )


def map_sample(
    frame: pd.DataFrame, limit: int = MAP_POINTS, seed: int = 0
) -> tuple[pd.DataFrame, str | None]:
    """The texts of a document map to draw, and the caption that says so when they are a
    sample: about `limit`, drawn class by class in proportion (each class keeps at least
    `MAP_MIN_PER_CLASS`), so 10,000 texts stay a readable map.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"true": ["a"] * 900 + ["b"] * 100, "index": range(1000)})
    >>> shown, caption = map_sample(frame, limit=400)
    >>> len(shown), shown["true"].value_counts().to_dict(), caption[:29]
    (400, {'a': 360, 'b': 40}, 'Showing 400 of 1,000 texts (a')
    >>> map_sample(frame, limit=5000)[1] is None
    True
    """
    import numpy as np

    total = len(frame)
    if total <= limit:
        return frame, None
    rng = np.random.default_rng(seed)
    groups = frame.groupby(frame["true"].astype(str), sort=True).indices
    keep = []
    for rows in groups.values():
        share = max(round(len(rows) * limit / total), MAP_MIN_PER_CLASS)
        keep.append(rng.choice(rows, size=min(share, len(rows)), replace=False))
    shown = frame.iloc[np.sort(np.concatenate(keep))]
    return shown, (
        f"Showing {len(shown):,} of {total:,} texts (a sample of each class), so the map stays "
        "readable; the scores and tables count them all."
    )


def map_caption(sampled: str | None) -> str:
    """The line under the document map: how to read it, and whether it shows a sample."""
    return MAP_CAPTION + (f" {sampled}" if sampled else "")


def cached_map(
    cache: MutableMapping[str, pd.DataFrame], result: ClassificationResult, method: str
) -> pd.DataFrame:
    """The document map of `result` by `method` (`analysis.classify.document_map`), computed
    once and kept in `cache` (the session's, next to the result: a click on a point reruns
    the page, and UMAP or t-SNE of 10,000 texts takes seconds)."""
    from embedlab.analysis.classify import document_map

    if method not in cache:
        cache[method] = document_map(result, method)
    return cache[method]


def model_index(models: Sequence[str], active: str | None) -> int:
    """Where the word-vector picker starts: the active model, else the newest.

    >>> model_index(["new", "lee"], "lee"), model_index(["new"], None)
    (1, 0)
    """
    return models.index(active) if active in models else 0


def history_table(records: Sequence[ClassificationRecord]) -> pd.DataFrame:
    """Earlier runs from the catalog (`Workspace.classifications()`), newest first: data,
    configuration, evaluation, accuracy and macro-F1 next to their baselines' (missing, NaN,
    for a run that is the TF-IDF baseline itself: the page shows an empty cell)."""
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
        settings = report.get("config") or {}
        features = record.features
        if settings.get("finetune") and features == "minilm":  # the encoder itself was trained
            features = "minilm (fine-tuned)"
        rows.append(
            {
                "id": record.id,
                "when": str(record.created)[:16].replace("T", " "),
                "data": record.dataset,
                "features": features,
                "classifier": record.classifier,
                "model": model.get("name") or "",
                "evaluation": report.get("evaluation", ""),
                "accuracy": record.accuracy,
                "macro-F1": record.macro_f1,
                "baseline accuracy": baseline.get("accuracy"),
                "baseline macro-F1": baseline.get("macro_f1"),
            }
        )
    table = pd.DataFrame(rows, columns=columns)
    for column in ("accuracy", "macro-F1", "baseline accuracy", "baseline macro-F1"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table


INTRO = (
    "Train a classifier on labelled texts and see what it gets wrong. Each run is scored on "
    "texts it did not train on (cross-validation or a held-out split) and compared with a "
    "plain TF-IDF + logistic regression baseline on the same splits."
)
HELP: dict[str, str] = {
    "upload": "CSV/TSV with a text and a label column, JSONL objects with a text and a label "
    "field, fastText lines ('__label__pos some text'), label<TAB>text lines, or a .zip with "
    "one folder per class; .gz works too. Any common encoding.",
    "features": "How a text becomes numbers: TF-IDF counts its words; the pooled features "
    "average a word-vector model's vectors (SIF down-weights common words and removes their "
    "shared direction); MiniLM is a pretrained sentence encoder.",
    "no_model": "Pooled word-vector features need a model: train one on the **Train** page or "
    "load one on the **Models** page.",
    "classifier": "Logistic regression on the features, or (with the mean of word vectors) a "
    "small torch network that reads the words through the model's vectors.",
    "projection": "How the texts' features are drawn in 2D: PCA keeps the overall layout, UMAP "
    "and t-SNE keep neighbourhoods. Clusters of one colour are classes the features separate.",
}
"""The page's longer widget help and notes, in one place."""
SOURCES = {"demo": DEMO_TITLE, "upload": "Upload a file"}
EVALUATIONS = {"cv": "Cross-validation", "split": "Held-out split"}
MAP_METHODS = {"pca": "PCA (instant)", "umap": "UMAP", "tsne": "t-SNE"}
HISTORY_SCORES = ("accuracy", "macro-F1", "baseline accuracy", "baseline macro-F1")
"""The score columns of `history_table`."""
HELP["model"] = "The model whose vectors are pooled; the active model by default."
FINETUNE = {
    "label": "Fine-tune the encoder",
    "key": "cls_finetune",
    "help": "Train all-MiniLM-L6-v2 itself with a linear head (one pass over the texts, "
    "keeping the weights that scored best on a validation split; texts cut at 64 word "
    "pieces), and score the frozen encoder + logistic regression on the same splits. "
    "Takes minutes: the estimate shows once it starts.",
}
"""The Classify page's checkbox for fine-tuning the sentence encoder (widget arguments)."""
LINKS: dict[str, links.Field] = {
    "source": links.Field("cls_source", links.choice(list(SOURCES))),
    "features": links.Field("cls_features", links.choice(list(FEATURES))),
    "vectors": links.Field("cls_model"),  # a name the workspace lacks falls back to the first
    "classifier": links.Field("cls_classifier", links.choice(list(CLASSIFIERS))),
    "hidden": links.Field("cls_hidden", links.whole(0, 1024)),
    "epochs": links.Field("cls_epochs", links.whole(1, 200)),
    "finetune": links.Field("cls_finetune", links.flag),
    "eval": links.Field("cls_evaluation", links.choice(list(EVALUATIONS))),
    "folds": links.Field("cls_folds", links.whole(2, 10)),
    "test": links.Field("cls_test_size", links.number(0.1, 0.5)),
    "seed": links.Field("cls_seed", links.whole(0, 2**31 - 1)),
    "map": links.Field("cls_map_method", links.choice(list(MAP_METHODS))),
}
"""The page's settings in its URL (query parameter -> widget), kept across page changes."""


def progress_bar(event: ClassifyEvent | None) -> tuple[float, str]:
    """(fraction done in [0, 1], Markdown text) of a progress bar for an event, or before the
    first one.

    >>> from embedlab.analysis.classify import ClassifyEvent
    >>> progress_bar(ClassifyEvent("fold", 1.5, "fold 5 of 5 done", fold=5, folds=5))
    (1.0, 'Fold 5 of 5 done')
    >>> progress_bar(None)
    (0.0, 'Starting…')
    """
    from embedlab.app.markup import escape_markdown

    if event is None:
        return 0.0, "Starting…"
    fraction = min(max(float(event.fraction), 0.0), 1.0)
    return fraction, escape_markdown(progress_text(event))


def done_text(result: ClassificationResult) -> str:
    """The label of a finished run's status box."""
    return f"Done in {result.seconds:.1f} s: accuracy {result.accuracy:.1%}"


def headline(result: ClassificationResult) -> list[tuple[str, str, str | None, str | None]]:
    """(label, value, delta vs the baseline, help) of each number above a result."""
    rows: list[tuple[str, str, str | None, str | None]] = [
        ("Accuracy", f"{result.accuracy:.3f}", baseline_delta(result, "accuracy"), None),
        ("Macro-F1", f"{result.macro_f1:.3f}", baseline_delta(result, "macro_f1"), None),
    ]
    if result.oov is not None:
        note = "Share of the tokens that have no vector in the model (left out of the features)."
        rows.append(("OOV rate", f"{result.oov['oov_rate']:.1%}", None, note))
    rows.append(("Seconds", f"{result.seconds:.1f}", None, None))
    return rows


def column_label(column: str) -> str:
    """How the column pickers show a column; the empty choice lets the reader guess it."""
    return column or "guess it"
