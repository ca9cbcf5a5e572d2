"""Every limit embedlab enforces, in one place; each has a default and an environment variable.

A value is read from the environment each time it is asked for, so a server started with
``EMBEDLAB_MAX_JOBS=4 embedlab app`` (or a test's ``monkeypatch.setenv``) takes effect at once.

>>> MAX_JOBS.default
2
>>> MAX_JOBS.value({"EMBEDLAB_MAX_JOBS": "4"})
4
>>> MAX_JOBS.value({"EMBEDLAB_MAX_JOBS": "many"})
Traceback (most recent call last):
...
embedlab.errors.InputError: EMBEDLAB_MAX_JOBS must be a whole number of at least 1; got 'many'.
>>> print(markdown_table().splitlines()[0])
| Limit | Default | Environment variable |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from embedlab.errors import InputError


@dataclass(frozen=True)
class Limit:
    """One enforced limit: what it bounds, its default, and the variable that overrides it."""

    env: str
    default: int
    unit: str
    what: str

    def value(self, environ: Mapping[str, str] | None = None) -> int:
        """The limit in force: the environment variable when set, else the default."""
        raw = (os.environ if environ is None else environ).get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise InputError(f"{self.env} must be a whole number of at least 1; got {raw!r}.")
        return value

    def describe(self, value: int | None = None) -> str:
        """The value with its unit, for messages: ``2 jobs``, ``4,096 MB``."""
        n = self.default if value is None else value
        return f"{n:,} {self.unit}"


MAX_UPLOAD_MB = Limit(
    "EMBEDLAB_MAX_UPLOAD_MB", 1024, "MB", "Size of one uploaded file (the app's upload box)"
)
MAX_EXPANDED_BYTES = Limit(
    "EMBEDLAB_MAX_EXPANDED_BYTES",
    4 * 1024**3,
    "bytes",
    "Bytes an uploaded archive (zip, gz) may expand to, in all",
)
MAX_EXPANSION_RATIO = Limit(
    "EMBEDLAB_MAX_EXPANSION_RATIO",
    200,
    "times",
    "Times its own size an archive may expand once past 10 MB (the zip-bomb ratio guard)",
)
MAX_PROJECTION_WORDS = Limit(
    "EMBEDLAB_MAX_PROJECTION_WORDS", 100_000, "words", "Words drawn in one projection"
)
MAX_JOBS = Limit(
    "EMBEDLAB_MAX_JOBS", 2, "jobs", "Training jobs running at once; later ones wait in a queue"
)
MAX_CHILD_JOBS = Limit(
    "EMBEDLAB_MAX_CHILD_JOBS",
    2,
    "jobs",
    "Classifications running at once, each in its own process; later ones wait their turn",
)
MAX_JOB_SECONDS = Limit(
    "EMBEDLAB_MAX_JOB_SECONDS", 6 * 3600, "seconds", "Run time of one training job"
)
SPACE_MAX_MB = Limit(
    "EMBEDLAB_SPACE_MAX_MB", 500, "MB", "Disk one student space may fill (class mode)"
)
SPACE_MAX_JOBS = Limit(
    "EMBEDLAB_SPACE_MAX_JOBS",
    1,
    "jobs",
    "Training jobs one student space may run at once (class mode); the rest of its runs wait",
)

MAX_CONTEXT_SENTENCES = Limit(
    "EMBEDLAB_MAX_CONTEXT_SENTENCES",
    500,
    "sentences",
    "Sentences encoded for one word on the Contexts page (a corpus gives a sample this size)",
)

MAX_SEARCH_PASSAGES = Limit(
    "EMBEDLAB_MAX_SEARCH_PASSAGES",
    1_000_000,
    "passages",
    "Passages (corpus lines) one search index holds",
)


ALL: tuple[Limit, ...] = (
    MAX_UPLOAD_MB,
    MAX_EXPANDED_BYTES,
    MAX_EXPANSION_RATIO,
    MAX_PROJECTION_WORDS,
    MAX_JOBS,
    MAX_CHILD_JOBS,
    MAX_JOB_SECONDS,
    SPACE_MAX_MB,
    SPACE_MAX_JOBS,
    MAX_CONTEXT_SENTENCES,
    MAX_SEARCH_PASSAGES,
)


def markdown_table() -> str:
    """The limits as the README's table (defaults, not the values in force)."""
    rows = ["| Limit | Default | Environment variable |", "|---|---|---|"]
    rows += [f"| {lim.what} | {lim.describe()} | `{lim.env}` |" for lim in ALL]
    return "\n".join(rows)
