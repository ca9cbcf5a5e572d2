"""The Neighbours page's chart: a word's nearest words as horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go


def neighbours_figure(
    rows: Sequence[tuple[str, float]], score_label: str = "cosine similarity"
) -> go.Figure:
    """Horizontal bars, nearest word on top; each bar carries its word as custom data.

    >>> fig = neighbours_figure([("queen", 0.9), ("prince", 0.7)])
    >>> len(fig.data), list(fig.data[0].y), fig.data[0].customdata[-1][0]
    (1, ['prince', 'queen'], 'queen')
    """
    words = [w for w, _ in rows][::-1]  # plotly draws the first category at the bottom
    scores = [float(s) for _, s in rows][::-1]
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=words,
            orientation="h",
            customdata=[[w] for w in words],
            text=[f"{s:.3f}" for s in scores],
            textposition="auto",
            hovertemplate="%{customdata[0]}<br>" + score_label + ": %{x:.4f}<extra></extra>",
            marker_color="#4c78a8",
        )
    )
    fig.update_layout(
        height=max(220, 60 + 24 * len(words)),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis_title=score_label,
        yaxis={"type": "category", "automargin": True},
        showlegend=False,
    )
    if score_label.startswith("cosine") and scores:
        fig.update_xaxes(range=[min(0.0, min(scores)), 1.0])
    return fig
