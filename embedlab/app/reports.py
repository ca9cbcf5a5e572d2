"""What the app shows about models and their scores, as plain rows and values.

The Models page lists the catalog with each model's latest scores (`catalog_rows`),
one model's details (`model_details`) and runs side by side (`compare_models`); the
Evaluate page runs a benchmark into a `BenchmarkReport` (the result plus every compared
word pair, for a scatter) and compares scores across models (`scores_across_models`).
Rows are lists of dicts, ready for `st.dataframe`; nothing here imports streamlit.

>>> fmt_score("accuracy", 0.1234), fmt_score("spearman", -0.0904), fmt_score("x", None)
('12.3 %', '-0.090', '—')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from embedlab.analysis.evaluate import (
    BENCHMARKS,
    DEFAULT_RESTRICT,
    AnalogyResult,
    SimilarityResult,
    benchmark_path,
    read_similarity_file,
    run_benchmark,
)
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.formats.uploads import upload_as_file
from embedlab.store.workspace import ModelRecord, Workspace

Metrics = Mapping[str, Mapping[str, Any]]
"""One model's metrics: benchmark name -> stored result dict (`Workspace.metrics`)."""

BENCHMARK_TITLES: dict[str, str] = {
    "analogy": "Google analogies",
    "ws353": "WordSim353",
    "simlex": "SimLex-999",
}
FORMAT_NAMES: dict[str, str] = {
    "word2vec": "word2vec text",
    "word2vec-bin": "word2vec binary",
    "glove": "GloVe text",
    "fasttext": "fastText binary",
    "tsv": "projector TSV",
    "native": "embedlab folder",
    "pickle": "gensim pickle",
}
_TIMINGS = {
    "vocab_seconds": "Vocabulary scan (s)",
    "train_seconds": "Training (s)",
    "total_seconds": "Total (s)",
}
_RESERVED = ("Setting", "Differs")
_FACTS = ("Origin", "Made with", "Corpus", "Vocabulary", "Dimension")
_TRAINING = ("Training seconds", "Words per second", "Final loss")
MISSING = "—"


# --- small formatting helpers --------------------------------------------------------------
def benchmark_title(benchmark: str) -> str:
    """A benchmark's display name: "WordSim353" for "ws353", a file's own name otherwise.

    >>> benchmark_title("simlex"), benchmark_title("my-pairs.tsv")
    ('SimLex-999', 'my-pairs.tsv')
    """
    return BENCHMARK_TITLES.get(benchmark, benchmark)


def headline(result: Mapping[str, Any]) -> tuple[str, float | None]:
    """(metric name, value) of a stored result: accuracy for analogies, else Spearman.

    >>> headline({"accuracy": 0.25, "sections": {}}), headline({"spearman": None})
    (('accuracy', 0.25), ('spearman', None))
    """
    if "accuracy" in result:
        return "accuracy", _number(result.get("accuracy"))
    return "spearman", _number(result.get("spearman"))


def fmt_score(metric: str, value: float | None) -> str:
    """An accuracy as a percentage, a correlation with three decimals."""
    if value is None or not math.isfinite(value):
        return MISSING
    if metric == "accuracy":
        return f"{value:.1%}".replace("%", " %")
    return f"{value:.3f}"


def percent(share: float) -> str:
    """A share as a whole percentage; nearly none is "<1 %" and nearly all ">99 %".

    >>> percent(395 / 19544), percent(0.004), percent(0), percent(0.998), percent(1)
    ('2 %', '<1 %', '0 %', '>99 %', '100 %')
    """
    if 0 < share < 0.005:
        return "<1 %"
    if 0.995 <= share < 1:
        return ">99 %"
    return f"{round(share * 100)} %"


