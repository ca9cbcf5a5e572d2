"""Slots and claims: at most `limits.MAX_JOBS` runs train at once, oldest first, and a run
whose process died is marked failed the next time anyone looks.

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
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedlab.store.workspace import Workspace

DIED = "The training process stopped unexpectedly; start it again."


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


def reap_dead_runs(ws: Workspace) -> int:
    """Mark runs whose process is gone (queued or running) as failed; returns how many."""
    dead = [run_id for run_id, pid in ws.unfinished_runs() if not process_alive(pid)]
    for run_id in dead:
        ws.fail_run(run_id, DIED)
    return len(dead)


def claim_run(ws: Workspace, run_id: int, max_running: int, pid: int | None = None) -> bool:
    """Start a queued run if a slot is free and no older live run waits; dead runs are
    failed first, so they never hold a slot."""
    reap_dead_runs(ws)
    return ws.claim_slot(run_id, max_running, pid)
