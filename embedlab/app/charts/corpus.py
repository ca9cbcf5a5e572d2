"""Figures for the Corpus page: Zipf's rank–frequency plot and the sentence-length histogram.

>>> fig = zipf_figure([("the", 10), ("cat", 2)])
>>> len(fig.data)
2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from embedlab.app.markup import escape_html

MAX_POINTS = 3000  # the first ranks are all drawn; beyond them, ranks evenly spaced on a log axis
_ALL_FIRST = 1000


def zipf_ranks(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Which ranks (0-based) to draw for a vocabulary of `n` words.

    Every rank up to `_ALL_FIRST`, then ranks spaced evenly on a log scale, always
    including the last: a million-word vocabulary draws as fast as a small one and
    looks the same on log–log axes.

    >>> zipf_ranks(5).tolist()
    [0, 1, 2, 3, 4]
    >>> r = zipf_ranks(1_000_000, max_points=2000)
    >>> len(r) <= 2000, int(r[-1])
    (True, 999999)
    """
    if n <= max_points:
        return np.arange(n)
    head = np.arange(min(_ALL_FIRST, max_points // 2))
    tail = np.geomspace(len(head) + 1, n, max_points - len(head)).astype(np.int64) - 1
    return np.unique(np.concatenate([head, tail, [n - 1]]))


def zipf_figure(vocab: Sequence[tuple[str, int]], max_points: int = MAX_POINTS) -> go.Figure:
    """Rank against frequency on log–log axes, hover naming the word; Zipf's 1/rank dashed.

    `vocab` is (word, count), most frequent first (as `read_vocab` gives it). A natural
    corpus falls close to a straight line: a few words are very common, most are rare.

    >>> fig = zipf_figure([("the", 10), ("cat", 5), ("sat", 3)])
    >>> list(fig.data[0].customdata[:, 0]), fig.layout.xaxis.type
    (['the', 'cat', 'sat'], 'log')
    """
    ranks = zipf_ranks(len(vocab), max_points)
    words = np.array([vocab[i][0] for i in ranks], dtype=object)
    counts = np.array([vocab[i][1] for i in ranks], dtype=np.float64)
    x = ranks + 1
    fig = go.Figure()
    fig.add_trace(
        go.Scattergl(
            x=x,
            y=counts,
            mode="markers",
            name="words",
            marker={"size": 5, "opacity": 0.7},
            # the hover reads a little HTML: words are escaped (this chart selects nothing)
            customdata=np.array([escape_html(w) for w in words], dtype=object).reshape(-1, 1),
            hovertemplate="<b>%{customdata[0]}</b><br>rank %{x:,}<br>count %{y:,}<extra></extra>",
        )
    )
    if len(vocab):
        top = float(vocab[0][1])
        fig.add_trace(
            go.Scatter(
                x=[1, len(vocab)],
                y=[top, top / len(vocab)],
                mode="lines",
                name="Zipf's law (count ∝ 1/rank)",
                line={"dash": "dash", "color": "gray"},
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        xaxis={"type": "log", "title": "rank (1 = most frequent word)", "dtick": 1},
        yaxis={"type": "log", "title": "count in the corpus", "dtick": 1},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=380,
    )
    return fig


def sentence_length_figure(lengths: Mapping[int | str, int], clip: int = 100) -> go.Figure:
    """How many sentences have each length in tokens; lengths above `clip` share one bar.

    `lengths` maps a length to its number of sentences (stats.json's keys may be strings).

    >>> fig = sentence_length_figure({"3": 2, "4": 5, "250": 1}, clip=100)
    >>> list(fig.data[0].x), list(fig.data[0].y)
    (['3', '4', '100+'], [2, 5, 1])
    """
    counts: dict[int, int] = {}
    for length, n in lengths.items():
        key = min(int(length), clip)
        counts[key] = counts.get(key, 0) + int(n)
    xs = sorted(counts)
    labels = [f"{x}+" if x == clip and any(int(k) > clip for k in lengths) else str(x) for x in xs]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=[counts[x] for x in xs],
            hovertemplate="%{x} tokens: %{y:,} sentences<extra></extra>",
            marker={"color": "#4c78a8"},
        )
    )
    fig.update_layout(
        xaxis={"title": "sentence length (tokens)", "type": "category"},
        yaxis={"title": "sentences"},
        bargap=0.05,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=300,
    )
    return fig
