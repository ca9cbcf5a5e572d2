"""What the Axes page shows: axes built from words, the axis map, rankings, WEAT tables.

Every function takes plain values (the model, the texts typed into the widgets) and returns
what the page draws: DataFrames, plotly figures and sentences. Axis ends are written in
the page's URL as `start|end`, each a comma-separated list (`x=man|woman`,
`y=bad,awful|good,great`), and the WEAT choice as `test=1`..`10` or `test=custom`.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> toy = Embeddings(["man", "woman", "bad", "good"], np.eye(4, dtype=np.float32))
>>> default_axes(toy)
(('man', 'woman'), ('bad', 'good'))
>>> read_axis_param(axis_param("he, man", "she"))
('he, man', 'she')
>>> make_axis(toy, "man", "woman").name
'woman - man'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlab.analysis import axes, weat
from embedlab.analysis.axes import Axis
from embedlab.app.charts.axes import LABELLED, axis_map_figure, weat_strip_figure
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError

COSINE_FORMAT = "%.3f"  # every cosine in a table: 0.380, never 0.38 beside 0.804
X_PAIRS = (("man", "woman"), ("he", "she"), ("men", "women"), ("boy", "girl"), ("him", "her"))
Y_PAIRS = (
    ("bad", "good"),
    ("poor", "rich"),
    ("war", "peace"),
    ("weak", "strong"),
    ("small", "large"),
    ("old", "new"),
)
_EXAMPLES = (
    "doctor nurse engineer teacher secretary soldier pilot dancer lawyer cook scientist "
    "farmer artist librarian"
)
EXAMPLE_WORDS = tuple(_EXAMPLES.split())
MIN_EXAMPLES = 5  # fewer known example words than this: the map starts on frequent words
CUSTOM = "custom"
SET_LABELS = {"X": "Target X", "Y": "Target Y", "A": "Attribute A", "B": "Attribute B"}
MAX_MODELS = 6  # models in one comparison table
_SEP = "|"


# --- axes -------------------------------------------------------------------------------
def _pair(emb: Embeddings, pairs: tuple[tuple[str, str], ...], fallback: int) -> tuple[str, str]:
    for start, end in pairs:
        if axes.resolve(emb, start) and axes.resolve(emb, end):
            return axes.resolve(emb, start) or start, axes.resolve(emb, end) or end
    words = emb.words
    i = min(fallback, max(len(words) - 2, 0))
    return words[i], words[min(i + 1, len(words) - 1)]


def default_axes(emb: Embeddings) -> tuple[tuple[str, str], tuple[str, str]]:
    """Start and end words for x (man -> woman) and y (bad -> good), or the closest classic
    pair the model knows (frequent words when it knows none)."""
    return _pair(emb, X_PAIRS, 0), _pair(emb, Y_PAIRS, 2)


RANKING_NOTE = (
    f"The {axes.RANK_K} words with the lowest and the highest cosine with the axis, among the "
    f"{axes.DEFAULT_TOP:,} most frequent words (the axis's own words left out)."
)
END_HELP = "A word, or several separated by commas (the axis then uses their mean)."


def default_words(emb: Embeddings) -> str:
    """The example words (occupations) the model knows, as the map's first words; empty when
    it knows fewer than `MIN_EXAMPLES` of them (the map then shows the most frequent words).

    >>> toy = Embeddings(["doctor", "nurse", "pilot"], np.eye(3, dtype=np.float32))
    >>> default_words(toy)
    ''
    """
    known = [w for w in EXAMPLE_WORDS if axes.resolve(emb, w)]
    return " ".join(known) if len(known) >= MIN_EXAMPLES else ""


def initial_state(emb: Embeddings, params: Mapping[str, str]) -> dict[str, str]:
    """The page's first widget values: the axes and the test from the URL (`x`, `y`,
    `test`), else the defaults; the custom lists start from WEAT 6.

    >>> toy = Embeddings(["man", "woman", "bad", "good"], np.eye(4, dtype=np.float32))
    >>> state = initial_state(toy, {"x": "good|bad", "test": "7"})
    >>> state["ax_x_start"], state["ax_y_start"], state["ax_test"]
    ('good', 'bad', '7')
    """
    state: dict[str, str] = {}
    for axis, default in zip("xy", default_axes(emb), strict=True):
        start, end = read_axis_param(params.get(axis)) or default
        state[f"ax_{axis}_start"], state[f"ax_{axis}_end"] = start, end
    state["ax_test"] = read_test_param(params.get("test"))
    state["ax_words"] = default_words(emb)
    state.update({f"ax_set_{k}": text for k, text in default_lists().items()})
    return state


def _words(text: str) -> list[str]:
    return weat.read_word_list(text)


def axis_param(start: str, end: str) -> str:
    """The URL value of an axis: `start|end`, each end a comma-separated list."""
    return ",".join(_words(start)) + _SEP + ",".join(_words(end))


def read_axis_param(value: str | None) -> tuple[str, str] | None:
    """The (start, end) texts of a URL value, or None when it is not `start|end`."""
    if not value or value.count(_SEP) != 1:
        return None
    start, end = (", ".join(_words(part)) for part in value.split(_SEP))
    return (start, end) if start and end else None


def make_axis(emb: Embeddings, start: str, end: str) -> Axis:
    """An axis from what was typed for each end: one word each, or lists of words."""
    return axes.set_axis(emb, _words(start), _words(end))


def describe(axis: Axis) -> str:
    """'from man to woman' (sets: 'from the mean of he, man to the mean of she, woman')."""

    def side(words: tuple[str, ...]) -> str:
        return words[0] if len(words) == 1 else "the mean of " + ", ".join(words)

    return f"from {side(axis.start)} to {side(axis.end)}"


@dataclass(frozen=True)
class MapView:
    figure: go.Figure
    table: pd.DataFrame  # word, x, y
    caption: str
    missing: str | None


def map_view(
    emb: Embeddings,
    x_axis: Axis,
    y_axis: Axis,
    words: str = "",
    top: int = axes.DEFAULT_MAP_TOP,
    measure: str = "cosine",
) -> MapView:
    """The 2D axis map of the typed words (or, when none are typed, the `top` most frequent)."""
    chosen = _words(words)
    result = axes.axis_map(
        emb, x_axis, y_axis, words=chosen or None, top=None if chosen else top, measure=measure
    )
    table = pd.DataFrame(result.rows(), columns=["word", "x", "y"])
    figure = axis_map_figure(
        result.rows(),
        (x_axis.start_label, x_axis.end_label),
        (y_axis.start_label, y_axis.end_label),
        measure,
    )
    labelled = (
        ""
        if len(result.words) <= LABELLED
        else (f" Labels on the {LABELLED} words farthest from the centre; hover for the others.")
    )
    which = "your words" if chosen else f"the {len(result.words):,} most frequent words"
    caption = (
        f"{len(result.words):,} words ({which}): x is the {measure} with the axis "
        f"{describe(x_axis)}, y with the axis {describe(y_axis)}. The two axes have a cosine of "
        f"{result.axes_cosine:.2f} with each other (0: unrelated directions). Click a word to "
        "see below what removing the x axis does to its neighbours." + labelled
    )
    missing = None
    if result.missing:
        missing = "Not in the vocabulary, so not shown: " + ", ".join(result.missing) + "."
    return MapView(figure, table, caption, missing)


def ranking_table(emb: Embeddings, axis: Axis, top: int | None = axes.DEFAULT_TOP) -> pd.DataFrame:
    """The 20 words most toward each end, side by side."""
    ranking = axes.rank_along(emb, axis, top=top)
    return pd.DataFrame(
        {
            "rank": range(1, len(ranking.start) + 1),
            f"toward {axis.start_label}": [n.word for n in ranking.start],
            "cosine (start)": [round(n.score, 3) for n in ranking.start],
            f"toward {axis.end_label}": [n.word for n in ranking.end],
            "cosine (end)": [round(n.score, 3) for n in ranking.end],
        }
    )


def column_config(frame: pd.DataFrame) -> dict[str, Any]:
    """How the page's tables show their cosines: always 3 decimals, so that a column never
    shows 0.38 beside 0.804.

    >>> config = column_config(pd.DataFrame({"word": ["a"], "cosine before": [0.38]}))
    >>> list(config), config["cosine before"]["type_config"]["format"]
    (['cosine before'], '%.3f')
    """
    import streamlit as st

    return {
        str(name): st.column_config.NumberColumn(format=COSINE_FORMAT)
        for name in frame.columns
        if str(name).startswith("cosine")
    }


def removal_view(emb: Embeddings, axis: Axis, word: str, k: int = 10) -> tuple[pd.DataFrame, str]:
    """`word`'s neighbours before and after the axis is projected away, and a sentence."""
    change = axes.neighbours_without(emb, axis, word, k=k)
    rows = max(len(change.before), len(change.after))

    def column(items: tuple, i: int) -> tuple[str | None, float | None]:
        return (items[i].word, round(items[i].score, 3)) if i < len(items) else (None, None)

    table = pd.DataFrame(
        [(i + 1, *column(change.before, i), *column(change.after, i)) for i in range(rows)],
        columns=["rank", "before", "cosine before", "after", "cosine after"],
    )
    if change.left:
        sentence = (
            f"Without the direction {describe(axis)}, '{change.word}' loses "
            f"{', '.join(change.left)} from its {k} nearest words and gains "
            f"{', '.join(change.joined)}."
        )
    else:
        sentence = f"Removing the axis leaves the {k} nearest words of '{change.word}' unchanged."
    return table, sentence


