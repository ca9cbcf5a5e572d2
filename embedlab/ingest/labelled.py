"""Labelled texts for classification: any common layout read into `LabelledTexts`.

The demo labelled set is gensim's `pang_lee_polarity.cor` (200 movie-review sentences in
fastText's `__label__pos text` form), carried by the gensim wheel as test data.

>>> demo = demo_labelled()
>>> len(demo), demo.balance
(200, {'neg': 100, 'pos': 100})
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from embedlab.errors import InputError
from embedlab.ingest.demo import gensim_data

# --- labelled texts ---------------------------------------------------------------------------

DEMO_LABELLED = "pang_lee_polarity.cor"
DEMO_LABELLED_NAME = "pang-lee polarity (demo)"
FASTTEXT_PREFIX = "__label__"
LABEL_NAMES = (
    "label", "labels", "class", "category", "sentiment", "target", "polarity", "tag",
    "topic", "y",
)  # fmt: skip
LABELLED_HINT = (
    "give a CSV/TSV with a text and a label column, JSONL objects with a text and a label "
    "field, fastText lines ('__label__pos some text'), or a folder/zip with one sub-folder "
    "per class"
)
_SKIPPED_FILES = ("readme", "license", "licence", "copying", "citation")
_MAX_LABEL_CHARS = 100
_MAX_GUESSED_CLASSES = 100


@dataclass(frozen=True, eq=False)
class LabelledTexts:
    """Texts with one label each, and where they came from.

    `fmt` is how they were read: "csv", "tsv", "jsonl", "fasttext", "lines" (label TAB
    text), "folders" (one sub-folder per class) or "files" (one file per class, one text
    per line). `text_column`/`label_column` name the columns read from a table or JSONL.

    >>> data = LabelledTexts(("good film", "bad film", "great", "awful"),
    ...                      ("pos", "neg", "pos", "neg"), name="toy")
    >>> len(data), data.classes, data.balance
    (4, ('neg', 'pos'), {'neg': 2, 'pos': 2})
    >>> data.subset([0, 2]).labels
    ('pos', 'pos')
    """

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    name: str = "dataset"
    fmt: str = "memory"
    encodings: tuple[str, ...] = ()
    text_column: str | None = None
    label_column: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "texts", tuple(str(t) for t in self.texts))
        object.__setattr__(self, "labels", tuple(str(label) for label in self.labels))
        if len(self.texts) != len(self.labels):
            raise InputError(
                f"Got {len(self.texts)} texts for {len(self.labels)} labels; they must match."
            )

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        return f"LabelledTexts({self.name!r}, {len(self)} texts, {len(self.classes)} classes)"

    @property
    def classes(self) -> tuple[str, ...]:
        """The distinct labels, sorted."""
        return tuple(sorted(set(self.labels)))

    @property
    def balance(self) -> dict[str, int]:
        """How many texts each class has, in `classes` order."""
        counts = Counter(self.labels)
        return {label: counts[label] for label in self.classes}

    @property
    def content_hash(self) -> str:
        """A short hash of the texts and labels (what cached encodings are keyed by).

        >>> LabelledTexts(("a",), ("x",)).content_hash == LabelledTexts(("a",), ("y",)).content_hash
        False
        """
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels, strict=True):
            digest.update(label.encode("utf-8") + b"\x1f" + text.encode("utf-8") + b"\x1e")
        return digest.hexdigest()[:20]

    def subset(self, indices: Sequence[int]) -> LabelledTexts:
        """The texts at `indices`, as a new value."""
        return LabelledTexts(
            tuple(self.texts[i] for i in indices),
            tuple(self.labels[i] for i in indices),
            self.name,
            self.fmt,
            self.encodings,
            self.text_column,
            self.label_column,
        )

    def check(self, min_per_class: int = 2) -> LabelledTexts:
        """Refuse a set with one class, or a class with fewer than `min_per_class` texts.

        >>> LabelledTexts(("a", "b", "c"), ("x", "x", "y"), name="'t.csv'").check()
        Traceback (most recent call last):
        ...
        embedlab.errors.InputError: 't.csv' has only 1 text of class 'y'; each class needs at least 2 (add texts or remove that class).
        """  # noqa: E501
        if not self.texts:
            raise InputError(f"{self.name} holds no labelled texts; {LABELLED_HINT}.")
        balance = self.balance
        if len(balance) < 2:
            raise InputError(
                f"{self.name} has only one class ('{self.classes[0]}'); a classifier needs "
                "texts of at least two classes."
            )
        few = {label: n for label, n in balance.items() if n < min_per_class}
        if few:
            what = ", ".join(
                f"{n} text{'s' if n != 1 else ''} of class '{k}'" for k, n in few.items()
            )
            which = "that class" if len(few) == 1 else "those classes"
            raise InputError(
                f"{self.name} has only {what}; each class needs at least {min_per_class} "
                f"(add texts or remove {which})."
            )
        return self

    def summary(self) -> dict[str, Any]:
        """What the page and the report show about the set (JSON-ready)."""
        balance = self.balance
        return {
            "name": self.name,
            "format": self.fmt,
            "documents": len(self),
            "classes": list(self.classes),
            "balance": balance,
            "majority_share": max(balance.values()) / len(self) if self.texts else 0.0,
            "encodings": list(self.encodings),
            "text_column": self.text_column,
            "label_column": self.label_column,
            "hash": self.content_hash,
        }


def demo_labelled() -> LabelledTexts:
    """gensim's 200 Pang & Lee movie-review sentences, 100 positive and 100 negative."""
    data = read_labelled(gensim_data(DEMO_LABELLED))
    return replace(data, name=DEMO_LABELLED_NAME)


