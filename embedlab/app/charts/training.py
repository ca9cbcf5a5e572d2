"""Figures for the Train and Models pages: quality and loss after each epoch.

The quality curve (the gensim trainers' co-occurrence AUC, `embedlab.train.quality`) is
the one to read: it is exact and rises while the model learns. gensim's loss in
`corpus_file` mode is one worker thread's share scaled up, so it jumps between epochs;
the trainer says so in its `loss_label`, which the figure shows as the loss panel's title.

>>> fig = loss_figure([(1, 3.2), (2, 2.5)])
>>> len(fig.data), list(fig.data[0].y)
(1, [3.2, 2.5])
>>> fig = training_figure([(1, 3.2), (2, 2.5)], [(1, 0.61), (2, 0.66)], epochs=2)
>>> [trace.name for trace in fig.data]
['quality', 'loss']
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

QUALITY_TITLE = "Quality: co-occurrence AUC (higher is better; 0.5 = random vectors)"
LOSS_TITLE = "Training loss (lower is better)"
_RANDOM = 0.5


def _xy(points: Sequence[tuple[int, float]]) -> tuple[list[int], list[float]]:
    return [int(epoch) for epoch, _ in points], [float(value) for _, value in points]


def _xaxis(epochs: int | None) -> dict:
    xaxis: dict = {"title": "epoch", "tickformat": "d"}
    if epochs:
        xaxis["range"] = [0.5, max(epochs, 1) + 0.5]
    return xaxis


def _loss_trace(losses: Sequence[tuple[int, float]]) -> go.Scatter:
    xs, ys = _xy(losses)
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines+markers",
        name="loss",
        hovertemplate="epoch %{x}: loss %{y:,.4g}<extra></extra>",
    )


def _quality_trace(quality: Sequence[tuple[int, float]]) -> go.Scatter:
    xs, ys = _xy(quality)
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines+markers",
        name="quality",
        hovertemplate="epoch %{x}: co-occurrence AUC %{y:.3f}<extra></extra>",
    )


def loss_figure(
    losses: Sequence[tuple[int, float]], epochs: int | None = None, label: str | None = None
) -> go.Figure:
    """Training loss per epoch as a line; `epochs` fixes the x axis to the whole run.

    `label` says what the loss is when it needs saying (a trainer's `loss_label`, such
    as gensim's approximate running loss); it becomes the figure's title.

    >>> loss_figure([(1, 10.0)], epochs=5).layout.xaxis.range
    (0.5, 5.5)
    >>> loss_figure([(1, 10.0)], label="gensim's running loss").layout.title.text
    "gensim's running loss"
    """
    fig = go.Figure(_loss_trace(losses))
    fig.update_layout(
        xaxis=_xaxis(epochs),
        yaxis={"title": "loss (lower is better)", "rangemode": "tozero"},
        margin={"l": 10, "r": 10, "t": 30 if label else 10, "b": 10},
        height=300,
        showlegend=False,
    )
    if label:
        fig.update_layout(title={"text": label, "font": {"size": 13}})
    return fig


def training_figure(
    losses: Sequence[tuple[int, float]],
    quality: Sequence[tuple[int, float]] = (),
    epochs: int | None = None,
    loss_label: str | None = None,
) -> go.Figure:
    """The run's curves, one panel each: quality per epoch on top (with a dotted line at
    0.5, what random vectors score), the loss below under `loss_label`; a run with only
    one of the two gets one panel.

    >>> fig = training_figure([], [(1, 0.6), (2, 0.65)], epochs=3)
    >>> [t.name for t in fig.data], fig.layout.xaxis.range
    (['quality'], (0.5, 3.5))
    >>> fig = training_figure([(1, 9.0)], [(1, 0.6)], loss_label="gensim's running loss")
    >>> [a.text for a in fig.layout.annotations][1]
    "gensim's running loss"
    """
    if not quality:
        return loss_figure(losses, epochs, label=loss_label)
    from plotly.subplots import make_subplots

    panels = 2 if losses else 1
    titles = [QUALITY_TITLE] + ([loss_label or LOSS_TITLE] if losses else [])
    fig = make_subplots(
        rows=panels, cols=1, shared_xaxes=True, vertical_spacing=0.14, subplot_titles=titles
    )
    fig.add_trace(_quality_trace(quality), row=1, col=1)
    fig.add_hline(y=_RANDOM, line_dash="dot", line_color="grey", row=1, col=1)
    fig.update_yaxes(title_text="AUC", row=1, col=1)
    if losses:
        fig.add_trace(_loss_trace(losses), row=2, col=1)
        fig.update_yaxes(title_text="loss", rangemode="tozero", row=2, col=1)
    xaxis = _xaxis(epochs)
    fig.update_xaxes(tickformat="d", range=xaxis.get("range"))
    fig.update_xaxes(title_text="epoch", row=panels, col=1)
    for annotation in fig.layout.annotations:
        annotation.font.size = 13
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=260 * panels,
        showlegend=False,
    )
    return fig
