"""The Axes page: the axis map, the ranking, WEAT (shipped and own lists), URL state."""

from __future__ import annotations

import json

from app_helpers import DEMO_MODEL, new_app, open_page

CUSTOM_LISTS = {
    "X": "police, officers, army, soldiers, troops",
    "Y": "government, minister, parliament, election, vote",
    "A": "attack, killed, violence, bombing, war",
    "B": "talks, peace, agreement, deal, economy",
}


def test_the_default_axes_draw_a_map_and_a_ranking(lee_home):
    at = open_page("axes")
    assert not at.exception
    assert at.text_input(key="ax_x_start").value == "man"
    assert at.text_input(key="ax_x_end").value == "woman"
    assert at.query_params["x"] == ["man|woman"] or at.query_params["x"] == "man|woman"
    assert at.get("plotly_chart")  # the axis map
    ranking = at.dataframe[0].value
    assert len(ranking) == 20 and "toward woman" in ranking.columns
    # WEAT 1 is the default test; the Lee corpus has none of its flowers: one sentence says so
    assert len(at.error) == 1 and "target set X (Flowers)" in at.error[0].value


def test_an_unknown_axis_word_is_one_error_and_weat_still_works(lee_home):
    at = open_page("axes")
    at = at.text_input(key="ax_x_end").input("womanx").run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any("'womanx' is not in the vocabulary" in m for m in messages)
    assert any("Fix the axes above" in i.value for i in at.info)


def test_own_word_lists_give_an_effect_size_and_counts(lee_home):
    at = open_page("axes")
    at = at.selectbox(key="ax_test").set_value("custom").run()
    for key, text in CUSTOM_LISTS.items():
        at.text_area(key=f"ax_set_{key}").input(text)
    at = at.run()
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    assert "Effect size d" in labels and "p-value (one-sided)" in labels
    counts = next(d.value for d in at.dataframe if "missing" in d.value.columns)
    assert counts["used"].tolist() == [5, 5, 5, 5]
    across = next(d.value for d in at.dataframe if "model" in d.value.columns)
    assert across["model"].tolist() == [DEMO_MODEL]
    assert at.query_params["test"] in (["custom"], "custom")


def test_picking_a_word_shows_its_neighbours_before_and_after(lee_home):
    at = open_page("axes")
    at = at.text_area(key="ax_words").input("police, officers, government, minister").run()
    assert not at.exception
    at = at.selectbox(key="ax_picked").set_value("police").run()
    assert not at.exception
    shown = next(d for d in at.dataframe if "after" in d.value.columns)
    assert len(shown.value) == 10
    columns = json.loads(shown.proto.columns)  # the column config the browser gets
    assert {columns[c]["type_config"]["format"] for c in ("cosine before", "cosine after")} == {
        "%.3f"
    }
    assert any("police" in m.value for m in at.markdown)


def test_a_link_reproduces_the_axes_and_the_test(lee_home):
    at = new_app()
    at.query_params["x"] = "he|she"
    at.query_params["y"] = "war|peace"
    at.query_params["test"] = "custom"
    at = at.run().switch_page("pages/axes.py").run()
    assert not at.exception
    assert at.text_input(key="ax_x_start").value == "he"
    assert at.text_input(key="ax_y_end").value == "peace"
    assert at.selectbox(key="ax_test").value == "custom"


def test_without_a_model_the_page_says_how_to_get_one(home):
    at = open_page("axes")
    assert not at.exception and not at.error
    assert "No model is active yet" in at.info[0].value
