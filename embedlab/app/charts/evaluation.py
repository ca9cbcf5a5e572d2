"""Figures for the Evaluate page: analogy accuracy per section, human vs model similarity,
and one benchmark's scores across the models in the catalog.

Words reach the figures only as hover text (HTML-escaped) and `customdata`, never as
markdown.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

_GROUP_COLOURS = {"overall": "#1f4e79", "split": "#4a90c2", "section": "#9cc3e4"}
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def analogy_figure(
    bars: Sequence[tuple[str, str, float, int, int]], title: str = "Accuracy per section"
) -> go.Figure:
    """Horizontal bars of accuracy (%), from `(group, label, accuracy, correct, answered)`.

    `group` is "overall", "split" (semantic/syntactic) or "section" and sets the colour;
    each bar is labelled "correct / answered", or "not answered" for a section the model
    knows too few words of.

    >>> fig = analogy_figure([("overall", "All answered", 0.5, 1, 2),
    ...                       ("section", "family", 0.5, 1, 2), ("section", "currency", 0, 0, 0)])
    >>> len(fig.data), list(fig.data[0].y), list(fig.data[0].x)
    (1, ['All answered', 'family', 'currency'], [50.0, 50.0, 0.0])
    """
    labels = [label for _, label, _, _, _ in bars]
    hover = [
        f"{html.escape(label)}: {acc:.1%} ({correct:,} of {answered:,} answered)"
        if answered
        else f"{html.escape(label)}: no question answered (words not in the vocabulary)"
        for _, label, acc, correct, answered in bars
    ]
    fig = go.Figure(
        go.Bar(
            x=[round(float(acc) * 100, 2) for _, _, acc, _, _ in bars],
            y=labels,
            orientation="h",
            marker_color=[_GROUP_COLOURS.get(group, "#9cc3e4") for group, *_ in bars],
            hovertext=hover,
            hoverinfo="text",
            text=[
                f"{correct:,} / {answered:,}" if answered else "not answered"
                for _, _, _, correct, answered in bars
            ],
            textposition="outside",
            cliponaxis=False,
            customdata=[[label] for label in labels],
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="accuracy on the questions answered (%)",
        margin=_MARGIN,
        height=max(220, 60 + 24 * len(bars)),
    )
    fig.update_xaxes(range=[0, 112], tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def similarity_figure(
    points: Sequence[tuple[str, str, float, float]], title: str = "Human vs model similarity"
) -> go.Figure:
    """A scatter of the human score (x) against the model's cosine (y), one dot per pair.

    Hovering a dot shows the pair; `customdata` holds the two words.

    >>> fig = similarity_figure([("tiger", "cat", 7.35, 0.61), ("love", "sex", 6.77, 0.12)])
    >>> len(fig.data), list(fig.data[0].customdata[0])
    (1, ['tiger', 'cat'])
    """
    hover = [
        f"{html.escape(w1)} – {html.escape(w2)}<br>human {human:g} · model {model:.3f}"
        for w1, w2, human, model in points
    ]
    fig = go.Figure(
        go.Scatter(
            x=[human for _, _, human, _ in points],
            y=[model for _, _, _, model in points],
            mode="markers",
            marker={"size": 7, "opacity": 0.7},
            hovertext=hover,
            hoverinfo="text",
            customdata=[[w1, w2] for w1, w2, _, _ in points],
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="human rating",
        yaxis_title="model cosine similarity",
        margin=_MARGIN,
        height=380,
    )
    return fig


def scores_figure(
    scores: Sequence[tuple[str, float, float | None]],
    metric: str,
    highlight: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """One bar per model from `(model, score, coverage)`; `highlight` (the active model)
    stands out, and hovering a bar shows the coverage the score rests on.

    `metric` "accuracy" shows percentages; any other (a correlation) runs from −1 to 1.

    >>> fig = scores_figure([("lee", 0.12, 0.3), ("glove", 0.55, None)], "spearman", "lee")
    >>> len(fig.data), list(fig.data[0].y), fig.data[0].marker.color[0]
    (1, [0.12, 0.55], '#d9822b')
    """
    accuracy = metric == "accuracy"
    rows = [(str(row[0]), float(row[1]), row[2]) for row in scores]
    names = [model for model, _, _ in rows]
    hover = [
        f"{html.escape(model)}: "
        + (f"{score:.1%}" if accuracy else f"ρ = {score:.3f}")
        + ("" if coverage is None else f"<br>coverage {coverage:.0%}")
        for model, score, coverage in rows
    ]
    fig = go.Figure(
        go.Bar(
            x=list(range(len(names))),
            y=[round(score * 100, 2) if accuracy else score for _, score, _ in rows],
            marker_color=["#d9822b" if n == highlight else "#4a90c2" for n in names],
            text=[f"{score:.1%}" if accuracy else f"{score:.3f}" for _, score, _ in rows],
            textposition="outside",
            cliponaxis=False,
            hovertext=hover,
            hoverinfo="text",
            customdata=[[n] for n in names],
        )
    )
    fig.update_layout(
        title=None if title is None else html.escape(title),
        yaxis_title="accuracy (%)" if accuracy else "Spearman ρ",
        margin=_MARGIN,
        height=300,
    )
    # model names are tick text, which plotly renders as a little HTML: escape them
    fig.update_xaxes(
        tickmode="array", tickvals=list(range(len(names))), ticktext=[html.escape(n) for n in names]
    )
    fig.update_yaxes(range=[0, 100] if accuracy else [-1, 1])
    return fig
