"""Bad input, everywhere it enters: one clear sentence, never a traceback, nothing changed.

Each row of the catalogue below is one bad input: an upload (text, archive, vector file),
a path given to the CLI, a typed word or expression, or a hyperparameter. A row is driven
through the backend function the app calls and, where the CLI takes that input, through
`embedlab.cli.main`. Every row checks the kind of error (an embedlab error type), the key
words of its message (the problem and what to do), and that the workspace is unchanged:
the catalog's rows and the files under EMBEDLAB_HOME are the same before and after, and
the model that was there still loads. A few rows are also driven through the app (AppTest).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import pickle
import shutil
import sqlite3
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.app import corpus as corpus_view
from embedlab.app import explore, train_form
from embedlab.cli import main
from embedlab.embeddings import Embeddings
from embedlab.errors import (
    EmbedlabError,
    FormatError,
    InputError,
    NotFoundError,
    UnknownWordError,
)
from embedlab.expressions import evaluate_expression
from embedlab.formats import read_vectors, read_vectors_bytes
from embedlab.ingest.corpus import TokenizeOptions
from embedlab.ingest.textio import EmptyError, NotTextError
from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.process import create_training_run, run_training
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig, train

WORDS = ["king", "queen", "man", "woman", "prince", "princess"]
WORDS += ["boy", "girl", "father", "mother", "son", "daughter"]
BASE_MODEL = "base"


def _base_text() -> str:
    rng = np.random.default_rng(7)
    lines = []
    for _ in range(300):
        picked = rng.choice(WORDS, size=8)
        lines.append("The " + " and the ".join(picked[:4]) + ". " + " ".join(picked[4:]) + ".")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    """A workspace with a corpus, a tiny corpus, a trained model and its run (built once)."""
    root = tmp_path_factory.mktemp("bad-input-template") / "ws"
    ws = Workspace(root)
    add_corpus(ws, _base_text().encode(), name="small", filename="small.txt")
    add_corpus(ws, b"one two three", name="tiny", filename="tiny.txt")
    config = TrainConfig(dim=8, epochs=1, min_count=1, workers=1, seed=1)
    run_training(ws, create_training_run(ws, "small", config, name=BASE_MODEL))
    return root


@dataclass
class Ctx:
    """What a row's call gets: the workspace, the base model and a folder for input files."""

    home: Path
    files: Path
    ws: Workspace
    emb: Embeddings

    def file(self, name: str, data: bytes) -> Path:
        path = self.files / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


@pytest.fixture
def ctx(home, template, tmp_path) -> Ctx:
    shutil.copytree(template, home)
    ws = Workspace(home)
    files = tmp_path / "inputs"
    files.mkdir()
    return Ctx(home, files, ws, ws.load_model(BASE_MODEL))


# --- the workspace snapshot ---------------------------------------------------------------------


def snapshot(home: Path) -> dict[str, Any]:
    """The catalog's rows, table by table, and every file and folder under `home`."""
    db = sqlite3.connect(home / "catalog.sqlite")
    try:
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        ]
        rows = {t: db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}  # noqa: S608
    finally:
        db.close()
    listing = {}
    for path in sorted(home.rglob("*")):
        name = path.relative_to(home).as_posix()
        if name.startswith("catalog.sqlite"):
            continue  # its rows are compared above; WAL files come and go
        listing[name] = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return {"rows": rows, "files": listing}


def assert_unchanged(ctx: Ctx, before: dict[str, Any]) -> None:
    after = snapshot(ctx.home)
    assert after["rows"] == before["rows"]
    assert after["files"] == before["files"]
    again = Workspace(ctx.home).load_model(BASE_MODEL)
    assert again.words == ctx.emb.words
    np.testing.assert_array_equal(again.vectors, ctx.emb.vectors)


# --- input makers -------------------------------------------------------------------------------


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


def encrypted_zip() -> bytes:
    """A zip whose member is flagged as encrypted (as a password-protected zip is)."""
    data = bytearray(make_zip({"secret.txt": b"Some secret words here."}))
    data[6] |= 0x1  # the local header's flag bits
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1  # the central directory's flag bits
    return bytes(data)


def corrupt_member(data: bytes) -> bytes:
    """The zip with bytes in the middle of its first member's compressed stream overwritten."""
    start = 30 + int.from_bytes(data[26:28], "little") + int.from_bytes(data[28:30], "little")
    return data[: start + 200] + bytes(300) + data[start + 500 :]


def random_bytes(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).bytes(n)


@functools.cache
def varied_text(n_bytes: int) -> bytes:
    """Text that compresses about as well as prose does (2-4×), of about n_bytes."""
    rng = np.random.default_rng(3)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = ["".join(rng.choice(letters, size=rng.integers(2, 9))) for _ in range(5000)]
    out, size = [], 0
    while size < n_bytes:
        line = " ".join(rng.choice(words, size=12)) + ".\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"
    + random_bytes(4000, 1)
)
EXECUTABLE = Path(sys.executable).resolve().read_bytes()[:200_000]
PICKLED = pickle.dumps({"king": [0.1, 0.2]}, protocol=4)
FRENCH_UTF8 = "Un café noir et un thé glacé.\n".encode()
MIXED = FRENCH_UTF8 * 20 + "Un café crème, s'il vous plaît.\n".encode("cp1252")
MIXED_LATE = FRENCH_UTF8 * 4000 + "Le café crème.\n".encode("cp1252")  # past the 64 KB sample


def w2v_bin(words: list[str], dim: int = 3) -> bytes:
    buf = io.BytesIO()
    buf.write(f"{len(words)} {dim}\n".encode())
    for i, word in enumerate(words):
        buf.write(word.encode() + b" " + np.full(dim, i, dtype="<f4").tobytes() + b"\n")
    return buf.getvalue()


def fasttext_truncated() -> bytes:
    from embedlab.ingest.demo import gensim_data

    return gensim_data("lee_fasttext.bin").read_bytes()[:20_000]


# --- the catalogue ------------------------------------------------------------------------------


@dataclass
class Row:
    """One bad input: how to feed it to the backend and to the CLI, and what must come back."""

    id: str
    error: type[EmbedlabError]
    words: tuple[str, ...]
    backend: Callable[[Ctx], Any] | None
    cli: Callable[[Ctx], list[str]] | None = None
    env: dict[str, str] = field(default_factory=dict)
    patch: tuple[str, str, Any] | None = None  # (module, attribute, value) lowered for the row
    xfail_cli: str | None = None


ROWS: list[Row] = []


def row(*args: Any, **kwargs: Any) -> None:
    ROWS.append(Row(*args, **kwargs))


# -- text uploads: the app's ingest_uploads, the CLI's ingest --------------------------------


def upload_text(id: str, name: str, data: bytes | Callable[[], bytes], error, words, **kw) -> None:  # noqa: A002
    def payload() -> bytes:
        return data() if callable(data) else data

    def backend(c: Ctx) -> None:
        records, errors = corpus_view.ingest_uploads(c.ws, [(name, payload())], None)
        assert records == [] and len(errors) == 1
        raise _reraise(c, name, payload(), errors[0])

    row(id, error, words, backend, lambda c: ["ingest", str(c.file(name, payload()))], **kw)


def _reraise(c: Ctx, name: str, data: bytes, message: str) -> EmbedlabError:
    """ingest_uploads returns messages; read the same bytes again to get the error's type."""
    try:
        add_corpus(c.ws, data, filename=name)
    except EmbedlabError as err:
        assert str(err) == message
        return err
    raise AssertionError("the second read succeeded")


