"""Axes: words placed along directions of meaning (man -> woman, bad -> good), and WEAT tests."""

from __future__ import annotations

import streamlit as st

from embedlab.analysis.weat import CAUTION, DEFAULT_PERMUTATIONS, EXACT_LIMIT, SETS
from embedlab.app import axes as view
from embedlab.app import ui
from embedlab.app.markup import escape_markdown as md
from embedlab.embeddings import Embeddings

MAP = "ax_map"
PICKED = "ax_picked"
PLAIN = {"displayModeBar": False}


@st.cache_data(max_entries=32, show_spinner=False)
def _weat(
    _emb: Embeddings, model: str, path: str, test: str, texts: tuple, permutations: int, seed: int
) -> view.WeatView:
    return view.weat_view(_emb, view.chosen_sets(test, dict(texts)), permutations, seed)


def _pick() -> None:
    """A clicked point becomes the word whose neighbours are compared."""
    points = st.session_state[MAP]["selection"]["points"]
    if points and points[0].get("customdata"):
        st.session_state[PICKED] = points[0]["customdata"][0]


st.title("Axes")
st.caption(
    "An axis is a direction between two words (man → woman) or two word sets (their mean "
    "difference). A word's place along it is its cosine with that direction: negative "
    "toward the start, positive toward the end. Two axes make a map; an association test "
    "(WEAT) asks whether one group of words leans more toward one end than another group."
)
emb = ui.require_model()
record = ui.active_record()
ui.remember_widgets("axes", [f"ax_{key}" for key in (  # values kept across page changes
    "x_start", "x_end", "y_start", "y_end", "words", "top", "rank", "test", "permutations",
    "seed", "models", *(f"set_{s}" for s in SETS))])  # fmt: skip
for key, value in view.initial_state(emb, st.query_params.to_dict()).items():
    st.session_state.setdefault(key, value)
cols = iter(st.columns(4))
ends = {}
for axis in ("x", "y"):
    ends[axis] = tuple(
        next(cols).text_input(f"{axis} axis {side}", key=f"ax_{axis}_{key}", help=view.END_HELP)
        for side, key in (("from", "start"), ("to", "end"))
    )
    st.query_params[axis] = view.axis_param(*ends[axis])
built = None
with ui.shown_errors():
    built = {axis: view.make_axis(emb, *ends[axis]) for axis in ends}

map_tab, rank_tab, weat_tab = st.tabs(["Axis map", "Ranking", "Association test (WEAT)"])
with map_tab:
    if built is None:
        st.info("Fix the axes above to see the map.")
    else:
        left, right = st.columns([1, 3])
        words = left.text_area("Words to place (empty: the most frequent)", key="ax_words")
        top = left.number_input(
            "How many frequent words", 10, 2000, 200, 50, key="ax_top", disabled=bool(words.strip())
        )
        with ui.shown_errors():
            shown = view.map_view(emb, built["x"], built["y"], words, int(top))
            if shown.missing:
                st.info(md(shown.missing))
            right.plotly_chart(
                shown.figure, key=MAP, on_select=_pick, selection_mode="points", config=PLAIN
            )
            right.caption(md(shown.caption))
            if st.session_state.get(PICKED) not in set(shown.table["word"]):
                st.session_state[PICKED] = None
            picked = left.selectbox(
                "Neighbours without the x axis", shown.table["word"], index=None, key=PICKED
            )
            if picked:
                table, sentence = view.removal_view(emb, built["x"], picked)
                st.markdown(md(sentence))
                st.dataframe(table, hide_index=True, column_config=view.column_config(table))

with rank_tab:
    if built is None:
        st.info("Fix the axes above to see the ranking.")
    else:
        along = st.radio(
            "Along",
            list(built),
            horizontal=True,
            key="ax_rank",
            format_func=lambda a: f"{a} axis: {view.describe(built[a])}",
        )
        with ui.shown_errors():
            ranking = view.ranking_table(emb, built[along])
            st.dataframe(ranking, hide_index=True, column_config=view.column_config(ranking))
            st.caption(view.RANKING_NOTE)

with weat_tab:
    options = view.weat_options()
    test = st.selectbox("Test", list(options), format_func=options.get, key="ax_test")
    st.query_params["test"] = test
    lists = {}
    if test == view.CUSTOM:
        for col, key in zip(st.columns(4), SETS, strict=True):
            lists[key] = col.text_area(view.SET_LABELS[key], key=f"ax_set_{key}", height=130)
    c1, c2 = st.columns(2)
    permutations = c1.number_input(
        f"Random splits (used when there are over {EXACT_LIMIT:,})",
        1000,
        1_000_000,
        DEFAULT_PERMUTATIONS,
        1000,
        key="ax_permutations",
    )
    seed = c2.number_input("Seed of the random splits", 0, 2**31 - 1, 0, key="ax_seed")
    args = (test, tuple(sorted(lists.items())), int(permutations), int(seed))
    ran = None
    with ui.shown_errors():
        ran = _weat(emb, record.name, str(record.path), *args)
    if ran is not None:
        m1, m2 = st.columns(2)
        m1.metric("Effect size d", f"{ran.effect_size:.2f}")
        m2.metric("p-value (one-sided)", f"{ran.p_value:.4g}")
        st.markdown(md(ran.summary))
        if ran.missing:
            st.info(md(ran.missing))
        st.dataframe(ran.counts, hide_index=True)
        st.plotly_chart(ran.figure, key="ax_strip", config=PLAIN)
    st.caption(md(CAUTION))
    ws = ui.workspace()
    chosen = st.multiselect(
        "The same test in other models",
        [m.name for m in ws.models()],
        default=[record.name],
        max_selections=view.MAX_MODELS,
        key="ax_models",
    )
    if chosen:
        with ui.shown_errors():
            models = {name: ui.load_model(ws.model(name)) for name in chosen}
            table = view.across_models(models, view.chosen_sets(test, lists), *args[2:])
            st.dataframe(table, hide_index=True)
