"""What the Corpus and Train pages need from the backend, as plain functions on plain values.

The pages stay thin: they read widgets, call one function here (or in `embedlab.jobs.process`,
`embedlab.store.workspace`), and draw what comes back. Nothing here imports streamlit.

- corpora: the demo corpus (ingested once, then selected), several uploads at once, the
  top-words table and how much of the corpus a min-count drops;
- training: the form's fields (built from `TrainConfig`'s fields and a table of labels
  and one-line help), a run as the page shows it (`RunView`), the recent-runs table.

>>> import tempfile
>>> from embedlab.store.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> records, errors = ingest_uploads(ws, [("pets.txt", b"The cat sat. The dog ran.")])
>>> [r.name for r in records], errors
(['pets'], [])
>>> [f.name for f in form_fields("fasttext")][-3:]
['min_n', 'max_n', 'bucket']
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import EmbedlabError, InputError
from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.queue import process_alive, reap_dead_runs

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.ingest.corpus import TokenizeOptions
    from embedlab.store.workspace import CorpusRecord, RunRecord, Workspace
    from embedlab.train import TrainConfig

ACTIVE_STATES = ("queued", "running")

# --- text -------------------------------------------------------------------------------------


def count_of(n: int, noun: str) -> str:
    """A count with its noun, singular or plural: '1 document', '2,683 sentences'.

    >>> count_of(1, "document"), count_of(2683, "sentence")
    ('1 document', '2,683 sentences')
    """
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def format_seconds(seconds: float | None) -> str:
    """A duration for people: '42 s', '3 min 05 s', '1 h 02 min'; '—' when unknown.

    >>> format_seconds(4.2), format_seconds(185), format_seconds(3720), format_seconds(None)
    ('4 s', '3 min 05 s', '1 h 02 min', '—')
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    return f"{total // 3600} h {total % 3600 // 60:02d} min"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd: a place in a queue.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '103rd']
    """
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def queue_text(position: int, max_jobs: int) -> str:
    """What a queued run shows while it waits for one of the `max_jobs` slots.

    >>> queue_text(2, 2)
    'Queued: 2nd in line, waiting for a free slot (2 jobs run at once)'
    >>> queue_text(1, 1)
    'Queued: next in line, waiting for a free slot (1 job runs at once)'
    """
    place = "next" if position == 1 else ordinal(position)
    at_once = "1 job runs" if max_jobs == 1 else f"{max_jobs:,} jobs run"
    return f"Queued: {place} in line, waiting for a free slot ({at_once} at once)"


def format_rate(words_per_sec: float | None) -> str:
    """Words per second, rounded for reading: '—' before the first epoch ends.

    >>> format_rate(123456.7), format_rate(0), format_rate(None)
    ('123,457', '—', '—')
    """
    if not words_per_sec or not math.isfinite(words_per_sec):
        return "—"
    return f"{words_per_sec:,.0f}"


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seconds_between(start: str | None, end: str | None) -> float | None:
    first = _parse_time(start)
    if first is None:
        return None
    last = _parse_time(end) or datetime.now(UTC)
    return max((last - first).total_seconds(), 0.0)


# --- corpora ----------------------------------------------------------------------------------


def ingest_uploads(
    ws: Workspace,
    uploads: Sequence[tuple[str, bytes]],
    name: str | None = None,
    *,
    options: TokenizeOptions | None = None,
    text_column: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    max_mb: int | None = None,
) -> tuple[list[CorpusRecord], list[str]]:
    """Ingest each uploaded (file name, bytes) as its own corpus: (records added, errors).

    One file is named `name` (or after the file); several are named `name-<file stem>`
    (or after each file). A file that cannot be read adds nothing and gives one error
    sentence; the others still go in. `on_progress(bytes_done, bytes_total)` follows the
    reading across all files. A .zip upload is one corpus of all the files inside it.
    A file over `max_mb` megabytes is refused (`upload_too_big`).

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> records, errors = ingest_uploads(ws, [("a.txt", b"One cat."), ("b.txt", b"")], "pets")
    >>> [r.name for r in records], errors
    (['pets-a'], ["'b.txt' is empty; upload a file with some text in it."])
    """
    total = sum(len(data) for _, data in uploads) or 1
    done = 0
    records: list[CorpusRecord] = []
    errors: list[str] = []
    name = (name or "").strip() or None
    for filename, data in uploads:
        if name is None:
            corpus_name = None
        elif len(uploads) == 1:
            corpus_name = name
        else:
            corpus_name = f"{name}-{Path(filename).name.split('.')[0] or 'file'}"

        def progress(read: int, before: int = done) -> None:
            if on_progress is not None:
                on_progress(min(before + read, total), total)

        too_big = upload_too_big(filename, len(data), max_mb)
        try:
            if too_big:
                raise InputError(too_big)
            records.append(
                add_corpus(
                    ws,
                    data,
                    name=corpus_name,
                    filename=filename,
                    options=options,
                    text_column=(text_column or "").strip() or None,
                    on_progress=progress,
                )
            )
        except EmbedlabError as err:
            errors.append(str(err))
        done += len(data)
        if on_progress is not None:
            on_progress(min(done, total), total)
    return records, errors


def upload_too_big(filename: str, size: int, max_mb: int | None) -> str | None:
    """The sentence refusing an upload over `max_mb` megabytes, or None when it fits.

    >>> upload_too_big("big.txt", 3 * 1024**2, 2)
    "'big.txt' is 3.0 MB, over the 2 MB upload limit (EMBEDLAB_MAX_UPLOAD_MB); upload a smaller file or ask whoever runs the app to raise the limit."
    >>> upload_too_big("small.txt", 1024, 2) is None
    True
    """  # noqa: E501 - one sentence
    from embedlab.limits import MAX_UPLOAD_MB

    if max_mb is None or size <= max_mb * 1024**2:
        return None
    return (
        f"'{filename}' is {size / 1024**2:,.1f} MB, over the {MAX_UPLOAD_MB.describe(max_mb)} "
        f"upload limit ({MAX_UPLOAD_MB.env}); upload a smaller file or ask whoever runs the "
        "app to raise the limit."
    )


def top_words_table(top_words: Iterable[Sequence[Any]], tokens: int) -> pd.DataFrame:
    """The most frequent words as a table: rank, word, count and share of all tokens.

    >>> top_words_table([["the", 6], ["cat", 2]], tokens=10).to_dict("records")[1]
    {'rank': 2, 'word': 'cat', 'count': 2, 'share of tokens': 0.2}
    """
    import pandas as pd

    rows = [
        {
            "rank": rank,
            "word": str(word),
            "count": int(count),
            "share of tokens": int(count) / tokens if tokens else 0.0,
        }
        for rank, (word, count) in enumerate(top_words, start=1)
    ]
    return pd.DataFrame(rows, columns=["rank", "word", "count", "share of tokens"])


@dataclass(frozen=True)
class Coverage:
    """What a trainer's min-count keeps of a corpus: words kept and the share of tokens lost."""

    min_count: int
    kept_words: int
    vocabulary: int
    oov_share: float