upload_text("text: empty file", "empty.txt", b"", EmptyError, ("empty.txt", "empty", "upload"))
upload_text(
    "text: only whitespace",
    "blank.txt",
    b"  \n\t\n\r\n   \n",
    EmptyError,
    ("blank.txt", "empty", "upload a file with some text"),
)
upload_text(
    "text: only punctuation (no words)",
    "dots.txt",
    b"... !!! ??? --- ,,, ;;;\n",
    InputError,
    ("no words", "upload text with words"),
)
upload_text(
    "text: PNG image named .txt",
    "photo.txt",
    PNG,
    NotTextError,
    ("photo.txt", "not text", "binary", "upload a plain-text"),
)
upload_text(
    "text: executable named .txt",
    "program.txt",
    EXECUTABLE,
    NotTextError,
    ("program.txt", "not text", "upload a plain-text"),
)
upload_text(
    "text: random bytes named .txt",
    "noise.txt",
    random_bytes(50_000),
    NotTextError,
    ("noise.txt", "not text", "upload a plain-text"),
)
upload_text(
    "text: NUL bytes inside text",
    "nul.txt",
    b"Some words here.\x00\x00 And more words.\n" * 50,
    NotTextError,
    ("nul.txt", "not text", "upload a plain-text"),
)
upload_text(
    "text: NUL in every fourth byte (looks half like UTF-16)",
    "nul16.txt",
    b"a\x00b " * 99,
    NotTextError,
    ("nul16.txt", "not text", "upload a plain-text"),
)
upload_text(
    "text: UTF-16 declared by BOM but broken",
    "broken16.txt",
    b"\xff\xfe" + "Un café noir.".encode("utf-16-le") + b"\x00\xd8",  # a lone surrogate at the end
    NotTextError,
    ("broken16.txt", "not text", "upload a plain-text"),
)
upload_text(
    "text: mixed UTF-8 and cp1252 in one file",
    "mixed.txt",
    MIXED,
    InputError,
    ("mixed.txt", "UTF-8", "encoding", "save"),
)
upload_text(
    "text: mixed encodings past the first 64 KB",
    "mixed-late.txt",
    MIXED_LATE,
    InputError,
    ("mixed-late.txt", "UTF-8", "encoding", "save"),
)
upload_text(
    "text: CSV line longer than the line limit",
    "long.csv",
    lambda: b"id,text\n1," + b"word " * 40_000 + b"\n",
    InputError,
    ("long.csv", "line 2", "longer than", "split"),
    patch=("embedlab.ingest.documents", "MAX_LINE_CHARS", 100_000),
)
upload_text(
    "text: JSONL line longer than the line limit",
    "long.jsonl",
    lambda: b'{"text": "' + b"word " * 40_000 + b'"}\n',
    InputError,
    ("long.jsonl", "line 1", "longer than", "split"),
    patch=("embedlab.ingest.documents", "MAX_LINE_CHARS", 100_000),
)
upload_text(
    "text: CSV without the named column",
    "reviews.csv",
    b"id,review\n1,Great coffee and friendly staff\n",
    InputError,
    ("reviews.csv", "no column 'comment'", "review", "text column"),
)
ROWS[-1].backend = lambda c: add_corpus(
    c.ws,
    b"id,review\n1,Great coffee and friendly staff\n",
    filename="reviews.csv",
    text_column="comment",
)
ROWS[-1].cli = lambda c: [
    "ingest",
    str(c.file("reviews.csv", b"id,review\n1,Great coffee and friendly staff\n")),
    "--text-column",
    "comment",
]
upload_text(
    "text: CSV with two columns that could hold the text",
    "two.csv",
    b"a,b\n" + b"a long first piece of text here,another long piece of text there\n" * 3,
    InputError,
    ("two.csv", "several columns", "text column"),
)
upload_text(
    "text: CSV with no text-like column",
    "numbers.csv",
    b"x,y\n1,2\n3,4\n",
    InputError,
    ("numbers.csv", "no column that looks like text", "text column"),
)
upload_text(
    "text: CSV whose text column is empty",
    "blank.csv",
    b"id,text\n1,\n2,  \n",
    InputError,
    ("blank.csv", "no words", "upload text with words"),
)
upload_text(
    "text: JSONL line that is not JSON",
    "bad.jsonl",
    b'{"text": "fine line"}\n{not json}\n',
    InputError,
    ("bad.jsonl", "line 2", "not valid JSON", "fix or remove"),
)
upload_text(
    "text: JSONL line that is a number",
    "num.jsonl",
    b'{"text": "fine line"}\n42\n',
    InputError,
    ("num.jsonl", "line 2", "JSON int", "make each line an object"),
)

# -- archives -----------------------------------------------------------------------------------
upload_text(
    "zip: corrupt (random bytes)",
    "corpus.zip",
    b"PK\x03\x04" + random_bytes(5000, 2),
    InputError,
    ("corpus.zip", "not a valid zip", "upload the archive again"),
)
upload_text(
    "zip: truncated",
    "cut.zip",
    lambda: make_zip({"a.txt": varied_text(20_000)})[:6000],
    InputError,
    ("cut.zip", "zip", "again"),
)
upload_text(
    "zip: member with a corrupt stream",
    "crc.zip",
    lambda: corrupt_member(make_zip({"a.txt": varied_text(20_000)})),
    InputError,
    ("crc.zip", "corrupt", "upload it again"),
)
upload_text(
    "gz: corrupt (random bytes)",
    "corpus.txt.gz",
    b"\x1f\x8b\x08\x00" + random_bytes(5000, 3),
    InputError,
    ("corpus.txt.gz", "corrupt", "upload it again"),
)
upload_text(
    "gz: truncated",
    "cut.txt.gz",
    lambda: gzip.compress(varied_text(50_000))[:-3000],
    InputError,
    ("cut.txt.gz", "corrupt or truncated", "upload it again"),
)
upload_text(
    "zip bomb: over the total expansion limit",
    "big.zip",
    lambda: make_zip({"a.txt": varied_text(300_000)}),
    InputError,
    ("big.zip", "zip bomb", "EMBEDLAB_MAX_EXPANDED_BYTES"),
    env={"EMBEDLAB_MAX_EXPANDED_BYTES": "100000"},
)
upload_text(
    "gz bomb: over the total expansion limit",
    "big.txt.gz",
    lambda: gzip.compress(varied_text(300_000)),
    InputError,
    ("big.txt.gz", "zip bomb", "EMBEDLAB_MAX_EXPANDED_BYTES"),
    env={"EMBEDLAB_MAX_EXPANDED_BYTES": "100000"},
)
upload_text(
    "zip bomb: 1000x expansion under the total limit",
    "ratio.zip",
    lambda: make_zip({"a.txt": b"a " * 6_000_000}),
    InputError,
    ("ratio.zip", "zip bomb", "times", "smaller archive"),
)
upload_text(
    "gz bomb: 1000x expansion under the total limit",
    "ratio.txt.gz",
    lambda: gzip.compress(b"a " * 1_000_000),
    InputError,
    ("ratio.txt.gz", "zip bomb", "times", "smaller archive"),
    patch=(
        "embedlab.formats.zipsafe",
        "RATIO_FLOOR_BYTES",
        1024 * 1024,
    ),  # a gz is checked as it streams
)
upload_text(
    "zip slip: member path with ..",
    "slip.zip",
    make_zip({"notes/ok.txt": b"Fine words here.", "../../evil.txt": b"Evil words here."}),
    InputError,
    ("slip.zip", "../../evil.txt", "unsafe path", "relative paths"),
)
upload_text(
    "zip slip: absolute member path",
    "abs.zip",
    make_zip({"/etc/evil.txt": b"Evil words here."}),
    InputError,
    ("abs.zip", "/etc/evil.txt", "unsafe path", "relative paths"),
)
upload_text(
    "zip slip: Windows path with ..",
    "winslip.zip",
    make_zip({"..\\..\\evil.txt": b"Evil words here."}),
    InputError,
    ("winslip.zip", "unsafe path", "relative paths"),
)
upload_text(
    "nested archive: a zip holding only a zip",
    "outer.zip",
    make_zip({"inner.zip": make_zip({"a.txt": b"Words inside."})}),
    InputError,
    ("outer.zip", "only zip archives", "put .txt"),
)
upload_text(
    "nested archive: a gzipped zip",
    "corpus.zip.gz",
    gzip.compress(make_zip({"a.txt": b"Words inside."})),
    InputError,
    ("corpus.zip.gz", "gzipped zip", "upload a plain-text"),
)
upload_text(
    "archive: a tar file",
    "corpus.tar",
    b"a.txt" + bytes(507) + b"Words." + bytes(1000),
    InputError,
    ("corpus.tar", "tar", "upload a plain-text"),
)
upload_text(
    "zip: empty archive",
    "empty.zip",
    make_zip({}),
    InputError,
    ("empty.zip", "no files", "put .txt"),
)
upload_text(
    "zip: only binary members",
    "pictures.zip",
    make_zip({"a.png": PNG, "b.txt": random_bytes(3000, 4)}),
    InputError,
    ("pictures.zip", "no text files", "upload a plain-text"),
)
upload_text(
    "zip: password-protected",
    "secret.zip",
    encrypted_zip(),
    InputError,
    ("secret.zip", "password", "without a password"),
)

