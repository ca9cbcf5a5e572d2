"""What the Compare page shows: two models side by side, as tables, figures and sentences.

`pick_pair` chooses models A and B from the workspace (the link's `a`/`b` first);
`run` compares them, and `start` does it on the server's job board (`finished` then holds
the result, `progress_text` says how far it got); `summary_table` lists the numbers with a
sentence each, next to a seed twin's numbers (the noise floor) when one is given;
`moved_table` and `agreement_table` list words; `word_table` puts one word's neighbours side
by side; `map_frame` places the most frequent shared words of both models on one aligned 2D
map.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> rng = np.random.default_rng(0)
>>> a = Embeddings([f"w{i}" for i in range(40)], rng.normal(size=(40, 6)), meta={"name": "a"})
>>> c = run(a, a, k=3, top=None)
>>> summary_table(c).loc[0, "number"]
'shared words'
>>> pick_pair(["x", "y", "z"], None, None, active="y")
('y', 'x')
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.analysis.compare import (
    CompareEvent,
    Comparison,
    WordComparison,
    aligned_pairs,
    compare,
    compare_word,
)
from embedlab.errors import InputError
from embedlab.jobs.thread import KeyedJobs

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.embeddings import Embeddings
    from embedlab.jobs.thread import JobBoard, ThreadJob

DEFAULT_TOP = 10_000  # words per model compared on the page (seconds on a laptop)
MAX_TOP = 20_000  # beyond this the page would wait too long; the CLI has no limit
MAP_WORDS = 500
SHOWN = 15
FLOOR = "noise floor"
WAIT_SECONDS = 1.0  # a comparison done this soon shows at once, without a progress bar
KEPT = 16  # finished comparisons kept in memory
_COMPARISONS = KeyedJobs[Comparison](KEPT, keep_failed=True)  # a failure shows until forgotten


def pick_pair(
    names: Sequence[str], a: str | None, b: str | None, active: str | None = None
) -> tuple[str, str]:
    """Models A and B: those the link names when they exist, else the active model and the
    next one in the list (A and B differ whenever there are two models).

    >>> pick_pair(["x", "y"], "y", "gone")
    ('y', 'x')
    """
    if len(names) < 2:
        raise InputError("Comparing needs two models; train or load a second one first.")
    first = a if a in names else active if active in names else names[0]
    if b in names and b != first:
        return first, b
    return first, next(n for n in names if n != first)


def run(
    a: Embeddings,
    b: Embeddings,
    k: int = 10,
    top: int | None = DEFAULT_TOP,
    fit_top: int | None = None,
) -> Comparison:
    """Compare A with B on their first `top` words (None: all of them)."""
    return compare(a, b, k=k, top=top, fit_top=fit_top)


def finished(key: tuple) -> Comparison | None:
    """The comparison computed earlier for `key` (names, paths and settings), or None."""
    return _COMPARISONS.finished(key)


def start(
    board: JobBoard,
    key: tuple,
    a: Embeddings,
    b: Embeddings,
    k: int = 10,
    top: int | None = DEFAULT_TOP,
    fit_top: int | None = None,
) -> ThreadJob:
    """Compare A with B on `board`, or return the job already doing it (or the one that
    failed or was cancelled, until `forget`); the result joins `finished`'s cache.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> from embedlab.jobs.thread import JobBoard
    >>> e = Embeddings(list("abcdef"), np.random.default_rng(1).normal(size=(6, 3)))
    >>> board = JobBoard()
    >>> job = settle(board, start(board, ("doc",), e, e, k=2), 30)
    >>> job.state, finished(("doc",)).agreement.mean_jaccard
    ('done', 1.0)
    """

    def work(on_progress: Callable[[CompareEvent], None]) -> Comparison:
        return compare(a, b, k=k, top=top, fit_top=fit_top, on_progress=on_progress)

    return _COMPARISONS.start(board, key, f"{a.name} vs {b.name}", work)


def job_for(board: JobBoard, key: tuple) -> ThreadJob | None:
    """The job comparing (or that compared) `key`, while the board remembers it."""
    return _COMPARISONS.job(board, key)


def running(board: JobBoard) -> list[ThreadJob]:
    """The comparisons the board is still running."""
    return _COMPARISONS.running(board)


def forget(key: tuple) -> None:
    """Forget a failed or cancelled comparison, so that the page may start it again."""
    _COMPARISONS.forget(key)


def settle(board: JobBoard, job: ThreadJob, seconds: float = WAIT_SECONDS) -> ThreadJob:
    """The job once it has ended, or as it is after `seconds`."""
    deadline = time.monotonic() + seconds
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.02)
    return board.get(job.id) or job


def progress_fraction(job: ThreadJob) -> float:
    """How far the comparison has got, 0 to 1."""
    return float(min(max(getattr(job.event, "fraction", 0.0), 0.0), 1.0))


def progress_text(job: ThreadJob) -> str:
    """The running comparison's line: what it does now and the time so far.

    >>> from embedlab.jobs.thread import ThreadJob
    >>> progress_text(ThreadJob("1", "a vs b", event=CompareEvent(0.5, "neighbours in B")))
    'a vs b: neighbours in B, 50% (0 s so far)'
    """
    event = job.event
    now = f"{event.text}, {progress_fraction(job):.0%}" if event else "starting…"
    return f"{job.description}: {now} ({job.seconds:,.0f} s so far)"


def _explain(c: Comparison) -> dict[str, str]:
    k = c.agreement.k
    return {
        "shared words": "Words both models know; every other number is computed on these.",
        "share of A / B": "The part of each model's (compared) vocabulary that is shared.",
        f"mean Jaccard@{k}": (
            f"Of a word's {k} nearest neighbours in A and in B, the part they have in common "
            "(common / all listed): 1 means the same neighbours, 0 none."
        ),
        f"mean overlap@{k}": (
            f"How many of a word's {k} neighbours in A are also among its {k} in B, divided by {k}."
        ),
        "residual before": (
            "1 - cosine between a word's vector in A and in B as they are: near 1 when the two "
            "spaces point in unrelated directions."
        ),
        "residual after": (
            "The same after rotating A onto B (orthogonal Procrustes): how far words really "
            "moved, 0 meaning the same place."
        ),
    }


def summary_table(c: Comparison, floor: Comparison | None = None) -> pd.DataFrame:
    """One row per number, with a sentence saying what it means; with `floor` (A against its
    seed twin) a second column gives the noise floor to read the first against. All text (the
    numbers already formatted), for a static table that wraps the sentences.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> e = Embeddings(list("abcdef"), np.random.default_rng(1).normal(size=(6, 3)))
    >>> t = summary_table(run(e, e, k=2), floor=run(e, e, k=2))
    >>> t.columns.tolist()
    ['number', 'A vs B', 'A vs seed twin (noise floor)', 'what it means']
    """
    import pandas as pd

    explain = _explain(c)
    columns = {"A vs B": _values(c)}
    if floor is not None:
        columns[f"A vs seed twin ({FLOOR})"] = _values(floor)
    rows = []
    for number, sentence in explain.items():
        row = {"number": number}
        row.update({col: values.get(number, "—") for col, values in columns.items()})
        row["what it means"] = sentence
        rows.append(row)
    return pd.DataFrame(rows)


def _values(c: Comparison) -> dict[str, str]:
    k = c.agreement.k
    out = {
        "shared words": f"{len(c.shared):,}",
        "share of A / B": f"{c.shared.share_a:.1%} / {c.shared.share_b:.1%}",
        f"mean Jaccard@{k}": f"{c.agreement.mean_jaccard:.3f}",
        f"mean overlap@{k}": f"{c.agreement.mean_overlap:.3f}",
    }
    if c.alignment is not None:
        out["residual before"] = f"{c.alignment.mean_before:.3f}"
        out["residual after"] = f"{c.alignment.mean_after:.3f}"
    return out


def headline(c: Comparison, floor: Comparison | None = None) -> str:
    """One sentence on the whole comparison (with the noise floor when given).

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> e = Embeddings(list("abcd"), np.eye(4), meta={"name": "m"})
    >>> headline(run(e, e, k=1))
    'On 4 shared words, m and m list 100% of the same 1 nearest neighbours.'
    """
    a, k = c.agreement, c.agreement.k
    text = (
        f"On {len(c.shared):,} shared words, {c.name_a} and {c.name_b} list "
        f"{a.mean_overlap:.0%} of the same {k} nearest neighbours"
    )
    if floor is not None:
        text += (
            f"; two runs that differ only by the seed share {floor.agreement.mean_overlap:.0%}, "
            "the noise floor"
        )
    return text + "."


def moved_table(c: Comparison, most: bool = True, n: int = SHOWN) -> pd.DataFrame:
    """The words that moved most (or least) after alignment, with their neighbour agreement."""
    import pandas as pd

    if c.alignment is None:
        return pd.DataFrame(columns=["word", "residual", "before alignment", "Jaccard"])
    al = c.alignment
    picked = al.moved_most if most else al.moved_least
    rows = [
        {
            "word": w,
            "residual": score,
            "before alignment": float(al.before[c.index(w)]),
            "Jaccard": float(c.agreement.jaccard[c.index(w)]),
        }
        for w, score in picked[:n]
    ]
    return pd.DataFrame(rows, columns=["word", "residual", "before alignment", "Jaccard"])


def extreme_tables(c: Comparison, n: int = SHOWN) -> list[tuple[str, pd.DataFrame]]:
    """The two word tables shown side by side, with their titles: the words that moved most
    and least (or, without an alignment, whose neighbours agree least and most)."""
    if c.alignment is not None:
        return [
            ("**Moved most** (1 - cosine to the aligned twin)", moved_table(c, True, n)),
            ("**Moved least**", moved_table(c, False, n)),
        ]
    return [
        ("**Neighbours agree least**", agreement_table(c, True, n)),
        ("**Neighbours agree most**", agreement_table(c, False, n)),
    ]


def column_config(frame: pd.DataFrame) -> dict[str, Any]:
    """How the page's tables show their columns: every decimal number with 3 decimals (so
    a column never mixes 0.5 and 0.123).

    >>> import pandas as pd
    >>> sorted(column_config(pd.DataFrame({"word": ["a"], "Jaccard": [0.5], "rank": [1]})))
    ['Jaccard']
    """
    import streamlit as st

    config: dict[str, Any] = {}
    for name, dtype in frame.dtypes.items():
        if dtype.kind == "f":
            config[str(name)] = st.column_config.NumberColumn(format="%.3f")
    return config


def agreement_table(c: Comparison, least: bool = True, n: int = SHOWN) -> pd.DataFrame:
    """The words whose neighbours agree least (or most), frequent words first among ties."""
    import pandas as pd

    picked = c.agreement.least if least else c.agreement.most
    rows = [
        {"word": w, "Jaccard": score, "overlap": float(c.agreement.overlap[c.index(w)])}
        for w, score in picked[:n]
    ]
    return pd.DataFrame(rows, columns=["word", "Jaccard", "overlap"])


def jaccard_note(c: Comparison) -> str:
    """What the histogram shows, in one sentence."""
    k = c.agreement.k
    same = float((c.agreement.jaccard == 1.0).mean())
    none = float((c.agreement.jaccard == 0.0).mean())
    return (
        f"Each bar counts shared words by the Jaccard@{k} of their neighbour lists: {same:.0%} "
        f"keep all {k} neighbours, {none:.0%} keep none."
    )


def look_up(a: Embeddings, b: Embeddings, c: Comparison, word: str) -> WordComparison:
    """One word in both models (see `compare_word`)."""
    return compare_word(a, b, c, word)


def word_table(w: WordComparison) -> pd.DataFrame:
    """The word's neighbours in A and in B side by side; `in both` marks the shared ones."""
    import pandas as pd

    rows = []
    for i in range(max(len(w.in_a), len(w.in_b))):
        left = w.in_a[i] if i < len(w.in_a) else None
        right = w.in_b[i] if i < len(w.in_b) else None
        rows.append(
            {
                "rank": i + 1,
                "in A": None if left is None else left.word,
                "cosine A": None if left is None else left.score,
                "A's in B too": None if left is None else ("✓" if left.shared else ""),
                "in B": None if right is None else right.word,
                "cosine B": None if right is None else right.score,
                "B's in A too": None if right is None else ("✓" if right.shared else ""),
            }
        )
    return pd.DataFrame(rows)


