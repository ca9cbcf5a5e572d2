"""Slots and claims: at most `limits.MAX_JOBS` runs train at once, oldest first, and a run
whose process died is marked failed the next time anyone looks.

In class mode (`embedlab app --class`) every student space has its own catalog, and the
slots are shared by the whole class, fairly: a claim takes the class's queue lock and looks
at every space's runs (`fair_turn`). A space may run at most `limits.SPACE_MAX_JOBS` jobs,
and a free slot goes to the waiting space that runs the fewest jobs, oldest run first
within a tie, so a space with a running job yields to a space with none (round-robin).

The catalog holds the rows (`Workspace.claim_slot` is one guarded UPDATE, so two processes
never both take the last slot); this module holds the policy: which processes are alive,
and when a dead one's run is failed.

>>> import tempfile
>>> from embedlab.store.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> run_id = ws.create_run("word2vec", {}, None, None)
>>> ws.set_run_pid(run_id, 2**22 + 12345)  # no such process
>>> reap_dead_runs(ws), ws.run(run_id).status
(1, 'failed')
>>> listed = ws.create_run("word2vec", {}, None, None)  # no process took it (yet)
>>> reap_dead_runs(ws), reap_dead_runs(ws, unclaimed_after=-1), ws.run(listed).status
(0, 1, 'failed')
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from embedlab import limits
from embedlab.store.spaces import QueueRow, class_place, queue_lock, queue_rows

if TYPE_CHECKING:
    from embedlab.store.workspace import Workspace

DIED = "The training process stopped unexpectedly; start it again."
NEVER_STARTED = (
    "The training process never started (the app stopped before it could start it); "
    "start the run again."
)
UNCLAIMED_SECONDS = 120.0
"""How long a listed run may wait for its training process to take it (set its pid) before
it counts as abandoned; a process starts in seconds, even on a busy machine."""


def process_alive(pid: int) -> bool:
    """Whether a process with this pid is running (a zombie counts as gone).

    >>> process_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child (finished, not yet reaped) counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def reap_dead_runs(ws: Workspace, unclaimed_after: float | None = None) -> int:
    """Mark runs whose process is gone (queued or running) as failed, and queued runs that no
    process took within `unclaimed_after` seconds (default `UNCLAIMED_SECONDS`); returns how
    many.

    A run is listed (queued, no process) a moment before the app starts its training
    process; a server stopped in that moment leaves a run that no process will ever take.
    """
    dead = [run_id for run_id, pid in ws.unfinished_runs() if not process_alive(pid)]
    for run_id in dead:
        ws.fail_run(run_id, DIED)
    limit = UNCLAIMED_SECONDS if unclaimed_after is None else unclaimed_after
    now = datetime.now(UTC)
    never = [
        run_id
        for run_id, created in ws.unclaimed_runs()
        if (now - _parse_time(created)).total_seconds() > limit
    ]
    for run_id in never:
        ws.fail_run(run_id, NEVER_STARTED)
    return len(dead) + len(never)


def _parse_time(text: str) -> datetime:
    """A catalog time (ISO 8601, UTC); one without a zone is UTC."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def claim_run(ws: Workspace, run_id: int, max_running: int, pid: int | None = None) -> bool:
    """Start a queued run if a slot is free and no older live run waits; dead runs are
    failed first, so they never hold a slot. In a class, the slot must also be this run's
    space's turn (`fair_turn`)."""
    reap_dead_runs(ws)
    place = class_place(ws.root)
    if place is None:
        return ws.claim_slot(run_id, max_running, pid)
    teacher, space = place
    space_max = limits.SPACE_MAX_JOBS.value()
    with queue_lock(teacher):
        rows = []
        for row in queue_rows(teacher):
            if process_alive(row.pid):
                rows.append(row)
            elif row.root != ws.root:  # another space's dead run: fail it in its catalog
                from embedlab.store.workspace import Workspace

                Workspace(row.root).fail_run(row.run_id, DIED)
        if not fair_turn(rows, space, run_id, max_running, space_max):
            return False
        return ws.claim_slot(run_id, space_max if space else max_running, pid)


def fair_turn(
    rows: Sequence[QueueRow], space: str, run_id: int, max_running: int, space_max: int
) -> bool:
    """Whether run `run_id` of `space` may take a slot now, given the class's live runs.

    At most `max_running` run in the class and `space_max` in one space (the teacher's own
    workspace, space "", only counts against the class). Each space's oldest waiting run is
    its candidate; candidates are served fewest-running-space first, then oldest first, and
    the first (free slots) of them may start.

    >>> from pathlib import Path
    >>> def row(space, run_id, status, created="t1"):
    ...     return QueueRow(space, Path(space), run_id, status, 1, created)
    >>> rows = [row("alice", 1, "running"), row("alice", 2, "queued", "t0"),
    ...         row("bob", 1, "queued", "t2")]
    >>> fair_turn(rows, "alice", 2, 2, 2), fair_turn(rows, "bob", 1, 2, 2)
    (False, True)
    """
    running = Counter(r.space for r in rows if r.status == "running")
    free = max_running - sum(running.values())
    if free <= 0:
        return False
    heads: dict[str, QueueRow] = {}
    for r in sorted((r for r in rows if r.status == "queued"), key=lambda r: r.run_id):
        if r.space not in heads and (not r.space or running[r.space] < space_max):
            heads[r.space] = r
    order = sorted(heads.values(), key=lambda r: (running[r.space], r.created, r.space))
    return any(r.space == space and r.run_id == run_id for r in order[:free])