# -- corpus options and training on too little text ------------------------------------------
row(
    "text: corpus min-count 0",
    InputError,
    ("min_count", "at least 1"),
    lambda c: add_corpus(
        c.ws, b"Some words.", filename="a.txt", options=TokenizeOptions(min_count=0)
    ),
    lambda c: ["ingest", str(c.file("a.txt", b"Some words.")), "--corpus-min-count", "0"],
)
row(
    "text: corpus too small for min-count",
    InputError,
    ("no word occurs at least 5 times", "3 words in all", "lower min-count"),
    lambda c: train(c.ws.corpus("tiny").path, TrainConfig(min_count=5, workers=1)),
    lambda c: ["train", "tiny", "--min-count", "5", "--workers", "1"],
)
row(
    "text: corpus with no sentence of two words (no context in the window)",
    InputError,
    ("two words", "window", "sentences"),
    lambda c: train(
        c.file("single/corpus.txt", b"alpha\nbeta\nalpha\nbeta\n").parent,
        TrainConfig(min_count=1, workers=1),
    ),
    None,
)

# -- paths given to the CLI -------------------------------------------------------------------
row(
    "path: ingest a file that does not exist",
    InputError,
    ("no/such/file.txt", "check the path"),
    lambda c: add_corpus(c.ws, "no/such/file.txt"),
    lambda c: ["ingest", "no/such/file.txt"],
)
row(
    "path: ingest a folder",
    InputError,
    ("folder", "zip"),
    lambda c: add_corpus(c.ws, c.files),
    lambda c: ["ingest", str(c.files)],
)
row(
    "path: import a file that does not exist",
    InputError,
    ("no/such/vectors.txt", "check the path"),
    lambda c: read_vectors("no/such/vectors.txt"),
    lambda c: ["import", "no/such/vectors.txt"],
)
row(
    "path: a model that is neither in the workspace nor a file",
    NotFoundError,
    ("nomodel", "embedlab models"),
    lambda c: c.ws.model("nomodel"),
    lambda c: ["neighbours", "nomodel", "king"],
)
row(
    "path: train on a corpus that is neither in the workspace nor a file",
    NotFoundError,
    ("nocorpus", "corpora"),
    lambda c: create_training_run(c.ws, "nocorpus", TrainConfig()),
    lambda c: ["train", "nocorpus"],
)


# -- vector files: the app's read_vectors_bytes + add_model, the CLI's import ---------------


def upload_vectors(
    id: str,  # noqa: A002
    name: str,
    data: bytes | Callable[[], bytes],
    error,
    words,
    fmt: str = "auto",
    metadata: bytes | None = None,
    **kw: Any,
) -> None:
    def payload() -> bytes:
        return data() if callable(data) else data

    def backend(c: Ctx) -> None:
        emb = read_vectors_bytes(payload(), name, fmt, metadata=metadata)
        c.ws.add_model(emb)

    def cli(c: Ctx) -> list[str]:
        argv = ["import", str(c.file(name, payload())), "--format", fmt]
        if metadata is not None:
            argv += ["--metadata", str(c.file("meta/metadata.tsv", metadata))]
        return argv

    row(id, error, words, backend, cli, **kw)


