"""The Corpus page: the demo corpus, uploads in any encoding, bad uploads, what a corpus holds."""

from __future__ import annotations

import pytest
from app_helpers import new_app

from embedlab.store.workspace import Workspace


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def corpus_names() -> list[str]:
    return [c.name for c in Workspace().corpora()]


def upload(at, *files: tuple[str, bytes, str]):
    at.file_uploader[0].set_value(files[0] if len(files) == 1 else list(files)).run()
    return at.button(key="corpus_ingest").click().run()


def test_first_screen_offers_the_demo_and_an_upload(home):
    at = new_app().run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Corpus"
    assert "text a model learns" in at.markdown[0].value
    assert at.button(key="corpus_demo").label.startswith("Use the demo corpus")
    assert at.button(key="corpus_ingest").disabled  # nothing uploaded yet
    assert "No corpus yet" in at.info[0].value


def test_demo_button_ingests_the_lee_corpus_once(home):
    at = new_app().run()
    at.button(key="corpus_demo").click().run()
    assert not at.exception and not at.error
    assert "demo corpus" in at.success[0].value
    shown = metrics(at)
    assert shown["Documents"] == "300" and shown["Tokens"] == "59,904"
    assert shown["Encoding"] == "utf-8"
    assert len(at.get("plotly_chart")) == 2  # the Zipf plot and the sentence lengths
    assert at.dataframe[0].value["word"].iloc[0] == "the"
    assert at.selectbox(key="corpus_select").value == "lee"
    assert corpus_names() == ["lee"]

    at.button(key="corpus_demo").click().run()  # again: selects it, adds nothing
    assert not at.exception and "already here" in at.info[0].value
    assert corpus_names() == ["lee"]
    assert at.sidebar.selectbox[0].value is None  # the shell's sidebar ran too


def test_utf8_and_latin1_uploads_read_the_same_word(home):
    at = new_app().run()
    upload(at, ("notes.txt", "Un café noir. Le café est bon.".encode(), "text/plain"))
    assert not at.exception and not at.error
    assert "notes" in at.success[0].value
    assert at.file_uploader[0].value == []  # the uploader starts empty again

    upload(at, ("menu.txt", "Café au lait. Un café, merci.".encode("latin-1"), "text/plain"))
    assert not at.exception and not at.error
    assert at.selectbox(key="corpus_select").value == "menu"
    top = at.dataframe[0].value
    assert top["word"].iloc[0] == "café" and top["count"].iloc[0] == 2
    assert metrics(at)["Encoding"] == "cp1252"
    assert corpus_names() == ["menu", "notes"]


def test_several_files_become_one_corpus_each(home):
    at = new_app().run()
    at.text_input(key="corpus_name").input("pets")
    upload(
        at,
        ("cats.txt", b"The cat sat on the mat.", "text/plain"),
        ("dogs.txt", b"The dog ran in the park.", "text/plain"),
    )
    assert not at.exception and not at.error
    assert corpus_names() == ["pets-dogs", "pets-cats"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "not text"),
        ("empty.txt", b"", "is empty"),
    ],
    ids=["binary", "empty"],
)
def test_a_bad_upload_is_one_error_and_changes_nothing(home, name, data, message):
    at = new_app().run()
    at.button(key="corpus_demo").click().run()
    upload(at, (name, data, "text/plain"))
    assert not at.exception
    assert len(at.error) == 1 and message in at.error[0].value and name in at.error[0].value
    assert corpus_names() == ["lee"]
    assert at.selectbox(key="corpus_select").value == "lee"


def test_csv_upload_reads_the_chosen_text_column(home):
    data = b"id,review,stars\n1,Great coffee and friendly staff,5\n2,Cold coffee,2\n"
    at = new_app().run()
    at.text_input(key="corpus_text_column").input("comment")
    upload(at, ("reviews.csv", data, "text/csv"))
    assert not at.exception
    assert "no column 'comment'" in at.error[0].value and "review" in at.error[0].value
    assert corpus_names() == []

    at.text_input(key="corpus_text_column").input("review")
    at.button(key="corpus_ingest").click().run()  # the file is still there after an error
    assert not at.exception and not at.error
    top = at.dataframe[0].value
    assert top["word"].iloc[0] == "coffee" and "5" not in set(top["word"])
    assert any("text column review" in c.value for c in at.caption)
    assert metrics(at)["Documents"] == "2"


def test_preprocessing_options_change_the_tokens(home):
    at = new_app().run()
    at.checkbox(key="corpus_lowercase").uncheck()
    at.checkbox(key="corpus_stopwords").check()
    upload(at, ("shout.txt", b"The Cat and the cat. THE CAT!", "text/plain"))
    assert not at.exception and not at.error
    words = set(at.dataframe[0].value["word"])
    assert words == {"Cat", "cat", "CAT"}


def test_min_count_slider_shows_the_share_of_tokens_dropped(home):
    at = new_app().run()
    upload(at, ("zoo.txt", b"the cat the cat the dog okapi", "text/plain"))
    at.slider(key="corpus_oov_min_count").set_value(2).run()
    assert not at.exception
    assert metrics(at)["Tokens dropped at min count 2"] == "28.6%"  # dog and okapi: 2 of 7
    assert any("2 of 4 distinct words" in c.value for c in at.caption)


def test_delete_asks_for_confirmation(home):
    at = new_app().run()
    at.button(key="corpus_demo").click().run()
    record_id = Workspace().corpus("lee").id
    assert at.button(key="corpus_delete").disabled
    at.checkbox(key=f"corpus_delete_sure_{record_id}").check().run()
    at.button(key="corpus_delete").click().run()
    assert not at.exception
    assert "Deleted the corpus" in at.success[0].value
    assert corpus_names() == []
    assert "No corpus yet" in at.info[0].value


def test_a_file_over_the_upload_limit_is_refused_and_the_others_go_in(home, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_UPLOAD_MB", "1")
    at = new_app().run()
    assert at.file_uploader[0].proto.max_upload_size_mb == 1  # the browser refuses it too
    big = b"the cat sat on the mat. " * 50_000  # 1.2 MB
    upload(at, ("big.txt", big, "text/plain"), ("small.txt", b"A dog ran home.", "text/plain"))
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith("'big.txt' is 1.1 MB, over the 1 MB upload limit")
    assert corpus_names() == ["small"]


def test_a_link_selects_its_corpus_once_then_the_select_box_rules(lee_home):
    from embedlab.jobs.corpora import add_corpus

    add_corpus(Workspace(), b"The cat sat on the mat. The dog ran.", name="pets", filename="p.txt")
    at = new_app()
    at.query_params["corpus"] = "lee"  # a copied link: lee, though pets is newer
    at.run()
    assert not at.exception and not at.warning
    assert at.selectbox(key="corpus_select").value == "lee"
    at.selectbox(key="corpus_select").select("pets").run()
    assert at.selectbox(key="corpus_select").value == "pets"
    assert at.query_params["corpus"] == "pets"  # the URL follows the select box
    at.run()  # the link's value applied once: the choice stands
    assert at.selectbox(key="corpus_select").value == "pets"


def test_a_link_to_a_missing_corpus_says_so_and_shows_the_newest(lee_home):
    at = new_app()
    at.query_params["corpus"] = "<b>zoo</b>"
    at.run()
    assert not at.exception
    assert "does not have" in at.warning[0].value and "<b>" not in at.warning[0].value
    assert at.selectbox(key="corpus_select").value == "lee"
