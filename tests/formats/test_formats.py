"""Tests for embedlab.formats: round trips, detection, gensim cross-checks and every error."""

from __future__ import annotations

import enum
import gzip
import json
import os
import pickle
import struct
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import datapath

from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError, InputError
from embedlab.formats import (
    READ_FORMATS,
    WRITE_FORMATS,
    binary,
    detect_format,
    load_native,
    native,
    read_vectors,
    read_vectors_bytes,
    save_native,
    text,
    tsv,
    write_vectors,
)

WORDS = ["the", "café", "naïve", "日本", "über", "a-b", "x_1", "Zoë"]


@pytest.fixture
def emb() -> Embeddings:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(WORDS), 5)).astype(np.float32)
    vectors[0, 0] = 1e-8  # tiny and large values must survive text formats exactly
    vectors[1, 1] = 3.4e38
    counts = np.arange(len(WORDS), 0, -1) * 10
    return Embeddings(WORDS, vectors, counts, meta={"name": "toy", "epochs": np.int64(3)})


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def bin_file(words: list[str], vectors: np.ndarray, count: int | None = None) -> bytes:
    header = f"{len(words) if count is None else count} {vectors.shape[1]}\n".encode()
    body = b"".join(
        w.encode() + b" " + v.astype("<f4").tobytes() + b"\n"
        for w, v in zip(words, vectors, strict=True)
    )
    return header + body


def assert_same(a: Embeddings, b: Embeddings, exact: bool = True) -> None:
    assert a.words == b.words
    if exact:
        np.testing.assert_array_equal(a.vectors, b.vectors)
    else:
        np.testing.assert_allclose(a.vectors, b.vectors, rtol=1e-6, atol=1e-6)


# --- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "target"),
    [
        ("word2vec", "out/vecs.txt"),
        ("word2vec-bin", "out/vecs.bin"),
        ("glove", "out/glove.txt"),
        ("tsv", "out/projector"),
        ("native", "out/model"),
    ],
)
def test_round_trip_every_write_format(emb: Embeddings, tmp_path: Path, fmt: str, target: str):
    files = write_vectors(emb, tmp_path / target, fmt)
    assert files and all(f.is_file() for f in files)
    back = read_vectors(tmp_path / target)
    assert back.meta["format"] == fmt
    assert_same(emb, back, exact=fmt in ("word2vec-bin", "native"))
    # numpy's shortest float32 repr reads back to the same float32, so text is exact too
    np.testing.assert_array_equal(emb.vectors, back.vectors)
    assert not [p for p in (tmp_path / "out").rglob(".*")], "no temporary files left"


def test_write_formats_cover_read_formats():
    assert set(WRITE_FORMATS) <= set(READ_FORMATS)


def test_native_keeps_counts_and_meta(emb: Embeddings, tmp_path: Path):
    folder = save_native(emb, tmp_path / "m")
    back = load_native(folder)
    assert_same(emb, back)
    np.testing.assert_array_equal(back.counts, emb.counts)
    assert back.counts.dtype == np.int64
    assert dict(back.meta) == {"name": "toy", "epochs": 3}
    via_read = read_vectors(folder)
    assert via_read.meta["epochs"] == 3 and via_read.meta["name"] == "toy"
    assert via_read.meta["format"] == "native" and via_read.meta["origin"] == "imported"
    assert read_vectors(folder, name="renamed").name == "renamed"


def test_native_safetensors(emb: Embeddings, tmp_path: Path):
    folder = save_native(emb, tmp_path / "m", vectors_as="safetensors")
    assert (folder / "vectors.safetensors").is_file() and not (folder / "vectors.npy").exists()
    assert detect_format(folder) == "native"
    back = read_vectors(folder, limit=3)
    assert_same(emb.top(3), back)
    np.testing.assert_array_equal(back.counts, emb.counts[:3])


def test_native_keeps_odd_words(tmp_path: Path):
    words = ["a\rb", "line\u2028sep", "nel\x85", "tab\there", " ", "form\x0cfeed"]
    emb = Embeddings(words, np.eye(len(words), dtype=np.float32))
    assert load_native(save_native(emb, tmp_path / "m")).words == tuple(words)


def test_native_replaces_existing_model(emb: Embeddings, tmp_path: Path):
    folder = save_native(emb, tmp_path / "m", vectors_as="safetensors")
    save_native(emb.top(2), folder)
    assert len(load_native(folder)) == 2
    assert not (folder / "vectors.safetensors").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_native_refuses_to_replace_other_folders(emb: Embeddings, tmp_path: Path):
    write(tmp_path, "docs/notes.txt", "precious")
    with pytest.raises(InputError, match="not an embedlab native model"):
        save_native(emb, tmp_path / "docs")
    assert (tmp_path / "docs/notes.txt").read_text() == "precious"