upload_vectors(
    "vectors: header says more words than the rows",
    "more.txt",
    b"3 2\ncat 1 2\ndog 3 4\n",
    FormatError,
    ("more.txt", "header says 3 words but the file has 2", "fix the header"),
)
upload_vectors(
    "vectors: header says fewer words than the rows",
    "fewer.txt",
    b"1 2\ncat 1 2\ndog 3 4\n",
    FormatError,
    ("fewer.txt", "header says 1 word but the file has 2", "fix the header"),
)
upload_vectors(
    "vectors: header dimension disagrees with the rows",
    "dim.vec",
    b"2 3\ncat 1 2\ndog 3 4\n",
    FormatError,
    ("dim.vec", "line 2", "2 values but the header says 3 dimensions", "re-export"),
)
upload_vectors(
    "vectors: header with zero words (empty vocabulary)",
    "zero.txt",
    b"0 3\n",
    FormatError,
    ("zero.txt", "positive word count", "fix the header"),
    fmt="word2vec",
)
upload_vectors(
    "vectors: rows of unequal length",
    "glove.txt",
    b"cat 1 2 3\ndog 4 5\n",
    FormatError,
    ("glove.txt", "line 2", "2 values but the first row has 3", "re-export"),
)
upload_vectors(
    "vectors: a non-numeric value",
    "letters.txt",
    b"2 2\ncat 1 2\ndog 3 x\n",
    FormatError,
    ("letters.txt", "line 3", "non-numeric value 'x'", "re-export"),
)
upload_vectors(
    "vectors: a NaN value",
    "nan.txt",
    b"cat 1 nan\ndog 3 4\n",
    FormatError,
    ("nan.txt", "line 1", "'cat'", "NaN or infinity", "re-export"),
)
upload_vectors(
    "vectors: an infinite value",
    "inf.txt",
    b"2 2\ncat 1 2\ndog -inf 4\n",
    FormatError,
    ("inf.txt", "line 3", "'dog'", "NaN or infinity"),
)
upload_vectors(
    "vectors: a value that overflows float32",
    "huge.txt",
    b"cat 1 2\ndog 3e39 4\n",
    FormatError,
    ("huge.txt", "'dog'", "NaN or infinity"),
)
upload_vectors(
    "vectors: a duplicate word (text)",
    "dup.txt",
    b"3 2\ncat 1 2\ndog 3 4\ncat 5 6\n",
    FormatError,
    ("dup.txt", "'cat' twice", "lines 2 and 4", "remove one"),
)
upload_vectors(
    "vectors: a duplicate word (binary)",
    "dup.bin",
    w2v_bin(["cat", "dog", "cat"]),
    FormatError,
    ("dup.bin", "'cat' twice", "remove one"),
)
upload_vectors(
    "vectors: header claims 4 billion dimensions",
    "wide.bin",
    b"2 4000000000\ncat \x00\x00\x80?\n",
    FormatError,
    ("wide.bin", "4,000,000,000 dimensions", "more than the 100,000", "check the header"),
)
upload_vectors(
    "vectors: a first row with 200,000 values",
    "wide.txt",
    lambda: b"cat " + b"1 " * 200_000 + b"\n",
    FormatError,
    ("wide.txt", "200,000 dimensions", "more than the 100,000"),
    fmt="glove",
)
upload_vectors(
    "projector TSV: a first row with 200,000 values",
    "vectors.tsv",
    lambda: b"1\t" * 199_999 + b"1\n",
    FormatError,
    ("vectors.tsv", "200,000 dimensions", "more than the 100,000"),
    fmt="tsv",
)
upload_vectors(
    "vectors: an empty file",
    "empty.vec",
    b"",
    FormatError,
    ("empty.vec", "is empty", "choose a file with word vectors"),
)
upload_vectors(
    "vectors: only blank lines",
    "blank.txt",
    b"\n \n\t\n",
    FormatError,
    ("blank.txt", "is empty", "choose a file with word vectors"),
)
upload_vectors(
    "vectors: a row with no word",
    "noword.txt",
    b"2 2\ncat 1 2\n 3 4\n",
    FormatError,
    ("noword.txt", "line 3", "no word", "add the word"),
    fmt="word2vec",
)
upload_vectors(
    "vectors: a truncated binary file",
    "cut.bin",
    w2v_bin(["cat", "dog", "eel", "fox"])[:-20],
    FormatError,
    ("cut.bin", "truncated", "export it again"),
)
upload_vectors(
    "vectors: binary file with more records than the header",
    "extra.bin",
    w2v_bin(["cat", "dog"]).replace(b"2 3\n", b"1 3\n", 1),
    FormatError,
    ("extra.bin", "more data after the 1 word", "fix the header"),
)
upload_vectors(
    "vectors: binary named as text",
    "bin.txt",
    w2v_bin(["cat", "dog"]),
    FormatError,
    ("bin.txt", "binary data after its header", "word2vec-bin"),
    fmt="word2vec",
)
upload_vectors(
    "vectors: a truncated fastText .bin",
    "cut_fasttext.bin",
    fasttext_truncated,
    FormatError,
    ("cut_fasttext.bin", "fastText", "export it again"),
)
upload_vectors(
    "vectors: a fastText .bin cut inside its vocabulary (gensim loops forever on it)",
    "cut_vocab.bin",
    lambda: fasttext_truncated()[:3000],
    FormatError,
    ("cut_vocab.bin", "could not be read as a fastText model", "truncated", "export it again"),
)
upload_vectors(
    "vectors: a fastText .bin whose header claims 2 billion words",
    "huge_vocab.bin",
    lambda: (
        fasttext_truncated()[:56] + (2**31 - 1).to_bytes(4, "little") + fasttext_truncated()[60:]
    ),
    FormatError,
    ("huge_vocab.bin", "vocabulary claims 2,147,483,647 words", "corrupt"),
)
upload_vectors(
    "vectors: not a fastText .bin",
    "notft.bin",
    b"cat 1 2\ndog 3 4\n",
    FormatError,
    ("notft.bin", "not a fastText .bin model", "choose the .bin file"),
    fmt="fasttext",
)
upload_vectors(
    "vectors: a word that is neither UTF-8 nor Windows-1252",
    "bytes.txt",
    b"2 2\n\x81\x8d\x8f 1 2\ndog 3 4\n",
    FormatError,
    ("bytes.txt", "line 2", "neither UTF-8 nor Windows-1252", "re-save the file as UTF-8"),
)
upload_vectors(
    "vectors: random bytes named .txt",
    "noise.txt",
    b"\x01\x02" + random_bytes(5000, 6),
    FormatError,
    ("noise.txt", "not a vector format", "word2vec"),
)
upload_vectors(
    "vectors: a PNG image",
    "photo.vec",
    PNG,
    FormatError,
    ("photo.vec", "not a vector format"),
)
upload_vectors(
    "vectors: prose instead of vectors",
    "notes.txt",
    b"these are my lecture notes\nnot vectors at all\n",
    FormatError,
    ("notes.txt", "not a vector format"),
)
upload_vectors(
    "vectors: a zip archive",
    "vectors.zip",
    make_zip({"vectors.txt": b"2 2\ncat 1 2\ndog 3 4\n"}),
    FormatError,
    ("vectors.zip", "zip archive", "unpack it"),
)
upload_vectors(
    "vectors: a gzip file",
    "vectors.txt.gz",
    gzip.compress(b"2 2\ncat 1 2\ndog 3 4\n"),
    FormatError,
    ("vectors.txt.gz", "gzip-compressed", "decompress it"),
)
upload_vectors(
    "vectors: a row longer than the line limit",
    "longrow.txt",
    lambda: b"cat " + b"0.5 " * 100_000 + b"\n",
    FormatError,
    ("longrow.txt", "line 1", "longer than", "vector file"),
    patch=("embedlab.formats._lines", "MAX_LINE_BYTES", 100_000),
)
upload_vectors(
    "vectors: unknown format name",
    "pets.txt",
    b"2 2\ncat 1 2\ndog 3 4\n",
    InputError,
    ("Unknown format 'xyz'", "choose one of"),
    fmt="xyz",
)
for suffix in (".model", ".kv", ".txt", ".vec", ".bin", ".npy"):
    upload_vectors(
        f"pickle: refused as {suffix}",
        f"model{suffix}",
        PICKLED,
        FormatError,
        (f"model{suffix}", "pickle", "--trust-pickle"),
    )
upload_vectors(
    "pickle: refused even when the format is named",
    "w2v.model",
    PICKLED,
    FormatError,
    ("w2v.model", "pickle", "--trust-pickle"),
    fmt="pickle",
)
row(
    "pickle: trusted on the CLI but not gensim vectors",
    FormatError,
    ("model.kv", "could not be loaded as a gensim model", "check that it is a gensim"),
    lambda c: read_vectors(c.file("model.kv", PICKLED), trust_pickle=True),
    lambda c: ["import", str(c.file("model.kv", PICKLED)), "--trust-pickle"],
)


def _native_with_pickled_npy(c: Ctx) -> Path:
    folder = c.files / "native"
    folder.mkdir(exist_ok=True)
    (folder / "words.txt").write_text("cat\ndog\n", encoding="utf-8")
    np.save(folder / "vectors.npy", np.array([{"evil": 1}, {"evil": 2}], dtype=object))
    return folder


row(
    "native: vectors.npy holding pickled objects",
    FormatError,
    ("vectors.npy", "never unpickled", "numeric dtype"),
    lambda c: read_vectors(_native_with_pickled_npy(c)),
    lambda c: ["import", str(_native_with_pickled_npy(c))],
)
upload_vectors(
    "projector TSV: metadata has fewer words than rows",
    "vectors.tsv",
    b"1\t2\n3\t4\n5\t6\n",
    FormatError,
    ("vectors.tsv", "3 rows", "'metadata.tsv' has 2 words", "one to one"),
    metadata=b"cat\ndog\n",
)
upload_vectors(
    "projector TSV: metadata has more words than rows",
    "vectors.tsv",
    b"1\t2\n",
    FormatError,
    ("vectors.tsv", "1 row", "2 words", "one to one"),
    metadata=b"cat\ndog\n",
)
upload_vectors(
    "projector TSV: rows of unequal length",
    "vectors.tsv",
    b"1\t2\n3\t4\t5\n",
    FormatError,
    ("vectors.tsv", "line 2", "3 values but the first row has 2"),
    metadata=b"cat\ndog\n",
)
upload_vectors(
    "projector TSV: a non-numeric cell",
    "vectors.tsv",
    b"1\t2\n3\tx\n",
    FormatError,
    ("vectors.tsv", "line 2", "non-numeric value 'x'"),
    metadata=b"cat\ndog\n",
)
upload_vectors(
    "projector TSV: a duplicate word in the metadata",
    "vectors.tsv",
    b"1\t2\n3\t4\n",
    FormatError,
    ("metadata.tsv", "'cat' twice", "each vector needs its own word"),
    metadata=b"cat\ncat\n",
)
upload_vectors(
    "projector TSV: a count that is not a number",
    "vectors.tsv",
    b"1\t2\n3\t4\n",
    FormatError,
    ("metadata.tsv", "line 3", "count 'many'", "whole number"),
    metadata=b"word\tcount\ncat\t3\ndog\tmany\n",
)
upload_vectors(
    "projector TSV: empty metadata",
    "vectors.tsv",
    b"1\t2\n",
    FormatError,
    ("metadata.tsv", "is empty", "one word per vector"),
    metadata=b"",
    fmt="tsv",
)

