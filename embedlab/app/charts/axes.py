"""The Axes page's charts: words on two axes, and a WEAT test's per-word scores.

Words are user data and plotly's labels read a little HTML, so labels are HTML-escaped;
the raw word stays in `customdata[0]`, which is what a selection reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from embedlab.app.markup import escape_html

LABELLED = 40  # with more points, only this many (the farthest from the centre) carry a label
_COLOURS = {"X": "#4c78a8", "Y": "#e45756"}


def axis_map_figure(
    rows: Sequence[tuple[str, float, float]],
    x_ends: tuple[str, str],
    y_ends: tuple[str, str],
    measure: str = "cosine",
) -> go.Figure:
    """Words as points at (x, y), each end of each axis labelled at the plot's edges; with
    more than `LABELLED` words only the farthest from the centre carry a label (hover shows
    every word).

    >>> fig = axis_map_figure([("queen", 0.5, 0.2), ("<b>", -0.1, 0.3)], ("man", "woman"),
    ...                       ("bad", "good"))
    >>> fig.data[0].customdata[1][0], fig.data[0].text[1], len(fig.layout.annotations)
    ('<b>', '&lt;b&gt;', 4)
    """
    words = [w for w, _, _ in rows]
    labels = [escape_html(w) for w in words]
    far = sorted(range(len(rows)), key=lambda i: -(rows[i][1] ** 2 + rows[i][2] ** 2))
    shown = set(far[:LABELLED])
    text = [label if i in shown else "" for i, label in enumerate(labels)]
    fig = go.Figure(
        go.Scatter(
            x=[x for _, x, _ in rows],
            y=[y for _, _, y in rows],
            mode="markers+text",
            text=text,
            textposition="top center",
            customdata=[[w, label] for w, label in zip(words, labels, strict=True)],
            hovertemplate="<b>%{customdata[1]}</b><br>x: %{x:.3f}<br>y: %{y:.3f}<extra></extra>",
            marker={"size": 7, "color": "#4c78a8", "opacity": 0.8},
        )
    )
    ends = [
        (x_ends[0], 0.0, 0.5, "left", 0),
        (x_ends[1], 1.0, 0.5, "right", 0),
        (y_ends[0], 0.5, 0.0, "center", 1),
        (y_ends[1], 0.5, 1.0, "center", 1),
    ]
    for text, x, y, align, vertical in ends:
        arrow = ("↓ " if y == 0.0 else "↑ ") if vertical else ("← " if x == 0.0 else "")
        tail = " →" if not vertical and x == 1.0 else ""
        fig.add_annotation(
            text=f"<b>{arrow}{escape_html(text)}{tail}</b>",
            xref="paper",
            yref="paper",
            x=x,
            y=y,
            xanchor=align,
            yanchor="bottom" if y == 1.0 else ("top" if y == 0.0 else "middle"),
            showarrow=False,
            font={"color": "#555"},
            bgcolor="rgba(255,255,255,0.7)",
        )
    fig.add_hline(y=0, line={"color": "#bbb", "width": 1})
    fig.add_vline(x=0, line={"color": "#bbb", "width": 1})
    fig.update_layout(
        height=560,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        xaxis_title=f"{measure} with x axis",
        yaxis_title=f"{measure} with y axis",
        showlegend=False,
        dragmode="select",
    )
    return fig


def weat_strip_figure(scores: Sequence[tuple[str, str, float]], names: dict[str, str]) -> go.Figure:
    """Each target word's association score s(w), one row of points per target set.

    >>> fig = weat_strip_figure([("X", "rose", 0.2), ("Y", "ant", -0.1)],
    ...                         {"X": "Flowers", "Y": "Insects"})
    >>> [t.name for t in fig.data], fig.data[0].customdata[0][0]
    (['Flowers', 'Insects'], 'rose')
    """
    fig = go.Figure()
    for key in ("X", "Y"):
        part = [(w, s) for k, w, s in scores if k == key]
        labels = [escape_html(w) for w, _ in part]
        name = escape_html(names.get(key, key))
        fig.add_trace(
            go.Box(
                x=[s for _, s in part],
                y=[name] * len(part),
                name=name,
                orientation="h",
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                fillcolor="rgba(0,0,0,0)",
                line={"color": "rgba(0,0,0,0)"},
                marker={"color": _COLOURS[key], "size": 8},
                customdata=[[w, label] for (w, _), label in zip(part, labels, strict=True)],
                hovertemplate="<b>%{customdata[1]}</b><br>s(w) = %{x:.4f}<extra></extra>",
            )
        )
    fig.add_vline(x=0, line={"color": "#bbb", "width": 1})
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis_title="s(w) = mean cos(w, A) − mean cos(w, B)",
        showlegend=False,
    )
    return fig