def coverage(vocab: Sequence[tuple[str, int]], min_count: int) -> Coverage:
    """How many words survive `min_count`, and the share of tokens (`oov_share`) it drops.

    >>> coverage([("the", 6), ("cat", 2), ("zebra", 1), ("okapi", 1)], 2)
    Coverage(min_count=2, kept_words=2, vocabulary=4, oov_share=0.2)
    """
    from embedlab.ingest.corpus import oov_share

    kept = sum(1 for _, count in vocab if count >= min_count)
    return Coverage(min_count, kept, len(vocab), oov_share(vocab, min_count))


def options_summary(options: Mapping[str, Any] | None) -> str:
    """The preprocessing a corpus went through, in a few words.

    >>> options_summary({"lowercase": True, "strip_punctuation": True, "min_count": 2})
    'lower-cased, punctuation removed, words seen fewer than 2 times dropped'
    >>> options_summary(None)
    'unknown preprocessing'
    """
    if not options:
        return "unknown preprocessing"
    parts = [
        label
        for key, label in (
            ("lowercase", "lower-cased"),
            ("strip_punctuation", "punctuation removed"),
            ("drop_numbers", "numbers dropped"),
            ("remove_stopwords", "stop words removed"),
            ("phrases", "phrases joined"),
        )
        if options.get(key)
    ]
    if int(options.get("min_count", 1) or 1) > 1:
        parts.append(f"words seen fewer than {options['min_count']} times dropped")
    return ", ".join(parts) or "kept as written"