# -- queries: the app's explore functions, the CLI's neighbours/analogy/similarity -----------
row(
    "query: unknown word",
    UnknownWordError,
    ("'zzyzx' is not in the vocabulary", "check the spelling"),
    lambda c: explore.query(c.emb, "zzyzx"),
    lambda c: ["neighbours", BASE_MODEL, "zzyzx"],
)
row(
    "query: misspelt word gets suggestions",
    UnknownWordError,
    ("'kinq' is not in the vocabulary", "did you mean", "king"),
    lambda c: explore.query(c.emb, "kinq"),
    lambda c: ["neighbours", BASE_MODEL, "kinq"],
)
row(
    "query: unknown word in an expression",
    UnknownWordError,
    ("'zzyzx' is not in the vocabulary",),
    lambda c: explore.query(c.emb, "king - zzyzx + woman"),
    lambda c: ["neighbours", BASE_MODEL, "king - zzyzx + woman"],
)
row(
    "query: unknown word in an analogy",
    UnknownWordError,
    ("zzyzx", "not in the vocabulary"),
    lambda c: explore.solve_analogy(c.emb, "man", "zzyzx", "woman"),
    lambda c: ["analogy", BASE_MODEL, "man", "zzyzx", "woman"],
)
row(
    "query: unknown word in a similarity",
    UnknownWordError,
    ("'zzyzx' is not in the vocabulary",),
    lambda c: c.emb.similarity("king", "zzyzx"),
    lambda c: ["similarity", BASE_MODEL, "king", "zzyzx"],
)
row(
    "query: unknown word in odd-one-out",
    UnknownWordError,
    ("zzyzx", "not in the vocabulary"),
    lambda c: explore.odd_one_out(c.emb, "king queen zzyzx"),
    lambda c: ["odd-one-out", BASE_MODEL, "king", "queen", "zzyzx"],
)
row(
    "query: empty expression",
    InputError,
    ("empty", "type a word", "king - man + woman"),
    lambda c: evaluate_expression(c.emb, ""),
    lambda c: ["neighbours", BASE_MODEL, ""],
)
row(
    "query: whitespace-only expression",
    InputError,
    ("Type a word", "king - man + woman"),
    lambda c: explore.query(c.emb, "   \t "),
    lambda c: ["neighbours", BASE_MODEL, "   "],
)
row(
    "expression: ends with an operator",
    InputError,
    ("Cannot read 'king +'", "expected a word but found the end", "king - man + woman"),
    lambda c: explore.query(c.emb, "king +"),
    lambda c: ["neighbours", BASE_MODEL, "king +"],
)
row(
    "expression: unclosed parenthesis",
    InputError,
    ("Cannot read", "expected ')'", "king - man + woman"),
    lambda c: explore.query(c.emb, "(king - man"),
    lambda c: ["neighbours", BASE_MODEL, "(king - man"],
)
row(
    "expression: stray closing parenthesis",
    InputError,
    ("Cannot read", "expected + or -", "')'"),
    lambda c: explore.query(c.emb, "king - man)"),
    lambda c: ["neighbours", BASE_MODEL, "king - man)"],
)
row(
    "expression: two words multiplied",
    InputError,
    ("'*' must join a number and a word", "0.5 * king"),
    lambda c: explore.query(c.emb, "king * queen"),
    lambda c: ["neighbours", BASE_MODEL, "king * queen"],
)
row(
    "expression: a number not joined to a word",
    InputError,
    ("the number 3 is not joined to a word", "0.5 * king"),
    lambda c: explore.query(c.emb, "king + 2 * 3"),
    lambda c: ["neighbours", BASE_MODEL, "king + 2 * 3"],
)
row(
    "expression: two words without an operator",
    InputError,
    ("Cannot read", "expected + or -", "'queen'"),
    lambda c: explore.query(c.emb, "king queen"),
    lambda c: ["neighbours", BASE_MODEL, "king queen"],
)
row(
    "expression: too long",
    InputError,
    ("characters long", "keep it under 1000"),
    lambda c: explore.query(c.emb, "king + " * 200 + "queen"),
    lambda c: ["neighbours", BASE_MODEL, "king + " * 200 + "queen"],
)
row(
    "expression: nested too deeply",
    InputError,
    ("nested", "parentheses", "at most"),
    lambda c: explore.query(c.emb, "(" * 400 + "king" + ")" * 400),
    lambda c: ["neighbours", BASE_MODEL, "(" * 400 + "king" + ")" * 400],
)
row(
    "expression: an infinite factor",
    InputError,
    ("1e999", "too large", "use factors between"),
    lambda c: explore.query(c.emb, "1e999 * king - queen"),
    lambda c: ["neighbours", BASE_MODEL, "1e999 * king - queen"],
)
row(
    "query: k is 0",
    InputError,
    ("k must be a whole number from 1 to",),
    lambda c: explore.query(c.emb, "king", k=0),
    lambda c: ["neighbours", BASE_MODEL, "king", "-k", "0"],
)
row(
    "query: k is negative",
    InputError,
    ("k must be a whole number from 1 to", "-3"),
    lambda c: c.emb.analogy("man", "king", "woman", k=-3),
    lambda c: ["analogy", BASE_MODEL, "man", "king", "woman", "-k", "-3"],
)
row(
    "query: k is too large",
    InputError,
    ("k must be a whole number from 1 to", "1000000000"),
    lambda c: explore.query(c.emb, "king", k=10**9),
    lambda c: ["neighbours", BASE_MODEL, "king", "-k", str(10**9)],
)
row(
    "query: restrict is negative",
    InputError,
    ("restrict must be a whole number of at least 1",),
    lambda c: explore.query(c.emb, "king", restrict=-5),
    lambda c: ["neighbours", BASE_MODEL, "king", "--restrict", "-5"],
)
row(
    "query: unknown metric",
    InputError,
    ("Unknown metric 'manhattan'", "cosine or euclidean"),
    lambda c: explore.query(c.emb, "king", metric="manhattan"),
    None,
)
row(
    "query: a vector whose dimension differs from the model's",
    InputError,
    ("9 dimensions but the model has 8", "same model"),
    lambda c: c.emb.neighbours(np.ones(9, dtype=np.float32)),
    None,
)
row(
    "query: an analogy with a word missing",
    InputError,
    ("Fill in a", "three words"),
    lambda c: explore.solve_analogy(c.emb, " ", "king", "woman"),
    None,
)
row(
    "query: odd-one-out with two words",
    InputError,
    ("at least 3 words", "got 2"),
    lambda c: explore.odd_one_out(c.emb, "king, queen"),
    lambda c: ["odd-one-out", BASE_MODEL, "king", "queen"],
)


# -- benchmark uploads: the Evaluate page's run_report, the CLI's evaluate --benchmark FILE ---


def benchmark(id: str, name: str, data: bytes, error, words) -> None:  # noqa: A002
    from embedlab.app.reports import run_report

    row(
        id,
        error,
        words,
        lambda c: run_report(c.emb, "upload", data=data, filename=name),
        lambda c: ["evaluate", BASE_MODEL, "--benchmark", str(c.file(name, data))],
    )


benchmark(
    "benchmark: an empty file",
    "empty.txt",
    b"",
    FormatError,
    ("empty.txt", "neither an analogy file", "nor a similarity file", "fix its format"),
)
benchmark(
    "benchmark: a binary file",
    "photo.txt",
    PNG,
    FormatError,
    ("photo.txt", "not UTF-8 text", "save the file as UTF-8"),
)
benchmark(
    "benchmark: an analogy line with 3 words",
    "analogies.txt",
    b": family\nking queen man woman\nboy girl son\n",
    FormatError,
    ("analogies.txt", "Line 3", "has 3 words", "needs 4"),
)
benchmark(
    "benchmark: a similarity score that is not a number",
    "pairs.tsv",
    b"king\tqueen\t8.5\nman\twoman\tlots\n",
    FormatError,
    ("pairs.tsv", "Line 2", "'lots'", "not a number"),
)
benchmark(
    "benchmark: no pair in the vocabulary",
    "pairs.tsv",
    b"zzyzx\tqwxy\t8.5\nxyzzy\tplugh\t3\n",
    InputError,
    ("None of the 2 word pairs of 'pairs.tsv'", "model's vocabulary", "larger corpus"),
)
row(
    "benchmark: an unknown name",
    InputError,
    ("'ws999'", "one of analogy, ws353, simlex"),
    lambda c: __import__("embedlab.app.reports").app.reports.run_report(c.emb, "ws999"),
    lambda c: ["evaluate", BASE_MODEL, "--benchmark", "ws999"],
)