# --- WEAT -------------------------------------------------------------------------------
def weat_options() -> dict[str, str]:
    """URL value -> label: WEAT 1-10, then the user's own lists."""
    options = {str(n): sets.title for n, sets in weat.weat_tests().items()}
    return {**options, CUSTOM: "Your own word lists"}


def read_test_param(value: str | None) -> str:
    """A valid `test` URL value (WEAT 1 when the value is missing or unknown)."""
    return value if value in weat_options() else "1"


def chosen_sets(test: str, texts: Mapping[str, str] | None = None) -> weat.WordSets:
    """The WordSets of a shipped test, or of the four typed lists (keys X, Y, A, B)."""
    if test != CUSTOM:
        return weat.weat_test(int(read_test_param(test)))
    texts = texts or {}
    lists = [_words(texts.get(k, "")) for k in weat.SETS]
    return weat.custom_sets(*lists)


def default_lists(test: str = "6") -> dict[str, str]:
    """A shipped test's lists as text, to start the custom lists from."""
    sets = weat.weat_test(int(test))
    return {k: ", ".join(words) for k, (_, words) in sets.named().items()}


@dataclass(frozen=True)
class WeatView:
    summary: str
    effect_size: float
    p_value: float
    counts: pd.DataFrame  # set, name, used, given, missing
    missing: str | None
    figure: go.Figure