def read_labelled(
    source: str | os.PathLike[str] | bytes,
    filename: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> LabelledTexts:
    """Labelled texts from a path (file or folder) or uploaded bytes named by `filename`.

    The format comes from the name: .csv/.tsv (a text and a label column, named or
    guessed), .jsonl/.ndjson (objects with a text and a label field), .zip (one
    sub-folder per class, or one data file), .gz of any of these, else text lines:
    fastText's `__label__pos text` or `label<TAB>text`. Any encoding the corpus reader
    accepts. The result is checked: at least two classes, two texts in each.

    >>> data = read_labelled(b"text,label\\ngood film,pos\\nbad film,neg\\n"
    ...                      b"great,pos\\nawful,neg\\n", "toy.csv")
    >>> data.balance, data.text_column, data.label_column
    ({'neg': 2, 'pos': 2}, 'text', 'label')
    >>> read_labelled(b"__label__a one\\n__label__a two\\n", "x.txt")
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: 'x.txt' has only one class ('a'); a classifier needs texts of at least two classes.
    """  # noqa: E501
    if isinstance(source, bytes | bytearray | memoryview):
        name = filename or "upload"
        data = _labelled_bytes(bytes(source), name, f"'{name}'", text_column, label_column)
    else:
        path = Path(source)
        label = f"'{filename or os.fspath(source)}'"
        if path.is_dir():
            data = _labelled_folder(_folder_entries(path), label, text_column, label_column)
        elif path.is_file():
            data = _labelled_bytes(
                path.read_bytes(), filename or path.name, label, text_column, label_column
            )
        else:
            raise InputError(f"{label} does not exist; check the path.")
    return data.check()


def _labelled_bytes(
    data: bytes, name: str, label: str, text_column: str | None, label_column: str | None
) -> LabelledTexts:
    lower = name.lower()
    if lower.endswith(".zip"):
        return _labelled_folder(_zip_entries(data, label), label, text_column, label_column)
    if lower.endswith(".gz"):
        return _labelled_bytes(_gunzip(data, label), name[:-3], label, text_column, label_column)
    suffix = PurePosixPath(lower).suffix
    fmt = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "text")
    encoding, text = _decode(data, label, "" if fmt in ("csv", "tsv") else None)
    if fmt in ("csv", "tsv"):
        texts, labels, columns = _from_table(text, fmt, label, text_column, label_column)
    elif fmt == "jsonl":
        texts, labels, columns = _from_jsonl(text, label, text_column, label_column)
    else:
        texts, labels, fmt = _from_lines(text, label)
        columns = (None, None)
    return LabelledTexts(tuple(texts), tuple(labels), label, fmt, (encoding,), *columns)