def test_fasttext_subwords_survive_native(tmp_path: Path):
    ft = read_vectors(datapath("lee_fasttext.bin"))
    back = read_vectors(save_native(ft, tmp_path / "ft"))
    assert back.subwords is not None
    assert (back.subwords.min_n, back.subwords.max_n) == (ft.subwords.min_n, ft.subwords.max_n)
    oov = back.lookup("zzyzxword")
    assert oov.from_subwords
    np.testing.assert_array_equal(oov.vector, ft.lookup("zzyzxword").vector)


def test_tsv_with_and_without_counts(emb: Embeddings, tmp_path: Path):
    write_vectors(emb, tmp_path / "with", "tsv")
    back = read_vectors(tmp_path / "with" / "vectors.tsv")
    np.testing.assert_array_equal(back.counts, emb.counts)
    plain = Embeddings(emb.words, emb.vectors)
    write_vectors(plain, tmp_path / "plain", "tsv")
    lines = (tmp_path / "plain" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert lines == list(WORDS)  # single column, no header: what TF's projector writes
    assert read_vectors(tmp_path / "plain" / "vectors.tsv").counts is None


def test_tsv_metadata_with_header_and_given_path(tmp_path: Path):
    vecs = write(tmp_path, "v/vectors.tsv", "1\t2\n3\t4\n")
    meta = write(tmp_path, "m/labels.tsv", "word\tpos\ncat\tNOUN\nrun\tVERB\n")
    emb = read_vectors(vecs, "tsv", metadata=meta)
    assert emb.words == ("cat", "run") and emb.counts is None
    assert emb[["run"]].tolist() == [[3.0, 4.0]]


def test_text_counts_are_not_stored(emb: Embeddings, tmp_path: Path):
    for fmt in ("word2vec", "glove", "word2vec-bin"):
        [path] = write_vectors(emb, tmp_path / f"v.{fmt}", fmt)
        assert read_vectors(path, fmt).counts is None


def test_read_meta(tmp_path: Path):
    path = write(tmp_path, "wiki.vec", "1 2\nhello 1 2\n")
    assert dict(read_vectors(path).meta) == {
        "name": "wiki",
        "origin": "imported",
        "format": "word2vec",
        "source": str(path),
    }
    assert read_vectors(path, name="mine").name == "mine"


# --- detection ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.txt", "2 2\na 1 2\nb 3 4\n", "word2vec"),
        ("a.vec", "2 2\r\na 1 2\r\nb 3 4\r\n", "word2vec"),
        ("bom.txt", "\ufeff2 2\na 1 2\nb 3 4\n", "word2vec"),
        ("a.bin", bin_file(["a", "b"], np.array([[1.5, 2], [3, 4]])), "word2vec-bin"),
        ("a.w2v", bin_file(["a"], np.array([[0.0, 0.0]])), "word2vec-bin"),
        ("glove.txt", "a 1 2\nb 3 4\n", "glove"),
        ("glove.txt", "new york 1 2\nb 3 4\n", "glove"),
        ("vectors.tsv", "1\t2\n3\t4\n", "tsv"),
        ("single.tsv", "1\n3\n", "tsv"),
        ("noext", "1.5\t2\n3\t4\n", "tsv"),
    ],
)
def test_detect_files(tmp_path: Path, name: str, content: str | bytes, expected: str):
    assert detect_format(write(tmp_path, name, content)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lee_fasttext.bin", "fasttext"),  # fastText's old format, before the magic number
        ("lee_fasttext_new.bin", "fasttext"),
        ("lee_fasttext.vec", "word2vec"),
        ("euclidean_vectors.bin", "word2vec-bin"),
        ("high_precision.kv.bin", "word2vec-bin"),
        ("high_precision.kv.txt", "word2vec"),
        ("word2vec_pre_kv_c", "word2vec"),
        ("test_glove.txt", "glove"),
        ("pretrained.vec", "word2vec"),
    ],
)
def test_detect_real_files(name: str, expected: str):
    assert detect_format(datapath(name)) == expected