# -- hyperparameters: the app's build_config, the CLI's train -------------------------------


def hyper(id: str, values: dict[str, Any], flags: list[str], words, algo: str = "word2vec") -> None:  # noqa: A002
    row(
        id,
        InputError,
        words,
        lambda c: train_form.build_config(algo, values),
        lambda c: ["train", "small", "--algo", algo, *flags],
    )


hyper("hyperparameter: dim 0", {"dim": 0}, ["--dim", "0"], ("dim must be between 1 and 2000", "0"))
hyper("hyperparameter: dim negative", {"dim": -5}, ["--dim", "-5"], ("dim", "-5"))
hyper("hyperparameter: dim 100000", {"dim": 100_000}, ["--dim", "100000"], ("dim", "100000"))
hyper("hyperparameter: window negative", {"window": -1}, ["--window", "-1"], ("window", "-1"))
hyper("hyperparameter: window 0", {"window": 0}, ["--window", "0"], ("window must be", "0"))
hyper(
    "hyperparameter: epochs 10^6",
    {"epochs": 10**6},
    ["--epochs", str(10**6)],
    ("epochs must be between 1 and 1000", "1000000"),
)
hyper("hyperparameter: epochs 0", {"epochs": 0}, ["--epochs", "0"], ("epochs", "0"))
hyper("hyperparameter: min-count 0", {"min_count": 0}, ["--min-count", "0"], ("min_count", "0"))
hyper(
    "hyperparameter: negative samples -1",
    {"negative": -1},
    ["--negative", "-1"],
    ("negative", "-1"),
)
hyper("hyperparameter: sample 2", {"sample": 2.0}, ["--sample", "2"], ("sample must be", "2"))
hyper("hyperparameter: alpha 0", {"alpha": 0.0}, ["--alpha", "0"], ("alpha must be", "0"))
hyper(
    "hyperparameter: alpha NaN",
    {"alpha": float("nan")},
    ["--alpha", "nan"],
    ("alpha must be", "nan"),
)
hyper("hyperparameter: workers -1", {"workers": -1}, ["--workers", "-1"], ("workers", "-1"))
hyper("hyperparameter: seed -1", {"seed": -1}, ["--seed", "-1"], ("seed", "-1"))
hyper(
    "hyperparameter: unknown device",
    {"device": "tpu"},
    ["--device", "tpu"],
    ("Unknown device 'tpu'", "choose one of"),
)
hyper(
    "hyperparameter: GloVe epochs 10^6",
    {"epochs": 10**6},
    ["--epochs", str(10**6)],
    ("epochs must be between", "1000000"),
    algo="glove",
)
row(
    "hyperparameter: unknown algorithm",
    InputError,
    ("Unknown algo 'bert'", "choose one of"),
    lambda c: train_form.build_config("bert", {}),
    lambda c: ["train", "small", "--algo", "bert"],
)
row(
    "hyperparameter: a model name that is taken",
    InputError,
    ("'base' already exists", "choose another"),
    lambda c: create_training_run(c.ws, "small", TrainConfig(), name=BASE_MODEL),
    lambda c: ["train", "small", "--name", BASE_MODEL],
)

# -- labelled data: the backend's read_labelled (uploads), the CLI's classify ----------------


def labelled(
    id: str,  # noqa: A002
    name: str,
    data: bytes,
    words,
    text: str | None = None,
    label=None,
    error: type[EmbedlabError] = InputError,
) -> None:
    from embedlab.ingest.labelled import read_labelled

    def cli(c: Ctx) -> list[str]:
        argv = ["classify", str(c.file(name, data)), "--cv", "2", "--no-baseline"]
        argv += ["--text-column", text] if text else []
        return argv + (["--label-column", label] if label else [])

    row(id, error, words, lambda c: read_labelled(data, name, text, label), cli)


REVIEWS = (
    b"text,label\n" + b"a fine film with a good story,pos\na dull film with no story,neg\n" * 2
)
labelled(
    "labelled: the named text column is missing",
    "reviews.csv",
    REVIEWS,
    ("reviews.csv", "no column 'body'", "text column"),
    text="body",
)
labelled(
    "labelled: the named label column is missing",
    "reviews.csv",
    REVIEWS,
    ("reviews.csv", "no column 'tag'", "label column"),
    label="tag",
)
labelled(
    "labelled: two columns could hold the text",
    "two-texts.csv",
    b"a,b,label\n" + b"a long first piece of text here,another long piece of text there,x\n" * 4,
    ("two-texts.csv", "several columns that could hold the text", "--text-column"),
)
labelled(
    "labelled: two columns could hold the label",
    "two-labels.csv",
    b"text,colour,size\n" + b"a long piece of text for the row,p,q\nanother long text,r,s\n" * 2,
    ("two-labels.csv", "several columns that could hold the label", "--label-column"),
)
labelled(
    "labelled: no column looks like a label",
    "nolabel.csv",
    b"text,id\n" + b"".join(b"a long piece of text number %d,%d\n" % (i, i) for i in range(6)),
    ("nolabel.csv", "no column that looks like a label", "--label-column"),
)
labelled(
    "labelled: one class only",
    "one.csv",
    b"text,label\ngood film,pos\ngreat film,pos\nfine film,pos\n",
    ("one.csv", "only one class ('pos')", "at least two classes"),
)
labelled(
    "labelled: a class with one example",
    "lonely.csv",
    b"text,label\ngood film,pos\ngreat film,pos\nbad film,neg\n",
    ("lonely.csv", "only 1 text of class 'neg'", "at least 2", "add texts or remove"),
)
labelled(
    "labelled: an empty text",
    "gap.csv",
    b"text,label\ngood film,pos\n ,neg\nbad film,neg\ngreat,pos\n",
    ("gap.csv", "line 3", "empty text", "fill it in or remove the row"),
)
labelled(
    "labelled: a missing label",
    "nolab.csv",
    b"text,label\ngood film,pos\nbad film,\nawful film,neg\ngreat,pos\n",
    ("nolab.csv", "line 3", "no label", "fill it in or remove the row"),
)
labelled(
    "labelled: JSONL record without its text",
    "gap.jsonl",
    b'{"text": "good film", "label": "pos"}\n{"label": "neg"}\n',
    ("gap.jsonl", "record 2", "no text", "fill it in or remove"),
)
labelled(
    "labelled: fastText line with a label but no text",
    "ft.txt",
    b"__label__pos good film\n__label__neg\n__label__neg bad film\n__label__pos fine\n",
    ("ft.txt", "line 2", "label but no text", "remove that line"),
)
labelled(
    "labelled: fastText line with two labels",
    "ft2.txt",
    b"__label__pos good film\n__label__neg __label__pos odd film\n",
    ("ft2.txt", "line 2", "several labels", "exactly one"),
)
labelled(
    "labelled: plain text with no labels",
    "plain.txt",
    b"just some text\nwith no labels at all\n",
    ("plain.txt", "no labels", "__label__"),
)
labelled(
    "labelled: an empty file",
    "empty.csv",
    b"",
    ("empty.csv", "empty"),
    error=EmptyError,
)
labelled(
    "labelled: a binary file",
    "photo.csv",
    PNG,
    ("photo.csv", "not text"),
    error=NotTextError,
)

