"""Figures for the Classify page: the confusion matrix, per-class scores, and the document map.

Labels and texts are user data: they reach the figures HTML-escaped (tick labels, hover
text, annotations read a little HTML) and raw in `customdata`, which selections read.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from embedlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
METRICS = (("precision", "#9cc3e4"), ("recall", "#4a90c2"), ("f1-score", "#1f4e79"))
HOVER_CHARS = 160  # a hover shows the start of a long text


def _escape(text: object) -> str:
    return html.escape(str(text), quote=False)


def _short(text: str, limit: int = HOVER_CHARS) -> str:
    """`text` cut to `limit` characters (with …), for a hover label."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def confusion_figure(labels: Sequence[str], confusion: Sequence[Sequence[int]]) -> go.Figure:
    """A heatmap of the confusion matrix (rows: true class, columns: predicted), counts written
    in each cell; the colour is the share of the true class's texts, so classes of different
    sizes read alike.

    >>> fig = confusion_figure(["neg", "<b>"], [[8, 2], [3, 7]])
    >>> fig.data[0].z.tolist(), list(fig.data[0].text[0])
    ([[0.8, 0.2], [0.3, 0.7]], ['8', '2'])
    >>> list(fig.layout.yaxis.ticktext)
    ['neg', '&lt;b&gt;']
    """
    import numpy as np
    import plotly.graph_objects as go

    counts = np.asarray(confusion, dtype=float)
    n = len(labels)
    if counts.shape != (n, n):
        raise InputError(f"Got a {counts.shape} confusion matrix for {n} labels; they must match.")
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    names = [_escape(label) for label in labels]
    hover = [
        [
            f"true {names[i]} → predicted {names[j]}<br>{int(counts[i, j]):,} texts "
            f"({share[i, j]:.0%} of {names[i]})"
            for j in range(n)
        ]
        for i in range(n)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=share.round(4),
            x=list(range(n)),
            y=list(range(n)),
            text=[[f"{int(c):,}" for c in row] for row in counts],
            texttemplate="%{text}",
            textfont={"size": 14 if n <= 10 else 10},
            hovertext=hover,
            hoverinfo="text",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": {"text": "share of row"}, "tickformat": ".0%"},
            customdata=[[[labels[i], labels[j]] for j in range(n)] for i in range(n)],
        )
    )
    side = min(640, max(260, 60 + 40 * n))
    fig.update_layout(title="Confusion matrix", margin=_MARGIN, height=side + 60)
    ticks = {"tickmode": "array", "tickvals": list(range(n)), "ticktext": names}
    fig.update_xaxes(title_text="predicted", side="bottom", **ticks)
    fig.update_yaxes(title_text="true", autorange="reversed", **ticks)
    return fig


def per_class_figure(
    labels: Sequence[str], per_class: Mapping[str, Mapping[str, float]]
) -> go.Figure:
    """Grouped bars of precision, recall and F1 per class (`result.per_class`), with the
    number of texts of each class (support) in the hover.

    >>> fig = per_class_figure(["neg", "pos"], {
    ...     "neg": {"precision": 0.5, "recall": 0.75, "f1-score": 0.6, "support": 4},
    ...     "pos": {"precision": 0.7, "recall": 0.5, "f1-score": 0.58, "support": 4}})
    >>> [t.name for t in fig.data], list(fig.data[1].y)
    (['precision', 'recall', 'F1'], [0.75, 0.5])
    """
    import plotly.graph_objects as go

    missing = [label for label in labels if label not in per_class]
    if missing:
        raise InputError(f"No per-class scores for {', '.join(map(repr, missing))}.")
    names = [_escape(label) for label in labels]
    traces = []
    for metric, colour in METRICS:
        shown = "F1" if metric == "f1-score" else metric
        values = [float(per_class[label][metric]) for label in labels]
        traces.append(
            go.Bar(
                name=shown,
                x=list(range(len(labels))),
                y=values,
                marker_color=colour,
                text=[f"{v:.2f}" for v in values],
                textposition="outside",
                cliponaxis=False,
                hovertext=[
                    f"{name}: {shown} {v:.3f} ({int(per_class[label]['support']):,} texts)"
                    for name, label, v in zip(names, labels, values, strict=True)
                ],
                hoverinfo="text",
                customdata=[[label] for label in labels],
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(
        title="Per class",
        barmode="group",
        margin=_MARGIN,
        height=380,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.4},
    )
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(labels))), ticktext=names)
    fig.update_yaxes(range=[0, 1.12], tickvals=[0, 0.25, 0.5, 0.75, 1.0])
    return fig


