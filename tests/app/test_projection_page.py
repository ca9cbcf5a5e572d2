"""The Projection page: the most frequent words as a 2D/3D map, coloured, searched, selected."""

from __future__ import annotations

import json

import pytest
from app_helpers import DEMO_MODEL, new_app, open_page
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1.element_tree import ElementTree

import embedlab.analysis.project
from embedlab.store.workspace import Workspace


@pytest.fixture
def computed(monkeypatch) -> list[tuple]:
    """Every projection actually computed (cache misses), as (method, n, dims)."""
    calls: list[tuple] = []
    real = embedlab.analysis.project.project

    def counting(emb, method, n, dims, **kwargs):
        calls.append((method, n, dims))
        return real(emb, method, n, dims, **kwargs)

    monkeypatch.setattr(embedlab.analysis.project, "project", counting)
    return calls


def vocab_size(home) -> int:
    return Workspace(home).model(DEMO_MODEL).vocab


def chart(at):
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return charts[0]


def captions(at) -> str:
    return " ".join(c.value for c in at.main.caption)


def test_pca_of_the_top_words_by_default(lee_home, computed):
    at = open_page("projection")
    assert not at.exception and not at.error
    vocab = vocab_size(lee_home)
    shown = min(3_000, vocab)
    assert at.radio(key="proj_method").value == "pca"
    assert at.radio(key="proj_dims").value == 2
    assert at.slider(key="proj_n").value == shown
    assert chart(at).key == "projection"
    text = captions(at)
    assert "distances are only roughly kept" in text.lower()
    assert f"Showing the {shown:,} most frequent of {vocab:,} words · PCA" in text
    assert computed == [("pca", shown, 2)]


def test_colour_highlight_and_revisits_reuse_the_projection(lee_home, computed):
    at = open_page("projection")
    assert len(computed) == 1
    at.radio(key="proj_colour").set_value("cluster").run()
    assert not at.exception and not at.error and chart(at)
    at.slider(key="proj_k").set_value(5).run()
    at.text_input(key="proj_highlight").input("police").run()
    at.text_input(key="proj_search").input("fire").run()
    assert not at.exception and not at.error and chart(at)
    at.switch_page("pages/neighbours.py").run()
    at.switch_page("pages/projection.py").run()
    assert not at.exception and chart(at)
    assert len(computed) == 1  # only the first view computed anything
    at.slider(key="proj_n").set_value(500).run()
    assert computed[1:] == [("pca", 500, 2)]


def test_settings_survive_a_visit_to_another_page(lee_home, computed):
    at = open_page("projection")
    at.slider(key="proj_n").set_value(400).run()
    at.radio(key="proj_dims").set_value(3).run()
    at.text_input(key="proj_search").input("fire").run()
    assert len(computed) == 3
    at.switch_page("pages/neighbours.py").run()
    at.switch_page("pages/projection.py").run()
    assert not at.exception and not at.error
    assert at.slider(key="proj_n").value == 400 and at.radio(key="proj_dims").value == 3
    assert at.text_input(key="proj_search").value == "fire"
    assert chart(at).key == "projection_3d" and len(computed) == 3


def test_an_unknown_word_names_close_spellings_and_keeps_the_map(lee_home):
    at = open_page("projection")
    at.text_input(key="proj_highlight").input("polise").run()
    assert not at.exception and len(at.error) == 1
    message = at.error[0].value
    assert "polise" in message and "did you mean" in message and "police" in message
    assert chart(at)

    at.text_input(key="proj_highlight").input("").run()
    at.text_input(key="proj_search").input("firre").run()
    assert not at.exception and len(at.error) == 1
    assert "firre" in at.error[0].value and "fire" in at.error[0].value


def test_a_word_beyond_n_says_how_many_words_to_show(lee_home):
    at = open_page("projection")
    at.slider(key="proj_n").set_value(100).run()
    rare = Workspace(lee_home).load_model(DEMO_MODEL).words[400]
    at.text_input(key="proj_search").input(rare).run()
    assert not at.exception and len(at.error) == 1
    assert f"'{rare}' is word #401 by frequency" in at.error[0].value
    assert "show at least 401 words" in at.error[0].value


def test_a_bad_setting_is_one_message_not_a_traceback(lee_home):
    at = open_page("projection")
    at.slider(key="proj_n").set_value(10).run()
    at.radio(key="proj_method").set_value("tsne").run()  # perplexity 30 > 10 words
    assert not at.exception and len(at.error) == 1
    assert "perplexity must be more than 0 and less than" in at.error[0].value
    assert not at.get("plotly_chart")


def test_3d_map_says_selection_is_2d_only(lee_home):
    at = open_page("projection")
    at.radio(key="proj_dims").set_value(3).run()
    assert not at.exception and not at.error
    assert chart(at).key == "projection_3d"
    assert "Selecting words works on the 2D map only" in captions(at)


