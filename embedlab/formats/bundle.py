"""A session bundle's layout and manifest, checked without a workspace: what the .zip may
hold, what manifest.json must say, and the map coordinates file.

A bundle holds `manifest.json`, the model's native folder under `model/`, each saved map's
coordinates as `maps/<name>.csv` (word, x, y[, z]) and, when asked for, the corpus folder
under `corpus/`. The manifest lists every other file with its size and SHA-256, so a reader
checks each file against it; a member outside this layout is refused. A manifest from a newer
embedlab may carry fields this one does not know: they are ignored. A missing required field
is one sentence naming it. `embedlab.jobs.bundle` writes and reads whole bundles.

>>> member_kind("model/vectors.npy"), member_kind("maps/map.csv"), member_kind("../x")
('model', 'map', None)
>>> doc = build_manifest(model={"name": "toy", "vocab": 2, "dim": 2, "meta": {}},
...     files={"model/words.txt": {"size": 4, "sha256": "0" * 64}})
>>> parse_manifest(json.dumps(doc).encode(), "'toy.zip'").model_name
'toy'
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import FormatError
from embedlab.formats._common import show
from embedlab.formats.native import NATIVE_FILES

FORMAT = "embedlab-bundle"
FORMAT_VERSION = 1
"""Bumped when a reader must change; fields added to the manifest do not bump it."""

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024**2
"""The most bytes manifest.json may have (it holds the loss curve and the progress events)."""

CORPUS_FILES: tuple[str, ...] = ("corpus.txt", "vocab.tsv", "stats.json")
LIBRARIES: tuple[str, ...] = ("embedlab", "numpy", "gensim", "torch", "umap-learn", "streamlit")
FOLDERS: tuple[str, ...] = ("model/", "maps/", "corpus/")
"""Folder entries a zip tool may add; they are allowed and skipped."""

LAYOUT_HINT = "a bundle holds only manifest.json, model/, maps/ and corpus/"
AGAIN = "export the bundle again with embedlab"

_MAP_MEMBER = re.compile(r"maps/[a-z0-9][a-z0-9-]{0,79}\.csv")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


# --- the layout -------------------------------------------------------------------------------
def member_kind(name: str) -> str | None:
    """Which part of a bundle the member `name` is ("manifest", "model", "map", "corpus"),
    or None when it has no place in one.

    >>> [member_kind(n) for n in ("manifest.json", "corpus/corpus.txt", "model/x.pkl")]
    ['manifest', 'corpus', None]
    """
    if name == MANIFEST:
        return "manifest"
    folder, _, base = name.partition("/")
    if folder == "model" and base in NATIVE_FILES:
        return "model"
    if folder == "corpus" and base in CORPUS_FILES:
        return "corpus"
    if _MAP_MEMBER.fullmatch(name):
        return "map"
    return None


MAX_MAP_LINE = 100_000  # characters in one line of a map CSV (a word and 2-3 numbers)


def slug(text: str) -> str:
    """A map's file-name stem: lower-case letters, digits and dashes.

    >>> slug("UMAP of the 3,000 top words")
    'umap-of-the-3-000-top-words'
    """
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:60].strip("-") or "map"


def map_member(name: str, taken: Collection[str]) -> str:
    """`maps/<slug of name>.csv`, with a number added when that member is taken.

    >>> map_member("My map", {"maps/my-map.csv"})
    'maps/my-map-2.csv'
    """
    base, n = slug(name), 1
    member = f"maps/{base}.csv"
    while member in taken:
        n += 1
        member = f"maps/{base}-{n}.csv"
    return member


# --- hashes and versions ----------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, as 64 hex digits, read in 1 MB pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str | None]:
    """The installed versions of embedlab and the libraries a result depends on (None when
    one is not installed).

    >>> sorted(library_versions())
    ['embedlab', 'gensim', 'numpy', 'streamlit', 'torch', 'umap-learn']
    """
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


# --- the manifest -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FileEntry:
    """One file of a bundle as its manifest lists it."""

    size: int
    sha256: str


@dataclass(frozen=True)
class ViewSpec:
    """A saved view as a bundle carries it; `coords_file` names its map's member."""

    name: str
    page: str
    params: dict[str, Any]
    created: str | None = None
    settings: dict[str, Any] | None = None
    coords_file: str | None = None


