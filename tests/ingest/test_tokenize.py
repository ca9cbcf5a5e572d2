"""Tests for ingest.tokenize: tokens, sentences (whole and streamed) and TokenizeOptions."""

from __future__ import annotations

import random

import pytest

from embedlab.errors import InputError
from embedlab.ingest.corpus import ingest
from embedlab.ingest.tokenize import SentenceStream, TokenizeOptions, split_sentences, tokenize

# --- tokenize, split_sentences ----------------------------------------------------------------


def test_tokenize_keeps_contractions_and_hyphenated_words_whole():
    assert tokenize("Don't stop: it’s state-of-the-art.") == [
        "don't",
        "stop",
        "it’s",
        "state-of-the-art",
    ]


def test_tokenize_is_unicode_aware_and_nfc_normalises():
    assert tokenize("Ünïcödé Straße, Ελληνικά!") == ["ünïcödé", "straße", "ελληνικά"]
    assert tokenize("cafe\u0301") == ["café"]  # decomposed e + accent becomes one character


def test_tokenize_lowercase_off_keeps_case():
    assert tokenize("Paris is NICE", TokenizeOptions(lowercase=False)) == ["Paris", "is", "NICE"]


def test_tokenize_without_strip_punctuation_keeps_marks_as_tokens():
    tokens = tokenize("Hello, world! (Yes.)", TokenizeOptions(strip_punctuation=False))
    assert tokens == ["hello", ",", "world", "!", "(", "yes", ".", ")"]


def test_tokenize_keeps_numbers_whole_and_drop_numbers_drops_them():
    text = "In 1999, pi was 3.14 and 1,000 people saw 2nd place."
    assert tokenize(text) == [
        "in", "1999", "pi", "was", "3.14", "and", "1,000", "people", "saw", "2nd", "place",
    ]  # fmt: skip
    assert tokenize(text, TokenizeOptions(drop_numbers=True)) == [
        "in", "pi", "was", "and", "people", "saw", "2nd", "place",
    ]  # fmt: skip


def test_tokenize_removes_english_stop_words_whatever_the_case():
    options = TokenizeOptions(remove_stopwords=True, lowercase=False)
    assert tokenize("The cat is on the Mat", options) == ["cat", "Mat"]


def test_split_sentences_keeps_abbreviations_whole():
    text = (
        "Mr. Smith met Dr. Jones in the U.S. last May. They talked, e.g. about tax etc. "
        'and more! Was it fun? "Yes," he said. 2 days later J. R. Ewing left.'
    )
    assert split_sentences(text) == [
        "Mr. Smith met Dr. Jones in the U.S. last May.",
        "They talked, e.g. about tax etc. and more!",
        "Was it fun?",
        '"Yes," he said.',
        "2 days later J. R. Ewing left.",
    ]


def test_split_sentences_needs_a_capital_after_the_stop():
    assert split_sentences("version 2.5 is out. see you.") == ["version 2.5 is out. see you."]
    assert split_sentences("") == []


# --- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "name"),
    [
        (TokenizeOptions(min_count=0), "min_count"),
        (TokenizeOptions(phrase_min_count=0), "phrase_min_count"),
        (TokenizeOptions(phrase_threshold=0), "phrase_threshold"),
        (TokenizeOptions(phrase_threshold=-1.5), "phrase_threshold"),
        (TokenizeOptions(phrase_threshold=float("nan")), "phrase_threshold"),
        (TokenizeOptions(lowercase="no"), "lowercase"),  # type: ignore[arg-type]
        (TokenizeOptions(min_count=2.5), "min_count"),  # type: ignore[arg-type]
    ],
)
def test_options_validate_one_rule_each(options, name):
    with pytest.raises(InputError, match=name):
        options.validate()


def test_options_round_trip_and_ingest_validates(tmp_path):
    options = TokenizeOptions(phrases=True, min_count=3)
    assert TokenizeOptions.from_dict(options.to_dict()) == options
    with pytest.raises(InputError, match="min_count"):
        ingest(b"hello", tmp_path, filename="a.txt", options=TokenizeOptions(min_count=0))


# --- streamed sentences -----------------------------------------------------------------------


def test_sentence_stream_splits_like_split_sentences_whatever_the_pieces():
    rng = random.Random(0)
    sentences = [
        "Mr. Smith met Dr. Jones in the U.S. last May.",
        "They talked, e.g. about tax etc. and more!",
        '"Yes," he said.',
        "2 days later J. R. Ewing left.",
        "Was it fun?",
    ]
    text = " ".join(rng.choice(sentences) for _ in range(5000))  # about 190K characters
    stream, events = SentenceStream(), []
    start = 0
    while start < len(text):
        size = rng.randint(1, 20_000)
        events += stream.feed(text[start : start + size])
        start += size
    events += stream.end_document()
    assert events[-1] is None
    assert events[:-1] == split_sentences(text)