def _decode(data: bytes, label: str, newline: str | None) -> tuple[str, str]:
    """(encoding, text) of a file's bytes, decoded the way the corpus reader does."""
    from embedlab.ingest.textio import read_decoded, sniff_encoding

    def opener() -> io.BytesIO:
        return io.BytesIO(data)

    encoding = sniff_encoding(opener, label)
    return read_decoded(opener, encoding, label, lambda text: text.read(), newline=newline)


def _gunzip(data: bytes, label: str) -> bytes:
    from embedlab.limits import MAX_EXPANDED_BYTES

    limit = MAX_EXPANDED_BYTES.value()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"{label} is corrupt or truncated ({err}); upload it again.") from err
    if len(out) > limit:
        raise InputError(
            f"{label} expands to more than {limit:,} bytes; upload a smaller file, or raise "
            "EMBEDLAB_MAX_EXPANDED_BYTES if you trust it."
        )
    return out


# --- text lines: fastText labels or label<TAB>text ----------------------------------------------


def _from_lines(text: str, label: str) -> tuple[list[str], list[str], str]:
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise InputError(f"{label} is empty; {LABELLED_HINT}.")
    if any(line.startswith(FASTTEXT_PREFIX) for _, line in lines):
        return *_fasttext_lines(lines, label), "fasttext"
    if all("\t" in line for _, line in lines):
        return *_tab_lines(lines, label), "lines"
    raise InputError(f"{label} has no labels; {LABELLED_HINT}.")