# --- the training form ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """How the Train page shows one `TrainConfig` field: label, one-line help, widget bounds.

    `choices` (with `choice_labels`) makes a select box; otherwise a number input with
    `min_value` and `step` (the upper bounds are `TrainConfig.validate`'s to enforce, so the
    message names the range). `only_for` / `not_for` restrict the field to some algorithms;
    `advanced` fields sit in a collapsed section.
    """

    name: str
    label: str
    help: str
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    min_value: float | None = None
    step: float | None = None
    number_format: str | None = None
    only_for: tuple[str, ...] | None = None
    not_for: tuple[str, ...] = ()
    advanced: bool = False

    def applies_to(self, algo: str) -> bool:
        """Whether the form shows this field for `algo`."""
        if self.only_for is not None and algo not in self.only_for:
            return False
        return algo not in self.not_for

    def choice_label(self, value: str) -> str:
        """The label shown for one of `choices`."""
        labels = dict(zip(self.choices, self.choice_labels, strict=False))
        return labels.get(value, value)


GENSIM_ALGOS = ("word2vec", "fasttext")

FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "architecture",
            "Architecture",
            "Skip-gram predicts the context words from each word (better for rare words); "
            "CBOW predicts a word from its context (faster).",
            choices=("skipgram", "cbow"),
            choice_labels=("skip-gram", "CBOW"),
            only_for=GENSIM_ALGOS,
        ),
        FieldSpec(
            "loss",
            "Loss",
            "Negative sampling contrasts each real pair with a few random words; hierarchical "
            "softmax walks a word tree instead (often better for rare words).",
            choices=("negative", "hs"),
            choice_labels=("negative sampling", "hierarchical softmax"),
            only_for=GENSIM_ALGOS,
        ),
        FieldSpec(
            "dim",
            "Dimensions",
            "How many numbers describe each word: 50–300 is usual; small corpora need fewer.",
            min_value=1,
            step=10,
        ),
        FieldSpec(
            "window",
            "Window",
            "How many words on each side of a word count as its context.",
            min_value=1,
            step=1,
        ),
        FieldSpec(
            "min_count",
            "Min count",
            "Words seen fewer times than this are ignored (too rare to learn well).",
            min_value=1,
            step=1,
        ),
        FieldSpec(
            "epochs",
            "Epochs",
            "How many passes over the corpus: more passes help small corpora but take longer.",
            min_value=1,
            step=1,
        ),
        FieldSpec(
            "negative",
            "Negative samples",
            "With negative sampling: how many random 'wrong' words each real pair is "
            "contrasted with (5–20 is usual).",
            min_value=0,
            step=1,
            advanced=True,
        ),
        FieldSpec(
            "sample",
            "Down-sampling",
            "Skip very frequent words (the, of) more often; 0.001 is usual, 0 keeps every word.",
            min_value=0.0,
            step=0.0001,
            number_format="%.5f",
            advanced=True,
        ),
        FieldSpec(
            "alpha",
            "Learning rate",
            "How big each training step starts out (it shrinks as training goes on).",
            min_value=0.0,
            step=0.005,
            number_format="%.4f",
            advanced=True,
        ),
        FieldSpec(
            "workers",
            "Workers",
            "CPU threads to train with; 0 uses every core.",
            min_value=0,
            step=1,
            advanced=True,
        ),
        FieldSpec(
            "seed",
            "Seed",
            "Starting point of the randomness; with 1 worker the same seed gives the same model.",
            min_value=0,
            step=1,
            advanced=True,
        ),
        FieldSpec(
            "device",
            "Device",
            "Where a torch trainer computes: auto picks a GPU when there is one.",
            choices=("auto", "cpu", "cuda", "mps"),
            choice_labels=("auto", "CPU", "CUDA GPU", "Apple GPU (mps)"),
            not_for=GENSIM_ALGOS,  # gensim always trains on the CPU
            advanced=True,
        ),
        FieldSpec(
            "min_n",
            "Shortest n-gram",
            "FastText also learns vectors for pieces of words this many letters long and up.",
            min_value=1,
            step=1,
            only_for=("fasttext",),
            advanced=True,
        ),
        FieldSpec(
            "max_n",
            "Longest n-gram",
            "The longest word piece FastText learns (6 is usual).",
            min_value=1,
            step=1,
            only_for=("fasttext",),
            advanced=True,
        ),
        FieldSpec(
            "bucket",
            "Hash buckets",
            "How many vectors the word pieces share; more means fewer collisions, more memory.",
            min_value=1,
            step=10_000,
            only_for=("fasttext",),
            advanced=True,
        ),
    )
}

ALGO_LABELS = {
    "word2vec": "Word2Vec: one vector per word",
    "fasttext": "FastText: also learns from word pieces, so it can guess unseen words",
}


def algo_label(algo: str) -> str:
    """How the algorithm select box names `algo` (its own name when unknown).

    >>> algo_label("word2vec"), algo_label("glove")
    ('Word2Vec: one vector per word', 'glove')
    """
    return ALGO_LABELS.get(algo, algo)


def form_fields(algo: str) -> list[FieldSpec]:
    """The fields the form shows for `algo`, in `TrainConfig`'s order.

    Fields without an entry in `FIELDS` (algo, min_alpha, max_vocab) keep their defaults.

    >>> [f.name for f in form_fields("word2vec")][:6]
    ['architecture', 'loss', 'dim', 'window', 'min_count', 'epochs']
    >>> "bucket" in [f.name for f in form_fields("word2vec")]
    False
    """
    from embedlab.train import TrainConfig

    names = [f.name for f in dataclasses.fields(TrainConfig)]
    return [FIELDS[n] for n in names if n in FIELDS and FIELDS[n].applies_to(algo)]


def default_values(tokens: int | None = None, algo: str = "word2vec") -> dict[str, Any]:
    """The form's starting values: `TrainConfig.suggested` for `algo` on `tokens` words.

    >>> default_values()["window"], default_values(60_000)["epochs"]
    (5, 30)
    >>> default_values(60_000, "glove")["alpha"]
    0.05
    """
    from embedlab.train import TrainConfig

    if tokens is None:
        return TrainConfig(algo=algo).to_dict()
    return TrainConfig.suggested(tokens, algo).to_dict()


def build_config(algo: str, values: Mapping[str, Any]) -> TrainConfig:
    """A validated `TrainConfig` from the form's values (InputError names a bad one).

    >>> build_config("word2vec", {"dim": 16, "epochs": 2}).describe()
    'word2vec skip-gram, negative sampling (5), 16d, window 5, min-count 5, 2 epochs'
    >>> build_config("word2vec", {"negative": 0})
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: negative must be between 1 and 100 with loss 'negative'; ...
    """
    from embedlab.train import TrainConfig

    known = {f.name for f in dataclasses.fields(TrainConfig)}
    config = TrainConfig(algo=algo, **{k: v for k, v in values.items() if k in known})
    config.validate()
    return config


# --- runs -------------------------------------------------------------------------------------


def start_run(
    ws: Workspace, corpus: str | int, config: TrainConfig, name: str | None = None
) -> tuple[int, int]:
    """Check and list a run, then start its job in a child process: (run id, pid).

    Nothing is listed when a check fails (InputError); a run whose process cannot be
    started is marked failed with the reason.
    """
    from embedlab.jobs.process import create_training_run, start_training_job

    run_id = create_training_run(ws, corpus, config, (name or "").strip() or None)
    try:
        pid = start_training_job(ws, run_id)
    except OSError as err:
        ws.fail_run(run_id, f"The training process could not start ({err}); try again.")
        raise EmbedlabError(f"The training process could not start ({err}); try again.") from err
    return run_id, pid


@dataclass(frozen=True)
class RunView:
    """A training run as the Train page shows it: state, progress, speed, losses, result."""

    id: int
    status: str
    algo: str
    description: str
    model_name: str | None
    corpus: str | None
    epoch: int
    epochs: int
    fraction: float
    words_per_sec: float | None
    elapsed: float | None
    eta: float | None
    losses: list[tuple[int, float]]
    error: str | None
    building_vocab: bool
    queue_position: int | None = None
    max_jobs: int = 1
    running: int = 0

    @property
    def active(self) -> bool:
        """Queued or running: the page keeps polling it."""
        return self.status in ACTIVE_STATES

    @property
    def waiting(self) -> bool:
        """Queued behind `max_jobs` running jobs (rather than just starting)."""
        return (
            self.status == "queued"
            and self.queue_position is not None
            and self.running >= self.max_jobs
        )

    @property
    def reports_loss(self) -> bool | None:
        """Whether the trainer reports a loss (None until the first epoch is done)."""
        if self.losses:
            return True
        return None if self.epoch == 0 else False

    @property
    def progress_text(self) -> str:
        """The progress bar's caption."""
        if self.waiting:
            return queue_text(self.queue_position or 1, self.max_jobs)
        if self.status == "queued":
            return "Starting the training process…"
        if self.building_vocab:
            return "Building the vocabulary…"
        return f"Epoch {self.epoch}/{self.epochs}"