# -- the CLI's own parsing: a typed value of the wrong kind (one line, exit 2) ---------------
for id_, argv, words in (
    ("cli: k is not a number", ["neighbours", BASE_MODEL, "king", "-k", "ten"], ("-k", "ten")),
    ("cli: dim is not a number", ["train", "small", "--dim", "big"], ("--dim", "big")),
    ("cli: an unknown option", ["train", "small", "--dims", "50"], ("--dims",)),
    ("cli: an unknown command", ["trian", "small"], ("trian",)),
):
    row(id_, InputError, words, None, lambda c, argv=argv: argv)

# -- vector archives (the Models page's .zip of a projector or native folder) and a PNG ------


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


upload_vectors(
    "vector archive: a member path that climbs out (zip slip)",
    "slip-projector.zip",
    make_zip({"../../vectors.tsv": b"1\t2\n", "metadata.tsv": b"cat\n"}),
    InputError,
    ("slip-projector.zip", "unsafe path", "relative paths"),
)
upload_vectors(
    "vector archive: a zip bomb by ratio",
    "bomb-projector.zip",
    lambda: make_zip({"vectors.tsv": b"1\t" * 6_000_000}),
    InputError,
    ("bomb-projector.zip", "zip bomb", "times"),
)
upload_vectors(
    "vector archive: a native folder whose vectors.npy holds pickled objects",
    "evil-embedlab.zip",
    lambda: make_zip(
        {
            "words.txt": b"cat\ndog\n",
            "vectors.npy": _npy(np.array([{"evil": 1}, {"evil": 2}], dtype=object)),
        }
    ),
    FormatError,
    ("vectors.npy", "never unpickled", "numeric dtype"),
)
upload_vectors(
    "vectors: a PNG image named vectors.txt",
    "vectors.txt",
    PNG,
    FormatError,
    ("vectors.txt", "PNG image", "not a vector format", "word2vec"),
)

# -- session bundles: jobs.bundle.import_bundle (the Models page's upload), `bundle import` -----


def _bundle_zip(c: Ctx, change: Callable[[dict, dict[str, bytes]], None], rehash: bool) -> bytes:
    """The base model's bundle (with its corpus), its manifest and members changed by `change`;
    with `rehash` the manifest's sizes and hashes are made to match the members again."""
    import json

    from embedlab.jobs.bundle import export_bundle

    buffer = io.BytesIO()
    export_bundle(c.ws, BASE_MODEL, buffer, with_corpus=True)
    with zipfile.ZipFile(buffer) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    doc = json.loads(members.pop("manifest.json"))
    change(doc, members)
    if rehash:
        doc["files"] = {
            n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in members.items()
        }
    return make_zip({**members, "manifest.json": json.dumps(doc).encode()})


def bad_bundle(id: str, change, error, words, rehash: bool = False) -> None:  # noqa: A002
    from embedlab.jobs.bundle import import_bundle

    row(
        id,
        error,
        ("shared.zip", *words),
        lambda c: import_bundle(c.ws, _bundle_zip(c, change, rehash), filename="shared.zip"),
        lambda c: ["bundle", "import", str(c.file("shared.zip", _bundle_zip(c, change, rehash)))],
    )


def _bundle_swap_bytes(doc: dict, members: dict[str, bytes]) -> None:
    words = members["model/words.txt"]
    members["model/words.txt"] = words[1:2] + words[:1] + words[2:]  # same size, other bytes


def _bundle_object_npy(doc: dict, members: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}, "x"], dtype=object), allow_pickle=True)
    members["model/vectors.npy"] = buffer.getvalue()


bad_bundle(
    "bundle: a file changed after export (SHA-256)",
    _bundle_swap_bytes,
    FormatError,
    ("model/words.txt", "SHA-256", "export the bundle again"),
)
bad_bundle(
    "bundle: the vectors are missing",
    lambda doc, m: m.pop("model/vectors.npy"),
    FormatError,
    ("lacks 'model/vectors.npy'", "export the bundle again"),
)
bad_bundle(
    "bundle: an extra file outside the layout",
    lambda doc, m: m.update({"run.sh": b"rm -rf ~\n"}),
    FormatError,
    ("run.sh", "no place in a bundle", "manifest.json, model/, maps/ and corpus/"),
)
bad_bundle(
    "bundle: a pickle inside (an object .npy)",
    _bundle_object_npy,
    FormatError,
    ("vectors.npy", "never unpickled"),
    rehash=True,
)
bad_bundle(
    "bundle: a member path that climbs out (zip slip)",
    lambda doc, m: m.update({"../../.bashrc": b"echo owned\n"}),
    InputError,
    ("unsafe path", "relative paths"),
)
bad_bundle(
    "bundle: the manifest lies about a size",
    lambda doc, m: doc["files"]["model/words.txt"].update(size=3),
    FormatError,
    ("model/words.txt", "its manifest says 3", "export the bundle again"),
)
bad_bundle(
    "bundle: a zip bomb member over the expansion ratio",
    lambda doc, m: m.update({"model/words.txt": bytes(12 * 1024 * 1024)}),
    InputError,
    ("zip bomb", "times"),
)
bad_bundle(
    "bundle: the manifest lacks a required field",
    lambda doc, m: doc["model"].pop("dim"),
    FormatError,
    ("'model.dim'", "export the bundle again"),
)


ROW_IDS = [r.id for r in ROWS]
assert len(set(ROW_IDS)) == len(ROW_IDS), "row names must be unique"


# --- the tests ----------------------------------------------------------------------------------


def _apply(r: Row, monkeypatch) -> None:
    for key, value in r.env.items():
        monkeypatch.setenv(key, value)
    if r.patch is not None:
        module, attribute, value = r.patch
        monkeypatch.setattr(f"{module}.{attribute}", value)


def _check_message(message: str, r: Row) -> None:
    assert "Traceback" not in message
    for word in r.words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"


@pytest.mark.parametrize("r", [r for r in ROWS if r.backend is not None], ids=lambda r: r.id)
def test_backend_refuses(r: Row, ctx: Ctx, monkeypatch) -> None:
    _apply(r, monkeypatch)
    before = snapshot(ctx.home)
    with pytest.raises(EmbedlabError) as caught:
        r.backend(ctx)
    assert type(caught.value) is r.error, f"{type(caught.value).__name__}: {caught.value}"
    _check_message(str(caught.value), r)
    assert "\n" not in str(caught.value)
    assert_unchanged(ctx, before)


def _cli_rows() -> list[Any]:
    params = []
    for r in ROWS:
        if r.cli is None:
            continue
        marks = [pytest.mark.xfail(reason=r.xfail_cli, strict=True)] if r.xfail_cli else []
        params.append(pytest.param(r, id=r.id, marks=marks))
    return params


@pytest.mark.parametrize("r", _cli_rows())
def test_cli_refuses(r: Row, ctx: Ctx, monkeypatch, capsys) -> None:
    _apply(r, monkeypatch)
    argv = r.cli(ctx)
    before = snapshot(ctx.home)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse exits on its own
        code = stop.code
    out, err = capsys.readouterr()
    assert code != 0
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("embedlab: error: "), err
    assert "internal error" not in err
    _check_message(lines[0], r)
    assert_unchanged(ctx, before)


def test_the_catalogue_is_large() -> None:
    assert len(ROWS) >= 60
    assert sum(r.cli is not None for r in ROWS) >= 50


def test_check_trainable_refuses_a_small_corpus_before_a_run_is_listed(ctx: Ctx) -> None:
    """The up-front check that jobs.create_training_run can call (see the CLI row's xfail)."""
    from embedlab.train.vocab import check_trainable

    before = snapshot(ctx.home)
    with pytest.raises(InputError, match=r"No word occurs at least 5 times .*lower min-count"):
        check_trainable(ctx.ws.corpus("tiny").path, 5)
    check_trainable(ctx.ws.corpus("tiny").path, 1)  # three words, one sentence: enough
    check_trainable(ctx.ws.corpus("small").path, 5)
    single = add_corpus(ctx.ws, b"alpha\n\nbeta\n\nalpha\n\nbeta\n", filename="single.txt")
    with pytest.raises(InputError, match="No sentence in this corpus has two words"):
        check_trainable(single.path, 1)
    ctx.ws.delete_corpus(single.name)
    assert_unchanged(ctx, before)