def coverage_text(result: AnalogyResult | SimilarityResult | Mapping[str, Any]) -> str:
    """How much of a benchmark the model could take part in, in words.

    >>> coverage_text({"total": 395, "questions": 19544, "accuracy": 0.1})
    'answered 395 of 19,544 questions — 2 %'
    >>> coverage_text({"pairs": 109, "total": 353, "spearman": 0.2})
    'compared 109 of 353 pairs — 31 %'
    """
    d = result if isinstance(result, Mapping) else vars(result)
    if "questions" in d:
        done, of = int(d["total"]), int(d["questions"])
        return f"answered {done:,} of {of:,} questions — {percent(done / of if of else 0)}"
    done, of = int(d["pairs"]), int(d["total"])
    return f"compared {done:,} of {of:,} pairs — {percent(done / of if of else 0)}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str:
    """A value as table text: None as a dash, floats without noise."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def _created(stamp: str) -> str:
    """'2026-11-22T11:11:07+00:00' -> '2026-11-22 11:11' (UTC)."""
    return stamp.replace("T", " ")[:16] if stamp else MISSING


# --- the catalog --------------------------------------------------------------------------
def made_with(record: ModelRecord) -> str:
    """How the model was made: the algorithm of a trained one, the format of an import.

    >>> from pathlib import Path
    >>> rec = ModelRecord(1, "m", Path("."), "imported", None, None, None, 2, 2, "", {"format":
    ...     "word2vec-bin"})
    >>> made_with(rec)
    'word2vec binary'
    """
    meta = record.meta
    if record.origin == "trained":
        description = str(meta.get("description") or "")
        return description.split(",")[0] or str(meta.get("algo") or "trained")
    fmt = str(meta.get("format") or "")
    return FORMAT_NAMES.get(fmt, fmt or record.origin)


def workspace_metrics(ws: Workspace, records: Sequence[ModelRecord]) -> dict[str, Metrics]:
    """Every listed model's latest stored scores, by model name."""
    return {r.name: ws.metrics(r.id) for r in records}


def catalog_rows(
    records: Sequence[ModelRecord], metrics: Mapping[str, Metrics], active: str | None = None
) -> list[dict[str, Any]]:
    """One row per model: what it is, where it came from, and its latest benchmark scores.

    Scores are numbers (None where the benchmark has not been run): the analogy accuracy
    as a share, the similarity benchmarks as Spearman correlations.

    >>> from pathlib import Path
    >>> rec = ModelRecord(1, "lee", Path("."), "trained", 1, "lee", 1, 2747, 32,
    ...     "2026-01-02T03:04:05+00:00", {"description": "word2vec skip-gram, 32d"})
    >>> row = catalog_rows([rec], {"lee": {"ws353": {"spearman": 0.25}}}, active="lee")[0]
    >>> row["Made with"], row["Vocabulary"], row["WS353 Spearman"], row["Analogy accuracy"]
    ('word2vec skip-gram', 2747, 0.25, None)
    """
    rows = []
    for r in records:
        scores = metrics.get(r.name, {})
        corpus = r.corpus_name or (str(r.meta.get("source")) if r.meta.get("source") else None)
        rows.append(
            {
                "Active": r.name == active,
                "Model": r.name,
                "Origin": r.origin,
                "Made with": made_with(r),
                "Corpus or file": corpus,
                "Vocabulary": r.vocab,
                "Dimension": r.dim,
                "Analogy accuracy": _number(scores.get("analogy", {}).get("accuracy")),
                "WS353 Spearman": _number(scores.get("ws353", {}).get("spearman")),
                "SimLex Spearman": _number(scores.get("simlex", {}).get("spearman")),
                "Created (UTC)": _created(r.created),
            }
        )
    return rows


@dataclass
class ModelDetails:
    """What the Models page shows about one model; each table is a list of row dicts."""

    summary: list[dict[str, str]]
    config: list[dict[str, str]]
    timings: list[dict[str, Any]]
    versions: list[dict[str, str]]
    epoch_losses: list[tuple[int, float]]
    """(epoch, loss) for each epoch, counted from 1; empty when the trainer reported none."""
    no_curve: str | None = None
    """Why there is no training curve, when there is none."""

    @property
    def curve_caption(self) -> str:
        """The line under the training curve, or why there is none."""
        return self.no_curve or (
            "The loss after each epoch: a falling line means the model was still learning, a "
            "flat one that more epochs would have changed little."
        )


