"""Labelled demo data shipped inside the package: Pang & Lee's sentence polarity set.

10,662 movie-review snippets from Rotten Tomatoes, 5,331 positive ("fresh") and 5,331
negative ("rotten"), lower-cased and tokenised by their authors; CC BY 4.0 (see
`data/SENTENCE_POLARITY_LICENSE.txt`). It is a demo worth showing: large enough for
five-fold accuracies that mean something, small enough to encode in a minute.

The file is `data/sentence_polarity.tsv.gz`: a `label<TAB>text` header, then one
snippet per row (pos and neg alternating, each in its source file's order), quoted the
CSV way where a text starts with a quote, gzip -9. `write_polarity_tsv` made it from the
dataset's `rt-polarity.pos` and `rt-polarity.neg`.

>>> data = polarity_labelled()
>>> len(data), data.balance
(10662, {'neg': 5331, 'pos': 5331})
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
from dataclasses import replace
from itertools import zip_longest
from pathlib import Path

from embedlab.errors import InputError
from embedlab.ingest.labelled import LabelledTexts, read_labelled

DATA = Path(__file__).resolve().parent / "data"
POLARITY_FILE = DATA / "sentence_polarity.tsv.gz"
POLARITY_LICENSE = DATA / "SENTENCE_POLARITY_LICENSE.txt"
POLARITY_NAME = "sentence polarity (Pang & Lee, 10,662 sentences)"
_SOURCES = (("pos", "rt-polarity.pos"), ("neg", "rt-polarity.neg"))


def polarity_labelled() -> LabelledTexts:
    """Pang & Lee's 10,662 movie-review sentences, half positive and half negative.

    Read from the package (read once per process, about a second), never downloaded.
    """
    return _polarity()


DEMO_ENV = "EMBEDLAB_CLASSIFY_DEMO"


def classify_demo() -> LabelledTexts:
    """The labelled demo that the Classify page and `embedlab classify demo` use: sentence
    polarity, or gensim's 200-sentence set when EMBEDLAB_CLASSIFY_DEMO=small (the test suite
    sets it, to stay fast).

    >>> import os; os.environ[DEMO_ENV] = "small"
    >>> len(classify_demo())
    200
    >>> del os.environ[DEMO_ENV]
    """
    import os

    from embedlab.ingest.labelled import demo_labelled

    return demo_labelled() if os.environ.get(DEMO_ENV) == "small" else polarity_labelled()


@functools.lru_cache(maxsize=1)
def _polarity() -> LabelledTexts:
    if not POLARITY_FILE.is_file():
        raise InputError(
            f"The shipped demo file {POLARITY_FILE.name} is missing; reinstall embedlab."
        )
    return replace(read_labelled(POLARITY_FILE), name=POLARITY_NAME)


def write_polarity_tsv(source: str | os.PathLike[str], out: str | os.PathLike[str]) -> int:
    """Write the dataset's two files as one `label<TAB>text` .tsv.gz; returns the row count.

    `source` is the folder holding `rt-polarity.pos` and `rt-polarity.neg` (UTF-8).
    Whitespace inside a text is collapsed to single spaces; blank lines are dropped. The
    gzip header has no name or time stamp, so the same input gives the same bytes.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "rt-polarity.pos").write_text('a gem . \\n" wow " , great \\n')
    >>> _ = (folder / "rt-polarity.neg").write_text("a mess . \\n\\ndull  \\n")
    >>> write_polarity_tsv(folder, folder / "p.tsv.gz")
    4
    >>> read_labelled(folder / "p.tsv.gz").texts
    ('a gem .', 'a mess .', '" wow " , great', 'dull')
    """
    folder = Path(source)
    columns = []
    for label, name in _SOURCES:
        path = folder / name
        if not path.is_file():
            raise InputError(f"'{path}' does not exist; give the folder holding {name}.")
        lines = path.read_text(encoding="utf-8").splitlines()
        columns.append([(label, " ".join(line.split())) for line in lines if line.strip()])
    rows = [row for pair in zip_longest(*columns) for row in pair if row is not None]
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    writer.writerow(["label", "text"])
    writer.writerows(rows)
    with (
        open(out, "wb") as fh,
        gzip.GzipFile("", "wb", 9, fh, mtime=0) as gz,
    ):
        gz.write(text.getvalue().encode("utf-8"))
    return len(rows)
