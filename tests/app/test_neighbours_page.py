"""The Neighbours page: a word or an expression in, its nearest words out (table and chart)."""

from __future__ import annotations

from app_helpers import DEMO_MODEL, new_app, open_page

from embedlab.app.explore import CLASSIC_WORDS
from embedlab.store.workspace import Workspace


def _ask(at, text):
    return at.text_input(key="query").input(text).run()


def test_a_word_gives_a_table_and_a_chart(lee_home):
    at = _ask(open_page("neighbours"), "police")
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table.columns) == ["rank", "word", "cosine similarity"]
    assert len(table) == 10 and "police" not in set(table["word"])
    scores = table["cosine similarity"].tolist()
    assert scores == sorted(scores, reverse=True)
    assert at.get("plotly_chart")

    at = at.slider(key="nb_k").set_value(3).run()
    assert not at.exception and len(at.dataframe[0].value) == 3

    at = at.radio(key="nb_metric").set_value("euclidean").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "euclidean distance" in table.columns and "cosine similarity" not in table.columns
    distances = table["euclidean distance"].tolist()
    assert distances == sorted(distances)


def test_a_misspelt_word_names_close_spellings(lee_home):
    at = _ask(open_page("neighbours"), "polise")
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "polise" in message and "did you mean" in message and "police" in message
    assert not at.dataframe


def test_an_expression_gives_rows_and_says_cosine_under_euclidean(lee_home):
    at = _ask(open_page("neighbours"), "officers - police + government")
    assert not at.exception and not at.error
    words = set(at.dataframe[0].value["word"])
    assert len(words) == 10 and not words & {"officers", "police", "government"}

    at = at.radio(key="nb_metric").set_value("euclidean").run()
    assert not at.exception
    assert "cosine similarity" in at.dataframe[0].value.columns
    assert any("cosine" in i.value and "expression" in i.value.lower() for i in at.info)


def test_a_malformed_expression_shows_the_parser_message(lee_home):
    at = _ask(open_page("neighbours"), "police +")
    assert not at.exception
    assert "Cannot read 'police +'" in at.error[0].value


def test_the_page_starts_on_a_word_and_a_link_names_its_own(lee_home):
    at = open_page("neighbours")
    word = at.text_input(key="query").value
    assert not at.exception and word in CLASSIC_WORDS
    assert len(at.dataframe[0].value) == 10 and at.query_params["q"] == word
    linked = new_app()
    linked.query_params["q"] = "police"
    linked = linked.run().switch_page("pages/neighbours.py").run()
    assert linked.text_input(key="query").value == "police" and len(linked.dataframe) == 1


def test_an_empty_query_offers_example_words_one_click_away(lee_home):
    at = _ask(open_page("neighbours"), "")
    assert not at.exception and not at.error
    examples = at.pills(key="nb_examples")
    assert len(examples.options) >= 3 and "government" in examples.options
    at = examples.set_value("government").run()
    assert not at.exception
    assert at.text_input(key="query").value == "government"
    assert len(at.dataframe[0].value) == 10


def test_suggestions_complete_the_last_word(lee_home):
    at = _ask(open_page("neighbours"), "officers - police + gov")
    assert not at.exception
    suggest = at.pills(key="nb_suggest")
    assert suggest.options[0] == "government"
    at = suggest.set_value("government").run()
    assert not at.exception
    assert at.text_input(key="query").value == "officers - police + government"
    assert len(at.dataframe[0].value) == 10


def test_restrict_searches_only_the_most_frequent_words(lee_home):
    frequent = set(Workspace(lee_home).load_model(DEMO_MODEL).words[:200])
    at = _ask(open_page("neighbours"), "police")
    at = at.number_input(key="nb_restrict").set_value(200).run()
    assert not at.exception and not at.error
    words = set(at.dataframe[0].value["word"])
    assert len(words) == 10 and words <= frequent
    size = len(Workspace(lee_home).load_model(DEMO_MODEL))
    assert f"all {size:,}" in at.number_input(key="nb_restrict").label


def test_a_fasttext_model_answers_an_unseen_word_from_subwords(lee_home, lee_sentences):
    from gensim.models import FastText

    from embedlab.embeddings import Embeddings

    model = FastText(lee_sentences, vector_size=16, min_count=3, epochs=1, bucket=5000, seed=1)
    Workspace(lee_home).add_model(Embeddings.from_keyedvectors(model.wv), name="lee-ft")
    at = open_page("neighbours")
    at = at.sidebar.selectbox(key="active_model").select("lee-ft").run()
    at = _ask(at, "policemanship")
    assert not at.exception and not at.error
    assert any("policemanship" in i.value and "subwords" in i.value for i in at.info)
    assert len(at.dataframe[0].value) == 10


def test_a_capitalised_word_is_looked_up_lower_cased_and_the_page_says_so(lee_home):
    at = _ask(open_page("neighbours"), "Police")
    assert not at.exception and not at.error
    assert any(
        "'Police' looked up as 'police'" in i.value and "lower-case" in i.value for i in at.info
    )
    words = at.dataframe[0].value["word"].tolist()
    assert len(words) == 10 and "police" not in words
    assert words == _ask(at, "police").dataframe[0].value["word"].tolist()
    assert not any("looked up as" in i.value for i in at.info)


def test_without_a_model_the_page_says_how_to_get_one(home):
    at = open_page("neighbours")
    assert not at.exception and not at.error
    assert "No model is active yet" in at.info[0].value
