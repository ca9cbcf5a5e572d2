"""Tests for ingest.corpus: ingest (formats, encodings, zip), stats, atomic writes, streaming.

Tokenising and sentence splitting are tested in test_tokenize.py.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import random
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from embedlab.errors import InputError, NotFoundError
from embedlab.ingest.corpus import (
    CorpusStats,
    TokenizeOptions,
    corpus_file,
    ingest,
    iter_sentences,
    oov_share,
    read_stats,
    read_vocab,
)

FRENCH = "Un café naïve – “quoted” déjà vu.\n"
FRENCH_TOKENS = ["un", "café", "naïve", "quoted", "déjà", "vu"]


def vocab(folder: Path) -> dict[str, int]:
    return dict(read_vocab(folder))


def corpus_lines(folder: Path) -> list[str]:
    return (folder / "corpus.txt").read_text(encoding="utf-8").splitlines()


def ingest_bytes(tmp_path: Path, data: bytes, name: str, **kwargs) -> tuple[CorpusStats, Path]:
    out = tmp_path / "out"
    return ingest(data, out, filename=name, **kwargs), out


def make_zip(
    members: dict[str, bytes], dirs: tuple[str, ...] = (), method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name in dirs:
            archive.writestr(zipfile.ZipInfo(name), b"")
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- the module ------------------------------------------------------------------------------


def test_corpus_still_exports_what_moved_to_other_modules():
    from embedlab.ingest import corpus, sources, tokenize

    assert corpus.TokenizeOptions is tokenize.TokenizeOptions
    assert corpus.tokenize is tokenize.tokenize
    assert corpus.split_sentences is tokenize.split_sentences
    assert corpus.MAX_EXPANDED_BYTES == sources.MAX_EXPANDED_BYTES == 4 * 1024**3


def test_importing_corpus_loads_neither_gensim_nor_sklearn():
    code = (
        "import sys, embedlab.ingest.corpus; "
        "print(sorted({'gensim', 'sklearn'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (FRENCH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + FRENCH.encode("utf-32-le"), "utf-32"),
        (FRENCH.encode("utf-16-le"), "utf-16-le"),
        (FRENCH.encode("utf-16-be"), "utf-16-be"),
        (FRENCH.encode("cp1252"), "cp1252"),
        ("Un café naïve déjà vu.".encode("latin-1"), "cp1252"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16le-bom",
        "utf16be-bom",
        "utf32le-bom",
        "utf16le",
        "utf16be",
        "cp1252",
        "latin1",
    ],
)
def test_encodings_are_detected_and_decoded(tmp_path, data, encoding):
    stats, out = ingest_bytes(tmp_path, data, "french.txt")
    assert stats.encoding == encoding
    words = vocab(out)
    expected = FRENCH_TOKENS if "quoted" in words else ["un", "café", "naïve", "déjà", "vu"]
    assert corpus_lines(out) == [" ".join(expected)]
    text = (out / "corpus.txt").read_text(encoding="utf-8")
    assert "Ã" not in text and "\ufeff" not in text and "\x00" not in text


def test_late_cp1252_byte_restarts_the_file_as_cp1252(tmp_path):
    head = b"plain ascii words here\n" * 5000  # about 115 KB of valid UTF-8
    data = head + "the end of the café\n".encode("cp1252")
    assert len(head) > 100_000
    stats, out = ingest_bytes(tmp_path, data, "late.txt")
    assert stats.encoding == "cp1252"
    words = vocab(out)
    assert words["café"] == 1
    assert words["plain"] == 5000  # the first, abandoned UTF-8 attempt left nothing behind
    assert stats.documents == 5001


def test_cp1252_undefined_bytes_do_not_crash(tmp_path):
    stats, out = ingest_bytes(tmp_path, b"caf\xe9 \x81\x8d\x8f\x90\x9d ok", "odd.txt")
    assert stats.encoding == "cp1252"
    assert corpus_lines(out) == ["café ok"]


def test_crlf_and_cr_line_ends_become_newlines(tmp_path):
    stats, out = ingest_bytes(tmp_path, b"First line.\r\nSecond line.\rThird line.\r\n", "a.txt")
    assert corpus_lines(out) == ["first line", "second line", "third line"]
    assert stats.documents == 3


# --- refused inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        random.Random(0).randbytes(4096),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
        b"\x01\x02\x03\x04\x05\x06 text \x07\x08" * 100,  # no NUL, but mostly control bytes
    ],
    ids=["random", "png", "controls"],
)
def test_binary_data_is_refused_as_not_text(tmp_path, data):
    with pytest.raises(InputError, match=r"'photo\.txt' is not text") as info:
        ingest_bytes(tmp_path, data, "photo.txt")
    assert "upload a plain-text" in str(info.value)
    assert not (tmp_path / "out" / "corpus.txt").exists()


@pytest.mark.parametrize(
    "data",
    [b"", b"  \n\t\n \r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE],
    ids=["empty", "whitespace", "utf8-bom-only", "utf16-bom-only"],
)
def test_empty_and_whitespace_only_files_are_refused(tmp_path, data):
    with pytest.raises(InputError, match=r"'blank\.txt' is empty"):
        ingest_bytes(tmp_path, data, "blank.txt")


def test_text_without_words_after_preprocessing_is_refused(tmp_path):
    with pytest.raises(InputError, match="contains no words after preprocessing"):
        ingest_bytes(tmp_path, b"the and of 1999 ... !!!", "stop.txt",
                     options=TokenizeOptions(remove_stopwords=True, drop_numbers=True))  # fmt: skip


def test_missing_path_and_folder_are_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        ingest(tmp_path / "nope.txt", tmp_path / "out")
    with pytest.raises(InputError, match="is a folder"):
        ingest(tmp_path, tmp_path / "out")


# --- sources: path vs bytes, progress ---------------------------------------------------------


def test_bytes_with_filename_behaves_like_the_path(tmp_path):
    data = b"id,text\n1,The first row. It has two sentences.\n2,Second row.\n"
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    from_path = ingest(path, tmp_path / "a")
    from_bytes = ingest(data, tmp_path / "b", filename="rows.csv")
    assert from_path == from_bytes
    assert from_path.text_column == "text" and from_path.documents == 2
    assert corpus_lines(tmp_path / "a") == corpus_lines(tmp_path / "b")
    assert read_vocab(tmp_path / "a") == read_vocab(tmp_path / "b")


def test_progress_reports_source_bytes_read(tmp_path):
    rng = random.Random(0)
    words = [f"w{i}" for i in range(3000)]
    lines = (" ".join(rng.choices(words, k=10)) for _ in range(30_000))
    data = ("\n".join(lines) + "\n").encode()  # 1.3 MB; gzip and zip to about 0.5 MB
    archive = make_zip({"a.txt": data[: len(data) // 2], "b.txt": data[len(data) // 2 :]})
    for source, name in [(data, "a.txt"), (gzip.compress(data), "a.txt.gz"), (archive, "a.zip")]:
        seen: list[int] = []
        ingest_bytes(tmp_path, source, name, on_progress=seen.append)
        assert seen == sorted(seen)
        assert len(seen) >= (2 if name == "a.txt" else 1)
        # compressed bytes, so that a progress bar sized to the upload ends at 100%
        assert 0.99 * len(source) <= seen[-1] <= len(source), name


# --- plain text structure and stats -----------------------------------------------------------


def test_stats_are_exact_on_a_tiny_corpus(tmp_path):
    text = b"The cat sat on the mat. The cat ran!\n\nA dog\nbarked.\n\n\n"
    stats, out = ingest_bytes(tmp_path, text, "tiny.txt")
    assert sorted(p.name for p in out.iterdir()) == ["corpus.txt", "stats.json", "vocab.tsv"]
    assert corpus_lines(out) == ["the cat sat on the mat", "the cat ran", "a dog barked"]
    assert (stats.documents, stats.sentences, stats.tokens, stats.vocabulary) == (2, 3, 12, 9)
    assert stats.top_words[:3] == [("the", 3), ("cat", 2), ("a", 1)]
    assert len(stats.top_words) == 9
    assert stats.sentence_lengths == {3: 2, 6: 1}
    assert (stats.encoding, stats.files, stats.text_column) == ("utf-8", 1, None)
    assert read_vocab(out) == [
        ("the", 3), ("cat", 2), ("a", 1), ("barked", 1), ("dog", 1),
        ("mat", 1), ("on", 1), ("ran", 1), ("sat", 1),
    ]  # fmt: skip
    saved = read_stats(out)
    assert saved == stats
    assert saved.extra["options"] == TokenizeOptions().to_dict()
    raw = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert raw["options"]["min_count"] == 1 and raw["documents"] == 2
    assert list(iter_sentences(out / "corpus.txt")) == [
        ["the", "cat", "sat", "on", "the", "mat"],
        ["the", "cat", "ran"],
        ["a", "dog", "barked"],
    ]


def test_without_blank_lines_each_line_is_a_document(tmp_path):
    stats, _ = ingest_bytes(tmp_path, b"One doc. Two sentences.\nSecond doc\n\nThird doc\n", "x")
    assert stats.documents == 2  # one blank line is enough: blocks, not lines, are documents
    stats, out = ingest_bytes(tmp_path, b"One doc. Two sentences.\nSecond doc\nThird doc", "x")
    assert (stats.documents, stats.sentences) == (3, 4)
    assert corpus_lines(out)[:2] == ["one doc", "two sentences"]


def test_a_huge_line_without_sentence_ends_is_cut_at_spaces(tmp_path):
    words = [f"w{i % 997}" for i in range(60_000)]  # about 330K characters on one line
    stats, out = ingest_bytes(tmp_path, " ".join(words).encode(), "text8")
    assert stats.documents == 1 and stats.sentences > 5
    assert stats.tokens == 60_000  # no word lost or split at a cut
    assert max(len(line) for line in corpus_lines(out)) <= 50_000
    assert [w for s in iter_sentences(out) for w in s] == words


def test_out_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(InputError, match="is a file, not a folder"):
        ingest(b"hello", tmp_path / "taken", filename="a.txt")


def test_corpus_file_finds_corpus_txt(tmp_path):
    ingest_bytes(tmp_path, b"hello world", "a.txt")
    assert corpus_file(tmp_path / "out") == tmp_path / "out" / "corpus.txt"
    assert corpus_file(tmp_path / "out" / "corpus.txt") == tmp_path / "out" / "corpus.txt"
    with pytest.raises(NotFoundError, match="no corpus.txt"):
        list(iter_sentences(tmp_path / "missing"))
    with pytest.raises(NotFoundError, match="no vocab.tsv"):
        read_vocab(tmp_path)


def test_oov_share_counts_tokens_not_types():
    counts = Counter({"the": 10, "cat": 4, "rare": 1, "odd": 1, "once": 1, "twice": 2})
    assert oov_share(counts, 1) == 0.0
    assert oov_share(counts, 2) == pytest.approx(3 / 19)
    assert oov_share(counts, 3) == pytest.approx(5 / 19)
    assert oov_share(list(counts.items()), 5) == pytest.approx(9 / 19)
    assert oov_share({}, 5) == 0.0


def test_min_count_drops_rare_tokens_and_empty_sentences(tmp_path):
    text = b"a a b rare\nc d\na b\n"
    stats, out = ingest_bytes(tmp_path, text, "m.txt", options=TokenizeOptions(min_count=2))
    assert corpus_lines(out) == ["a a b", "a b"]
    assert read_vocab(out) == [("a", 3), ("b", 2)]
    assert (stats.documents, stats.sentences, stats.tokens, stats.vocabulary) == (2, 2, 5, 2)


def phrase_corpus() -> bytes:
    rng = random.Random(1)
    filler = [f"word{i}" for i in range(400)]
    lines = []
    for i in range(300):
        words = rng.sample(filler, 8)
        if i % 5 == 0:
            words[3:3] = ["new", "york"]
        lines.append(" ".join(words))
    lines += ["new ideas", "old york"]
    return ("\n".join(lines) + "\n").encode()


def test_phrases_join_frequent_bigrams(tmp_path):
    data = phrase_corpus()
    stats, out = ingest_bytes(tmp_path, data, "p.txt", options=TokenizeOptions(phrases=True))
    words = vocab(out)
    assert words["new_york"] == 60
    assert words["new"] == 1 and words["york"] == 1
    assert stats.tokens == 300 * 8 + 60 + 4
    plain, out2 = ingest(data, tmp_path / "plain", filename="p.txt"), tmp_path / "plain"
    assert "new_york" not in vocab(out2) and vocab(out2)["new"] == 61
    assert plain.tokens == 300 * 8 + 120 + 4


def test_phrases_then_min_count(tmp_path):
    options = TokenizeOptions(phrases=True, min_count=50)
    _, out = ingest_bytes(tmp_path, phrase_corpus(), "p.txt", options=options)
    assert read_vocab(out) == [("new_york", 60)]
    assert corpus_lines(out) == ["new_york"] * 60


# --- CSV / TSV --------------------------------------------------------------------------------


def test_csv_with_a_text_column_and_quoted_newlines(tmp_path):
    data = (
        b'id,Text,label\n1,"Hello there, friend. How are you?",pos\n'
        b'2,"First line.\nSecond line.",neg\n3,,neg\n'
    )
    stats, out = ingest_bytes(tmp_path, data, "reviews.CSV")
    assert stats.text_column == "Text"
    assert (stats.documents, stats.sentences) == (2, 4)
    assert corpus_lines(out) == [
        "hello there friend", "how are you", "first line", "second line",
    ]  # fmt: skip
    assert "pos" not in vocab(out)


def test_csv_guesses_the_only_long_text_column(tmp_path):
    rows = [f'{i},{"pos" if i % 2 else "neg"},"This passage number {i} is long enough to be text."'
            for i in range(30)]  # fmt: skip
    data = ("id,label,passage\n" + "\n".join(rows) + "\n").encode()
    stats, out = ingest_bytes(tmp_path, data, "data.csv")
    assert stats.text_column == "passage"
    assert stats.documents == 30
    assert "neg" not in vocab(out) and vocab(out)["passage"] == 30


def ambiguous_csv() -> bytes:
    rows = [f'"Question number {i}, asked at some length?","Answer number {i}, given at length."'
            for i in range(10)]  # fmt: skip
    return ("question,answer\n" + "\n".join(rows) + "\n").encode()


def test_csv_with_two_long_text_columns_is_ambiguous(tmp_path):
    with pytest.raises(InputError, match="text-column") as info:
        ingest_bytes(tmp_path, ambiguous_csv(), "qa.csv")
    assert "'question'" in str(info.value) and "'answer'" in str(info.value)


def test_csv_with_an_explicit_text_column(tmp_path):
    stats, out = ingest_bytes(tmp_path, ambiguous_csv(), "qa.csv", text_column="answer")
    assert stats.text_column == "answer"
    assert vocab(out)["answer"] == 10 and "question" not in vocab(out)


def test_csv_with_an_unknown_text_column_names_the_columns(tmp_path):
    with pytest.raises(InputError, match="no column 'body_text'") as info:
        ingest_bytes(tmp_path, ambiguous_csv(), "qa.csv", text_column="body_text")
    assert "question, answer" in str(info.value)


def test_csv_without_a_text_like_column_is_refused(tmp_path):
    with pytest.raises(InputError, match="no column that looks like text"):
        ingest_bytes(tmp_path, b"a,b\n1,2\n3,4\n", "nums.csv")


def test_tsv_and_semicolon_csv(tmp_path):
    stats, out = ingest_bytes(tmp_path, b"id\tsentence\n1\tTabs, commas; fine.\n", "t.tsv")
    assert stats.text_column == "sentence" and corpus_lines(out) == ["tabs commas fine"]
    stats, out = ingest_bytes(tmp_path, b"id;comment\n1;Semi, colons.\n2;Two\n", "s.csv")
    assert stats.text_column == "comment" and corpus_lines(out) == ["semi colons", "two"]


# --- JSONL ------------------------------------------------------------------------------------


def test_jsonl_objects_use_the_text_field(tmp_path):
    lines = [{"id": 1, "content": "Hello world. Bye now."}, {"id": 2, "content": "Again."}, {}]
    data = "\n".join(json.dumps(x) for x in lines).encode() + b"\n\n"
    stats, out = ingest_bytes(tmp_path, data, "a.jsonl")
    assert stats.text_column == "content"
    assert (stats.documents, stats.sentences) == (2, 3)
    assert corpus_lines(out) == ["hello world", "bye now", "again"]


def test_jsonl_strings_and_explicit_field(tmp_path):
    stats, out = ingest_bytes(tmp_path, b'"First text."\n"Second text."\n', "s.ndjson")
    assert stats.text_column is None and stats.documents == 2
    data = b'{"title": "A long title for the thing", "abstract": "The abstract."}\n'
    stats, out = ingest_bytes(tmp_path, data, "p.jsonl", text_column="abstract")
    assert stats.text_column == "abstract" and corpus_lines(out) == ["the abstract"]
    with pytest.raises(InputError, match="no field 'body'.*title, abstract"):
        ingest_bytes(tmp_path, data, "p.jsonl", text_column="body")


def test_malformed_jsonl_line_is_reported_by_number(tmp_path):
    data = b'{"text": "one"}\n\n{"text": "two"}\n{"text": broken}\n'
    with pytest.raises(InputError, match="'bad.jsonl' line 4 is not valid JSON"):
        ingest_bytes(tmp_path, data, "bad.jsonl")
    with pytest.raises(InputError, match="line 2 holds a JSON list"):
        ingest_bytes(tmp_path, b'"ok"\n[1, 2]\n', "bad.jsonl")


# --- gzip and zip -----------------------------------------------------------------------------


def test_gzip_text_and_gzip_csv(tmp_path):
    stats, out = ingest_bytes(tmp_path, gzip.compress(FRENCH.encode("cp1252")), "f.txt.gz")
    assert stats.encoding == "cp1252" and corpus_lines(out) == [" ".join(FRENCH_TOKENS)]
    path = tmp_path / "rows.CSV.GZ"
    path.write_bytes(gzip.compress(b"id,text\n1,Hello from a gzip.\n"))
    stats = ingest(path, tmp_path / "csv")
    assert stats.text_column == "text" and corpus_lines(tmp_path / "csv") == ["hello from a gzip"]


@pytest.mark.parametrize(
    "data",
    [b"\x1f\x8b\x08\x00garbage that is not deflate", gzip.compress(b"some words " * 5000)[:-30]],
)
def test_corrupt_or_truncated_gzip_is_refused(tmp_path, data):
    with pytest.raises(InputError, match="'x.txt.gz' is corrupt or truncated"):
        ingest_bytes(tmp_path, data, "x.txt.gz")


def test_zip_reads_every_text_member_and_skips_the_rest(tmp_path):
    data = make_zip(
        {
            "docs/a.txt": b"Alpha text here.",
            "docs/b.csv": b"id,text\n1,Beta row one.\n2,Beta row two.\n",
            "c.jsonl": b'{"text": "Gamma line."}\n',
            "d.txt.gz": gzip.compress("Delta café.".encode("cp1252")),
            "__MACOSX/docs/._a.txt": b"\x00\x05\x16\x07mac junk",
            ".hidden.txt": b"Hidden words.",
            "inner.zip": make_zip({"z.txt": b"Zeta."}),
            "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "empty.txt": b"",
        },
        dirs=("docs/", "emptydir/"),
    )
    stats, out = ingest_bytes(tmp_path, data, "bundle.zip")
    assert stats.files == 4
    assert stats.documents == 5
    assert stats.encoding == "utf-8, cp1252"
    assert stats.text_column == "text"
    words = vocab(out)
    assert {"alpha", "beta", "gamma", "delta", "café"} <= set(words)
    assert not {"hidden", "zeta", "mac", "junk", "ihdr"} & set(words)


def test_zip_without_text_members_is_refused(tmp_path):
    with pytest.raises(InputError, match="'a.zip' contains no text files"):
        ingest_bytes(tmp_path, make_zip({"pic.png": b"\x89PNG\r\n\x1a\n\x00\x00"}), "a.zip")
    with pytest.raises(InputError, match="only zip archives"):
        ingest_bytes(tmp_path, make_zip({"in.zip": make_zip({"t.txt": b"hi"})}), "a.zip")
    with pytest.raises(InputError, match="contains no files"):
        ingest_bytes(tmp_path, make_zip({}, dirs=("d/",)), "a.zip")


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04 not really a zip", make_zip({"a.txt": b"hello " * 2000})[:-40]]
)
def test_corrupt_zip_is_refused(tmp_path, data):
    with pytest.raises(InputError, match="'x.zip' is not a valid zip file"):
        ingest_bytes(tmp_path, data, "x.zip")


def test_zip_member_with_bad_crc_is_refused(tmp_path):
    data = bytearray(make_zip({"a.txt": b"hello world " * 10}, method=zipfile.ZIP_STORED))
    data[data.index(b"hello")] ^= 1  # the stored bytes no longer match their CRC
    with pytest.raises(InputError, match="'a.txt' in 'x.zip' is corrupt or truncated"):
        ingest_bytes(tmp_path, bytes(data), "x.zip")


def test_zip_bomb_guards(tmp_path, monkeypatch):
    big = make_zip({"big.txt": b"a" * (11 * 1024 * 1024)})  # ratio ~1000, over 10 MB
    with pytest.raises(InputError, match="looks like a zip bomb"):
        ingest_bytes(tmp_path, big, "bomb.zip")
    monkeypatch.setenv("EMBEDLAB_MAX_EXPANDED_BYTES", "1000")
    with pytest.raises(InputError, match="'b.zip' looks like a zip bomb"):
        ingest_bytes(tmp_path, make_zip({"a.txt": b"word " * 500}), "b.zip")
    with pytest.raises(InputError, match="'b.txt.gz' looks like a zip bomb"):
        ingest_bytes(tmp_path, gzip.compress(b"word " * 500), "b.txt.gz")
    monkeypatch.setenv("EMBEDLAB_MAX_EXPANDED_BYTES", "lots")
    with pytest.raises(InputError, match="EMBEDLAB_MAX_EXPANDED_BYTES"):
        ingest_bytes(tmp_path, b"hello", "a.txt")


# --- atomic writes ----------------------------------------------------------------------------


def test_failed_ingest_leaves_no_corpus_and_no_temporary_files(tmp_path):
    out = tmp_path / "new"
    with pytest.raises(InputError):
        ingest(b"\x00\x01\x02" * 100, out, filename="bin.txt")
    assert list(out.iterdir()) == []


def test_failed_ingest_leaves_an_earlier_corpus_untouched(tmp_path):
    out = tmp_path / "corpus"
    ingest(b"An earlier corpus.", out, filename="a.txt")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    late_bad = b'{"text": "fine"}\n' * 1000 + b"{oops\n"  # fails after writing has begun
    with pytest.raises(InputError, match="line 1001"):
        ingest(late_bad, out, filename="b.jsonl")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# --- real data and scale ----------------------------------------------------------------------


def test_gensim_lee_background_corpus(tmp_path):
    from gensim.test.utils import datapath

    stats = ingest(datapath("lee_background.cor"), tmp_path)
    assert stats.documents == 300
    assert stats.encoding == "utf-8" and stats.files == 1
    assert 2000 < stats.sentences < 4000
    assert 50_000 < stats.tokens < 70_000
    assert 6000 < stats.vocabulary < 9000
    assert stats.top_words[0] == ("the", 4133)
    top100 = [word for word, _ in read_vocab(tmp_path)[:100]]
    assert {"government", "australia", "palestinian", "police"} <= set(top100)
    assert sum(stats.sentence_lengths.values()) == stats.sentences
    assert sum(k * v for k, v in stats.sentence_lengths.items()) == stats.tokens


MEMORY_PROBE = """
import resource, sys
from embedlab.ingest.corpus import ingest
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
stats = ingest(sys.argv[1], sys.argv[2])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(after - before, stats.documents, stats.sentences)
"""


@pytest.mark.slow
def test_large_file_is_streamed_with_bounded_memory(tmp_path):
    rng = random.Random(0)
    words = [f"w{i}" for i in range(2000)] + ["the", "a", "its"]
    sentences = (" ".join(rng.choices(words, k=12)).capitalize() for _ in range(20))
    paragraph = ". ".join(sentences) + ".\n\n"
    block = (paragraph * 40).encode()
    path = tmp_path / "big.txt"
    with open(path, "wb") as out:
        while out.tell() < 30 * 1024 * 1024:
            out.write(block)
    size = path.stat().st_size
    # A fresh process, so that the peak resident size (a high-water mark) is ingest's own.
    # (tracemalloc would be exact for Python objects but makes this run take a minute.)
    probe = [sys.executable, "-c", MEMORY_PROBE, str(path), str(tmp_path / "out")]
    result = subprocess.run(probe, capture_output=True, text=True, check=True)
    growth_kb, documents, sentences = map(int, result.stdout.split())
    assert growth_kb * 1024 < size / 3, f"peak RSS grew {growth_kb} KB for a {size}-byte file"
    assert documents == size // len(paragraph)
    assert sentences == 20 * documents
    assert read_stats(tmp_path / "out").vocabulary <= 2003