def _fasttext_lines(lines: list[tuple[int, str]], label: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for number, line in lines:
        words = line.split()
        tags = [w[len(FASTTEXT_PREFIX) :] for w in words if w.startswith(FASTTEXT_PREFIX)]
        words = [w for w in words if not w.startswith(FASTTEXT_PREFIX)]
        if not tags or not all(tags):
            raise InputError(
                f"{label} line {number} has no label; start every line with __label__NAME."
            )
        if len(set(tags)) > 1:
            raise InputError(
                f"{label} line {number} has several labels ({', '.join(tags)}); give each "
                "text exactly one."
            )
        if not words:
            raise InputError(f"{label} line {number} has a label but no text; remove that line.")
        texts.append(" ".join(words))
        labels.append(tags[0])
    return texts, labels


def _tab_lines(lines: list[tuple[int, str]], label: str) -> tuple[list[str], list[str]]:
    """label<TAB>text lines, or text<TAB>label: the side with fewer distinct values is the label."""
    pairs = [line.split("\t", 1) for _, line in lines]
    firsts, lasts = {a.strip() for a, _ in pairs}, {b.strip() for _, b in pairs}
    label_first = len(firsts) <= len(lasts)
    texts, labels = [], []
    for (number, _), (a, b) in zip(lines, pairs, strict=True):
        tag, text = (a.strip(), b.strip()) if label_first else (b.strip(), a.strip())
        if not tag or not text:
            what = "label" if not tag else "text"
            raise InputError(f"{label} line {number} has an empty {what}; fill it in or remove it.")
        texts.append(text)
        labels.append(tag)
    return texts, labels


# --- tables: CSV/TSV and JSONL ----------------------------------------------------------------


def _from_table(
    text: str, fmt: str, label: str, text_column: str | None, label_column: str | None
) -> tuple[list[str], list[str], tuple[str | None, str | None]]:
    from embedlab.ingest.documents import _choose_column, _sniff_delimiter

    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(text[: 64 * 1024])
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as err:
        raise InputError(f"{label} is not valid CSV ({err}); fix the file.") from err
    if len(rows) < 2:
        raise InputError(f"{label} has no rows under its header; {LABELLED_HINT}.")
    header = [cell.strip() for cell in rows[0][1]]
    body = rows[1:]
    sample = [row for _, row in body[:200]]
    t = _choose_column(header, sample, text_column, label, "column")
    lab = _choose_label(header, [row for _, row in body], label_column, label, "column", t)
    texts, labels = [], []
    for number, row in body:
        value = row[t].strip() if t < len(row) else ""
        tag = row[lab].strip() if lab < len(row) else ""
        if not value:
            raise InputError(
                f"{label} line {number} has an empty text in column '{header[t]}'; fill it in "
                "or remove the row."
            )
        if not tag:
            raise InputError(
                f"{label} line {number} has no label in column '{header[lab]}'; fill it in or "
                "remove the row."
            )
        texts.append(value)
        labels.append(tag)
    return texts, labels, (header[t], header[lab])


def _from_jsonl(
    text: str, label: str, text_column: str | None, label_column: str | None
) -> tuple[list[str], list[str], tuple[str | None, str | None]]:
    from embedlab.ingest.documents import _choose_column, _json_records

    records = list(_json_records(io.StringIO(text), label))
    if not records or not all(isinstance(r, dict) for r in records):
        raise InputError(
            f"{label} must hold one JSON object per line, with a text and a label field."
        )
    keys = list(dict.fromkeys(k for record in records for k in record))  # type: ignore[union-attr]
    rows = [[record.get(k) for k in keys] for record in records]  # type: ignore[union-attr]
    t = _choose_column(keys, rows[:200], text_column, label, "field")
    lab = _choose_label(keys, rows, label_column, label, "field", t)
    texts, labels = [], []
    for number, row in enumerate(rows, 1):
        value, tag = row[t], row[lab]
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                f"{label} record {number} has no text in field '{keys[t]}'; fill it in or "
                "remove the record."
            )
        if tag is None or isinstance(tag, dict | list) or not str(tag).strip():
            raise InputError(
                f"{label} record {number} has no usable label in field '{keys[lab]}'; give "
                "each record one label (a string or a number)."
            )
        texts.append(value.strip())
        labels.append(str(tag).strip())
    return texts, labels, (keys[t], keys[lab])


