"""The Neighbours page's chart: a word's nearest words as horizontal bars.

Words are user data and plotly's tick and hover labels read a little HTML, so the bars'
labels are HTML-escaped; the raw word stays in `customdata[0]`.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from embedlab.app.markup import escape_html


def neighbours_figure(
    rows: Sequence[tuple[str, float]], score_label: str = "cosine similarity"
) -> go.Figure:
    """Horizontal bars, nearest word on top; each bar carries its word as custom data.

    >>> fig = neighbours_figure([("queen", 0.9), ("<b>", 0.7)])
    >>> len(fig.data), list(fig.data[0].y), fig.data[0].customdata[-1][0]
    (1, ['&lt;b&gt;', 'queen'], 'queen')
    """
    words = [w for w, _ in rows][::-1]  # plotly draws the first category at the bottom
    scores = [float(s) for _, s in rows][::-1]
    labels = [escape_html(w) for w in words]  # distinct words keep distinct labels
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=labels,
            orientation="h",
            customdata=[[w, label] for w, label in zip(words, labels, strict=True)],
            text=[f"{s:.3f}" for s in scores],
            textposition="auto",
            hovertemplate="%{customdata[1]}<br>"
            + escape_html(score_label)
            + ": %{x:.4f}<extra></extra>",
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
