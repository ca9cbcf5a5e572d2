"""Figures for the Train page: the loss after each epoch.

>>> fig = loss_figure([(1, 3.2), (2, 2.5)])
>>> len(fig.data), list(fig.data[0].y)
(1, [3.2, 2.5])
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go


def loss_figure(losses: Sequence[tuple[int, float]], epochs: int | None = None) -> go.Figure:
    """Training loss per epoch as a line; `epochs` fixes the x axis to the whole run.

    A falling line means the model is still learning; a flat one, that more epochs
    would change little.

    >>> loss_figure([(1, 10.0)], epochs=5).layout.xaxis.range
    (0.5, 5.5)
    """
    xs = [int(epoch) for epoch, _ in losses]
    ys = [float(loss) for _, loss in losses]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            name="loss",
            hovertemplate="epoch %{x}: loss %{y:,.4g}<extra></extra>",
        )
    )
    xaxis: dict = {"title": "epoch", "tickformat": "d"}
    if epochs:
        xaxis["range"] = [0.5, max(epochs, 1) + 0.5]
    fig.update_layout(
        xaxis=xaxis,
        yaxis={"title": "loss (lower is better)", "rangemode": "tozero"},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=300,
        showlegend=False,
    )
    return fig
