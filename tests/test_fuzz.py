"""Property-based tests: whatever bytes or text come in, only embedlab's own errors come out.

The format readers, the corpus reader and the expression parser are fed arbitrary bytes and
near-valid files (a valid file with one thing broken). Each either returns a value or raises
an `EmbedlabError` whose message is one line; anything else (a ValueError, an IndexError, a
RecursionError) is a bug. Examples that once found a bug are kept with `@example`.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError
from embedlab.expressions import evaluate_expression, parse
from embedlab.formats import READ_FORMATS, detect_format, read_vectors_bytes
from embedlab.ingest.corpus import ingest

FUZZ = settings(
    max_examples=int(os.environ.get("EMBEDLAB_FUZZ_EXAMPLES", "150")),  # more for a long hunt
    database=None,  # no .hypothesis folder in the checkout; found bugs are kept as @example
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _one_line(err: EmbedlabError) -> None:
    message = str(err)
    assert message and "\n" not in message and "Traceback" not in message, message


def _read(data: bytes, name: str, fmt: str, metadata: bytes | None = None) -> None:
    try:
        emb = read_vectors_bytes(data, name, fmt, metadata=metadata)
    except EmbedlabError as err:
        _one_line(err)
        return
    assert len(emb) >= 1 and emb.vectors.shape == (len(emb), emb.dim)
    assert np.isfinite(emb.vectors).all()


# --- vector files: arbitrary bytes ----------------------------------------------------------

NAMES = st.sampled_from(
    ["v.txt", "v.vec", "v.bin", "vectors.tsv", "glove.6B.50d.txt", "v.model", "v", "v.npy"]
)
FORMATS = st.sampled_from([f for f in READ_FORMATS if f != "native"])


@FUZZ
@given(data=st.binary(max_size=2000), name=NAMES, fmt=FORMATS)
@example(data=b"\x80\x04K\x01.", name="v.txt", fmt="auto")  # a pickle: refused, never loaded
@example(data=b"1 1\n\xff \x00\x00\x80?\n", name="v.bin", fmt="auto")
@example(data=b"2 4000000000\ncat \x00\x00\x80?\n", name="v.bin", fmt="auto")  # a MemoryError
def test_vector_readers_raise_only_embedlab_errors(data: bytes, name: str, fmt: str) -> None:
    _read(data, name, fmt)


@FUZZ
@given(data=st.binary(max_size=600), metadata=st.binary(max_size=300))
def test_projector_tsv_with_any_metadata_raises_only_embedlab_errors(
    data: bytes, metadata: bytes
) -> None:
    _read(data, "vectors.tsv", "tsv", metadata)


@FUZZ
@given(data=st.binary(max_size=1000), name=NAMES)
def test_detect_raises_only_embedlab_errors(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            fmt = detect_format(path)
        except EmbedlabError as err:
            _one_line(err)
            return
        assert fmt in READ_FORMATS


# --- vector files: near-valid ---------------------------------------------------------------

WORD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=8
)
VALUE = st.floats(allow_nan=False, allow_infinity=False, width=32)


@st.composite
def valid_rows(draw) -> tuple[list[str], np.ndarray]:
    dim = draw(st.integers(1, 4))
    words = draw(st.lists(WORD, min_size=1, max_size=6, unique=True))
    values = draw(st.lists(VALUE, min_size=dim * len(words), max_size=dim * len(words)))
    return words, np.array(values, dtype=np.float32).reshape(len(words), dim)


def _text_file(words: list[str], vectors: np.ndarray, header: bool, sep: str = " ") -> bytes:
    lines = [f"{len(words)} {vectors.shape[1]}"] if header else []
    lines += [sep.join([w, *map(str, row)]) for w, row in zip(words, vectors, strict=True)]
    return ("\n".join(lines) + "\n").encode()


def _bin_file(words: list[str], vectors: np.ndarray) -> bytes:
    out = io.BytesIO()
    out.write(f"{len(words)} {vectors.shape[1]}\n".encode())
    for word, row in zip(words, vectors, strict=True):
        out.write(word.encode() + b" " + row.astype("<f4").tobytes() + b"\n")
    return out.getvalue()


@st.composite
def broken(draw, data: bytes) -> bytes:
    """`data` with one thing broken: cut, a byte changed, bytes inserted, or a token swapped."""
    how = draw(st.sampled_from(["cut", "flip", "insert", "swap", "none"]))
    if not data or how == "none":
        return data
    at = draw(st.integers(0, len(data) - 1))
    if how == "cut":
        return data[:at]
    if how == "flip":
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    token = draw(st.sampled_from([b"nan", b"inf", b"-", b"", b"1e39", b"x", b"0 0", b"\t"]))
    return data[:at] + token + data[at + 1 :]


def test_words_in_two_encodings_are_one_format_error() -> None:
    """Found by the fuzzer: each word decodes, but no one encoding reads them all."""
    data = "2 1\n\U00010000 1\n".encode() + b"caf\xe9 2\n"  # UTF-8 only, then cp1252 only
    with pytest.raises(EmbedlabError, match=r"mixes text encodings: line 3 is not UTF-8"):
        read_vectors_bytes(data, "v.txt")


@FUZZ
@given(rows=valid_rows(), kind=st.sampled_from(["word2vec", "glove", "bin", "tsv"]), st_=st.data())
def test_near_valid_vector_files_raise_only_embedlab_errors(rows, kind: str, st_) -> None:
    words, vectors = rows
    if kind == "bin":
        data, name, metadata = _bin_file(words, vectors), "v.bin", None
    elif kind == "tsv":
        data = _text_file(["x"] * len(words), vectors, header=False, sep="\t")
        data = b"\n".join(line.split(b"\t", 1)[1] for line in data.splitlines()) + b"\n"
        name, metadata = "vectors.tsv", ("\n".join(words) + "\n").encode()
        metadata = st_.draw(broken(metadata))
    else:
        data, name, metadata = _text_file(words, vectors, kind == "word2vec"), "v.txt", None
    _read(st_.draw(broken(data)), name, "auto", metadata)


@functools.cache
def _fasttext_bytes() -> bytes:
    from embedlab.ingest.demo import gensim_data

    return gensim_data("lee_fasttext.bin").read_bytes()


@settings(FUZZ, max_examples=min(FUZZ.max_examples, 60))
@given(at=st.integers(0, 300), byte=st.integers(0, 255), cut=st.booleans())
@example(at=32, byte=255, cut=False)  # gensim raised AssertionError
@example(at=6, byte=0, cut=True)  # cut inside the vocabulary: gensim looped forever
def test_near_valid_fasttext_bin_raises_only_embedlab_errors(at: int, byte: int, cut: bool) -> None:
    data = bytearray(_fasttext_bytes())
    if cut:
        data = data[: at * 500]
    else:
        data[at] = byte
    _read(bytes(data), "lee.bin", "auto")


@FUZZ
@given(rows=valid_rows())
def test_valid_word2vec_text_reads_back_exactly(rows) -> None:
    words, vectors = rows
    if any(w != w.strip() or not w.isprintable() for w in words):
        return
    emb = read_vectors_bytes(_text_file(words, vectors, header=True), "v.txt", "word2vec")
    assert list(emb.words) == words
    np.testing.assert_array_equal(emb.vectors, vectors)


# --- the corpus reader ----------------------------------------------------------------------

CORPUS_NAMES = st.sampled_from(["a.txt", "a.csv", "a.tsv", "a.jsonl", "a", "a.md"])


def _ingest(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            stats = ingest(data, Path(tmp) / "out", filename=name)
        except EmbedlabError as err:
            _one_line(err)
            return
        assert stats.tokens > 0 and (Path(tmp) / "out" / "corpus.txt").is_file()


TEXTY = st.one_of(
    st.binary(max_size=1500),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(max_size=300).map(lambda t: t.encode("utf-16", "surrogatepass")),
    st.text(alphabet='ab ,"\n\r\t{}:[]é.', max_size=300).map(lambda t: t.encode("utf-8")),
)


@FUZZ
@given(data=TEXTY, name=CORPUS_NAMES)
@example(data=b"a\x00b " * 20, name="a.txt")  # was decoded as UTF-16 nonsense
@example(data="café ".encode() * 3 + "crème".encode("cp1252") + "é".encode(), name="a.txt")
def test_corpus_reader_raises_only_embedlab_errors(data: bytes, name: str) -> None:
    _ingest(data, name)


@FUZZ
@given(
    data=TEXTY,
    inner=st.one_of(
        CORPUS_NAMES,
        st.text(  # any member name (zipfile itself cannot write a NUL or a surrogate)
            st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
        ).map(lambda t: t + ".txt"),
    ),
    archive=st.sampled_from(["zip", "gz"]),
    st_=st.data(),
)
def test_archives_raise_only_embedlab_errors(data: bytes, inner: str, archive: str, st_) -> None:
    if archive == "gz":
        packed, name = gzip.compress(data), inner + ".gz"
    else:
        buffer = io.BytesIO()
        member = st_.draw(st.sampled_from([inner, "../" + inner, "/" + inner, "d/" + inner]))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(member, data)
        packed, name = buffer.getvalue(), "a.zip"
    _ingest(st_.draw(broken(packed)), name)


def _patched_zip(field: str, value: int) -> bytes:
    """A small valid zip with one field of its central directory (or end record) changed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", b"Some words here.")
    data = bytearray(buffer.getvalue())
    at, size = {"version": (6, 2), "flags": (8, 2), "method": (10, 2), "offset": (42, 4)}.get(
        field, (0, 4)
    )
    at += data.find(b"PK\x01\x02")
    if field == "directory":  # where the end record says the central directory starts
        at = data.rfind(b"PK\x05\x06") + 16
        value += int.from_bytes(data[at : at + 4], "little")
    data[at : at + size] = value.to_bytes(size, "little")
    return bytes(data)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("method", 1, "zip feature embedlab cannot read"),
        ("flags", 0x40, "zip feature embedlab cannot read"),  # strong encryption
        ("flags", 0x20, "zip feature embedlab cannot read"),  # compressed patched data
        ("version", 64, "not a valid zip file"),
        ("offset", 2**31, "corrupt or truncated"),
        ("directory", 1, "corrupt or truncated"),  # zipfile: "negative seek value -1"
    ],
    ids=["method", "strong-encryption", "patched-data", "version", "offset", "directory"],
)
def test_zips_the_fuzzer_found_are_one_clear_error(tmp_path, field, value, words) -> None:
    """Found by the fuzzer: zipfile raised NotImplementedError or ValueError on these."""
    with pytest.raises(EmbedlabError, match=words) as err:
        ingest(_patched_zip(field, value), tmp_path / "out", filename="a.zip")
    _one_line(err.value)


