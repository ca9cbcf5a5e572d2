"""The Analogies page's chart: a, b, c, the answer d and b − a + c on one plane.

Words are user data and plotly's SVG point labels and hovers read a little HTML, so
labels are HTML-escaped; the raw word stays in `customdata[0]`.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from embedlab.app.markup import escape_html

_COLOURS = {"a": "#4c78a8", "b": "#4c78a8", "c": "#f58518", "d": "#f58518", "target": "#888888"}
_ARROWS = (("a", "b", "#4c78a8", "solid"), ("c", "d", "#f58518", "solid"))


def _side(dx: float, dy: float) -> str:
    """The text position on the side a move of (dx, dy) points to.

    >>> _side(0, 1), _side(0.2, -1), _side(-1, 0.1)
    ('top center', 'bottom center', 'middle left')
    """
    if abs(dy) >= 0.5 * abs(dx):
        return "top center" if dy >= 0 else "bottom center"
    return "middle right" if dx >= 0 else "middle left"


def label_positions(points: Sequence[tuple[str, str, float, float]]) -> dict[str, str]:
    """Where each role's label goes, clear of the arrows: an arrow's head word (b, d) beyond
    its head, its tail word (a, c) behind its tail, and b − a + c beside d's label rather
    than on it (the two points are often close).

    >>> label_positions([("a", "man", 0, 0), ("b", "king", 0, 1), ("c", "woman", 1, 1),
    ...                  ("d", "queen", 1, 0), ("target", "t", 1.1, 0)])["d"]
    'bottom center'
    """
    where = {role: (x, y) for role, _, x, y in points}
    sides = {role: "top center" for role in where}
    for start, end, *_ in _ARROWS:
        if start in where and end in where:
            dx, dy = where[end][0] - where[start][0], where[end][1] - where[start][1]
            if dx or dy:
                sides[end] = _side(dx, dy)
                sides[start] = _side(-dx, -dy)
    if "target" in where and "d" in where:
        dx, dy = where["target"][0] - where["d"][0], where["target"][1] - where["d"][1]
        if sides["d"].endswith("center"):  # d's label above or below: put this one aside
            sides["target"] = "middle right" if dx >= 0 else "middle left"
        else:
            sides["target"] = "top center" if dy >= 0 else "bottom center"
    return sides


def analogy_figure(points: Sequence[tuple[str, str, float, float]]) -> go.Figure:
    """Points (role, word, x, y) with the offsets a→b and c→d drawn as arrows.

    Roles are "a", "b", "c", "d" (the answer) and "target" (b − a + c, drawn hollow, with
    a dotted line from c); when a→b and c→d are parallel and equally long, the analogy
    holds exactly.

    >>> fig = analogy_figure([("a", "man", 0, 0), ("b", "king", 0, 1), ("c", "woman", 1, 0),
    ...                       ("d", "queen", 1, 1), ("target", "king − man + woman", 1, 1)])
    >>> len(fig.data), len(fig.layout.annotations)
    (3, 2)
    """
    where = {role: (x, y) for role, _, x, y in points}
    sides = label_positions(points)
    real = [p for p in points if p[0] != "target"]
    target = [p for p in points if p[0] == "target"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[p[2] for p in real],
            y=[p[3] for p in real],
            mode="markers+text",
            text=[escape_html(p[1]) for p in real],
            textposition=[sides[p[0]] for p in real],
            customdata=[[p[1], p[0], escape_html(p[1])] for p in real],
            hovertemplate="%{customdata[1]}: %{customdata[2]}<extra></extra>",
            marker={"size": 12, "color": [_COLOURS.get(p[0], "#444") for p in real]},
            name="words",
        )
    )
    if target and "c" in where:
        (xc, yc), (xt, yt) = where["c"], where["target"]
        fig.add_trace(  # the offset a → b moved to start at c: where d should be
            go.Scatter(
                x=[xc, xt],
                y=[yc, yt],
                mode="lines",
                line={"color": _COLOURS["target"], "dash": "dot", "width": 1.5},
                hoverinfo="skip",
                name="c + (b − a)",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[p[2] for p in target],
                y=[p[3] for p in target],
                mode="markers+text",
                text=[escape_html(p[1]) for p in target],
                textposition=[sides[p[0]] for p in target],
                customdata=[[p[1], p[0], escape_html(p[1])] for p in target],
                hovertemplate="%{customdata[2]} (where the answer should be)<extra></extra>",
                marker={"size": 12, "symbol": "circle-open", "color": _COLOURS["target"]},
                textfont={"color": _COLOURS["target"]},
                name="b − a + c",
            )
        )
    for start, end, colour, _ in _ARROWS:
        if start in where and end in where:
            (x0, y0), (x1, y1) = where[start], where[end]
            fig.add_annotation(
                x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                showarrow=True, arrowhead=3, arrowsize=1.4, arrowwidth=2, arrowcolor=colour,
                standoff=7, startstandoff=7, text="",  # the head stops at the marker's edge
            )  # fmt: skip
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        showlegend=False,
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1},
    )
    return fig