def document_map_figure(
    frame: pd.DataFrame, labels: Sequence[str] | None = None, *, mistakes: bool = True
) -> go.Figure:
    """The scored texts in 2D (`analysis.classify.document_map`): one colour per true class;
    with `mistakes`, each misclassified text also gets a thin ring in the colour of the class
    it was *predicted* as (a trace of its own, on top), so the dots keep their class colour and
    the ring says what the classifier said. Colours follow `labels` (all classes of the
    result, so a sample that misses a class keeps the others' colours). `customdata[0]` of
    every point is the text's index in the data set (for selections).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": [0.0, 1, 2], "y": [0.0, 1, 0], "index": [0, 1, 2],
    ...     "text": ["good", "bad <b>", "fine"], "true": ["pos", "neg", "pos"],
    ...     "predicted": ["pos", "pos", "pos"], "confidence": [0.9, 0.6, 0.7],
    ...     "correct": [True, False, True], "fold": [1, 2, 3]})
    >>> fig = document_map_figure(frame)
    >>> [t.name for t in fig.data], [[row[0] for row in t.customdata] for t in fig.data]
    (['neg', 'pos', 'misclassified'], [[1], [0, 2], [1]])
    >>> ring = fig.data[2].marker
    >>> ring.symbol, list(ring.color) == [fig.data[1].marker.color], fig.data[0].customdata[0][1]
    ('circle-open', True, 'bad &lt;b&gt;')
    >>> [t.name for t in document_map_figure(frame, mistakes=False).data]
    ['neg', 'pos']
    """
    import numpy as np
    import plotly.graph_objects as go

    for column in ("x", "y", "index", "text", "true", "predicted", "confidence", "correct"):
        if column not in frame.columns:
            raise InputError(f"The document map has no '{column}' column.")
    n = len(frame)
    custom = np.empty((n, 5), dtype=object)
    custom[:, 0] = frame["index"].astype(int).tolist()
    custom[:, 1] = [_escape(_short(t)) for t in frame["text"]]
    custom[:, 2] = [_escape(t) for t in frame["true"]]
    custom[:, 3] = [_escape(p) for p in frame["predicted"]]
    custom[:, 4] = [f"{c:.0%}" for c in frame["confidence"].astype(float)]
    hover = (
        "%{customdata[1]}<br><b>true</b> %{customdata[2]} · <b>predicted</b> %{customdata[3]} "
        "(%{customdata[4]})<extra></extra>"
    )
    kind = "scattergl" if n > 1000 else "scatter"
    x, y = frame["x"].to_numpy(dtype=float), frame["y"].to_numpy(dtype=float)
    true = frame["true"].astype(str).to_numpy()
    predicted = frame["predicted"].astype(str).to_numpy()
    correct = frame["correct"].astype(bool).to_numpy()
    order = [str(label) for label in labels] if labels is not None else []
    order += sorted((set(true) | set(predicted)) - set(order))
    colours = {label: _colour(number) for number, label in enumerate(order)}
    size = 8 if n <= 2000 else 6
    traces = []
    for label in sorted(set(true)):
        rows = np.flatnonzero(true == label)
        traces.append(
            {
                "type": kind,
                "mode": "markers",
                "x": x[rows],
                "y": y[rows],
                "customdata": custom[rows],
                "hovertemplate": hover,
                "marker": {"size": size, "opacity": 0.75, "color": colours[label]},
                "name": _escape(label),
            }
        )
    wrong = np.flatnonzero(~correct)
    if mistakes and len(wrong):
        traces.append(
            {
                "type": kind,
                "mode": "markers",
                "x": x[wrong],
                "y": y[wrong],
                "customdata": custom[wrong],
                "hovertemplate": hover,
                "marker": {
                    "symbol": "circle-open",
                    "size": size + 5,
                    "color": [colours[p] for p in predicted[wrong]],
                    "opacity": 0.9,
                    "line": {"width": 1},
                },
                "name": "misclassified",
            }
        )
    layout = {
        "height": 560,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"itemsizing": "constant", "orientation": "h", "yanchor": "bottom", "y": 1.0},
        "hovermode": "closest",
        "xaxis": {"title": {"text": ""}, "zeroline": False, "showticklabels": False},
        "yaxis": {"title": {"text": ""}, "zeroline": False, "showticklabels": False},
    }
    return go.Figure(data=traces, layout=layout)


def _colour(number: int) -> str:
    from plotly.colors import qualitative

    palette = qualitative.Plotly + [c for c in qualitative.Alphabet if c not in qualitative.Plotly]
    return palette[number % len(palette)]