def test_detect_folders(emb: Embeddings, tmp_path: Path):
    assert detect_format(save_native(emb, tmp_path / "n")) == "native"
    write_vectors(emb, tmp_path / "p", "tsv")
    assert detect_format(tmp_path / "p") == "tsv"
    assert_same(emb, read_vectors(tmp_path / "p"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormatError, match="'empty' holds neither words.txt"):
        detect_format(tmp_path / "empty")


# --- gensim cross-checks ----------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
def test_reads_what_gensim_writes(emb: Embeddings, tmp_path: Path, binary: bool):
    path = tmp_path / ("g.bin" if binary else "g.txt")
    emb.to_keyedvectors().save_word2vec_format(str(path), binary=binary)
    assert detect_format(path) == ("word2vec-bin" if binary else "word2vec")
    assert_same(emb, read_vectors(path))


@pytest.mark.parametrize(
    ("fmt", "binary", "no_header"),
    [
        ("word2vec", False, False),
        ("word2vec-bin", True, False),
        ("glove", False, True),
    ],
)
def test_gensim_reads_what_we_write(
    emb: Embeddings, tmp_path: Path, fmt: str, binary: bool, no_header: bool
):
    [path] = write_vectors(emb, tmp_path / "ours", fmt)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header)
    assert kv.index_to_key == list(emb.words)
    np.testing.assert_array_equal(kv.vectors, emb.vectors)


def test_word2vec_text_matches_gensim_byte_for_byte(emb: Embeddings, tmp_path: Path):
    theirs = tmp_path / "theirs.txt"
    emb.to_keyedvectors().save_word2vec_format(str(theirs))
    [ours] = write_vectors(emb, tmp_path / "ours.txt", "word2vec")
    assert ours.read_bytes() == theirs.read_bytes()


@pytest.mark.parametrize(
    ("name", "binary", "no_header"),
    [
        ("lee_fasttext.vec", False, False),
        ("word2vec_pre_kv_c", False, False),
        ("euclidean_vectors.bin", True, False),
        ("high_precision.kv.bin", True, False),  # records with no newline between them
        ("high_precision.kv.txt", False, False),
        ("crime-and-punishment.vec", False, False),  # Cyrillic
        ("poincare_vectors.bin", True, False),
        ("test_glove.txt", False, True),
    ],
)
def test_real_files_read_like_gensim(name: str, binary: bool, no_header: bool):
    kv = KeyedVectors.load_word2vec_format(datapath(name), binary=binary, no_header=no_header)
    emb = read_vectors(datapath(name))
    assert list(emb.words) == kv.index_to_key
    np.testing.assert_allclose(emb.vectors, kv.vectors, rtol=1e-6, atol=1e-6)


def test_lee_fasttext_bin_answers_oov_from_subwords():
    from gensim.models.fasttext import load_facebook_vectors

    emb = read_vectors(datapath("lee_fasttext.bin"))
    kv = load_facebook_vectors(datapath("lee_fasttext.bin"))
    assert emb.meta["format"] == "fasttext" and emb.subwords is not None
    assert "zzyzxword" not in emb
    found = emb.lookup("zzyzxword")
    assert found.from_subwords
    np.testing.assert_allclose(found.vector, kv["zzyzxword"], rtol=1e-5, atol=1e-6)
    assert read_vectors(datapath("lee_fasttext_new.bin")).lookup("qqqxyz").from_subwords


def test_fasttext_format_accepts_vec_text():
    emb = read_vectors(datapath("lee_fasttext.vec"), "fasttext", limit=5)
    assert len(emb) == 5 and emb.subwords is None


# --- GloVe specifics ------------------------------------------------------------------------
def test_glove_tokens_with_spaces(tmp_path: Path):
    path = write(tmp_path, "glove.840B.txt", ". . . 1 2 3\nnew york 4 5 6\n- - 7 8 9\nthe 1 1 1 \n")
    emb = read_vectors(path)
    assert emb.words == (". . .", "new york", "- -", "the")
    assert emb["new york"].tolist() == [4.0, 5.0, 6.0]


def test_glove_round_trips_words_with_spaces(tmp_path: Path):
    words = ["new york", " leading", "trailing ", "a  b", "1st place"]
    emb = Embeddings(words, np.arange(10, dtype=np.float32).reshape(5, 2))
    for fmt in ("glove", "word2vec"):
        [path] = write_vectors(emb, tmp_path / f"{fmt}.txt", fmt)
        assert read_vectors(path, fmt).words == tuple(words)


def test_glove_first_word_may_be_a_number(tmp_path: Path):
    emb = read_vectors(write(tmp_path, "g.txt", "1 0.5 0.25\n2 1 1\n"), "glove")
    assert emb.words == ("1", "2") and emb.dim == 2