# --- long lines: read in bounded memory, or refused before they are held whole -------------


class _Endless(io.RawIOBase):
    """`total` bytes of "word " with no line end, made as they are read (nothing is stored)."""

    def __init__(self, total: int, prefix: bytes = b"") -> None:
        self.left, self.prefix, self.served = total, prefix, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        chunk = (self.prefix + b"word " * (n // 5 + 1))[:n]
        self.prefix = self.prefix[n:]
        buffer[:n] = chunk
        self.left -= n
        self.served += n
        return n


def _peak_bytes(run: Callable[[], Any]) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_single_line_of_plain_text_streams_in_bounded_memory() -> None:
    from embedlab.ingest.documents import Documents

    raw = _Endless(64 * 1024 * 1024)  # 64 MB on one line, made on the fly
    text = io.TextIOWrapper(io.BufferedReader(raw), "utf-8")
    events: list[int] = [0]

    def read_all() -> None:
        for event in Documents(text, "text", "'one-line.txt'"):
            events[0] += event is not None

    peak = _peak_bytes(read_all)
    assert raw.served == 64 * 1024 * 1024
    assert events[0] > 1000  # cut into sentences of at most 50,000 characters
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes"


def test_a_1gb_csv_line_is_refused_after_reading_no_more_than_the_limit(monkeypatch) -> None:
    from embedlab.ingest.documents import Documents

    monkeypatch.setattr("embedlab.ingest.documents.MAX_LINE_CHARS", 1024 * 1024)
    raw = _Endless(1024**3, prefix=b"id,text\n1,")  # 1 GB, never stored
    text = io.TextIOWrapper(io.BufferedReader(raw), "utf-8", newline="")

    def read_all() -> None:
        with pytest.raises(InputError, match=r"'huge.csv' line 2 is longer than 1,048,576 char"):
            list(Documents(text, "csv", "'huge.csv'"))

    peak = _peak_bytes(read_all)
    assert raw.served < 4 * 1024 * 1024
    assert peak < 16 * 1024 * 1024, f"peak {peak:,} bytes"


def test_a_1gb_vector_row_is_refused_after_reading_no_more_than_the_limit(monkeypatch) -> None:
    from embedlab.formats._lines import text_lines

    monkeypatch.setattr("embedlab.formats._lines.MAX_LINE_BYTES", 1024 * 1024)
    raw = _Endless(1024**3, prefix=b"2 300\ncat ")

    def read_all() -> None:
        with pytest.raises(FormatError, match=r"line 2 is longer than 1,048,576 bytes"):
            list(text_lines(io.BufferedReader(raw)))

    peak = _peak_bytes(read_all)
    assert raw.served < 4 * 1024 * 1024
    assert peak < 16 * 1024 * 1024, f"peak {peak:,} bytes"


# --- the app: the same rows through the pages (AppTest) -----------------------------------------

APP = str(Path(__file__).parents[1] / "app.py")


@pytest.fixture
def app_ctx(ctx, monkeypatch) -> Ctx:
    """As tests/app/conftest.py does: every AppTest run goes through app.py's navigation."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    return ctx


def _page(name: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.switch_page(f"pages/{name}.py").run()


def _upload_corpus(name: str, data: bytes):
    at = _page("corpus")
    at.file_uploader[0].set_value((name, data, "application/octet-stream")).run()
    return at.button(key="corpus_ingest").click().run()


def _upload_vectors(name: str, data: bytes, metadata: bytes | None = None):
    at = _page("models")
    at.file_uploader(key="models_upload").set_value((name, data, "application/octet-stream"))
    if metadata is not None:
        at.file_uploader(key="models_upload_meta").set_value(("metadata.tsv", metadata, "text/tsv"))
    at.run()
    return at.button(key="models_load").click().run()


def _ask_neighbours(text: str):
    return _page("neighbours").text_input(key="query").input(text).run()


def _ask_analogy(a: str, b: str, c: str):
    at = _page("analogies")
    at.text_input(key="a").input(a)
    at.text_input(key="b").input(b)
    return at.text_input(key="c").input(c).run()


APP_ROWS = [
    ("corpus page: PNG image named .txt", lambda: _upload_corpus("photo.txt", PNG), "not text"),
    ("corpus page: NUL bytes", lambda: _upload_corpus("nul.txt", b"a\x00b " * 99), "not text"),
    (
        "corpus page: mixed encodings",
        lambda: _upload_corpus("mixed.txt", MIXED),
        "mixes two text encodings",
    ),
    (
        "corpus page: zip slip",
        lambda: _upload_corpus("slip.zip", make_zip({"../../evil.txt": b"Evil words."})),
        "unsafe path",
    ),
    (
        "corpus page: zip bomb by ratio",
        lambda: _upload_corpus("ratio.zip", make_zip({"a.txt": b"a " * 6_000_000})),
        "zip bomb",
    ),
    (
        "corpus page: corrupt gz",
        lambda: _upload_corpus("c.txt.gz", b"\x1f\x8b\x08\x00" + random_bytes(900, 3)),
        "corrupt",
    ),
    ("models page: pickle named .txt", lambda: _upload_vectors("model.txt", PICKLED), "pickle"),
    (
        "models page: NaN value",
        lambda: _upload_vectors("nan.txt", b"cat 1 nan\ndog 3 4\n"),
        "NaN or infinity",
    ),
    (
        "models page: header disagrees with the rows",
        lambda: _upload_vectors("more.txt", b"3 2\ncat 1 2\ndog 3 4\n"),
        "header says 3 words but the file has 2",
    ),
    (
        "models page: truncated binary",
        lambda: _upload_vectors("cut.bin", w2v_bin(["cat", "dog", "eel", "fox"])[:-20]),
        "truncated",
    ),
    (
        "models page: projector metadata count differs",
        lambda: _upload_vectors("vectors.tsv", b"1\t2\n3\t4\n5\t6\n", b"cat\ndog\n"),
        "they must match one to one",
    ),
    ("neighbours page: unknown word", lambda: _ask_neighbours("zzyzx"), "not in the vocabulary"),
    (
        "neighbours page: malformed expression",
        lambda: _ask_neighbours("king + (queen"),
        "expected ')'",
    ),
    (
        "neighbours page: nested too deeply",
        lambda: _ask_neighbours("(" * 300 + "king" + ")" * 300),
        "nested more than 20 deep",
    ),
    (
        "neighbours page: infinite factor",
        lambda: _ask_neighbours("1e999 * king"),
        "too large",
    ),
    (
        "analogies page: unknown word",
        lambda: _ask_analogy("man", "zzyzx", "woman"),
        "not in the vocabulary",
    ),
    (
        "models page: zip slip in a projector archive",
        lambda: _upload_vectors("slip.zip", make_zip({"../vectors.tsv": b"1\t2\n"})),
        "unsafe path",
    ),
    (
        "models page: PNG named vectors.txt",
        lambda: _upload_vectors("vectors.txt", PNG),
        "PNG image",
    ),
]


def _unescaped(markdown: str) -> str:
    import re

    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.parametrize(("name", "act", "words"), APP_ROWS, ids=[r[0] for r in APP_ROWS])
def test_app_shows_one_error_box(name: str, act, words: str, app_ctx: Ctx) -> None:
    before = snapshot(app_ctx.home)
    at = act()
    assert not at.exception, at.exception
    errors = [_unescaped(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert words.lower() in errors[0].lower(), errors[0]
    assert "Traceback" not in errors[0]
    assert_unchanged(app_ctx, before)
