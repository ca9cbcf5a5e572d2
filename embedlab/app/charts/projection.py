"""The projection scatter: one point per word, coloured by frequency or cluster.

Words are user data, and plotly renders text in three ways (checked in Chromium with
plotly.js as plotly 7.1 ships it):

- hover labels, annotations and SVG point labels (`scatter`) read a small subset of
  HTML (`<b>`, `<br>`, `<a>`) and decode entities: there a word is escaped (`&lt;b&gt;`),
  and shows literally as "<b>";
- WebGL point labels (`scattergl`) show text as it is, entities included: there the
  raw word is right;
- 3D point labels (`scatter3d`) read `<b>` and `<br>` but do not decode entities: there
  `<`, `>` and `&` are swapped for look-alikes (‹ › ＆), so no word turns into markup.

The raw word stays in `customdata[0]` of every trace, which is what a selection reads.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from embedlab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

ColourBy = Literal["frequency", "cluster", "faithfulness"]
# customdata columns of every trace: the raw word first (selections read it), then text.
CUSTOM = ["word", "label", "rank_text", "count_text", "lost_text"]
HOVER = (
    "<b>%{customdata[1]}</b><br>rank %{customdata[2]}<br>count %{customdata[3]}"
    "%{customdata[4]}<extra></extra>"
)
HIGHLIGHT_COLOUR = "#d62728"
NEIGHBOUR_COLOUR = "#ff7f0e"
_MARKUP = re.compile("[<>&]")
_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", "&": "＆"})
GL_ABOVE = 1_000  # more points than this are drawn with WebGL (as plotly express does)
SEARCH_COLOUR = "#111111"


def escape(text: str) -> str:
    """`text` safe to show in a plotly label: `<`, `>` and `&` become entities.

    >>> escape("<b>x</b> & y")
    '&lt;b&gt;x&lt;/b&gt; &amp; y'
    """
    return html.escape(str(text), quote=False)


def point_label(word: str, kind: str) -> str:
    """How `word` is written as a point label in a trace of type `kind` (see above).

    >>> [point_label("<b>&", kind) for kind in ("scatter", "scattergl", "scatter3d")]
    ['&lt;b&gt;&amp;', '<b>&', '‹b›＆']
    """
    if kind == "scattergl":
        return word
    if kind == "scatter3d":
        return word.translate(_LOOKALIKES)
    return escape(word)


def scatter(
    frame: pd.DataFrame,
    colour_by: ColourBy = "frequency",
    clusters: Sequence[int] | np.ndarray | None = None,
    highlight: Sequence[str] = (),
    search: str | None = None,
    scores: Sequence[float] | np.ndarray | None = None,
    lost: Sequence[str] | None = None,
) -> go.Figure:
    """A 2D or 3D scatter of a projection frame (`Projection.to_frame()`: word, x, y[, z], ...).

    `colour_by="frequency"` colours by log10 of the count (or by rank when counts are
    unknown); `"cluster"` colours by the `clusters` labels (one per row, 0-based), one
    legend entry per cluster; `"faithfulness"` by `scores` (one per row, 0 to 1: the share
    of a word's neighbours the map kept). `lost[i]` (the neighbours the map put far away,
    as text) is added to row i's hover label.

    `highlight` is a word followed by its neighbours: the word is drawn larger and
    labelled, its neighbours are marked without labels (they would pile up) and joined to
    it by lines. The `search` word gets a star (a diamond in 3D) and an arrow. Dragging on
    a 2D map selects (a box; the mode bar offers the lasso); the legend sits below the map,
    clear of the mode bar. Built with `graph_objects` rather than plotly express: the same
    traces, at a fifth of the time, which a page rerun on every widget change needs.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"word": ["the", "cat", "<b>"], "x": [0.0, 1, 2],
    ...                       "y": [0.0, 1, 0], "count": [9, 3, 1], "rank": [1, 2, 3]})
    >>> fig = scatter(frame, "cluster", clusters=[0, 1, 1], highlight=["cat"], search="<b>")
    >>> len(fig.data), [t.name for t in fig.data]
    (4, ['cluster 1', 'cluster 2', 'highlighted', 'search'])
    >>> [row[0] for row in fig.data[1].customdata], fig.data[1].customdata[1][1]
    (['cat', '<b>'], '&lt;b&gt;')
    >>> fig = scatter(frame, "faithfulness", scores=[1, 0.5, 0], highlight=["the", "cat"])
    >>> [t.name for t in fig.data], fig.layout.dragmode
    (['words', 'lines to its neighbours', 'its neighbours', 'highlighted'], 'select')
    """
    import plotly.graph_objects as go

    for column in ("word", "x", "y"):
        if column not in frame.columns:
            raise InputError(f"The projection table has no '{column}' column.")
    axes = [axis for axis in ("x", "y", "z") if axis in frame.columns]
    three_d = "z" in axes
    n = len(frame)
    kind = "scatter3d" if three_d else "scattergl" if n > GL_ABOVE else "scatter"
    size = 2.5 if three_d else 5
    words, custom = _custom_data(frame, lost)
    coords = {axis: frame[axis].to_numpy(dtype=float) for axis in axes}
    common = {"type": kind, "mode": "markers", "hovertemplate": HOVER}
    traces: list[dict] = []
    if colour_by == "frequency":
        counts = frame["count"].to_numpy(dtype=float, na_value=np.nan) if "count" in frame else None
        if counts is not None and n and not np.isnan(counts).any():
            values, title, scale = np.log10(np.maximum(counts, 1.0)), "log10 count", "Viridis"
        else:
            values, title, scale = np.arange(1.0, n + 1), "rank", "Viridis_r"
        marker = {
            "size": size,
            "opacity": 0.8,
            "color": values,
            "colorscale": scale,
            "showscale": True,
            "colorbar": {"title": {"text": title}},
        }
        traces.append(
            {
                **common,
                **coords,
                "customdata": custom,
                "marker": marker,
                "name": "words",
                "showlegend": False,
            }
        )
    elif colour_by == "cluster":
        if clusters is None:
            raise InputError("Colouring by cluster needs the cluster labels; compute them first.")
        labels = np.asarray(clusters)
        if labels.shape != (n,):
            raise InputError(f"Got {labels.size} cluster labels for {n} words; they must match.")
        for number, label in enumerate(sorted({int(c) for c in labels})):
            rows = np.flatnonzero(labels == label)
            traces.append(
                {
                    **common,
                    **{axis: values[rows] for axis, values in coords.items()},
                    "customdata": custom[rows],
                    "marker": {"size": size, "opacity": 0.8, "color": _colour(number)},
                    "name": f"cluster {label + 1}",
                }
            )
    elif colour_by == "faithfulness":
        if scores is None:
            raise InputError("Colouring by faithfulness needs the scores; compute them first.")
        values = np.asarray(scores, dtype=float)
        if values.shape != (n,):
            raise InputError(
                f"Got {values.size} faithfulness scores for {n} words; they must match."
            )
        marker = {
            "size": size,
            "opacity": 0.8,
            "color": values,
            "colorscale": "RdYlBu",  # red: the map lost the word's neighbours; blue: kept
            "cmin": 0.0,
            "cmax": 1.0,
            "showscale": True,
            "colorbar": {"title": {"text": "neighbours kept"}, "tickformat": ".0%"},
        }
        traces.append(
            {
                **common,
                **coords,
                "customdata": custom,
                "marker": marker,
                "name": "words",
                "showlegend": False,
            }
        )
    else:
        raise InputError(
            f"Unknown colouring {colour_by!r}; choose frequency, cluster or faithfulness."
        )

    position = {w: i for i, w in enumerate(words)}
    # A WebGL canvas lies above SVG traces: the marks use the cloud's kind to stay on top.
    marked = [position[w] for w in dict.fromkeys(highlight) if w in position]
    if marked and highlight and highlight[0] in position and len(marked) > 1:
        centre, others = marked[0], marked[1:]
        traces.append(_lines(kind, coords, centre, others))
        traces.append(
            _points(kind, coords, custom, others, "its neighbours", NEIGHBOUR_COLOUR, label=False)
        )
        traces.append(_points(kind, coords, custom, [centre], "highlighted", HIGHLIGHT_COLOUR))
    elif marked:
        traces.append(_points(kind, coords, custom, marked, "highlighted", HIGHLIGHT_COLOUR))
    arrows = []
    if search is not None and search in position:
        row = [position[search]]
        traces.append(_points(kind, coords, custom, row, "search", SEARCH_COLOUR, big=True))
        arrows.append(
            _arrow(
                {axis: float(values[row[0]]) for axis, values in coords.items()}, custom[row[0], 1]
            )
        )
    layout: dict = {
        "height": 680,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        # below the plot: the mode bar sits top right, and covered legend entries above it
        "legend": {
            "itemsizing": "constant",
            "orientation": "h",
            "yanchor": "top",
            "y": -0.02,
            "xanchor": "left",
            "x": 0.0,
        },
        "hovermode": "closest",
    }
    if three_d:
        layout["scene"] = {
            "xaxis": {"title": {"text": ""}},
            "yaxis": {"title": {"text": ""}},
            "zaxis": {"title": {"text": ""}},
            "annotations": arrows,
        }
    else:
        layout["xaxis"] = {"title": {"text": ""}, "zeroline": False}
        layout["yaxis"] = {
            "title": {"text": ""},
            "zeroline": False,
            "scaleanchor": "x",
            "scaleratio": 1,
        }
        layout["annotations"] = arrows
        layout["dragmode"] = "select"  # a drag selects words (the caption says so), not pans
    return go.Figure(data=traces, layout=layout)


def _custom_data(
    frame: pd.DataFrame, lost: Sequence[str] | None = None
) -> tuple[list[str], np.ndarray]:
    """The raw words, and the n × 5 customdata: word, escaped label, rank text, count text,
    and the hover's line about neighbours the map put far away ('' when none)."""
    words = [str(w) for w in frame["word"].tolist()]
    n = len(words)
    ranks = frame["rank"].tolist() if "rank" in frame else range(1, n + 1)
    counts = (
        frame["count"].to_numpy(dtype=float, na_value=np.nan).tolist()
        if "count" in frame
        else [np.nan] * n
    )
    custom = np.empty((n, len(CUSTOM)), dtype=object)
    custom[:, 0] = words
    custom[:, 1] = [escape(w) if _MARKUP.search(w) else w for w in words]
    custom[:, 2] = [f"{int(r):,}" for r in ranks]
    custom[:, 3] = ["unknown" if c != c else f"{int(c):,}" for c in counts]  # NaN: unknown
    if lost is None:
        custom[:, 4] = ""
    else:
        if len(lost) != n:
            raise InputError(f"Got {len(lost)} hover lines for {n} words; they must match.")
        custom[:, 4] = [f"<br>far on the map: {escape(t)}" if t else "" for t in lost]
    return words, custom


