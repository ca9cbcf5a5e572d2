"""The Compare page's charts: the Jaccard histogram and the aligned map of two models.

Words are user data: hover labels are HTML-escaped, the raw word stays in `customdata[0]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from embedlab.app.markup import escape_html

if TYPE_CHECKING:
    import pandas as pd

COLOURS = {"A (aligned)": "#4c78a8", "B": "#f58518"}
LINK_COLOUR = "#d62728"


def jaccard_histogram(jaccard: np.ndarray, k: int, floor: np.ndarray | None = None) -> go.Figure:
    """Shared words counted by Jaccard@k, one bar per possible value (0, 1/19, ... 1);
    with `floor` the seed twin's distribution is drawn as an outline behind.

    >>> fig = jaccard_histogram(np.array([0, 1, 1], np.float32), k=2)
    >>> list(fig.data[0].y)
    [1, 0, 2]
    """
    values = np.array([i / (2 * k - i) for i in range(k + 1)])  # the k + 1 values possible
    labels = [f"{v:.2f}" for v in values]

    def counts(arr: np.ndarray) -> list[int]:
        idx = np.abs(np.asarray(arr)[:, None] - values[None, :]).argmin(axis=1)
        return np.bincount(idx, minlength=len(values)).tolist()

    fig = go.Figure()
    fig.add_bar(x=labels, y=counts(jaccard), name="A vs B", marker_color="#4c78a8")
    if floor is not None:  # an outline drawn over the bars
        fig.add_bar(
            x=labels,
            y=counts(floor),
            name="seed twin (noise floor)",
            marker={"color": "rgba(0,0,0,0)", "line": {"color": "#444444", "width": 1.5}},
        )
    fig.update_layout(
        barmode="overlay",
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis_title=f"Jaccard@{k} of a word's neighbour lists",
        yaxis_title="shared words",
        showlegend=floor is not None,
        legend={"orientation": "h", "y": 1.1},
    )
    return fig


def aligned_map(frame: pd.DataFrame, word: str | None = None) -> go.Figure:
    """Both models' words on one map (`map_frame`); the chosen word's two places are joined.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"word": ["a", "b", "a", "b"], "model": ["A (aligned)"] * 2 + ["B"] * 2,
    ...                   "x": [0.0, 1, 0.1, 1], "y": [0.0, 1, 0.2, 1]})
    >>> [t.name for t in aligned_map(f, "a").data]
    ['A (aligned)', 'B', 'a']
    """
    fig = go.Figure()
    for model, part in frame.groupby("model", sort=True):
        words = part["word"].tolist()
        labels = [escape_html(w) for w in words]
        fig.add_scatter(
            x=part["x"],
            y=part["y"],
            mode="markers",
            name=str(model),
            marker={"size": 6, "color": COLOURS.get(str(model), "#999999"), "opacity": 0.6},
            customdata=[[w, label] for w, label in zip(words, labels, strict=True)],
            hovertemplate="%{customdata[1]} (" + escape_html(model) + ")<extra></extra>",
        )
    if word:
        pair = frame[frame["word"] == word]
        if len(pair) == 2:
            fig.add_scatter(
                x=pair["x"],
                y=pair["y"],
                mode="lines+markers+text",
                name=escape_html(word),
                text=[f"{escape_html(word)} ({m[0]})" for m in pair["model"]],
                textposition="top center",
                line={"color": LINK_COLOUR, "width": 2},
                marker={"size": 11, "color": LINK_COLOUR, "symbol": "star"},
                customdata=[[word, escape_html(word)]] * 2,
                hovertemplate="%{text}<extra></extra>",
            )
    fig.update_layout(
        height=520,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": 1.05},
        xaxis={"showticklabels": False, "title": None},
        yaxis={"showticklabels": False, "title": None, "scaleanchor": "x"},
    )
    return fig
