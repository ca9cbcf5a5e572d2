"""The Language model page's figure: validation perplexity per epoch, one line per start.

>>> fig = perplexity_figure({"random": [300.0, 250.0], "lee, frozen": [240.0]}, epochs=2,
...                         unigram=400.0)
>>> [trace.name for trace in fig.data]
['random', 'lee, frozen', 'unigram (word frequencies)']
>>> list(fig.data[0].y)
[300.0, 250.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

COLOURS = ("#7f7f7f", "#1f77b4", "#d62728")  # random grey; the model's two starts in colour


def perplexity_figure(
    curves: Mapping[str, Sequence[float]],
    epochs: int | None = None,
    unigram: float | None = None,
) -> go.Figure:
    """Validation perplexity after each epoch for each run; `unigram` draws the flat line a
    model reaches from word frequencies alone; `epochs` fixes the x axis to the whole run."""
    fig = go.Figure()
    for i, (label, values) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(values) + 1)),
                y=[float(v) for v in values],
                mode="lines+markers",
                name=label,
                line={"color": COLOURS[i % len(COLOURS)]},
                hovertemplate=f"{label}<br>epoch %{{x}}: perplexity %{{y:,.1f}}<extra></extra>",
            )
        )
    if unigram is not None:
        fig.add_trace(
            go.Scatter(
                x=[0.5, max(epochs or 1, *(len(v) for v in curves.values()), 1) + 0.5],
                y=[unigram, unigram],
                mode="lines",
                name="unigram (word frequencies)",
                line={"dash": "dash", "color": "#bbbbbb"},
                hovertemplate="word frequencies alone: %{y:,.1f}<extra></extra>",
            )
        )
    xaxis: dict = {"title": "epoch", "tickformat": "d"}
    if epochs:
        xaxis["range"] = [0.5, max(epochs, 1) + 0.5]
    fig.update_layout(
        xaxis=xaxis,
        yaxis={"title": "validation perplexity (lower is better)"},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=340,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
