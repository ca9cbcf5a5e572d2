"""A model as one downloadable file: bytes, a file name and a MIME type per write format.

The vectors are written with `embedlab.formats.write_vectors` into a temporary folder;
the folder formats ("tsv" for the TensorFlow projector, "native") come back as a zip of
that folder. Nothing is left on disk afterwards; a full disk is one sentence (`DiskFull`).

A table of words (the Projection page's selection) downloads as CSV with `csv_bytes`,
which keeps a spreadsheet from running a word that looks like a formula.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> emb = Embeddings(["cat", "dog"], np.eye(2, dtype=np.float32), meta={"name": "Pets v2"})
>>> name, data, mime = export_bytes(emb, "word2vec")
>>> name, data.decode().splitlines()[0], mime
('pets-v2.txt', '2 2', 'text/plain')
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.formats import WRITE_FORMATS, write_vectors
from embedlab.store.workspace import DiskFull, is_disk_full, slug

if TYPE_CHECKING:
    import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to Excel, LibreOffice and Sheets."""

EXPORT_LABELS: dict[str, str] = {
    "word2vec": "word2vec text (.txt): one word and its numbers a line, with a header",
    "word2vec-bin": "word2vec binary (.bin): compact, for gensim and the original C tools",
    "glove": "GloVe text (.txt): like word2vec text, without the header",
    "tsv": "Projector TSV (.zip of vectors.tsv + metadata.tsv) for projector.tensorflow.org",
    "native": "embedlab folder (.zip): vectors, counts and how the model was made",
}
"""What each of `WRITE_FORMATS` is, in words a user picks from."""

# (file name suffix, MIME type); folder formats are zipped
_FILES: dict[str, tuple[str, str]] = {
    "word2vec": (".txt", "text/plain"),
    "word2vec-bin": (".bin", "application/octet-stream"),
    "glove": ("-glove.txt", "text/plain"),
    "tsv": ("-projector.zip", "application/zip"),
    "native": ("-embedlab.zip", "application/zip"),
}
_FOLDER_FORMATS = ("tsv", "native")


def export_bytes(emb: Embeddings, format: str) -> tuple[str, bytes, str]:
    """(file name, data, MIME type) of `emb` written in one of `WRITE_FORMATS`.

    "tsv" and "native" write a folder, so their data is a zip holding that folder's
    files at its top level; the others are the file itself.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[3, 1])
    >>> name, data, mime = export_bytes(emb, "tsv")
    >>> name, mime, sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    ('embeddings-projector.zip', 'application/zip', ['metadata.tsv', 'vectors.tsv'])
    """
    if format not in WRITE_FORMATS:
        raise InputError(
            f"Unknown export format '{format}'; choose one of {', '.join(WRITE_FORMATS)}."
        )
    suffix, mime = _FILES[format]
    base = slug(emb.name)
    try:
        with tempfile.TemporaryDirectory(prefix="embedlab-export-") as tmp:
            target = Path(tmp) / ("out" if format in _FOLDER_FORMATS else f"out{suffix}")
            files = write_vectors(emb, target, format)
            data = _zip(files, target) if format in _FOLDER_FORMATS else files[0].read_bytes()
    except (OSError, InputError) as err:  # formats names the OSError as its cause
        if is_disk_full(err):
            raise DiskFull(
                f"The disk is full: the export could not be written in {tempfile.gettempdir()}; "
                "free some space there (or set TMPDIR to a bigger disk) and try again."
            ) from err
        raise
    return base + suffix, data, mime


def neutralise_formula(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with a quote.

    >>> [neutralise_formula(c) for c in ["=1+1", "@SUM(A1)", "-cmd", "plain", 3]]
    ["'=1+1", "'@SUM(A1)", "'-cmd", 'plain', 3]
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV, with every text cell that looks like a formula quoted
    (OWASP's advice for CSV injection); numbers stay numbers.

    >>> import pandas as pd
    >>> print(csv_bytes(pd.DataFrame({"word": ["=HYPERLINK(1)", "cat"], "count": [-3, 2]}))
    ...       .decode(), end="")
    word,count
    '=HYPERLINK(1),-3
    cat,2
    """
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith("str"):
            safe[column] = safe[column].map(neutralise_formula)
    return safe.to_csv(index=False).encode("utf-8")


def _zip(files: list[Path], folder: Path) -> bytes:
    """The files, named relative to `folder`, in a zip (deflated; vectors compress well)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for path in files:
            z.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