def weat_view(
    emb: Embeddings,
    sets: weat.WordSets,
    permutations: int = weat.DEFAULT_PERMUTATIONS,
    seed: int = weat.DEFAULT_SEED,
) -> WeatView:
    """The test's numbers, its counts table, the missing words and the per-word strip plot."""
    result = weat.weat(emb, sets, permutations=permutations, seed=seed)
    counts = result.counts()
    table = pd.DataFrame(
        [
            (key, name, counts[key][0], counts[key][1], ", ".join(result.missing[key]))
            for key, (name, _) in sets.named().items()
        ],
        columns=["set", "name", "used", "given", "missing"],
    )
    lost = sum(len(m) for m in result.missing.values())
    missing = None
    if lost:
        missing = (
            f"{lost} of the test's words are not in this model's vocabulary and were left out "
            "(see the table); with fewer words the test says less."
        )
    names = {k: name for k, (name, _) in sets.named().items()}
    return WeatView(
        result.summary(),
        result.effect_size,
        result.p_value,
        table,
        missing,
        weat_strip_figure(result.scores, names),
    )


def across_models(
    models: Mapping[str, Embeddings],
    sets: weat.WordSets,
    permutations: int = weat.DEFAULT_PERMUTATIONS,
    seed: int = weat.DEFAULT_SEED,
) -> pd.DataFrame:
    """One row per model: effect size, p-value and words used per set, or why it could not
    run."""
    if len(models) > MAX_MODELS:
        raise InputError(f"Compare at most {MAX_MODELS} models at once; got {len(models)}.")
    rows = []
    for row in weat.weat_across(models, sets, permutations=permutations, seed=seed):
        r = row.result
        counts = r.counts() if r else {}
        rows.append(
            {
                "model": row.model,
                "effect size": r.effect_size if r else np.nan,
                "p-value": r.p_value if r else np.nan,
                **{k: f"{counts[k][0]}/{counts[k][1]}" if r else "" for k in weat.SETS},
                "note": row.error or ("exact" if r and r.exact else f"seed {seed}"),
            }
        )
    return pd.DataFrame(rows)