def test_glove_format_accepts_header(tmp_path: Path):
    assert read_vectors(write(tmp_path, "g.vec", "1 2\na 1 2\n"), "glove").words == ("a",)


def test_cp1252_fallback(tmp_path: Path):
    path = write(tmp_path, "latin.txt", "2 2\ncafé 1 2\n€uro 3 4\n".encode("cp1252"))
    emb = read_vectors(path)
    assert emb.words == ("café", "€uro") and emb.meta["encoding"] == "cp1252"
    binary = write(tmp_path, "latin.bin", b"1 1\ncaf\xe9 " + struct.pack("<f", 1.0))
    assert read_vectors(binary).words == ("café",)


# --- limit ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-bin", "glove", "tsv", "native"])
def test_limit_keeps_first_words(emb: Embeddings, tmp_path: Path, fmt: str):
    write_vectors(emb, tmp_path / "x", fmt)
    back = read_vectors(tmp_path / "x", limit=3)
    assert_same(emb.top(3), back)
    assert len(read_vectors(tmp_path / "x", limit=100)) == len(emb)


def test_limit_stops_reading(tmp_path: Path):
    path = write(tmp_path, "big.txt", "3 2\na 1 2\nb 3 4\nc oops\n")
    assert read_vectors(path, limit=2).words == ("a", "b")
    with pytest.raises(FormatError, match="'big.txt' line 4"):
        read_vectors(path)
    assert read_vectors(datapath("lee_fasttext.bin"), limit=10).subwords is not None


# --- errors -----------------------------------------------------------------------------------
NAN_BIN = bin_file(["a", "b"], np.array([[1.0, 2.0], [np.nan, 1.0]]))
TWO_BIN = bin_file(["a", "b"], np.array([[1.0, 2.0], [3.0, 4.0]]))
ERRORS: list[tuple[str, str, str | bytes, str, str]] = [
    # id, file name, content, format, key phrase
    ("empty", "e.txt", "", "auto", "'e.txt' is empty"),
    ("blank", "e.txt", "\n\n", "auto", "'e.txt' is empty"),
    ("no-header", "v.txt", "a 1 2\n", "word2vec", "'v.txt' line 1 should be a header"),
    ("zero-header", "v.txt", "0 2\n", "auto", "'v.txt' line 1 header '0 2' must give a positive"),
    ("header-only", "v.txt", "2 3\n", "auto", "'v.txt' header says 2 words but the file has 0"),
    (
        "few-values",
        "v.txt",
        "2 3\na 1 2 3\nb 1 2\n",
        "auto",
        "'v.txt' line 3 has 2 values but the header says 3 dimensions",
    ),
    (
        "many-values",
        "v.txt",
        "1 3\na 1 2 3 4\n",
        "auto",
        "'v.txt' line 2 has 4 values but the header says 3 dimensions",
    ),
    ("no-word", "v.txt", "1 2\n 1 2\n", "word2vec", "'v.txt' line 2 has no word"),
    (
        "non-numeric",
        "v.txt",
        "2 2\na 1 2\nb 1 x2\n",
        "auto",
        "'v.txt' line 3 has the non-numeric value 'x2'",
    ),
    (
        "nan",
        "v.txt",
        "2 2\na 1 2\nb nan 1\n",
        "auto",
        "'v.txt' line 3: the vector of 'b' contains NaN or infinity",
    ),
    ("inf", "v.txt", "2 2\na 1 2\nb 1 -inf\n", "auto", "the vector of 'b' contains NaN"),
    ("overflow", "v.txt", "1 1\na 1e39\n", "auto", "the vector of 'a' contains NaN"),
    (
        "fewer-rows",
        "v.txt",
        "3 1\na 1\nb 2\n",
        "auto",
        "'v.txt' header says 3 words but the file has 2",
    ),
    (
        "more-rows",
        "v.txt",
        "1 1\na 1\nb 2\n",
        "auto",
        "'v.txt' header says 1 word but the file has 2",
    ),
    (
        "duplicate",
        "v.txt",
        "3 1\na 1\nb 2\na 3\n",
        "auto",
        "'v.txt' has the word 'a' twice, on lines 2 and 4",
    ),
    ("not-text", "v.txt", b"1 1\n\x81\x8d 1\n", "auto", "'v.txt' line 2 is neither UTF-8 nor"),
    (
        "glove-ragged",
        "g.txt",
        "a 1 2\nb 1\n",
        "auto",
        "'g.txt' line 2 has 1 value but the first row has 2 values",
    ),
    (
        "glove-long",
        "g.txt",
        "a 1 2\nb 1 2 3\n",
        "auto",
        "'g.txt' line 2 has 3 values but the first row has 2 values",
    ),
    ("glove-no-numbers", "g.txt", "hello world\n", "glove", "'g.txt' line 1 has no numbers"),
    (
        "glove-duplicate",
        "g.txt",
        "a 1\nb 2\na 3\n",
        "auto",
        "'g.txt' has the word 'a' twice, on lines 1 and 3",
    ),
    (
        "bin-truncated",
        "v.bin",
        TWO_BIN[:-6],
        "auto",
        "'v.bin' ends after 1 of 2 words; the file is truncated",
    ),
    (
        "bin-header-more",
        "v.bin",
        bin_file(["a"], np.ones((1, 2)), count=5),
        "auto",
        "'v.bin' ends after 1 of 5 words",
    ),
    ("bin-extra", "v.bin", TWO_BIN + b"c \x00\x00", "auto", "'v.bin' has more data after the 2"),
    (
        "bin-duplicate",
        "v.bin",
        bin_file(["a", "a"], np.ones((2, 2))),
        "auto",
        "'v.bin' has the word 'a' twice (words 1 and 2)",
    ),
    ("bin-nan", "v.bin", NAN_BIN, "auto", "'v.bin' word 2: the vector of 'b' contains NaN"),
    ("bin-on-text", "v.txt", "1 2\na 1 2\n", "word2vec-bin", "'v.txt' holds text rows"),
    ("text-on-bin", "v.bin", TWO_BIN, "word2vec", "'v.bin' holds binary data after its header"),
    ("gzip", "v.txt.gz", gzip.compress(b"1 1\na 1\n"), "auto", "'v.txt.gz' is gzip-compressed"),
    ("zip", "v.zip", b"PK\x03\x04rest", "auto", "'v.zip' is a zip archive"),
    ("npy", "v.npy", b"\x93NUMPY\x01\x00rest", "auto", "'v.npy' is a bare .npy array"),
    (
        "unknown",
        "notes.md",
        "# Title\nsome prose\n",
        "auto",
        "'notes.md' is not a vector format embedlab knows",
    ),
    ("fasttext-not", "m.bin", "a 1 2\n", "fasttext", "'m.bin' is not a fastText .bin model"),
    ("native-file", "model", "not a folder", "native", "'model' is a file, but the native format"),
]


