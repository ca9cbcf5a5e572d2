"""The sentence-polarity demo set shipped inside the package."""

from __future__ import annotations

import gzip

from embedlab.ingest.polarity import POLARITY_FILE, POLARITY_LICENSE, polarity_labelled


def test_it_has_10662_texts_in_two_balanced_classes():
    data = polarity_labelled()
    assert len(data) == 10_662
    assert data.classes == ("neg", "pos")
    assert data.balance == {"neg": 5_331, "pos": 5_331}
    assert all(text.strip() == text and text for text in data.texts)


def test_texts_keep_their_quotes_and_labels_read_from_the_header():
    data = polarity_labelled()
    assert (data.fmt, data.text_column, data.label_column) == ("tsv", "text", "label")
    first = data.texts[0]
    assert first.startswith("the rock is destined") and '" conan "' in first
    assert data.labels[:2] == ("pos", "neg")


def test_the_file_is_gzipped_label_tab_text_with_its_licence_beside_it():
    with gzip.open(POLARITY_FILE, "rt", encoding="utf-8") as fh:
        assert fh.readline() == "label\ttext\n"
    licence = POLARITY_LICENSE.read_text(encoding="utf-8")
    assert "CC BY 4.0" in licence and "Bo Pang" in licence and "Lillian Lee" in licence