def _points(
    kind: str,
    coords: dict[str, np.ndarray],
    custom: np.ndarray,
    rows: list[int],
    name: str,
    colour: str,
    big: bool = False,
    label: bool = True,
) -> dict:
    """Markers drawn on top of the cloud, labelled unless `label` is False; the search
    mark's label is its arrow."""
    if kind == "scatter3d":
        marker: dict = {"size": 8 if big else 5, "color": colour}
        marker["symbol"] = "diamond" if big else "circle"
    else:
        marker = {
            "size": 18 if big else 11,
            "color": colour,
            "symbol": "star" if big else "circle",
            "line": {"width": 1, "color": "white"},
        }
    return {
        "type": kind,
        **{axis: values[rows] for axis, values in coords.items()},
        "mode": "markers+text" if label and not big else "markers",
        "text": [point_label(w, kind) for w in custom[rows, 0]],
        "textposition": "top center",
        "textfont": {"color": colour, "size": 13},
        "customdata": custom[rows],
        "hovertemplate": HOVER,
        "marker": marker,
        "name": name,
        "showlegend": True,
    }


def _lines(kind: str, coords: dict[str, np.ndarray], centre: int, others: list[int]) -> dict:
    """Straight lines from the highlighted word to each of its neighbours on the map."""
    xyz: dict[str, list] = {axis: [] for axis in coords}
    for other in others:
        for axis, values in coords.items():
            xyz[axis] += [float(values[centre]), float(values[other]), None]
    return {
        "type": kind,
        **xyz,
        "mode": "lines",
        "line": {"color": NEIGHBOUR_COLOUR, "width": 1.5},
        "hoverinfo": "skip",
        "name": "lines to its neighbours",
        "showlegend": False,
    }


def _arrow(spot: dict[str, float], label: str) -> dict:
    """An annotation pointing at the searched word, so it is found at a glance."""
    return {
        **spot,
        "text": label,
        "showarrow": True,
        "arrowhead": 2,
        "ax": 40,
        "ay": -40,
        "font": {"size": 14, "color": SEARCH_COLOUR},
        "bgcolor": "rgba(255,255,255,0.85)",
    }


def _colour(number: int) -> str:
    """The n-th of 26 distinct colours (plotly's Alphabet after its 10 default ones)."""
    from plotly.colors import qualitative

    palette = qualitative.Plotly + [c for c in qualitative.Alphabet if c not in qualitative.Plotly]
    return palette[number % len(palette)]
