"""What the Train page does with the workspace: start a run as a child process, and the table of
recent runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from embedlab.errors import EmbedlabError
from embedlab.jobs.queue import reap_dead_runs
from embedlab.jobs.status import (
    ACTIVE_STATES,
    corpus_names,
    format_seconds,
    parse_time,
    run_status,
    seconds_between,
)

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.store.workspace import RunRecord, Workspace
    from embedlab.train import TrainConfig


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
    corpora = corpus_names(ws)
    rows = []
    for run in runs:
        status = run.status
        if status == "queued":
            status = run_status(ws, run.id)
        end = run.finished if run.status not in ACTIVE_STATES else None
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
    columns = ["run", "status", "algorithm", "model", "corpus", "started", "duration"]
    return pd.DataFrame(rows, columns=columns)
