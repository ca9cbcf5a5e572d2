"""The Corpus page's decisions without AppTest: which corpus is shown (one just added, a
link's, the one shown before, the newest), what an upload did, the preprocessing widgets
declared once, captions that stay text, and deleting."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from embedlab.app import corpus as view
from embedlab.ingest.corpus import TokenizeOptions
from embedlab.store.records import CorpusRecord
from embedlab.store.workspace import Workspace

NASTY = "<b>*bold*</b> [x](javascript:alert(1))"


@pytest.fixture
def ws(home) -> Workspace:
    return Workspace(home)


def record(name: str = "pets", **stats) -> CorpusRecord:
    base = {"documents": 1, "tokens": 5, "sentences": 1, "vocabulary": 4, "encoding": "utf-8"}
    return CorpusRecord(1, name, Path("/x"), f"/up/{name}.txt", "2026-01-02T03:04", base | stats)


@pytest.mark.parametrize(
    ("current", "linked", "added", "shown"),
    [
        ("lee", None, None, "lee"),  # what was shown before stays
        ("gone", None, None, "new"),  # deleted since: the newest
        (None, None, None, "new"),
        ("new", "lee", None, "lee"),  # a link's corpus, once
        ("new", "lee", "pets", "pets"),  # a corpus just added wins
        ("lee", None, "gone", "lee"),  # an added name that is not listed changes nothing
    ],
)
def test_which_corpus_is_shown(current, linked, added, shown):
    assert view.shown_corpus(["new", "lee", "pets"], current, linked, added) == (shown, None)


def test_a_link_to_a_missing_corpus_says_so_in_plain_text():
    shown, note = view.shown_corpus(["new", "lee"], "lee", linked=NASTY)
    assert shown == "lee" and "does not have" in note and "<b>" not in note


def test_an_upload_selects_the_last_corpus_added_and_empties_the_uploader(ws):
    records, errors = view.ingest_uploads(
        ws, [("cats.txt", b"The cat sat."), ("dogs.txt", b"The dog ran.")], "pets"
    )
    done = view.ingest_outcome(records, errors)
    assert done.select == "pets-dogs" and done.start_over and done.errors == []
    assert done.message.startswith("Added **pets-cats**, **pets-dogs**: 1 document, 3 tokens")


def test_an_upload_with_an_error_keeps_the_files_to_retry(ws):
    records, errors = view.ingest_uploads(ws, [("ok.txt", b"A cat."), (f"{NASTY}.txt", b"")])
    done = view.ingest_outcome(records, errors)
    assert done.select == "ok" and not done.start_over
    assert len(done.errors) == 1 and "is empty" in done.errors[0] and "<b>" not in done.errors[0]
    nothing = view.ingest_outcome([], errors)
    assert (nothing.select, nothing.message, nothing.start_over) == (None, None, False)


def test_the_demo_message_says_whether_it_was_added():
    assert view.demo_message(record("lee", documents=300), True) == (
        "success",
        "Added the demo corpus **lee** (300 documents).",
    )
    kind, message = view.demo_message(record("lee"), False)
    assert kind == "info" and "already here" in message


def test_preprocessing_widgets_are_tokenize_options_fields_with_their_defaults():
    widgets = view.option_widgets()
    names = [name for name, *_ in widgets]
    option_fields = {f.name for f in fields(TokenizeOptions)}
    assert set(names) - {"text_column"} <= option_fields
    keys = {args["key"] for *_, args in widgets}
    assert {"corpus_lowercase", "corpus_stopwords", "corpus_min_count"} <= keys
    values = {name: args.get("value", "") for name, _, _, _, args in widgets}
    assert view.tokenize_options(values) == TokenizeOptions()  # untouched widgets: defaults
    assert view.tokenize_options({"lowercase": False, "min_count": 3.0}) == TokenizeOptions(
        lowercase=False, min_count=3
    )


def test_captions_and_figures_stay_text():
    caption = view.source_caption(record(NASTY, text_column=NASTY), {"phrases": True})
    assert "<b>" not in caption and "phrases joined" in caption and "text column" in caption
    figures = dict((label, value) for label, value, _ in view.corpus_metrics(record().stats))
    assert figures == {
        "Documents": "1",
        "Sentences": "1",
        "Tokens": "5",
        "Vocabulary": "4",
        "Encoding": "utf-8",
    }


def test_coverage_sentences_for_both_pages():
    cover = view.coverage([("the", 3), ("cat", 2), ("dog", 1), ("okapi", 1)], 2)
    assert view.coverage_note(cover).startswith("With min count 2, the model learns 2 of")
    assert "28.6% of its tokens" in view.coverage_note(cover)
    assert view.kept_note(cover) == "2 of 4 distinct words are kept."


def test_delete_removes_the_corpus_and_says_so(ws):
    (added,), _ = view.ingest_uploads(ws, [("pets.txt", b"The cat sat.")], NASTY)
    message = view.delete_corpus(ws, added)
    assert ws.corpora() == [] and not added.path.exists()
    assert message.startswith("Deleted the corpus") and "<b>" not in message