@dataclass(frozen=True)
class Manifest:
    """What a bundle's manifest.json says, checked; `raw` is the whole document."""

    format_version: int
    model_name: str
    vocab: int
    dim: int
    meta: dict[str, Any]
    files: dict[str, FileEntry]
    views: tuple[ViewSpec, ...] = ()
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    corpus: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def build_manifest(
    *,
    model: Mapping[str, Any],
    files: Mapping[str, Mapping[str, Any]],
    views: Sequence[Mapping[str, Any]] = (),
    corpus: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
    metrics: Mapping[str, Any] | None = None,
    created: str | None = None,
    versions: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The manifest document (JSON-ready: NaN becomes null, numpy values plain numbers)."""
    return plain(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": created,
            "versions": dict(versions if versions is not None else library_versions()),
            "model": dict(model),
            "corpus": None if corpus is None else dict(corpus),
            "training": None if training is None else dict(training),
            "metrics": dict(metrics or {}),
            "views": [dict(v) for v in views],
            "files": {name: dict(entry) for name, entry in sorted(files.items())},
        }
    )


def manifest_bytes(doc: Mapping[str, Any]) -> bytes:
    """The manifest as indented UTF-8 JSON."""
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False).encode() + b"\n"


def plain(value: Any) -> Any:
    """`value` with numpy scalars and arrays as plain numbers and lists, NaN as None.

    >>> plain({"a": np.float32(0.5), "b": [float("nan")], "c": (1, Path("x"))})
    {'a': 0.5, 'b': [None], 'c': [1, 'x']}
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "str": (str, "a string"),
    "int": (int, "a whole number"),
    "dict": (dict, "an object"),
    "list": (list, "a list"),
}


def _missing(label: str, path: str) -> FormatError:
    return FormatError(f"The manifest of {label} has no '{path}' field; {AGAIN}.")


def _typed(value: Any, kind: str, label: str, path: str) -> Any:
    types, words = _KINDS[kind]
    if not isinstance(value, types) or isinstance(value, bool):
        raise FormatError(
            f"The manifest of {label} has a '{path}' field that is not {words} "
            f"(got {show(json.dumps(value)[:40])}); {AGAIN}."
        )
    return value


def _field(doc: Mapping[str, Any], key: str, kind: str, label: str, path: str) -> Any:
    if key not in doc or doc[key] is None:
        raise _missing(label, path)
    return _typed(doc[key], kind, label, path)


def _optional(doc: Mapping[str, Any], key: str, kind: str, label: str, path: str) -> Any:
    return None if doc.get(key) is None else _typed(doc[key], kind, label, path)


def parse_manifest(data: bytes, label: str) -> Manifest:
    """The manifest of the bundle `label` from its bytes: required fields present and of the
    right kind, every listed file in the layout; unknown fields are ignored.

    >>> parse_manifest(b'{"format": "embedlab-bundle", "format_version": 1}', "'b.zip'")
    Traceback (most recent call last):
    ...
    embedlab.errors.FormatError: The manifest of 'b.zip' has no 'model' field; export the bundle again with embedlab.
    """  # noqa: E501 - one sentence
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(
            f"The manifest.json of {label} is not valid JSON ({' '.join(str(err).split())[:80]}); "
            f"{AGAIN}."
        ) from err
    if not isinstance(doc, dict):
        raise FormatError(f"The manifest.json of {label} is not a JSON object; {AGAIN}.")
    fmt = _field(doc, "format", "str", label, "format")
    if fmt != FORMAT:
        raise FormatError(
            f"{label} is not an embedlab bundle (its manifest's format is '{show(fmt)}'); choose "
            "a .zip made by `embedlab bundle export` or the Share button."
        )
    version = _field(doc, "format_version", "int", label, "format_version")
    if version < 1:
        raise FormatError(f"The manifest of {label} has format_version {version}; {AGAIN}.")
    model = _field(doc, "model", "dict", label, "model")
    name = _field(model, "name", "str", label, "model.name")
    vocab = _field(model, "vocab", "int", label, "model.vocab")
    dim = _field(model, "dim", "int", label, "model.dim")
    meta = _optional(model, "meta", "dict", label, "model.meta") or {}
    files = _files(_field(doc, "files", "dict", label, "files"), label)
    views = _views(_optional(doc, "views", "list", label, "views") or [], files, label)
    metrics = _optional(doc, "metrics", "dict", label, "metrics") or {}
    for bench, result in metrics.items():
        _typed(result, "dict", label, f"metrics.{bench}")
    corpus = _optional(doc, "corpus", "dict", label, "corpus")
    if corpus is not None:
        _optional(corpus, "sha256", "str", label, "corpus.sha256")
        _optional(corpus, "stats", "dict", label, "corpus.stats")
    return Manifest(version, name, vocab, dim, meta, files, views, metrics, corpus, doc)


def _files(listed: Mapping[str, Any], label: str) -> dict[str, FileEntry]:
    files: dict[str, FileEntry] = {}
    for name, entry in listed.items():
        where = f"files['{show(name)}']"
        kind = member_kind(name)
        if kind is None or kind == "manifest":
            raise FormatError(
                f"The manifest of {label} lists '{show(name)}', which has no place in a bundle "
                f"({LAYOUT_HINT}); {AGAIN}."
            )
        entry = _typed(entry, "dict", label, where)
        size = _field(entry, "size", "int", label, f"{where}.size")
        digest = _field(entry, "sha256", "str", label, f"{where}.sha256")
        if size < 0 or not _SHA256.fullmatch(digest):
            raise FormatError(
                f"The manifest of {label} gives '{show(name)}' a size or SHA-256 that cannot be "
                f"right; {AGAIN}."
            )
        files[name] = FileEntry(size, digest)
    return files


