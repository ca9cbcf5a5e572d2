"""What the Language model page shows, as plain values: the starting points it offers, the
comparison it runs in the background (up to three trainings, one after another), progress
lines, the curves, the results and next-word tables, and the stored reports.

>>> [s.label for s in starts(["random", "frozen", "finetuned"], "lee")]
['random', 'lee, frozen', 'lee, fine-tuned']
>>> starts(["frozen"], None)
Traceback (most recent call last):
...
embedlab.errors.InputError: A frozen or fine-tuned start needs a model; pick one, or train \
from random only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.app import links
from embedlab.errors import InputError
from embedlab.train.lm import LanguageModel, LMConfig, LMEvent, LMReport, complete, train_lm

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.embeddings import Embeddings
    from embedlab.jobs.thread import JobBoard, ThreadJob
    from embedlab.store.workspace import Workspace

KIND = "lm"  # the catalog's analyses kind
START_TITLES = {"random": "Random", "frozen": "Model, frozen", "finetuned": "Model, fine-tuned"}
LINKS: dict[str, links.Field] = {
    "corpus": links.Field("lm_corpus"),
    "vectors": links.Field("lm_model"),  # a name the workspace lacks falls back to the first
    "starts": links.Field("lm_starts", links.many(list(START_TITLES))),
    "epochs": links.Field("lm_epochs", links.whole(1, 50)),
    "hidden": links.Field("lm_hidden", links.whole(8, 1024)),
    "tokens": links.Field("lm_tokens", links.whole(1_000, 10_000_000)),
    "seed": links.Field("lm_seed", links.whole(0, 2**31 - 1)),
    "arch": links.Field("lm_arch", links.choice(["lstm", "transformer"])),
    "prompt": links.Field("lm_prompt"),
    "words": links.Field("lm_k", links.whole(1, 20)),
}
"""The page's settings in its URL (query parameter -> widget), kept across page changes."""
PERPLEXITY = (
    "Perplexity is how many words the model hesitates between on average before each word of "
    "text it never saw: 100 means as unsure as a fair pick among 100 words, so lower is better."
)
WHY = (
    "The curves differ only in where the embedding layer starts: random vectors must learn "
    "from this corpus alone which words behave alike, while a model's vectors bring that "
    "from its own training text — frozen they cannot adapt, fine-tuned they can."
)


@dataclass(frozen=True)
class Start:
    """One training of the comparison: its label, and the model it starts from (if any)."""

    key: str
    label: str
    model: str | None
    freeze: bool


def starts(choices: Sequence[str], model: str | None) -> list[Start]:
    """The runs for the chosen starting points (random, frozen, finetuned), in that order."""
    picked = [key for key in START_TITLES if key in choices]
    unknown = [c for c in choices if c not in START_TITLES]
    if unknown:
        raise InputError(f"Unknown start {unknown[0]!r}; choose random, frozen or finetuned.")
    if not picked:
        raise InputError("Pick at least one starting point (random, frozen or fine-tuned).")
    if model is None and picked != ["random"]:
        raise InputError(
            "A frozen or fine-tuned start needs a model; pick one, or train from random only."
        )
    found = []
    for key in picked:
        if key == "random":
            found.append(Start(key, "random", None, False))
        else:
            tuning = "frozen" if key == "frozen" else "fine-tuned"
            found.append(Start(key, f"{model}, {tuning}", model, key == "frozen"))
    return found


def demo_config(
    emb: Embeddings | None = None,
    *,
    epochs: int = 3,
    hidden: int = 128,
    arch: str = "lstm",
    max_tokens: int | None = 60_000,
    seed: int = 0,
) -> LMConfig:
    """Settings small enough for a class demo on 2 cores (the Lee corpus in a minute or two).

    With a model every run, random included, gets embeddings of the model's width, so the
    starts differ only in their initial vectors.

    >>> demo_config(epochs=2).describe()
    'lstm 128 hidden, 2 epochs, seq 35, batch 16'
    """
    config = LMConfig(
        arch=arch,  # type: ignore[arg-type]
        dim=None if emb is None else emb.dim,
        hidden=hidden,
        epochs=epochs,
        max_tokens=max_tokens,
        seed=seed,
    )
    config.validate()
    return config