def model_details(record: ModelRecord) -> ModelDetails:
    """A model's facts, its training config, timings, library versions and loss per epoch.

    >>> from pathlib import Path
    >>> rec = ModelRecord(1, "glove", Path("."), "imported", None, None, None, 5, 50, "",
    ...     {"format": "glove", "source": "glove.6B.50d.txt"})
    >>> d = model_details(rec)
    >>> d.summary[2], d.config, d.no_curve[:40]
    ({'Fact': 'Made with', 'Value': 'GloVe text'}, [], 'Imported vectors have no training curve;')
    """
    meta = record.meta
    facts: list[tuple[str, Any]] = [
        ("Name", record.name),
        ("Origin", record.origin),
        ("Made with", made_with(record)),
        ("Description", meta.get("description")),
        ("Corpus", record.corpus_name),
        ("Source file", meta.get("source") if record.origin != "trained" else None),
        ("Vocabulary", f"{record.vocab:,} words"),
        ("Dimension", record.dim),
        ("Created (UTC)", _created(record.created)),
        ("Corpus words seen", meta.get("corpus_words")),
        ("Words per second", _rounded(meta.get("words_per_sec"))),
        ("Seed", meta.get("seed")),
    ]
    summary = [{"Fact": k, "Value": _text(v)} for k, v in facts if v not in (None, "")]
    config = [{"Setting": str(k), "Value": _text(v)} for k, v in (meta.get("config") or {}).items()]
    timings = [
        {"Step": _TIMINGS.get(str(k), str(k)), "Seconds": round(float(v), 3)}
        for k, v in (meta.get("timings") or {}).items()
        if _number(v) is not None
    ]
    versions = [
        {"Library": str(k), "Version": str(v)} for k, v in (meta.get("versions") or {}).items()
    ]
    raw = meta.get("epoch_losses") or []
    losses = [(i, float(x)) for i, x in enumerate(raw, 1) if _number(x) is not None]
    no_curve = None
    if not losses:
        if record.origin != "trained":
            no_curve = "Imported vectors have no training curve; only models trained here do."
        else:
            no_curve = (
                f"This {meta.get('algo') or 'model'} run reported no loss, so there is no "
                "training curve (gensim's FastText does not compute one)."
            )
    return ModelDetails(summary, config, timings, versions, losses, no_curve)