def test_a_local_name_that_is_not_utf8_is_one_clear_error(tmp_path) -> None:
    """Found by the fuzzer: zipfile raised UnicodeDecodeError from its local header."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("\x80.txt", b"Some words here.")  # stored as UTF-8, with the UTF-8 flag
    data = buffer.getvalue().replace(b"\xc2\x80.txt", b"\x80.txt\x00", 1)  # local header only
    with pytest.raises(EmbedlabError, match="corrupt") as err:
        ingest(data, tmp_path / "out", filename="a.zip")
    _one_line(err.value)


def test_a_member_name_with_a_newline_stays_on_one_line(tmp_path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("evil\nname.txt", bytes(range(256)))
        zf.writestr("ok.txt", b"")
    with pytest.raises(EmbedlabError) as err:
        ingest(buffer.getvalue(), tmp_path / "out", filename="two\nlines.zip")
    _one_line(err.value)


PIECES_BENCH = ["king", "queen", "man", "woman", " ", "\t", "\n", ": x\n", "7.5", "nan", "#", "é"]


# --- labelled data ----------------------------------------------------------------------------


@FUZZ
@given(
    data=st.one_of(
        TEXTY,
        st.text(alphabet='ab ,"\n\t{}:[]é._lbex1', max_size=300).map(lambda t: t.encode()),
    ),
    name=st.sampled_from(["a.csv", "a.tsv", "a.jsonl", "a.txt", "a.gz", "a.zip"]),
)
def test_labelled_uploads_raise_only_embedlab_errors(data: bytes, name: str) -> None:
    from embedlab.ingest.labelled import read_labelled

    try:
        texts = read_labelled(data, name)
    except EmbedlabError as err:
        assert str(err) and "\n" not in str(err) and "Traceback" not in str(err)
        return
    assert len(texts.classes) >= 2


# --- benchmark files ------------------------------------------------------------------------


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.lists(st.sampled_from(PIECES_BENCH), max_size=40).map(lambda p: "".join(p).encode()),
    ),
    name=st.sampled_from(["b.txt", "pairs.tsv", "b"]),
)
def test_benchmark_uploads_raise_only_embedlab_errors(data: bytes, name: str) -> None:
    from embedlab.app.reports import run_report

    try:
        report = run_report(TOY, "upload", data=data, filename=name)
    except EmbedlabError as err:
        _one_line(err)
        return
    assert report.kind in ("analogy", "similarity")


# --- the expression parser ------------------------------------------------------------------

TOY = Embeddings(
    ["king", "queen", "man", "woman", "state-of-the-art", "c++"],
    np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9], [0.2, 0.3], [-1, 0.5]], dtype=np.float32),
)
PIECES = st.sampled_from(
    ["king", "queen", "man", "woman", "+", "-", "*", "(", ")", "2", "0.5", "1e999", "1e5", " ",
     "-king", "state-of-the-art", "zzz", "\n", "0", ".", "e", "--", "**"]
)  # fmt: skip


@FUZZ
@given(text=st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=25).map("".join)))
@example(text="(" * 400 + "king" + ")" * 400)  # was a RecursionError
@example(text="1e999 * king - queen")  # was an infinite vector
@example(text="king\n- man +")  # the message quoted a newline
def test_expressions_raise_only_embedlab_errors(text: str) -> None:
    try:
        terms = parse(text)
    except EmbedlabError as err:
        _one_line(err)
        return
    assert terms and all(isinstance(w, str) and np.isfinite(c) for c, w in terms)
    try:
        result = evaluate_expression(TOY, text, k=3)
    except EmbedlabError as err:
        _one_line(err)
        return
    assert np.isfinite(result.vector).all()
    assert all(np.isfinite(n.score) for n in result.neighbours)