@pytest.mark.slow
def test_umap_on_a_few_hundred_words(lee_home):
    at = open_page("projection")
    at.slider(key="proj_n").set_value(300).run()
    at.radio(key="proj_method").set_value("umap").run()
    assert not at.exception and not at.error and chart(at)
    assert "Showing the 300 most frequent" in captions(at) and "UMAP in" in captions(at)


def test_a_selection_lists_the_words_and_offers_a_csv(lee_home, monkeypatch):
    """AppTest cannot drag a lasso: send the selection the browser would send for the chart."""
    at = open_page("projection")
    words = list(Workspace(lee_home).load_model(DEMO_MODEL).words[:3])
    chart_id = chart(at).proto.id
    selection = {
        "selection": {
            "points": [{"customdata": [w, w, "1", "1"], "x": 0.0, "y": 0.0} for w in words],
            "point_indices": [0, 1, 2],
            "box": [{"x": [-1, 1], "y": [-1, 1]}],
            "lasso": [],
        }
    }
    original = ElementTree.get_widget_states

    def with_selection(self):
        states = original(self)
        state = WidgetState(id=chart_id, string_value=json.dumps(selection))
        states.widgets.append(state)
        return states

    monkeypatch.setattr(ElementTree, "get_widget_states", with_selection)
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["word", "rank", "count"]
    assert table.word.tolist() == words and table["rank"].tolist() == [1, 2, 3]
    (button,) = at.get("download_button")
    assert button.proto.label == "Download the selection as CSV"
    assert button.proto.url.endswith(".csv") and button.proto.ignore_rerun


def test_without_a_model_the_page_says_how_to_get_one(home):
    at = open_page("projection")
    assert not at.exception
    assert "No model is active yet" in at.info[0].value
    assert not at.get("plotly_chart")


def test_the_word_slider_stops_at_the_projection_limit(lee_home, monkeypatch, computed):
    monkeypatch.setenv("EMBEDLAB_MAX_PROJECTION_WORDS", "200")
    at = open_page("projection")
    assert not at.exception
    assert at.slider(key="proj_n").max == 200
    at.slider(key="proj_n").set_value(200).run()
    assert not at.exception and computed[-1] == ("pca", 200, 2)
    assert "at most 200 of the model's" in captions(at)
    assert "EMBEDLAB_MAX_PROJECTION_WORDS" in captions(at)

    monkeypatch.setenv("EMBEDLAB_MAX_PROJECTION_WORDS", "100")  # lowered while the page is open
    at.run()
    assert not at.exception and not at.error
    assert at.slider(key="proj_n").max == 100 and at.slider(key="proj_n").value == 100
    assert computed[-1] == ("pca", 100, 2)


# --- the view in the URL, faithfulness, highlighting by click ----------------------------------
def open_link(**params: str):
    """The Projection page opened from a link carrying `params` as its query string."""
    at = new_app()
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    return at.switch_page("pages/projection.py").run()


def test_a_link_reproduces_the_view_and_the_url_follows_the_widgets(lee_home, computed):
    at = open_link(method="pca", dims="3", n="400", colour="cluster", word="police")
    assert not at.exception and not at.error
    assert at.radio(key="proj_dims").value == 3 and at.slider(key="proj_n").value == 400
    assert at.radio(key="proj_colour").value == "cluster"
    assert at.text_input(key="proj_highlight").value == "police"
    assert computed == [("pca", 400, 2 + 1)]
    at.radio(key="proj_dims").set_value(2).run()
    at.slider(key="proj_n").set_value(500).run()
    assert at.query_params["dims"] == "2" and at.query_params["n"] == "500"
    assert at.query_params["word"] == "police" and at.query_params["method"] == "pca"


def test_a_link_with_nonsense_falls_back_to_defaults(lee_home):
    at = open_link(method="lda", dims="7", n="many", seed="-1", colour="blue")
    assert not at.exception and not at.error
    assert at.radio(key="proj_method").value == "pca" and at.radio(key="proj_dims").value == 2
    assert at.slider(key="proj_n").value == min(3_000, vocab_size(lee_home))


def test_colour_by_faithfulness_explains_itself(lee_home):
    at = open_page("projection")
    at.slider(key="proj_n").set_value(500).run()
    at.radio(key="proj_colour").set_value("faithfulness").run()
    assert not at.exception and not at.error
    text = captions(at)
    assert "the share of each word's 10 nearest neighbours in the model" in text
    assert "trustworthiness" in text and "on all 500 words" in text
    spec = json.loads(chart(at).proto.spec)
    assert spec["data"][0]["marker"]["colorbar"]["title"]["text"] == "neighbours kept"
    assert any("far on the map" in row[4] for row in spec["data"][0]["customdata"])
    at.slider(key="proj_faith_k").set_value(5).run()
    assert "each word's 5 nearest" in captions(at)