def _views(
    listed: Sequence[Any], files: Mapping[str, FileEntry], label: str
) -> tuple[ViewSpec, ...]:
    views = []
    for i, view in enumerate(listed):
        where = f"views[{i}]"
        view = _typed(view, "dict", label, where)
        coords = _optional(view, "coords_file", "str", label, f"{where}.coords_file")
        if coords is not None and (member_kind(coords) != "map" or coords not in files):
            raise FormatError(
                f"The manifest of {label} gives the view in '{where}' the coordinates file "
                f"'{show(coords)}', which it does not list under maps/; {AGAIN}."
            )
        views.append(
            ViewSpec(
                _field(view, "name", "str", label, f"{where}.name"),
                _field(view, "page", "str", label, f"{where}.page"),
                _field(view, "params", "dict", label, f"{where}.params"),
                _optional(view, "created", "str", label, f"{where}.created"),
                _optional(view, "map", "dict", label, f"{where}.map"),
                coords,
            )
        )
    return tuple(views)


# --- map coordinates --------------------------------------------------------------------------
def map_csv(words: Sequence[str], coords: np.ndarray) -> bytes:
    """A map's coordinates as CSV: a header `word,x,y[,z]`, then one row per word, each
    number written so that it reads back to exactly the same float32.

    >>> map_csv(["a", "b,c"], np.array([[0.1, 2], [3, -4]], np.float32)).decode().splitlines()
    ['word,x,y', 'a,0.10000000149011612,2.0', '"b,c",3.0,-4.0']
    """
    coords = np.asarray(coords, dtype=np.float32)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3) or coords.shape[0] != len(words):
        raise ValueError(f"coords of shape {coords.shape} for {len(words)} words")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["word", *("x", "y", "z")[: coords.shape[1]]])
    for word, row in zip(words, coords.tolist(), strict=True):
        writer.writerow([word, *(repr(v) for v in row)])
    return out.getvalue().encode("utf-8")


def read_map_csv(
    data: bytes, label: str, vocabulary: Collection[str] | None = None
) -> tuple[tuple[str, ...], np.ndarray]:
    """(words, float32 coordinates) from `map_csv`'s bytes; every word must be distinct (and in
    `vocabulary`, when given) and every number finite.

    >>> words, xy = read_map_csv(b"word,x,y\\na,0.5,1\\n", "'m.csv'")
    >>> words, xy.tolist(), xy.dtype
    (('a',), [[0.5, 1.0]], dtype('float32'))
    >>> read_map_csv(b"word,x,y\\na,0.5,inf\\n", "'m.csv'")
    Traceback (most recent call last):
    ...
    embedlab.errors.FormatError: 'm.csv' line 2 has a coordinate that is not a finite number; export the bundle again with embedlab.
    """  # noqa: E501 - one sentence
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FormatError(f"{label} is not UTF-8 text; {AGAIN}.") from err
    longest = max((len(line) for line in text.splitlines()), default=0)
    if longest > MAX_MAP_LINE:  # csv's own field limit is process-wide and others raise it
        raise FormatError(
            f"{label} is not a readable CSV file (a line of {longest:,} characters, over "
            f"{MAX_MAP_LINE:,}); {AGAIN}."
        )
    try:
        return _map_rows(csv.reader(io.StringIO(text, newline="")), label, vocabulary)
    except csv.Error as err:  # a NUL byte, a broken quote
        raise FormatError(f"{label} is not a readable CSV file ({err}); {AGAIN}.") from err


def _map_rows(
    rows: Iterator[list[str]], label: str, vocabulary: Collection[str] | None
) -> tuple[tuple[str, ...], np.ndarray]:
    header = next(rows, None)
    if header not in (["word", "x", "y"], ["word", "x", "y", "z"]):
        raise FormatError(
            f"{label} does not start with the header word,x,y (or word,x,y,z); {AGAIN}."
        )
    width = len(header)
    words: list[str] = []
    values: list[list[float]] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, 2):
        if len(row) != width:
            raise FormatError(f"{label} line {line} has {len(row)} fields, not {width}; {AGAIN}.")
        word = row[0]
        if not word or word in seen or (vocabulary is not None and word not in vocabulary):
            why = (
                "an empty word"
                if not word
                else f"'{show(word)}' "
                + ("twice" if word in seen else "which is not in the model's vocabulary")
            )
            raise FormatError(f"{label} line {line} has {why}; {AGAIN}.")
        try:
            numbers = [float(v) for v in row[1:]]
        except ValueError:
            numbers = [math.nan]
        if not all(math.isfinite(v) for v in numbers):
            raise FormatError(
                f"{label} line {line} has a coordinate that is not a finite number; {AGAIN}."
            )
        seen.add(word)
        words.append(word)
        values.append(numbers)
    if not words:
        raise FormatError(f"{label} has no words; {AGAIN}.")
    with np.errstate(over="ignore"):
        coords = np.asarray(values, dtype=np.float64).astype(np.float32)
    if not np.isfinite(coords).all():
        raise FormatError(f"{label} has a coordinate too large for a float32; {AGAIN}.")
    return tuple(words), coords