@dataclass(frozen=True)
class ComparisonEvent:
    """Where a comparison stands: which run (1-based `index` of `total`), its latest event,
    and the validation curve of every run so far (the finished ones and this one)."""

    index: int
    total: int
    running: str
    event: LMEvent | None
    curves: dict[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        done = self.event.fraction if self.event is not None else 0.0
        return min(1.0, (self.index - 1 + done) / max(self.total, 1))


@dataclass(frozen=True)
class Comparison:
    """The trained models of one comparison, by label, in the order they ran."""

    corpus: str
    models: dict[str, LanguageModel]

    @property
    def reports(self) -> dict[str, LMReport]:
        return {label: lm.report for label, lm in self.models.items() if lm.report is not None}


def run_comparison(
    corpus: str | Path,
    runs: Sequence[Start],
    config: LMConfig,
    emb: Embeddings | None = None,
    on_progress: Callable[[ComparisonEvent], None] | None = None,
    corpus_name: str = "",
) -> Comparison:
    """Train one LM per start, one after another, on the same split and seed."""
    if any(run.model is not None for run in runs) and emb is None:
        raise InputError("A frozen or fine-tuned start needs the model's vectors; load it first.")
    models: dict[str, LanguageModel] = {}
    curves: dict[str, tuple[float, ...]] = {}
    for index, run in enumerate(runs, 1):

        def relay(event: LMEvent, run: Start = run, index: int = index) -> None:
            curves[run.label] = event.valid_perplexities
            if on_progress is not None:
                on_progress(ComparisonEvent(index, len(runs), run.label, event, dict(curves)))

        if on_progress is not None:
            on_progress(ComparisonEvent(index, len(runs), run.label, None, dict(curves)))
        models[run.label] = train_lm(
            corpus,
            replace(config, freeze=run.freeze),
            init=emb if run.model is not None else None,
            on_progress=relay,
            label=run.label,
        )
    return Comparison(corpus_name or Path(corpus).name, models)


def start_comparison(
    board: JobBoard,
    corpus: str | Path,
    runs: Sequence[Start],
    config: LMConfig,
    emb: Embeddings | None = None,
    corpus_name: str = "",
    ws: Workspace | None = None,
) -> ThreadJob[Comparison]:
    """Check the settings now (a bad one raises at once), then run the comparison on `board`;
    with `ws`, the job stores the reports in its catalog when the last run ends."""
    config.validate()
    if not runs:
        raise InputError("Pick at least one starting point (random, frozen or fine-tuned).")

    def work(on_progress: Callable[[Any], None]) -> Comparison:
        comparison = run_comparison(corpus, runs, config, emb, on_progress, corpus_name)
        if ws is not None:
            save_reports(ws, comparison)
        return comparison

    return board.start("language-model comparison", work)


def progress_text(event: ComparisonEvent | None) -> str:
    """One line: which run, its epoch, loss, tokens/s and time left.

    >>> e = LMEvent("batch", 1, 3, 500, 3000, 2.0, 250.0, 10.0, 5.123, (300.0,))
    >>> progress_text(ComparisonEvent(2, 3, "lee, frozen", e))
    'Run 2 of 3 (lee, frozen): epoch 2 of 3, loss 5.12, 250 tokens/s, about 10 s left'
    """
    if event is None:
        return "Starting…"
    text = f"Run {event.index} of {event.total} ({event.running})"
    e = event.event
    if e is None or e.stage == "vocab":
        return text + ": reading the corpus…"
    epoch = min(e.epoch + (e.stage == "batch"), e.epochs)
    text += f": epoch {epoch} of {e.epochs}"
    if e.loss is not None:
        text += f", loss {e.loss:.2f}"
    text += f", {e.tokens_per_sec:,.0f} tokens/s"
    if e.eta is not None and e.stage != "done":
        text += f", about {e.eta:,.0f} s left"
    return text


def comparison_curves(comparison: Comparison) -> dict[str, tuple[float, ...]]:
    """Each run's validation perplexity per epoch."""
    return {label: r.valid_perplexities for label, r in comparison.reports.items()}


def unigram(comparison: Comparison) -> float | None:
    """The unigram perplexity of the test text (the same split for every run)."""
    reports = list(comparison.reports.values())
    return reports[0].unigram_perplexity if reports else None


def results_table(comparison: Comparison) -> pd.DataFrame:
    """One row per run: test perplexity, best epoch, what the model lacked, speed."""
    import pandas as pd

    rows = []
    for label, r in comparison.reports.items():
        rows.append(
            {
                "start": label,
                "test perplexity": r.test_perplexity,
                "best epoch": r.best_epoch,
                "vocabulary": r.vocab_size,
                "words without a vector": r.init_missing if r.init == "model" else None,
                "test words unknown": r.oov_share,
                "trainable parameters": r.trainable_parameters,
                "tokens/s": round(r.tokens_per_sec),
                "seconds": round(r.seconds, 1),
            }
        )
    return pd.DataFrame(rows)


def summary(comparison: Comparison) -> str:
    """One sentence on the outcome: the best start and by how much it beat random."""
    reports = comparison.reports
    if not reports:
        return ""
    best = min(reports, key=lambda label: reports[label].test_perplexity)
    text = f"Lowest test perplexity: {best} ({reports[best].test_perplexity:,.1f})"
    if "random" in reports and best != "random":
        gain = 1 - reports[best].test_perplexity / reports["random"].test_perplexity
        text += f", {gain:.0%} below random ({reports['random'].test_perplexity:,.1f})"
    base = next(iter(reports.values())).unigram_perplexity
    return text + f"; word frequencies alone give {base:,.1f}."


def completions_table(comparison: Comparison, prompt: str, k: int = 5) -> pd.DataFrame:
    """Each run's `k` most likely next words after `prompt`, side by side (word and p)."""
    import pandas as pd

    columns = {}
    for label, lm in comparison.models.items():
        columns[label] = [f"{word} ({p:.1%})" for word, p in complete(lm, prompt, k)]
    size = max((len(c) for c in columns.values()), default=0)
    frame = pd.DataFrame({label: c + [""] * (size - len(c)) for label, c in columns.items()})
    frame.index = range(1, size + 1)
    return frame


def save_reports(ws: Workspace, comparison: Comparison) -> int:
    """Store each run's report in the catalog (kind "lm"); returns how many were stored."""
    add = getattr(ws, "add_analysis", None)
    if add is None:
        return 0
    for label, report in comparison.reports.items():
        add(kind=KIND, name=f"{comparison.corpus}: {label}", payload=report.to_dict())
    return len(comparison.reports)


def history_table(records: Sequence[Any]) -> pd.DataFrame:
    """Stored reports (from `ws.analyses("lm")`), newest first."""
    import pandas as pd

    rows = []
    for record in records:
        payload: Mapping[str, Any] = record.payload
        config = payload.get("config", {})
        rows.append(
            {
                "run": record.name,
                "created": record.created,
                "test perplexity": payload.get("test_perplexity"),
                "unigram perplexity": payload.get("unigram_perplexity"),
                "epochs": len(payload.get("valid_perplexities", [])),
                "arch": config.get("arch"),
                "frozen": config.get("freeze"),
            }
        )
    return pd.DataFrame(rows)