def test_a_highlighted_word_lists_its_neighbours_beside_the_map(lee_home):
    at = open_page("projection")
    at.slider(key="proj_n").set_value(300).run()
    at.text_input(key="proj_highlight").input("police").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["word", "similarity", "map rank", "kept"]
    assert len(table) == 10  # from the whole vocabulary: some are not on the map (no rank)
    emb = Workspace(lee_home).load_model(DEMO_MODEL)
    assert table.word.tolist() == [nb.word for nb in emb.neighbours("police", 10)]
    spec = json.loads(chart(at).proto.spec)
    names = [trace.get("name") for trace in spec["data"]]
    assert names[-3:] == ["lines to its neighbours", "its neighbours", "highlighted"]
    assert spec["data"][-1]["text"] == ["police"]  # only the word is labelled
    assert spec["layout"]["dragmode"] == "select"


def test_clicking_a_word_highlights_it(lee_home, monkeypatch):
    """AppTest cannot click: send the selection the browser sends for a click on one point."""
    at = open_page("projection")
    chart_id = chart(at).proto.id
    click = {"selection": {"points": [{"customdata": ["police"]}], "point_indices": [0],
                           "box": [], "lasso": []}}  # fmt: skip
    original = ElementTree.get_widget_states

    def with_click(self):
        states = original(self)
        states.widgets.append(WidgetState(id=chart_id, string_value=json.dumps(click)))
        return states

    monkeypatch.setattr(ElementTree, "get_widget_states", with_click)
    at.run()
    assert not at.exception and not at.error
    assert at.text_input(key="proj_highlight").value == "police"
    assert at.query_params["word"] == "police"
    assert not at.get("download_button")  # a click is not a selection to download


# --- big maps run on the job board -------------------------------------------------------------
def test_a_big_map_runs_in_the_background_then_is_cached(lee_home, monkeypatch, computed):
    """Above the threshold, t-SNE asks first (with an estimate), runs as a job with progress and
    Cancel while the page stays live, then shows from the cache without computing again."""
    from embedlab.app import projection as presenter
    from embedlab.jobs.thread import BOARD

    monkeypatch.setattr(presenter, "BACKGROUND_ABOVE", 200)
    monkeypatch.setattr(presenter, "CONFIRM_ABOVE_S", 0.0)  # every background map asks first
    at = open_page("projection")
    at.radio(key="proj_method").set_value("tsne")
    at.slider(key="proj_n").set_value(400).run()
    assert not at.exception and not at.error
    assert "t-SNE of 400 words takes about" in at.info[0].value
    assert not at.get("plotly_chart") and all(call[0] == "pca" for call in computed)

    at.button(key="proj_start").click().run()
    assert not at.exception and not at.error
    assert len(at.get("progress")) == 1 and at.button(key="proj_cancel")
    path = str(Workspace(lee_home).model(DEMO_MODEL).path)
    key = (DEMO_MODEL, path, "tsne", 400, 2, (("perplexity", 30.0), ("seed", 0)))
    job = presenter.map_job(BOARD, key)
    assert job is not None and BOARD.wait(job.id, timeout=180).state == "done"

    at.run()
    assert not at.exception and not at.error and not at.get("progress")
    assert "Showing the 400 most frequent" in captions(at) and "t-SNE in" in captions(at)
    at.radio(key="proj_colour").set_value("cluster").run()  # a rerun: the map is cached
    assert not at.exception and chart(at)
    assert computed.count(("tsne", 400, 2)) == 1


def test_a_cancelled_background_map_says_so_and_can_start_again(lee_home, monkeypatch):
    from embedlab.app import projection as presenter
    from embedlab.jobs.thread import BOARD

    monkeypatch.setattr(presenter, "BACKGROUND_ABOVE", 200)
    monkeypatch.setattr(presenter, "CONFIRM_ABOVE_S", 1e9)  # starts without asking
    at = open_page("projection")
    at.radio(key="proj_method").set_value("tsne")
    at.slider(key="proj_n").set_value(500).run()
    assert not at.exception and len(at.get("progress")) == 1
    assert "runs in the background" in at.info[0].value
    at.button(key="proj_cancel").click().run()
    path = str(Workspace(lee_home).model(DEMO_MODEL).path)
    key = (DEMO_MODEL, path, "tsne", 500, 2, (("perplexity", 30.0), ("seed", 0)))
    assert BOARD.wait(presenter.map_job(BOARD, key).id, timeout=120).state == "cancelled"
    at.run()
    assert not at.exception and "cancelled" in at.warning[0].value
    assert not at.get("plotly_chart")
    at.button(key="proj_retry").click().run()  # forgets the cancelled run: a new one starts
    assert not at.exception and len(at.get("progress")) == 1
    new = presenter.map_job(BOARD, key)
    assert new is not None and new.state == "running"
    BOARD.cancel(new.id)
    BOARD.wait(new.id, timeout=120)