@pytest.mark.parametrize(
    ("name", "content", "fmt", "phrase"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_format_errors(tmp_path: Path, name: str, content: str | bytes, fmt: str, phrase: str):
    path = write(tmp_path, name, content)
    with pytest.raises(FormatError) as info:
        read_vectors(path, fmt)
    assert_one_sentence(info.value, phrase)
    if fmt == "auto":  # uploads say the same, naming the uploaded file
        with pytest.raises(FormatError) as info:
            read_vectors_bytes(path.read_bytes(), name)
        assert_one_sentence(info.value, phrase)


def assert_one_sentence(err: Exception, phrase: str) -> None:
    message = str(err)
    assert phrase in message
    assert "\n" not in message and message.endswith(".")
    assert type(err.__cause__) is not pickle.UnpicklingError


def tsv_count_mismatch(tmp: Path) -> Path:
    write(tmp, "metadata.tsv", "a\nb\n")
    return write(tmp, "vectors.tsv", "1\t2\n3\t4\n5\t6\n")


def tsv_metadata_duplicate(tmp: Path) -> Path:
    write(tmp, "metadata.tsv", "a\nb\na\n")
    return write(tmp, "vectors.tsv", "1\n2\n3\n")


def tsv_bad_count(tmp: Path) -> Path:
    write(tmp, "metadata.tsv", "word\tcount\na\t5\nb\tmany\n")
    return write(tmp, "vectors.tsv", "1\n2\n")


def tsv_ragged(tmp: Path) -> Path:
    write(tmp, "metadata.tsv", "a\nb\n")
    return write(tmp, "vectors.tsv", "1\t2\n3\n")


def tsv_non_numeric(tmp: Path) -> Path:
    write(tmp, "metadata.tsv", "a\nb\n")
    return write(tmp, "vectors.tsv", "1\t2\n3\tfoo\n")


def tsv_nan(tmp: Path) -> Path:
    write(tmp, "metadata.tsv", "a\nb\n")
    return write(tmp, "vectors.tsv", "1\t2\nnan\t4\n")


def native_base(tmp: Path) -> Path:
    return save_native(Embeddings(["a", "b"], np.eye(2, dtype=np.float32), [2, 1]), tmp / "m")


def native_mismatch(tmp: Path) -> Path:
    folder = native_base(tmp)
    (folder / "words.txt").write_text("a\nb\nc\n")
    return folder


def native_object_array(tmp: Path) -> Path:
    folder = native_base(tmp)
    np.save(folder / "vectors.npy", np.array([[1, None], [2, 3]], dtype=object), allow_pickle=True)
    return folder


def native_bad_npy(tmp: Path) -> Path:
    folder = native_base(tmp)
    (folder / "vectors.npy").write_bytes(b"\x93NUMPY garbage")
    return folder


def native_bad_meta(tmp: Path) -> Path:
    folder = native_base(tmp)
    (folder / "meta.json").write_text("{not json")
    return folder


def native_no_words(tmp: Path) -> Path:
    folder = native_base(tmp)
    (folder / "words.txt").unlink()
    return folder


def native_counts(tmp: Path) -> Path:
    folder = native_base(tmp)
    np.save(folder / "counts.npy", np.array([1, 2, 3]))
    return folder


def native_string_vectors(tmp: Path) -> Path:
    folder = native_base(tmp)
    np.save(folder / "vectors.npy", np.array([["a", "b"], ["c", "d"]]))
    return folder


def native_bad_safetensors(tmp: Path) -> Path:
    folder = native_base(tmp)
    (folder / "vectors.npy").unlink()
    (folder / "vectors.safetensors").write_bytes(b"garbage!garbage!")
    return folder


def native_subwords_without_spec(tmp: Path) -> Path:
    folder = native_base(tmp)
    np.save(folder / "subwords.npy", np.ones((4, 2), dtype=np.float32))
    return folder


def real_short_file(tmp: Path) -> Path:
    return Path(datapath("pretrained.vec"))  # gensim's own test file: header says 3, has 1


def fasttext_truncated(tmp: Path) -> Path:
    return write(tmp, "cut.bin", Path(datapath("lee_fasttext_new.bin")).read_bytes()[:5000])


SETUPS: list[tuple[Callable[[Path], Path], str, str]] = [
    (tsv_count_mismatch, "auto", "'vectors.tsv' has 3 rows but 'metadata.tsv' has 2 words"),
    (tsv_metadata_duplicate, "tsv", "'metadata.tsv' has the word 'a' twice, on lines 1 and 3"),
    (tsv_bad_count, "tsv", "'metadata.tsv' line 3 has the count 'many'"),
    (tsv_ragged, "auto", "'vectors.tsv' line 2 has 1 value but the first row has 2"),
    (tsv_non_numeric, "tsv", "'vectors.tsv' line 2 has the non-numeric value 'foo'"),
    (tsv_nan, "tsv", "'vectors.tsv' line 2: the vector of 'b' contains NaN"),
    (native_mismatch, "auto", "'m' has 3 words in words.txt but 2 vectors"),
    (native_object_array, "auto", "'vectors.npy' holds Python objects, which are never unpickled"),
    (native_bad_npy, "native", "'vectors.npy' is not a valid .npy file"),
    (native_bad_meta, "native", "'meta.json' is not valid UTF-8 JSON"),
    (native_no_words, "native", "'m' has no words.txt"),
    (native_counts, "native", "'counts.npy' has 3 counts for 2 words"),
    (native_string_vectors, "native", "'vectors.npy' holds a <U1 array"),
    (native_bad_safetensors, "native", "'vectors.safetensors' is not a valid safetensors file"),
    (native_subwords_without_spec, "native", "'subwords.json' is missing"),
    (real_short_file, "auto", "'pretrained.vec' header says 3 words but the file has 1"),
    (fasttext_truncated, "auto", "'cut.bin' could not be read as a fastText model"),
]


@pytest.mark.parametrize(("setup", "fmt", "phrase"), SETUPS, ids=[s[0].__name__ for s in SETUPS])
def test_format_errors_in_folders(
    tmp_path: Path, setup: Callable[[Path], Path], fmt: str, phrase: str
):
    path = setup(tmp_path)
    with pytest.raises(FormatError) as info:
        read_vectors(path, fmt)
    assert_one_sentence(info.value, phrase)


@pytest.mark.parametrize(
    ("call", "phrase"),
    [
        (lambda p: read_vectors(p / "missing.txt"), "'missing.txt' does not exist"),
        (lambda p: read_vectors(p, "xml"), "Unknown format 'xml'; choose one of: auto, word2vec"),
        (lambda p: read_vectors(p, limit=0), "limit must be a whole number of at least 1; got 0"),
        (lambda p: read_vectors(p, "word2vec"), "is a folder; choose the word2vec file"),
        (lambda p: detect_format(p / "missing.txt"), "'missing.txt' does not exist"),
    ],
)
def test_input_errors(tmp_path: Path, call: Callable[[Path], object], phrase: str):
    with pytest.raises(InputError) as info:
        call(tmp_path)
    assert_one_sentence(info.value, phrase)


# --- pickles ----------------------------------------------------------------------------------
class Payload:
    """Unpickling this creates the marker file: proof that something was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("name", ["evil.txt", "evil.bin", "evil.model", "evil.kv", "evil.pkl"])
@pytest.mark.parametrize("fmt", ["auto", "pickle", "word2vec", "word2vec-bin", "glove"])
def test_pickles_are_never_unpickled(tmp_path: Path, name: str, fmt: str):
    proof = tmp_path / "proof"
    pickle.loads(pickle.dumps(Payload(proof)))
    assert proof.exists(), "the payload works when unpickled"
    marker = tmp_path / "marker"
    data = pickle.dumps(Payload(marker))
    path = write(tmp_path, name, data)
    with pytest.raises(FormatError) as info:
        read_vectors(path, fmt)
    with pytest.raises(FormatError) as info_bytes:
        read_vectors_bytes(data, name, fmt)
    if fmt in ("auto", "pickle"):
        for err in (info.value, info_bytes.value):
            assert_one_sentence(err, f"'{name}' is a Python pickle")
            assert "--trust-pickle" in str(err) and "not loaded from uploads" in str(err)
    assert not marker.exists()


def test_detect_refuses_pickles(tmp_path: Path):
    marker = tmp_path / "marker"
    for name, protocol in [("a.model", 4), ("b.txt", 5), ("c.pkl", 0)]:
        path = write(tmp_path, name, pickle.dumps(Payload(marker), protocol=protocol))
        with pytest.raises(FormatError, match="--trust-pickle"):
            detect_format(path)
    assert not marker.exists()


def test_uploads_never_trust_pickles(emb: Embeddings, tmp_path: Path):
    path = tmp_path / "x.kv"
    emb.to_keyedvectors().save(str(path))
    with pytest.raises(FormatError, match="--trust-pickle"):
        read_vectors_bytes(path.read_bytes(), "x.kv", "pickle")


def test_trusted_gensim_pickles_load(emb: Embeddings, tmp_path: Path):
    path = tmp_path / "x.kv"
    emb.to_keyedvectors().save(str(path))
    with pytest.raises(FormatError, match="--trust-pickle"):
        read_vectors(path)
    back = read_vectors(path, trust_pickle=True)
    assert_same(emb, back)
    np.testing.assert_array_equal(back.counts, emb.counts)
    assert back.meta["format"] == "pickle"
    model = Word2Vec([["a", "b", "c"], ["b", "c", "d"]] * 5, vector_size=4, min_count=1, epochs=1)
    model.save(str(tmp_path / "w2v.model"))
    loaded = read_vectors(tmp_path / "w2v.model", trust_pickle=True, limit=2)
    assert loaded.words == tuple(model.wv.index_to_key[:2])


# --- uploads ----------------------------------------------------------------------------------
def test_read_vectors_bytes_tsv_with_metadata():
    emb = read_vectors_bytes(b"1\t2\n3\t4\n", "C:\\Users\\me\\vectors.tsv", metadata=b"x\ny\n")
    assert emb.words == ("x", "y") and emb.meta["format"] == "tsv"
    assert emb.name == "vectors" and emb.meta["source"] == "C:\\Users\\me\\vectors.tsv"


def test_read_vectors_bytes_uses_only_the_base_name(tmp_path: Path):
    with pytest.raises(FormatError, match="'passwd' header says 3 words but the file has 1"):
        read_vectors_bytes(b"3 1\na 1\n", "../../etc/passwd", "word2vec")
    emb = read_vectors_bytes(b"a 1\n", "..", name="x")
    assert emb.name == "x" and emb.meta["format"] == "glove"


# --- writing ----------------------------------------------------------------------------------
def test_write_unknown_format(emb: Embeddings, tmp_path: Path):
    with pytest.raises(InputError) as info:
        write_vectors(emb, tmp_path / "x", "fasttext")
    assert_one_sentence(info.value, "choose one of: word2vec, word2vec-bin, glove, tsv, native")


@pytest.mark.parametrize(
    ("words", "fmt", "phrase"),
    [
        (["new york"], "word2vec-bin", "'new york' contains ' '"),
        (["a\nb"], "glove", "'a\\nb' contains '\\n'"),
        (["a\tb"], "tsv", "contains '\\t'"),
        (["page 2"], "glove", "ends in a number after a space"),
        ([""], "word2vec", "'' is empty"),
        (["a\nb"], "native", "contains '\\n'"),
    ],
)
def test_write_refuses_unstorable_words(tmp_path: Path, words: list[str], fmt: str, phrase: str):
    emb = Embeddings(words, np.ones((1, 2), dtype=np.float32))
    with pytest.raises(InputError) as info:
        write_vectors(emb, tmp_path / "out", fmt)
    assert_one_sentence(info.value, phrase)
    assert not (tmp_path / "out").exists()


def test_write_errors_are_input_errors(emb: Embeddings, tmp_path: Path):
    blocker = write(tmp_path, "file", "x")
    with pytest.raises(InputError, match="Could not write 'v.txt'"):
        write_vectors(emb, blocker / "v.txt", "word2vec")
    with pytest.raises(InputError, match="'file' is a file; the tsv format writes into a folder"):
        write_vectors(emb, blocker, "tsv")
    with pytest.raises(InputError, match="is a folder; give a file name"):
        write_vectors(emb, tmp_path, "glove")


def test_meta_must_be_json(tmp_path: Path):
    emb = Embeddings(["a"], np.ones((1, 1), dtype=np.float32), meta={"fn": print})
    with pytest.raises(InputError, match="meta holds a builtin_function_or_method"):
        save_native(emb, tmp_path / "m")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("fmt", "module", "writer"),
    [
        ("word2vec", text, "format_row"),
        ("glove", text, "format_row"),
        ("tsv", tsv, "format_row"),
        ("word2vec-bin", binary, "_records"),
    ],
    ids=["word2vec", "glove", "tsv", "word2vec-bin"],
)
def test_failed_write_leaves_target_unchanged(
    emb: Embeddings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    module: ModuleType,
    writer: str,
):
    out = tmp_path / "out"
    write_vectors(emb, out, fmt)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    real = getattr(module, writer)
    calls = {"n": 0}

    def failing(*args, **kwargs):
        if writer == "_records":

            def records():
                for i, rec in enumerate(real(*args, **kwargs)):
                    if i == 3:
                        raise OSError(28, "No space left on device")
                    yield rec

            return records()
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, writer, failing)
    with pytest.raises(InputError, match="No space left on device"):
        write_vectors(emb.top(6), out, fmt)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before, "the old files are intact and no partial file is left"
    fresh = tmp_path / "fresh"
    with pytest.raises(InputError):
        write_vectors(emb.top(6), fresh, fmt)
    assert not fresh.exists() or not any(fresh.iterdir())


def test_failed_native_save_leaves_target_unchanged(
    emb: Embeddings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = save_native(emb, tmp_path / "m")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real = native._write_files

    def failing(e, tmp, vectors_as, meta):
        real(e, tmp, vectors_as, meta)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(native, "_write_files", failing)
    with pytest.raises(InputError, match="No space left"):
        save_native(emb.top(2), folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
    with pytest.raises(InputError):
        save_native(emb, tmp_path / "new")
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_written_files_have_normal_permissions(emb: Embeddings, tmp_path: Path):
    [path] = write_vectors(emb, tmp_path / "v.txt", "word2vec")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_native_meta_json_is_plain(emb: Embeddings, tmp_path: Path):
    class Algo(enum.Enum):
        SG = 1

    extra = {"path": tmp_path, "dims": np.array([1, 2]), "algo": Algo.SG, "lr": np.float32(0.5)}
    folder = save_native(emb.with_meta(**extra), tmp_path / "m")
    meta = json.loads((folder / "meta.json").read_text())
    assert meta == {
        "name": "toy",
        "epochs": 3,
        "path": str(tmp_path),
        "dims": [1, 2],
        "algo": 1,
        "lr": 0.5,
    }


def test_tsv_without_metadata_names_rows_by_number(tmp_path):
    path = write(tmp_path, "vectors.tsv", "1\t2\n3\t4.5\n")
    emb = read_vectors(path, "tsv")
    assert emb.words == ("0", "1") and emb["1"].tolist() == [3.0, 4.5]
