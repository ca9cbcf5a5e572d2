"""What the Train page decides: which run it watches (the URL's, else this session's), when a
finished run's model becomes the active one (once, and only for a run this session saw
going), starting a run as a child process, the form's widgets (made from `train_form`), and
what a run's panel and the runs tables say. Nothing here imports streamlit.

The runs tables take a run's status from the same `RunView` the progress bar reads, so the
two never disagree (a run that has started says "running" in both):

>>> import tempfile
>>> from embedlab.store.workspace import Workspace
>>> watch = Watch()
>>> watch.follow(Workspace(tempfile.mkdtemp()), url_value="7") is None  # no such run
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from embedlab.app.markup import escape_markdown
from embedlab.errors import EmbedlabError, NotFoundError
from embedlab.jobs.queue import reap_dead_runs
from embedlab.jobs.status import (
    ACTIVE_STATES,
    RunView,
    corpus_names,
    format_rate,
    format_seconds,
    ordinal,
    parse_run_id,
    parse_time,
    run_status,
    run_view,
    seconds_between,
)

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.app.train_form import FieldSpec
    from embedlab.store.workspace import RunRecord, Workspace
    from embedlab.train import TrainConfig

INTRO = (
    "Train word vectors on a corpus: the model reads every sentence and learns to place words "
    "that appear in similar contexts close together. Training runs in the background, so you "
    "can leave this page and come back; its progress and loss show here as it goes."
)
NO_CORPUS = "There is no corpus to train on yet: add the demo corpus or upload text first."
BUSY = "A run from this page is still going: wait for it or cancel it to start another."
OTHERS = (
    "Started in another tab or by another user: they go on whatever you do here, and they "
    "share this machine's CPU with yours."
)
QUALITY_SENTENCE = (
    "Quality is the chance that two words seen near each other in the corpus have closer "
    "vectors than two randomly paired words: 0.5 is what random vectors score, and higher "
    "means co-occurring words sit closer than random pairs."
)
LOSS_SENTENCE = "The training error: falling means still learning; flat means done learning."
NO_LOSS = "This trainer reports no training loss (gensim's FastText computes none)"
CORPUS_HELP = "The text to learn from; the newest corpus comes first."
NAME_HELP = "Leave empty for a name made from the corpus and settings."
EXPLORE_LINKS = (
    ("pages/neighbours.py", "See its nearest neighbours →", ":material/search:"),
    ("pages/projection.py", "See it on a map →", ":material/map:"),
)
"""Where a trained model is worth a look: (page, label, icon)."""
COLUMNS = ["run", "status", "algorithm", "model", "corpus", "started", "duration"]


@dataclass
class Watch:
    """What this session's Train page follows: the run it shows (`run_id`), the child process
    it started for each run (`pids`), the runs it saw going, and those whose model it has
    made active already. One per session; every decision about them is a method here.

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> watch = Watch(seen_active={3})
    >>> done = RunView(3, "done", "word2vec", "", "gone", "lee", 2, 2, 1.0, None, None,
    ...                0.0, [], None, False)
    >>> watch.model_to_activate(Workspace(tempfile.mkdtemp()), done) is None  # deleted since
    True
    """

    run_id: int | None = None
    pids: dict[int, int] = field(default_factory=dict)
    seen_active: set[int] = field(default_factory=set)
    activated: set[int] = field(default_factory=set)

    def view(self, ws: Workspace, run_id: int) -> RunView:
        """Where `run_id` stands now; a run seen going is remembered, so its model is made
        active when it ends (an old link to a finished run changes nothing)."""
        view = run_view(ws, run_id, self.pids.get(run_id))
        if view.active:
            self.seen_active.add(view.id)
        return view

    def follow(self, ws: Workspace, url_value: object = None) -> RunView | None:
        """The run to show: the URL's `run` if it names one, else the one this session
        watches; None (and nothing watched) when that run is not in the catalog."""
        run_id = parse_run_id(url_value) or self.run_id
        view = None
        if run_id is not None:
            try:
                view = self.view(ws, run_id)
            except NotFoundError:
                view = None
        self.run_id = view.id if view is not None else None
        return view

    def start(
        self, ws: Workspace, corpus: str | int, config: TrainConfig, name: str | None = None
    ) -> int:
        """Start a run (`start_run`) and watch it from now on: its id."""
        run_id, pid = start_run(ws, corpus, config, name)
        self.pids[run_id] = pid
        self.seen_active.add(run_id)
        self.run_id = run_id
        return run_id

    def model_to_activate(self, ws: Workspace, view: RunView) -> str | None:
        """The model to make active now: a finished run's, once, when this session saw the
        run going (a later choice in the sidebar stands) and the model is still there."""
        if view.status != "done" or not view.model_name:
            return None
        if view.id not in self.seen_active or view.id in self.activated:
            return None
        if not ws.has_model(view.model_name):
            return None
        self.activated.add(view.id)
        return view.model_name


def start_run(
    ws: Workspace, corpus: str | int, config: TrainConfig, name: str | None = None
) -> tuple[int, int]:
    """Check and list a run, then start its job in a child process: (run id, pid).

    Nothing is listed when a check fails (InputError); a run whose process cannot be
    started is marked failed with the reason. The child waits in the queue by itself
    when `limits.MAX_JOBS` runs are going, so the page never decides "now or later".
    """
    from embedlab.jobs.process import create_training_run, start_training_job

    run_id = create_training_run(ws, corpus, config, (name or "").strip() or None)
    try:
        pid = start_training_job(ws, run_id)
    except OSError as err:
        ws.fail_run(run_id, f"The training process could not start ({err}); try again.")
        raise EmbedlabError(f"The training process could not start ({err}); try again.") from err
    return run_id, pid


# --- the form ------------------------------------------------------------------------------


def form_prefix(algo: str) -> str:
    """The widgets' key prefix: word2vec and fasttext share theirs; another algorithm (GloVe
    wants its own learning rate and more epochs) gets its own, so its suggested values show.

    >>> form_prefix("fasttext"), form_prefix("glove")
    ('train', 'train_glove')
    """
    return "train" if algo in ("word2vec", "fasttext") else f"train_{algo}"


def unused(name: str, values: Mapping[str, Any]) -> bool:
    """Whether a setting does nothing with the others as they are (negative samples under
    hierarchical softmax), so its widget is greyed out.

    >>> unused("negative", {"loss": "hs"}), unused("negative", {"loss": "negative"})
    (True, False)
    """
    return name == "negative" and values.get("loss") == "hs"


def corpus_index(names: Sequence[str], preferred: str | None) -> int:
    """Where the corpus select box starts: the corpus the Corpus page shows, else the newest.

    >>> corpus_index(["new", "lee"], "lee"), corpus_index(["new", "lee"], None)
    (1, 0)
    """
    return names.index(preferred) if preferred in names else 0


def field_groups(fields: Sequence[FieldSpec]) -> tuple[list[FieldSpec], list[FieldSpec]]:
    """The main fields, shown at once, and the advanced ones, in a collapsed section.

    >>> from embedlab.app.train_form import form_fields
    >>> main, advanced = field_groups(form_fields("word2vec"))
    >>> main[0].name, "seed" in [f.name for f in advanced]
    ('architecture', True)
    """
    return [f for f in fields if not f.advanced], [f for f in fields if f.advanced]


def widget(
    spec: FieldSpec, default: Any, values: Mapping[str, Any], prefix: str = "train"
) -> tuple[str, dict[str, Any]]:
    """The streamlit widget for one setting and its arguments (after the label): a select
    box for a choice; a checkbox for a true/false setting; a number input otherwise, in whole numbers for an int setting, else
    floats in the setting's format, greyed out when the other `values` make it `unused`.

    >>> from embedlab.app.train_form import form_fields
    >>> dim, loss = (next(f for f in form_fields("word2vec") if f.name == n) for n in ("dim", "loss"))
    >>> widget(dim, 100, {})
    ('number_input', {'key': 'train_dim', 'disabled': False, 'min_value': 1, 'value': 100, 'step': 10})
    >>> widget(loss, "hs", {})[1]["index"]
    1
    """  # noqa: E501 - doctest output
    key = f"{prefix}_{spec.name}"
    if spec.choices:
        index = spec.choices.index(default) if default in spec.choices else 0
        return "selectbox", {
            "key": key,
            "options": spec.choices,
            "index": index,
            "format_func": spec.choice_label,
        }
    if spec.switch:
        return "checkbox", {"key": key, "value": bool(default)}
    args: dict[str, Any] = {"key": key, "disabled": unused(spec.name, values)}
    if isinstance(default, int):
        low = None if spec.min_value is None else int(spec.min_value)
        return "number_input", {
            **args,
            "min_value": low,
            "value": default,
            "step": int(spec.step or 1),
        }
    return "number_input", {
        **args,
        "min_value": spec.min_value,
        "value": float(default),
        "step": spec.step,
        "format": spec.number_format,
    }


def grid(specs: Sequence[FieldSpec], width: int = 3) -> list[list[FieldSpec]]:
    """The fields in rows of `width`, in order.

    >>> [len(row) for row in grid(list(range(7)))]
    [3, 3, 1]
    """
    return [list(specs[start : start + width]) for start in range(0, len(specs), width)]


def coverage_min_count(values: Mapping[str, Any]) -> int | None:
    """The min count whose coverage the form shows under the main settings (None: the
    algorithm has no min count).

    >>> coverage_min_count({"min_count": 0}), coverage_min_count({"dim": 5})
    (1, None)
    """
    if "min_count" not in values:
        return None
    return max(int(values["min_count"] or 1), 1)


def settings_note(tokens: int) -> str:
    """The sentence under the settings: what the starting values suit.

    >>> settings_note(60_000).startswith("The starting values suit a corpus of 60,000 words")
    True
    """
    advice = (
        "a small corpus needs more epochs and fewer dimensions to learn useful vectors."
        if tokens < 1_000_000
        else "change them freely; each has a one-line explanation."
    )
    return f"The starting values suit a corpus of {tokens:,} words: {advice}"


def suggested_name(corpus: str, algo: str, values: Mapping[str, Any]) -> str:
    """The model name used when none is typed (a bad setting: a plain one; Start says why).

    >>> suggested_name("lee", "word2vec", {"dim": 16}), suggested_name("lee", "glove", {"dim": 0})
    ('lee-w2v-sg-16d', 'lee-glove')
    """
    from embedlab.app.train_form import build_config
    from embedlab.jobs.process import default_model_name

    try:
        return default_model_name(corpus, build_config(algo, values))
    except EmbedlabError:
        return f"{corpus}-{algo}"


# --- a run's panel -------------------------------------------------------------------------


def run_title(view: RunView) -> str:
    """The panel's heading.

    >>> run_title(RunView(4, "done", "glove", "", "lee-glove", None, 1, 1, 1.0, None, None,
    ...                   0.0, [], None, False))
    'Run 4: lee-glove'
    """
    return f"Run {view.id}" + (f": {view.model_name}" if view.model_name else "")


def run_caption(view: RunView) -> str:
    """The settings and the corpus, as Markdown-safe text."""
    corpus = f" · corpus {escape_markdown(view.corpus)}" if view.corpus else ""
    return escape_markdown(view.description) + corpus


def waiting_text(view: RunView) -> str | None:
    """What a run waiting in the queue says (None when it does not wait)."""
    if not view.waiting:
        return None
    return view.progress_text + ". It starts by itself when a running job ends."


def panel_metrics(view: RunView) -> list[tuple[str, str, str | None]]:
    """The three figures under the bar: (label, value, help)."""
    last = (
        ("Time left", format_seconds(view.eta), None)
        if view.active
        else ("Epochs", f"{view.epoch}/{view.epochs}", None)
    )
    return [
        (
            "Words per second",
            format_rate(view.words_per_sec),
            "Corpus words trained per second: how fast this machine goes.",
        ),
        ("Elapsed", format_seconds(view.elapsed), None),
        last,
    ]


def curve_heading(view: RunView) -> str | None:
    """The heading over the curves, or None when there is no curve yet."""
    if view.quality:
        return f"**Quality{' and loss' if view.losses else ''} after each epoch**"
    return "**Loss after each epoch**" if view.losses else None


def curve_caption(view: RunView) -> str | None:
    """What the curves mean (the quality score in one sentence), or why there is none."""
    if view.quality:
        return f"{QUALITY_SENTENCE} {LOSS_SENTENCE if view.losses else NO_LOSS + '.'}"
    if view.losses:
        return LOSS_SENTENCE
    if view.reports_loss is False:
        return f"{NO_LOSS}, so there is no curve; the progress bar and speed show how it goes."
    if view.active:
        return "The curve appears when the first epoch is done."
    return None


@dataclass(frozen=True)
class Outcome:
    """How a finished run ended, for the page to show: an st.success/info/warning/error
    `kind`, its Markdown `message`, and links to the pages that explore its model."""

    kind: str
    message: str
    links: tuple[tuple[str, str, str], ...] = ()


def outcome(ws: Workspace, view: RunView, active_model: str | None) -> Outcome:
    """The outcome of a run that has ended: the model, or why there is none."""
    if view.status == "done" and view.model_name and ws.has_model(view.model_name):
        record = ws.model(view.model_name)
        now_active = " It is the active model now." if active_model == record.name else ""
        return Outcome(
            "success",
            f"Model **{escape_markdown(record.name)}** is trained: "
            f"{record.vocab:,} words × {record.dim} dimensions.{now_active}",
            links=EXPLORE_LINKS,
        )
    if view.status == "done":
        return Outcome("info", "This run finished, but its model has since been deleted.")
    if view.status == "cancelled":
        return Outcome("warning", escape_markdown(view.error or "The run was cancelled."))
    return Outcome("error", escape_markdown(view.error or "The run failed."))


# --- the runs tables -----------------------------------------------------------------------


def status_label(view: RunView) -> str:
    """A run's status in the tables, from the view the progress bar reads (what
    `run_status` says for it): a run queued behind full slots says its place.

    >>> view = RunView(5, "queued", "word2vec", "", None, None, 0, 3, 0.0, None, None, None,
    ...                [], None, False, queue_position=2, max_jobs=1, running=1)
    >>> status_label(view)
    'queued (2nd in line)'
    """
    if view.waiting:
        return f"queued ({ordinal(view.queue_position or 1)} in line)"
    return view.status


def runs_table(
    ws: Workspace,
    limit: int = 10,
    runs: Sequence[RunRecord] | None = None,
    views: Mapping[int, RunView] | None = None,
) -> pd.DataFrame:
    """The most recent runs: id, status, algorithm, model, corpus, started, duration.

    A run in `views` (the one the page's progress bar shows) takes its status from that
    view. A run still going has no duration yet (the live panel shows its elapsed time).

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> list(runs_table(Workspace(tempfile.mkdtemp())).columns)
    ['run', 'status', 'algorithm', 'model', 'corpus', 'started', 'duration']
    """
    import pandas as pd

    if runs is None:
        reap_dead_runs(ws)
    runs = list(ws.runs() if runs is None else runs)[:limit]
    views = views or {}
    corpora = corpus_names(ws)
    rows = []
    for run in runs:
        view = views.get(run.id)
        if view is not None:
            status, going = status_label(view), view.active
        else:
            status = run_status(ws, run.id) if run.status == "queued" else run.status
            going = run.status in ACTIVE_STATES
        end = None if going else run.finished
        started = parse_time(run.started)
        rows.append(
            {
                "run": run.id,
                "status": status,
                "algorithm": run.algo,
                "model": run.model_name or "",
                "corpus": corpora.get(run.corpus_id, "") if run.corpus_id is not None else "",
                "started": started.strftime("%Y-%m-%d %H:%M:%S UTC") if started else "",
                "duration": format_seconds(seconds_between(run.started, end))
                if run.started and end
                else "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass(frozen=True)
class RunsTables:
    """The two tables under the panel: runs going elsewhere (None when there are none) and
    the recent runs."""

    others: pd.DataFrame | None
    recent: pd.DataFrame


def runs_tables(ws: Workspace, watched: RunView | None = None, limit: int = 10) -> RunsTables:
    """Runs in progress other than the watched one, and the `limit` most recent runs; the
    watched run's row says what its progress bar says.

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> tables = runs_tables(Workspace(tempfile.mkdtemp()))
    >>> tables.others is None, len(tables.recent)
    (True, 0)
    """
    reap_dead_runs(ws)
    runs = ws.runs()
    views = {watched.id: watched} if watched is not None else {}
    others = [r for r in runs if r.status in ACTIVE_STATES and r.id not in views]
    return RunsTables(
        others=runs_table(ws, runs=others, views=views) if others else None,
        recent=runs_table(ws, limit=limit, runs=runs, views=views),
    )
