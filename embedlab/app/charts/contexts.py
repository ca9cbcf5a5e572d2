"""The Contexts page's chart: one dot per sentence, where the word's contextual vector lands
in 2D (PCA), coloured by cluster; hovering shows the sentence with the word in bold.

The frame's `cluster` and `hover` columns are already HTML-escaped
(`embedlab.app.contexts.points_frame`); the raw sentence stays in `customdata[0]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

if TYPE_CHECKING:
    import pandas as pd

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac")


def context_figure(frame: pd.DataFrame) -> go.Figure:
    """A scatter of the sentences, one trace (colour) per cluster.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0], "cluster": ["a", "b"],
    ...                       "sentence": ["s1", "s2"], "hover": ["<b>s1</b>", "s2"]})
    >>> fig = context_figure(frame)
    >>> len(fig.data), fig.data[0].customdata[0][0]
    (2, 's1')
    """
    fig = go.Figure()
    for i, (name, group) in enumerate(frame.groupby("cluster", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=group["x"],
                y=group["y"],
                mode="markers",
                name=str(name),
                marker={"size": 11, "color": PALETTE[i % len(PALETTE)], "opacity": 0.85},
                customdata=list(zip(group["sentence"], group["hover"], strict=True)),
                hovertemplate="%{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(
        height=460,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "PCA 1", "zeroline": False},
        yaxis={"title": "PCA 2", "zeroline": False},
        legend={"orientation": "h", "y": -0.15},
        hoverlabel={"align": "left"},
    )
    return fig