def _rounded(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


# --- runs side by side --------------------------------------------------------------------
def _benchmark_order(names: set[str]) -> list[str]:
    return [b for b in BENCHMARKS if b in names] + sorted(names - set(BENCHMARKS))


def _comparison_fields(record: ModelRecord, scores: Metrics) -> dict[str, str]:
    meta = record.meta
    timings = meta.get("timings") or {}
    losses = meta.get("epoch_losses") or []
    fields: dict[str, Any] = dict(
        zip(
            _FACTS + _TRAINING,
            (
                record.origin,
                made_with(record),
                record.corpus_name or meta.get("source"),
                record.vocab,
                record.dim,
                _number(timings.get("train_seconds")),
                _rounded(meta.get("words_per_sec")),
                _number(losses[-1]) if losses else None,
            ),
            strict=True,
        )
    )
    for key, value in (meta.get("config") or {}).items():
        fields[f"config: {key}"] = value
    for bench, result in scores.items():
        metric, value = headline(result)
        fields[f"{benchmark_title(bench)}: {metric}"] = fmt_score(metric, value)
        coverage = _number(result.get("coverage"))
        fields[f"{benchmark_title(bench)}: coverage"] = (
            None if coverage is None else percent(coverage)
        )
    return {k: _text(v) for k, v in fields.items()}


def compare_models(
    records: Sequence[ModelRecord], metrics: Mapping[str, Metrics]
) -> list[dict[str, Any]]:
    """Models side by side: one row per fact, score and config key, one column per model.

    Each row has "Setting", "Differs" (whether the models disagree) and one text column
    per model (a missing value is "—"). The rows that differ come first; within each
    group the facts lead, then the scores, the training figures and the config.

    >>> from pathlib import Path
    >>> def rec(i, name, dim, window):
    ...     return ModelRecord(i, name, Path("."), "trained", 1, "lee", i, 100, dim, "",
    ...                        {"config": {"dim": dim, "window": window}})
    >>> rows = compare_models([rec(1, "a", 32, 5), rec(2, "b", 64, 5)], {"a": {}, "b": {}})
    >>> [(r["Setting"], r["Differs"], r["a"], r["b"]) for r in rows[:3]]
    [('Dimension', True, '32', '64'), ('config: dim', True, '32', '64'), ('Origin', False, \
'trained', 'trained')]
    """
    columns = [f"{r.name} (model)" if r.name in _RESERVED else r.name for r in records]
    per_model = [_comparison_fields(r, metrics.get(r.name, {})) for r in records]
    settings: list[str] = []
    for fields in per_model:
        settings += [k for k in fields if k not in settings]
    config = [s for s in settings if s.startswith("config: ")]
    fixed = [s for s in settings if s in _FACTS or s in _TRAINING]
    scores = [s for s in settings if s not in config and s not in fixed]
    ordered = [*_FACTS, *_score_order(scores), *_TRAINING, *config]
    rows = []
    for setting in ordered:
        values = [fields.get(setting, MISSING) for fields in per_model]
        row: dict[str, Any] = {"Setting": setting, "Differs": len(set(values)) > 1}
        row.update(zip(columns, values, strict=True))
        rows.append(row)
    return sorted(rows, key=lambda row: not row["Differs"])  # stable: order kept in groups


def _score_order(settings: list[str]) -> list[str]:
    """Score rows grouped by benchmark, the built-in benchmarks first."""
    titles = {benchmark_title(b): i for i, b in enumerate(BENCHMARKS)}
    return sorted(settings, key=lambda s: (titles.get(s.split(": ")[0], len(titles)), s))


# --- scores across models ------------------------------------------------------------------
class ModelScore(NamedTuple):
    """One model's headline score on one benchmark (a tuple, so charts take it as is)."""

    model: str
    score: float
    coverage: float | None
    metric: str


def scores_across_models(metrics: Mapping[str, Metrics]) -> dict[str, list[ModelScore]]:
    """Per benchmark, every model that has a score on it (built-in benchmarks first).

    >>> scores = scores_across_models({"a": {"ws353": {"spearman": 0.3, "coverage": 0.5}},
    ...                                "b": {"ws353": {"spearman": None}}})
    >>> scores
    {'ws353': [ModelScore(model='a', score=0.3, coverage=0.5, metric='spearman')]}
    """
    out: dict[str, list[ModelScore]] = {}
    for model, results in metrics.items():
        for bench, result in results.items():
            metric, value = headline(result)
            if value is None:
                continue
            coverage = _number(result.get("coverage"))
            out.setdefault(bench, []).append(ModelScore(model, value, coverage, metric))
    return {b: out[b] for b in _benchmark_order(set(out))}


# --- running a benchmark -------------------------------------------------------------------
@dataclass
class BenchmarkReport:
    """A benchmark run: its result and, for word similarity, every pair compared."""

    benchmark: str
    kind: Literal["analogy", "similarity"]
    result: AnalogyResult | SimilarityResult
    points: list[tuple[str, str, float, float]] = field(default_factory=list)
    """(word, word, human score, model cosine) of every pair compared, for a scatter."""
    spelling: dict[str, str] = field(default_factory=dict)
    """The model's own spelling of each word in a failed analogy question (Athens -> athens
    in a lower-cased model), so the wrong answers read as the model saw them."""


def run_report(
    emb: Embeddings,
    benchmark: str,
    *,
    method: str = "3cosadd",
    data: bytes | None = None,
    filename: str | None = None,
    device: str | None = None,
) -> BenchmarkReport:
    """Run a named benchmark, or an uploaded file's `data`, into a `BenchmarkReport`.

    With `data`, the bytes go to a temporary file named after `filename` (that name is the
    benchmark's name); its kind (analogy or similarity) is told from its content.

    >>> toy = Embeddings(["old", "new", "smart", "intelligent"],
    ...                  np.array([[1, 0], [-1, 0.2], [0, 1], [0.1, 1]], dtype=np.float32))
    >>> report = run_report(toy, "mine", data=b"old\\tnew\\t1\\nsmart\\tintelligent\\t9\\n",
    ...                     filename="pairs.tsv")
    >>> report.benchmark, report.kind, round(report.result.spearman, 6), len(report.points)
    ('pairs.tsv', 'similarity', 1.0, 2)
    """
    if data is None:
        if benchmark not in BENCHMARKS:
            raise InputError(
                f"Unknown benchmark '{benchmark}'; choose one of {', '.join(BENCHMARKS)}."
            )
        return _report(emb, benchmark, benchmark_path(benchmark), method, device)
    with upload_as_file(
        data, filename or benchmark, default="benchmark.txt", prefix="embedlab-benchmark-"
    ) as path:
        return _report(emb, str(path), path, method, device)


def _report(
    emb: Embeddings, target: str, path: Path, method: str, device: str | None
) -> BenchmarkReport:
    from embedlab.analysis.evaluate import detect_kind  # the same test run_benchmark applies

    kind = "analogy" if target == "analogy" else "similarity" if target in BENCHMARKS else None
    kind = kind or detect_kind(path)
    if kind == "analogy":
        result = run_benchmark(emb, target, method=method, device=device)
        words = {w for f in result.failures for w in (f.a, f.b, f.c, f.expected)}
        return BenchmarkReport(result.benchmark, "analogy", result, spelling=spelling(emb, words))
    result = run_benchmark(emb, target)
    return BenchmarkReport(result.benchmark, "similarity", result, similarity_points(emb, path))


def spelling(
    emb: Embeddings, words: set[str] | Sequence[str], *, restrict: int | None = DEFAULT_RESTRICT
) -> dict[str, str]:
    """Each of `words` as the model spells it: matched case-insensitively among the first
    `restrict` words, the most frequent spelling winning (as the benchmarks match them).

    >>> toy = Embeddings(["athens", "greece", "Athens"], np.eye(3))
    >>> spelling(toy, ["Athens", "Greece", "Paris"])
    {'Athens': 'athens', 'Greece': 'greece'}
    """
    wanted: dict[str, list[str]] = {}
    for word in words:
        wanted.setdefault(word.upper(), []).append(word)
    out: dict[str, str] = {}
    for model_word in emb.words[:restrict]:
        for word in wanted.pop(model_word.upper(), ()):
            out[word] = model_word
        if not wanted:
            break
    return out


def similarity_points(
    emb: Embeddings, path: str | Path, *, restrict: int | None = DEFAULT_RESTRICT
) -> list[tuple[str, str, float, float]]:
    """(word, word, human score, model cosine) for every pair of a similarity file that the
    model knows.

    Words are matched as `evaluate_similarity` matches them (case-insensitively, among the
    first `restrict` words, the most frequent spelling winning), so these are the pairs
    its Spearman correlation is computed on.

    >>> toy = Embeddings(["tiger", "cat", "love"], np.array([[1, 0], [1, 0.1], [0, 1]]))
    >>> [(w1, w2, human) for w1, w2, human, _ in similarity_points(toy, benchmark_path("ws353"))]
    [('tiger', 'cat', 7.35), ('tiger', 'tiger', 10.0)]
    """
    rows = read_similarity_file(path)
    vocab = {w.upper(): w for w in reversed(emb.words[:restrict])}
    used = [r for r in rows if r[0].upper() in vocab and r[1].upper() in vocab]
    if not used:
        return []
    index = emb.key_to_index
    ia = [index[vocab[w1.upper()]] for w1, _, _ in used]
    ib = [index[vocab[w2.upper()]] for _, w2, _ in used]
    model = np.einsum("ij,ij->i", emb.normed[ia], emb.normed[ib])
    return [
        (w1, w2, float(human), float(score))
        for (w1, w2, human), score in zip(used, model, strict=True)
    ]


def analogy_bars(result: AnalogyResult) -> list[tuple[str, str, float, int, int]]:
    """(group, label, accuracy, correct, answered) for the chart: overall, the semantic and
    syntactic split when the file has one, then each section.

    >>> from embedlab.analysis.evaluate import SectionScore
    >>> r = AnalogyResult("toy", "3cosadd", 0.5, 1, 2, 4, 0.5,
    ...                   [SectionScore("family", 1, 2, 4, 0.5)], None, None, [])
    >>> analogy_bars(r)
    [('overall', 'All answered', 0.5, 1, 2), ('section', 'family', 0.5, 1, 2)]
    """
    bars = [("overall", "All answered", result.accuracy, result.correct, result.total)]
    if result.semantic_accuracy is not None or result.syntactic_accuracy is not None:
        semantic = [s for s in result.sections if not s.name.startswith("gram")]
        syntactic = [s for s in result.sections if s.name.startswith("gram")]
        for label, group, acc in (
            ("Semantic", semantic, result.semantic_accuracy),
            ("Syntactic", syntactic, result.syntactic_accuracy),
        ):
            if acc is not None:
                correct = sum(s.correct for s in group)
                bars.append(("split", label, acc, correct, sum(s.total for s in group)))
    bars += [("section", s.name, s.accuracy, s.correct, s.total) for s in result.sections]
    return bars


def failure_rows(
    result: AnalogyResult | SimilarityResult, spelled: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The analogy questions answered wrongly, or the similarity pairs ranked worst; with
    `spelled` (`BenchmarkReport.spelling`) the question words are shown as the model has them.

    >>> from embedlab.analysis.evaluate import AnalogyFailure
    >>> r = AnalogyResult("toy", "3cosadd", 0.0, 0, 1, 1, 1.0, [], None, None,
    ...                   [AnalogyFailure("family", "man", "king", "woman", "queen", "prince")])
    >>> failure_rows(r)
    [{'a': 'man', 'b': 'king', 'c': 'woman', 'expected': 'queen', 'predicted': 'prince', \
'section': 'family'}]
    """
    if isinstance(result, AnalogyResult):
        spell = (lambda w: spelled.get(w, w)) if spelled else (lambda w: w)
        return [
            {
                "a": spell(f.a),
                "b": spell(f.b),
                "c": spell(f.c),
                "expected": spell(f.expected),
                "predicted": f.predicted or MISSING,
                "section": f.section,
            }
            for f in result.failures
        ]
    return [
        {"word 1": p.w1, "word 2": p.w2, "human score": p.human, "model cosine": round(p.model, 3)}
        for p in result.worst
    ]