def _describe(algo: str, config: Mapping[str, Any]) -> str:
    from embedlab.train import TrainConfig

    try:
        return TrainConfig.from_dict(config).describe()
    except (EmbedlabError, TypeError):
        return algo


def _corpus_names(ws: Workspace) -> dict[int, str]:
    return {c.id: c.name for c in ws.corpora()}


def run_view(ws: Workspace, run_id: int, pid: int | None = None) -> RunView:
    """Where run `run_id` stands, from the catalog and its progress rows.

    `pid` is the child process the page started: a run still queued whose process has
    exited is marked failed (the process died before it could say so itself).

    >>> import tempfile
    >>> from embedlab.jobs.process import create_training_run
    >>> from embedlab.train import TrainConfig
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> _ = add_corpus(ws, b"the cat sat on the mat", name="mini", filename="mini.txt")
    >>> view = run_view(ws, create_training_run(ws, "mini", TrainConfig(epochs=3, min_count=1)))
    >>> view.status, view.progress_text, view.active
    ('queued', 'Starting the training process…', True)

    A child that died before it could start the run (here, one that exits at once):

    >>> import subprocess, sys
    >>> child = subprocess.Popen([sys.executable, "-c", "pass"])
    >>> _ = child.wait()
    >>> view = run_view(ws, view.id, pid=child.pid)
    >>> view.status, view.error.startswith("The training process exited before it started")
    ('failed', True)
    """
    reap_dead_runs(ws)
    run = ws.run(run_id)
    if run.status == "queued" and pid is not None and not _process_alive(pid):
        ws.fail_run(run_id, _early_exit_message(ws, run_id))
        run = ws.run(run_id)
    events = ws.progress(run_id)
    last = events[-1] if events else {}
    epochs = int(last.get("epochs") or run.config.get("epochs") or 1)
    losses = [
        (int(e["epoch"]), float(e["loss"]))
        for e in events
        if e.get("stage") == "epoch" and e.get("loss") is not None
    ]
    elapsed = float(last["elapsed"]) if last.get("elapsed") is not None else None
    if run.status in ACTIVE_STATES:
        clock = _seconds_between(run.started, None)
        if clock is not None:
            elapsed = max(clock, elapsed or 0.0)
    else:
        elapsed = _seconds_between(run.started, run.finished) if run.started else elapsed
    rate = last.get("words_per_sec") or run.info.get("words_per_sec")
    corpus = _corpus_names(ws).get(run.corpus_id) if run.corpus_id is not None else None
    position, max_jobs, running = None, 1, 0
    if run.status == "queued":
        position, max_jobs, running = _queue_state(ws, run_id)
    return RunView(
        id=run.id,
        status=run.status,
        algo=run.algo,
        description=_describe(run.algo, run.config),
        model_name=run.model_name,
        corpus=corpus,
        epoch=int(last.get("epoch") or 0),
        epochs=epochs,
        fraction=1.0 if run.status == "done" else float(last.get("fraction") or 0.0),
        words_per_sec=float(rate) if rate else None,
        elapsed=elapsed,
        eta=0.0 if run.status == "done" else last.get("eta"),
        losses=losses,
        error=run.error,
        building_vocab=run.status == "running" and not events,
        queue_position=position,
        max_jobs=max_jobs,
        running=running,
    )