def _choose_label(
    names: list[str],
    rows: list[list[Any]],
    wanted: str | None,
    label: str,
    kind: str,
    text_index: int,
) -> int:
    """Index of the label column: the wanted one, a label-like name, or the only short one."""
    from embedlab.ingest.documents import _listed, _named, _shown

    if wanted is not None:
        return _named(names, wanted, label, kind, f"the label {kind} (the CLI's --label-column)")
    lowered = [name.strip().lower() for name in names]
    for name in LABEL_NAMES:
        if name in lowered and lowered.index(name) != text_index:
            return lowered.index(name)

    def label_like(i: int) -> bool:
        values = [row[i] if i < len(row) else None for row in rows]
        values = [str(v).strip() for v in values if v is not None and str(v).strip()]
        distinct = set(values)
        return (
            bool(values)
            and len(values) == len(rows)
            and len(distinct) <= min(_MAX_GUESSED_CLASSES, max(2, len(values) // 2))
            and all(len(v) <= _MAX_LABEL_CHARS for v in distinct)
        )

    found = [i for i in range(len(names)) if i != text_index and label_like(i)]
    if len(found) == 1:
        return found[0]
    if found:
        candidates = ", ".join(f"'{_shown(names[i])}'" for i in found)
        raise InputError(
            f"{label} has several {kind}s that could hold the label ({candidates}); name the "
            f"one to use as the label {kind} (the CLI's --label-column)."
        )
    raise InputError(
        f"{label} has no {kind} that looks like a label (its {kind}s are: {_listed(names)}); "
        f"name the one to use as the label {kind} (the CLI's --label-column)."
    )


# --- folders and zips -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    parts: tuple[str, ...]
    read: Callable[[], bytes]


def _visible(parts: Sequence[str]) -> bool:
    return bool(parts) and parts[0] != "__MACOSX" and not any(p.startswith(".") for p in parts)


def _folder_entries(root: Path) -> list[_Entry]:
    entries = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and _visible(parts):
            entries.append(_Entry(parts, path.read_bytes))
    return entries


def _zip_entries(data: bytes, label: str) -> list[_Entry]:
    from embedlab.limits import MAX_EXPANDED_BYTES

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as err:
        raise InputError(f"{label} is not a valid zip file ({err}); upload it again.") from err
    infos = [i for i in archive.infolist() if not i.is_dir()]
    infos = [i for i in infos if _visible(PurePosixPath(i.filename).parts)]
    limit = MAX_EXPANDED_BYTES.value()
    if sum(i.file_size for i in infos) > limit:
        raise InputError(
            f"{label} expands to more than {limit:,} bytes; upload a smaller archive, or raise "
            "EMBEDLAB_MAX_EXPANDED_BYTES if you trust it."
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise InputError(f"{label} is password-protected; upload an archive without a password.")

    def reader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                return archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError) as err:
                raise InputError(f"{label} is corrupt ({err}); upload it again.") from err

        return read

    return [_Entry(PurePosixPath(i.filename).parts, reader(i)) for i in infos]


def _skipped(name: str) -> bool:
    return name.lower().startswith(_SKIPPED_FILES)


def _labelled_folder(
    entries: list[_Entry], label: str, text_column: str | None, label_column: str | None
) -> LabelledTexts:
    """One sub-folder per class (each file one text); one data file; or one file per class."""
    from embedlab.ingest.textio import EmptyError, NotTextError

    while entries and all(len(e.parts) >= 3 for e in entries):
        if len({e.parts[0] for e in entries}) != 1:
            break
        entries = [_Entry(e.parts[1:], e.read) for e in entries]
    depths = {len(e.parts) for e in entries}
    if not entries:
        raise InputError(f"{label} holds no files; {LABELLED_HINT}.")
    if depths == {2} or (
        2 in depths and all(_skipped(e.parts[-1]) for e in entries if len(e.parts) == 1)
    ):
        texts, labels, encodings = [], [], []
        for entry in entries:
            if len(entry.parts) != 2:
                continue
            inner = f"'{'/'.join(entry.parts)}' in {label}"
            try:
                encoding, text = _decode(entry.read(), inner, None)
            except (NotTextError, EmptyError):
                continue
            texts.append(" ".join(text.split()))
            labels.append(entry.parts[0])
            encodings.append(encoding)
        return LabelledTexts(tuple(texts), tuple(labels), label, "folders", _distinct(encodings))
    if depths != {1}:
        raise InputError(f"{label} mixes files and folders at different depths; {LABELLED_HINT}.")
    files = [e for e in entries if not _skipped(e.parts[0])] or entries
    if len(files) == 1:
        only = files[0]
        return _labelled_bytes(
            only.read(), only.parts[0], f"'{only.parts[0]}' in {label}", text_column, label_column
        )
    tables = [e.parts[0] for e in files if PurePosixPath(e.parts[0].lower()).suffix in _TABLES]
    if tables:
        raise InputError(
            f"{label} holds several data files ({', '.join(tables)}); pass one of them."
        )
    names = [PurePosixPath(e.parts[0]) for e in files]
    same_stem = len({n.stem for n in names}) == 1 and all(n.suffix for n in names)
    texts, labels, encodings = [], [], []
    for entry, name in zip(files, names, strict=True):
        tag = name.suffix.lstrip(".") if same_stem else name.stem
        encoding, text = _decode(entry.read(), f"'{name}' in {label}", None)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        texts += lines
        labels += [tag] * len(lines)
        encodings.append(encoding)
    return LabelledTexts(tuple(texts), tuple(labels), label, "files", _distinct(encodings))


_TABLES = (".csv", ".tsv", ".jsonl", ".ndjson", ".zip")


def _distinct(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
