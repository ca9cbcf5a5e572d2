"""Labelled texts: every format the reader accepts, and every rule it refuses with."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import pytest

from embedlab.errors import InputError
from embedlab.ingest.demo import gensim_data
from embedlab.ingest.labelled import LabelledTexts, demo_labelled, read_labelled


def _fasttext_demo_lines() -> list[str]:
    return gensim_data("pang_lee_polarity.cor").read_bytes().decode("cp1252").splitlines()


def test_demo_is_pang_lee_fasttext_lines_parsed_into_label_and_text():
    demo = demo_labelled()
    assert len(demo) == 200 and demo.fmt == "fasttext"
    assert demo.balance == {"neg": 100, "pos": 100}
    assert demo.labels[0] == "neg"
    assert demo.texts[0] == "simplistic , silly and tedious ."
    assert not any("__label__" in text for text in demo.texts)
    assert demo.summary()["majority_share"] == 0.5
    assert demo.encodings == ("cp1252",)  # the file holds a cp1252 dash (byte 0x97)
    assert any("\u2014" in text for text in demo.texts)


def test_csv_with_named_columns_and_guessed_columns():
    data = b"id,review,sentiment\n1,a truly great film,pos\n2,dull and far too long,neg\n"
    data += b"3,loved every minute of it,pos\n4,i walked out after an hour,neg\n"
    guessed = read_labelled(data, "r.csv")
    assert (guessed.text_column, guessed.label_column) == ("review", "sentiment")
    assert guessed.texts[1] == "dull and far too long"
    named = read_labelled(data, "r.csv", text_column="review", label_column="Sentiment")
    assert named.label_column == "sentiment" and named.labels == guessed.labels
    with pytest.raises(InputError, match="only 1 text of class '1', 1 text of class '2'"):
        read_labelled(data, "r.csv", label_column="id")


def test_label_column_guessed_from_few_distinct_values():
    rows = ["words,stars"] + [f"text number {i} is here,{i % 3}" for i in range(12)]
    data = read_labelled("\n".join(rows).encode(), "t.csv")
    assert data.label_column == "stars"
    assert data.balance == {"0": 4, "1": 4, "2": 4}


def test_ambiguous_and_missing_label_columns_are_refused_with_one_sentence():
    rows = ["text,a,b"] + [f"some long text number {i},{i % 2},{i % 3}" for i in range(12)]
    with pytest.raises(InputError, match=r"several columns that could hold the label \('a', 'b'\)"):
        read_labelled("\n".join(rows).encode(), "t.csv")
    rows = ["text,score"] + [f"some long text number {i},{i * 1.5}" for i in range(12)]
    with pytest.raises(InputError, match="no column that looks like a label"):
        read_labelled("\n".join(rows).encode(), "t.csv")
    with pytest.raises(InputError, match="has no column 'kind'.*--label-column"):
        read_labelled(b"text,label\nhello there,a\n", "t.csv", label_column="kind")


def test_empty_text_is_refused_naming_the_line():
    data = b"text,label\ngood one,pos\n,neg\nbad one,neg\n"
    with pytest.raises(InputError, match="line 3 has an empty text in column 'text'"):
        read_labelled(data, "t.csv")


def test_one_class_and_rare_classes_are_refused_naming_them():
    with pytest.raises(InputError, match=r"only one class \('pos'\)"):
        read_labelled(b"__label__pos good\n__label__pos great\n", "x.txt")
    lines = b"__label__a x\n__label__a y\n__label__b z\n__label__c w\n"
    with pytest.raises(InputError, match="1 text of class 'b', 1 text of class 'c'"):
        read_labelled(lines, "x.txt")


def test_tsv_and_label_tab_text_lines():
    tsv = b"label\ttext\npos\tnice\npos\tfine\nneg\tbad\nneg\tpoor\n"
    assert read_labelled(tsv, "x.tsv").balance == {"neg": 2, "pos": 2}
    lines = b"pos\tnice work\npos\tfine work\nneg\tbad work\nneg\tpoor work\n"
    data = read_labelled(lines, "x.txt")
    assert data.fmt == "lines" and data.texts[0] == "nice work" and data.labels[0] == "pos"


def test_plain_text_without_labels_is_refused():
    with pytest.raises(InputError, match="has no labels; give a CSV/TSV"):
        read_labelled(b"just a sentence\nand another\n", "x.txt")


def test_jsonl_with_numbers_as_labels():
    records = [{"body": f"text {i} here and more", "y": i % 2} for i in range(6)]
    data = read_labelled("\n".join(map(json.dumps, records)).encode(), "x.jsonl")
    assert (data.text_column, data.label_column) == ("body", "y")
    assert data.balance == {"0": 3, "1": 3}


def test_encodings_the_corpus_reader_accepts():
    text = "__label__pos un café crème\n__label__pos très bien\n__label__neg mauvais\n"
    text += "__label__neg nul\n"
    for encoding, expected in (("utf-16", "utf-16"), ("cp1252", "cp1252")):
        data = read_labelled(text.encode(encoding), "x.txt")
        assert data.texts[0] == "un café crème" and data.encodings == (expected,)


def test_gzip_and_zip_with_one_folder_per_class(tmp_path):
    lines = "\n".join(_fasttext_demo_lines()).encode("utf-8")
    assert len(read_labelled(gzip.compress(lines), "demo.txt.gz")) == 200
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i, line in enumerate(_fasttext_demo_lines()[:10] + _fasttext_demo_lines()[-10:]):
            label, text = line.split(" ", 1)
            archive.writestr(f"reviews/{label.removeprefix('__label__')}/{i}.txt", text)
        archive.writestr("reviews/.DS_Store", b"\0\0")
    data = read_labelled(buffer.getvalue(), "reviews.zip")
    assert data.fmt == "folders" and data.balance == {"neg": 10, "pos": 10}
    folder = tmp_path / "byclass"
    for label in ("ham", "spam"):
        (folder / label).mkdir(parents=True)
        for i in range(3):
            (folder / label / f"{i}.txt").write_text(f"{label} message {i}\nsecond line")
    data = read_labelled(folder)
    assert data.balance == {"ham": 3, "spam": 3}
    assert data.texts[0] == "ham message 0 second line"


def test_folder_with_one_file_per_class_skips_the_readme(tmp_path):
    (tmp_path / "rt-polarity.pos").write_text("good\nfine\nnice\n")
    (tmp_path / "rt-polarity.neg").write_text("bad\npoor\n")
    (tmp_path / "README.txt").write_text("about this data")
    data = read_labelled(tmp_path)
    assert data.fmt == "files" and data.balance == {"neg": 2, "pos": 3}


def test_missing_path_and_binary_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_labelled(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is not text"):
        read_labelled(bytes(range(256)) * 4, "x.bin")


def test_content_hash_follows_texts_and_labels():
    a = LabelledTexts(("x", "y"), ("1", "2"))
    assert a.content_hash == LabelledTexts(("x", "y"), ("1", "2")).content_hash
    assert a.content_hash != LabelledTexts(("x", "y"), ("2", "1")).content_hash
    assert a.content_hash != LabelledTexts(("x", "z"), ("1", "2")).content_hash