def _queue_state(ws: Workspace, run_id: int) -> tuple[int | None, int, int]:
    """(place in the queue, jobs allowed at once, jobs running now) for a queued run."""
    from embedlab.limits import MAX_JOBS

    try:
        max_jobs = MAX_JOBS.value()
    except EmbedlabError:  # a bad setting: the job itself fails and says why
        max_jobs = MAX_JOBS.default
    running = sum(1 for r in ws.runs() if r.status == "running")
    return ws.queue_position(run_id), max_jobs, running


def _process_alive(pid: int) -> bool:
    try:  # our own child: collect it if it has exited, so it does not linger as a zombie
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    return process_alive(pid)


def _early_exit_message(ws: Workspace, run_id: int) -> str:
    from embedlab.jobs.process import log_path

    try:
        lines = log_path(ws, run_id).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    detail = next((line.strip() for line in reversed(lines) if line.strip()), "")
    detail = f" ({detail[:300]})" if detail else ""
    return f"The training process exited before it started{detail}; start it again."


def runs_table(
    ws: Workspace, limit: int = 10, runs: Sequence[RunRecord] | None = None
) -> pd.DataFrame:
    """The most recent runs: id, status, algorithm, model, corpus, started, duration.

    A run still going has no duration yet (the live panel shows its elapsed time).

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> list(runs_table(Workspace(tempfile.mkdtemp())).columns)
    ['run', 'status', 'algorithm', 'model', 'corpus', 'started', 'duration']
    """
    import pandas as pd

    if runs is None:
        reap_dead_runs(ws)
    runs = list(ws.runs() if runs is None else runs)[:limit]
    corpora = _corpus_names(ws)
    rows = []
    for run in runs:
        status = run.status
        if status == "queued":
            status = run_status(ws, run.id)
        end = run.finished if run.status not in ACTIVE_STATES else None
        started = _parse_time(run.started)
        rows.append(
            {
                "run": run.id,
                "status": status,
                "algorithm": run.algo,
                "model": run.model_name or "",
                "corpus": corpora.get(run.corpus_id, "") if run.corpus_id is not None else "",
                "started": started.strftime("%Y-%m-%d %H:%M:%S UTC") if started else "",
                "duration": format_seconds(_seconds_between(run.started, end))
                if run.started and end
                else "",
            }
        )
    columns = ["run", "status", "algorithm", "model", "corpus", "started", "duration"]
    return pd.DataFrame(rows, columns=columns)