def word_sentence(w: WordComparison) -> str:
    """One sentence about the word: how many neighbours are shared, and how far it moved."""
    both = sum(r.shared for r in w.in_a)
    text = f"'{w.word}' keeps {both} of its {w.k} nearest neighbours"
    if w.twin_cosine is not None and w.moved_more_than is not None:
        text += (
            f"; the cosine between its vector in B and its aligned vector from A is "
            f"{w.twin_cosine:.3f}, a move larger than {w.moved_more_than:.0%} of the shared words'"
        )
    return text + "."


def map_frame(a: Embeddings, b: Embeddings, c: Comparison, n: int = MAP_WORDS) -> pd.DataFrame:
    """The `n` most frequent shared words in both models on one 2D map: a PCA fitted on the
    union of A's aligned vectors and B's vectors (columns: word, model, x, y)."""
    import pandas as pd

    if c.alignment is None:
        raise InputError(c.alignment_note or "These models cannot be aligned.")
    words = list(c.shared.words[: max(2, int(n))])
    xa, xb = aligned_pairs(a, b, c, words)
    both = np.vstack([xa, xb]).astype(np.float64)
    both -= both.mean(axis=0)
    _, _, vt = np.linalg.svd(both, full_matrices=False)
    coords = both @ vt[:2].T
    m = len(words)
    return pd.DataFrame(
        {
            "word": words + words,
            "model": ["A (aligned)"] * m + ["B"] * m,
            "x": coords[:, 0],
            "y": coords[:, 1] if coords.shape[1] > 1 else 0.0,
        }
    )