def job_limits_text() -> str:
    """The job limits in force, in one sentence for the Train page.

    >>> job_limits_text()
    'At most 2 jobs train at once (later ones wait in a queue), each for at most 6 h 00 min.'
    """
    from embedlab.limits import MAX_JOB_SECONDS, MAX_JOBS

    try:
        jobs, seconds = MAX_JOBS.value(), MAX_JOB_SECONDS.value()
    except EmbedlabError as err:
        return str(err)
    at_once = "1 job trains" if jobs == 1 else f"{jobs:,} jobs train"
    return (
        f"At most {at_once} at once (later ones wait in a queue), each for at most "
        f"{format_seconds(seconds)}."
    )


def run_status(ws: Workspace, run_id: int) -> str:
    """A run's state in a word or two; a queued run waiting for a slot says its place.

    This is what the Train page's tables and `embedlab runs` show.

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> run_id = ws.create_run("word2vec", {}, None, None)
    >>> run_status(ws, run_id)
    'queued'
    """
    reap_dead_runs(ws)
    run = ws.run(run_id)
    if run.status != "queued":
        return run.status
    position, max_jobs, running = _queue_state(ws, run_id)
    if position is None or running < max_jobs:
        return "queued"
    return f"queued ({ordinal(position)} in line)"


def active_runs(ws: Workspace, exclude: Iterable[int] = ()) -> list[RunRecord]:
    """Runs queued or running now (in any session or process), except those in `exclude`.

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> active_runs(Workspace(tempfile.mkdtemp()))
    []
    """
    skip = set(exclude)
    reap_dead_runs(ws)
    return [r for r in ws.runs() if r.status in ACTIVE_STATES and r.id not in skip]


def parse_run_id(value: object) -> int | None:
    """A run id from a query parameter, or None when it is not one.

    >>> parse_run_id("12"), parse_run_id(["3"]), parse_run_id("x"), parse_run_id(None)
    (12, 3, None, None)
    """
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
