"""Session bundles and saved views: a model, the views saved on it (queries and maps, with the
maps' coordinates), its training record and, when asked, its corpus, as one .zip that opens
the same on another machine.

A *saved view* is a row of the workspace's analyses table (kind "view") whose payload is
``{"model": name, "page": "neighbours" | "projection" | ..., "params": {...the page's URL
query parameters...}}``; a map's also holds ``"map"`` (the settings that made it) and
``"coords_file"`` (``views/<id>.csv`` under the workspace: word, x, y[, z]). UMAP's output
changes with library versions and threads, so a map's coordinates travel, not only its
settings.

`export_bundle` writes the zip (layout and manifest: `embedlab.formats.bundle`);
`import_bundle` reads one as the untrusted upload it is: member paths that climb out, zip
bombs, a password, files outside the layout or not in the manifest, a size or SHA-256 that
differs from the manifest, a pickled .npy, a missing required field: each is one sentence,
and nothing is left in the workspace (files are checked in ``ws.tmp_dir()`` and placed at
the end).

>>> import tempfile
>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> from embedlab.store.workspace import Workspace
>>> home, away = Workspace(tempfile.mkdtemp()), Workspace(tempfile.mkdtemp())
>>> _ = home.add_model(Embeddings(["cat", "dog", "car"], np.eye(3)), name="pets")
>>> _ = save_view(home, "pets", "neighbours", {"q": "cat", "k": 2})
>>> buffer = io.BytesIO()
>>> _ = export_bundle(home, "pets", buffer)
>>> imported = import_bundle(away, buffer.getvalue(), filename="pets.zip")
>>> imported.record.name, [(v.page, v.params) for v in saved_views(away, "pets")]
('pets', [('neighbours', {'q': 'cat', 'k': '2'})])
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import re
import secrets
import shutil
import uuid
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from embedlab import limits
from embedlab.errors import EmbedlabError, FormatError, InputError, NotFoundError
from embedlab.formats.bundle import (
    AGAIN,
    CORPUS_FILES,
    FOLDERS,
    LAYOUT_HINT,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    Manifest,
    build_manifest,
    manifest_bytes,
    map_csv,
    map_member,
    member_kind,
    parse_manifest,
    read_map_csv,
    sha256_file,
)
from embedlab.formats.native import NATIVE_FILES
from embedlab.store.disk import DiskFull, disk_full_message, is_disk_full
from embedlab.store.records import now

if TYPE_CHECKING:
    from embedlab.analysis.project import Projection
    from embedlab.embeddings import Embeddings
    from embedlab.store.records import AnalysisRecord, CorpusRecord, ModelRecord
    from embedlab.store.workspace import Workspace

VIEW_KIND = "view"
VIEWS_DIR = "views"
BUNDLE_HINT = "choose a .zip made by `embedlab bundle export` or the Share button"

_PAGE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_VIEW_FILE = re.compile(r"[0-9a-f]{32}\.csv")
_CHUNK = 1 << 20
_MAX_VOCAB_LINE = 64 * 1024
_STORED = (".npy", ".safetensors")  # numbers barely compress: stored, not deflated
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError)


# --- saved views --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedView:
    """A saved view: the page and URL parameters of a query or a map, on a model.

    `settings` and `coords_path` are set for a map only; `projection()` reads its coordinates.
    """

    id: int
    name: str
    model: str
    page: str
    params: dict[str, Any]
    created: str
    settings: dict[str, Any] | None = None
    coords_path: Path | None = None

    @property
    def is_map(self) -> bool:
        """Whether the view is a map with saved coordinates."""
        return self.coords_path is not None

    def projection(self) -> Projection:
        """The saved map, with exactly the coordinates that were saved (nothing is recomputed).

        Its `params` are the settings that made it (method, n, dims, seed, ...).
        """
        from embedlab.analysis.project import Projection

        if self.coords_path is None:
            raise InputError(f"The view '{self.name}' is not a map, so it has no coordinates.")
        try:
            data = self.coords_path.read_bytes()
        except FileNotFoundError as err:
            raise NotFoundError(
                f"The map '{self.name}' has lost its coordinates file; save the view again."
            ) from err
        words, coords = read_map_csv(data, f"The coordinates of the map '{self.name}'")
        coords.setflags(write=False)
        settings = dict(self.settings or {})
        return Projection(words, coords, None, str(settings.get("method", "saved")), settings)


def save_view(
    ws: Workspace,
    model: str,
    page: str,
    params: Mapping[str, Any],
    coords: Projection | None = None,
    *,
    name: str | None = None,
) -> SavedView:
    """Save what a page shows: its URL query `params` (values become strings) and, for a map,
    its coordinates (`coords`, a Projection of the model), written atomically under
    ``<ws.root>/views/``. `name` defaults to the page ("map" for a map), made unique among
    the model's views; a `name` already taken is an error.

    >>> import tempfile
    >>> import numpy as np
    >>> from embedlab.analysis.project import Projection
    >>> from embedlab.embeddings import Embeddings
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> _ = ws.add_model(Embeddings(["a", "b"], np.eye(2)), name="toy")
    >>> xy = Projection(("a", "b"), np.array([[0.5, 1], [2, 3]], np.float32), None, "pca")
    >>> view = save_view(ws, "toy", "projection", {"method": "pca"}, xy)
    >>> view.name, view.projection().coords.tolist()
    ('map', [[0.5, 1.0], [2.0, 3.0]])
    """
    record = ws.model(model)
    page = _check_page(page)
    params = check_params(params)
    taken = {v.name for v in saved_views(ws, record.name)}
    name = _view_name(name, "map" if coords is not None else page, taken, record.name)
    payload: dict[str, Any] = {"model": record.name, "page": page, "params": params}
    path: Path | None = None
    if coords is not None:
        if len(coords.words) != coords.coords.shape[0] or coords.coords.shape[1] not in (2, 3):
            raise InputError(
                f"A map needs one row of 2 or 3 coordinates per word; got {coords.coords.shape} "
                f"for {len(coords.words)} words."
            )
        payload["map"] = {"method": coords.method, **coords.params}
        path = _write_view_file(ws, map_csv(coords.words, coords.coords))
        payload["coords_file"] = path.relative_to(ws.root).as_posix()
    try:
        analysis = ws.add_analysis(VIEW_KIND, name, payload)
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    view = _view(ws, analysis)
    assert view is not None
    return view


def saved_views(ws: Workspace, model: str) -> list[SavedView]:
    """The views saved on `model` (a name), newest first."""
    views = (_view(ws, record) for record in ws.analyses(VIEW_KIND))
    return [v for v in views if v is not None and v.model == model]


def open_view(ws: Workspace, view_id: int) -> SavedView:
    """One saved view by its id."""
    view = _view(ws, ws.analysis(view_id))
    if view is None:
        raise NotFoundError(f"No saved view with id {view_id} in the workspace.")
    return view


def delete_view(ws: Workspace, view_id: int) -> None:
    """Remove a saved view and its map's coordinates file."""
    view = open_view(ws, view_id)
    ws.delete_analysis(view.id)
    if view.coords_path is not None:
        view.coords_path.unlink(missing_ok=True)


def check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A view's URL query parameters: string keys; values strings (numbers and booleans are
    written as strings) or lists of them.

    >>> check_params({"q": "king", "k": 10, "words": ["a", 2]})
    {'q': 'king', 'k': '10', 'words': ['a', '2']}
    """
    if not isinstance(params, Mapping):
        raise InputError(f"A view's parameters must be a mapping; got {type(params).__name__}.")

    def one(key: str, value: Any) -> str:
        if isinstance(value, str | int | float | bool) and not isinstance(value, complex):
            return str(value)
        raise InputError(
            f"The view parameter '{key}' is a {type(value).__name__}; give a string or a number."
        )

    checked: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise InputError(f"A view parameter's name must be a non-empty string; got {key!r}.")
        if isinstance(value, list | tuple):
            checked[key] = [one(key, v) for v in value]
        else:
            checked[key] = one(key, value)
    return checked


def _check_page(page: str) -> str:
    if not isinstance(page, str) or not _PAGE.fullmatch(page):
        raise InputError(
            f"The page {page!r} is not a page name; use lower-case letters such as 'neighbours'."
        )
    return page


def _usable_name(name: Any) -> bool:
    return isinstance(name, str) and 0 < len(name.strip()) <= 80 and name.isprintable()


def _view_name(name: str | None, base: str, taken: set[str], model: str) -> str:
    if name is not None:
        name = name.strip()
        if not _usable_name(name):
            raise InputError(
                f"The view name {name[:80]!r} is not usable; use 1 to 80 printable characters."
            )
        if name in taken:
            raise InputError(
                f"The model '{model}' already has a view named '{name}'; choose another name."
            )
        return name
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _views_dir(ws: Workspace) -> Path:
    return ws.root / VIEWS_DIR


def _write_view_file(ws: Workspace, data: bytes) -> Path:
    """`data` as a new file views/<id>.csv: written to a temporary name, then renamed."""
    folder = _views_dir(ws)
    final = folder / f"{uuid.uuid4().hex}.csv"
    tmp = folder / f".{final.name}.{secrets.token_hex(4)}.tmp"
    try:
        folder.mkdir(exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, final)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if is_disk_full(err):
            raise DiskFull(disk_full_message("the view could not be saved")) from err
        raise
    return final


def _view(ws: Workspace, record: AnalysisRecord) -> SavedView | None:
    """The saved view in an analyses row, or None when the row is not a view's."""
    payload = record.payload
    if record.kind != VIEW_KIND or not isinstance(payload, dict):
        return None
    model, page, params = payload.get("model"), payload.get("page"), payload.get("params")
    if not isinstance(model, str) or not isinstance(page, str) or not isinstance(params, dict):
        return None
    coords_path = None
    coords = payload.get("coords_file")
    if isinstance(coords, str):
        parts = PurePosixPath(coords).parts
        if len(parts) == 2 and parts[0] == VIEWS_DIR and _VIEW_FILE.fullmatch(parts[1]):
            coords_path = ws.root / VIEWS_DIR / parts[1]
    settings = payload.get("map") if isinstance(payload.get("map"), dict) else None
    return SavedView(
        record.id, record.name, model, page, params, record.created, settings, coords_path
    )


# --- export -------------------------------------------------------------------------------------
def export_bundle(
    ws: Workspace,
    model: str,
    out: str | os.PathLike[str] | IO[bytes],
    *,
    maps: Sequence[str] | None = (),
    with_corpus: bool = False,
) -> dict[str, Any]:
    """Write `model` as a bundle to `out` (a path, written atomically, or a binary stream);
    returns its manifest.

    Every query view of the model travels; of its maps, those named in `maps` (None: all of
    them). `with_corpus` adds the corpus the model was trained on.
    """
    record = ws.model(model)
    members = [
        (f"model/{p.name}", p)
        for p in sorted(record.path.iterdir())
        if p.name in NATIVE_FILES and p.is_file()
    ]
    views = _export_views(saved_views(ws, record.name), maps, record.name, members)
    corpus = _corpus_of(ws, record)
    if with_corpus and corpus is None:
        raise InputError(
            f"The model '{record.name}' was not trained on a corpus of this workspace, so there "
            "is no corpus to add; leave out --with-corpus."
        )
    corpus_doc = None
    if corpus is not None:
        corpus_doc = {
            "name": corpus.name,
            "sha256": sha256_file(corpus.corpus_file),
            "stats": corpus.stats,
            "included": with_corpus,
        }
        if with_corpus:
            members += [
                (f"corpus/{n}", corpus.path / n)
                for n in CORPUS_FILES
                if (corpus.path / n).is_file()
            ]
    model_doc = {
        "name": record.name,
        "vocab": record.vocab,
        "dim": record.dim,
        "origin": record.origin,
        "created": record.created,
        "meta": record.meta,
    }

    def manifest(files: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        return build_manifest(
            model=model_doc,
            files=files,
            views=views,
            corpus=corpus_doc,
            training=_training(ws, record),
            metrics=ws.metrics(record.id),
            created=now(),
        )

    if isinstance(out, str | os.PathLike):
        return _write_atomically(Path(out), members, manifest)
    return _write_zip(out, members, manifest)


def _export_views(
    views: list[SavedView],
    maps: Sequence[str] | None,
    model: str,
    members: list[tuple[str, Path]],
) -> list[dict[str, Any]]:
    """The manifest entries of the views that travel; adds the maps' files to `members`."""
    map_names = [v.name for v in views if v.is_map]
    wanted = set(map_names) if maps is None else set(maps)
    unknown = sorted(wanted - set(map_names))
    if unknown:
        have = ", ".join(f"'{n}'" for n in sorted(map_names)) or "none"
        raise NotFoundError(
            f"The model '{model}' has no saved map named '{unknown[0]}'; its maps: {have}."
        )
    docs: list[dict[str, Any]] = []
    taken: set[str] = set()
    for view in reversed(views):  # oldest first
        if view.is_map and view.name not in wanted:
            continue
        doc: dict[str, Any] = {
            "name": view.name,
            "page": view.page,
            "params": view.params,
            "created": view.created,
        }
        if view.coords_path is not None:
            if not view.coords_path.is_file():
                raise NotFoundError(
                    f"The map '{view.name}' has lost its coordinates file; save the view again "
                    "or leave it out."
                )
            member = map_member(view.name, taken)
            taken.add(member)
            doc["map"] = view.settings or {}
            doc["coords_file"] = member
            members.append((member, view.coords_path))
        docs.append(doc)
    return docs


def _corpus_of(ws: Workspace, record: ModelRecord) -> CorpusRecord | None:
    if record.corpus_id is None:
        return None
    try:
        return ws.corpus(record.corpus_id)
    except NotFoundError:
        return None


def _training(ws: Workspace, record: ModelRecord) -> dict[str, Any] | None:
    """The run that made the model: its config and seed, timings, loss curve and progress."""
    if record.run_id is None:
        return None
    try:
        run = ws.run(record.run_id)
    except NotFoundError:
        return None
    losses = record.meta.get("epoch_losses") or run.info.get("epoch_losses") or []
    return {
        "algo": run.algo,
        "config": run.config,
        "seed": run.config.get("seed", record.meta.get("seed")),
        "status": run.status,
        "created": run.created,
        "started": run.started,
        "finished": run.finished,
        "info": run.info,
        "loss_curve": list(losses),
        "progress": ws.progress(run.id),
    }


def _write_atomically(target: Path, members: list[tuple[str, Path]], manifest: Any) -> dict:
    if target.is_dir():
        raise InputError(f"'{target}' is a folder; give the bundle a file name such as out.zip.")
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("xb") as f:
            doc = _write_zip(f, members, manifest)
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if is_disk_full(err):
            raise DiskFull(
                disk_full_message(f"the bundle '{target.name}' was not written")
            ) from err
        raise InputError(
            f"Could not write '{target}' ({err.strerror or err}); choose a writable location."
        ) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return doc


def _write_zip(out: IO[bytes], members: list[tuple[str, Path]], manifest: Any) -> dict:
    files: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in members:
            files[name] = _add_file(archive, name, path)
        doc = manifest(files)
        archive.writestr(MANIFEST, manifest_bytes(doc))
    return doc


def _add_file(archive: zipfile.ZipFile, name: str, path: Path) -> dict[str, Any]:
    """Copy `path` into the archive as `name`, hashing it on the way: {size, sha256}."""
    info = zipfile.ZipInfo(name, date_time=_date_time(path))
    info.compress_type = zipfile.ZIP_STORED if name.endswith(_STORED) else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    digest, size = hashlib.sha256(), 0
    big = path.stat().st_size > (1 << 31) - _CHUNK  # zip64 must be asked for up front
    with path.open("rb") as src, archive.open(info, "w", force_zip64=big) as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _date_time(path: Path) -> tuple[int, int, int, int, int, int]:
    import time

    stamp = time.localtime(max(path.stat().st_mtime, 315532800))  # zip dates start in 1980
    return stamp[:6]


# --- import -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportedBundle:
    """What `import_bundle` placed: the model, its views and the corpus (when it came along)."""

    record: ModelRecord
    views: tuple[SavedView, ...]
    corpus: CorpusRecord | None
    manifest: Manifest


@dataclass(frozen=True)
class _Checked:
    """A bundle's files, read and checked in the temporary folder, ready to be placed."""

    emb: Embeddings
    corpus_stats: dict[str, Any] | None


def import_bundle(
    ws: Workspace,
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str | None = None,
    name: str | None = None,
) -> ImportedBundle:
    """Add the model of a bundle (a path, or uploaded bytes named `filename`) to the workspace,
    with its saved views, maps, benchmark scores and (when it holds one) its corpus.

    The model keeps its name, made unique with a suffix, unless `name` is given (a `name`
    that is taken is an error). Every check runs before anything is placed, so a refused
    bundle leaves the workspace as it was.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        from embedlab.formats.uploads import safe_filename

        label = f"'{safe_filename(filename, 'the bundle')}'"
    else:
        label = f"'{filename or Path(source).name}'"
    if name is not None:
        name = ws.check_free("model", name)
    with _open_zip(source, label) as archive:
        members = _checked_members(archive, label)
        manifest = parse_manifest(_read_manifest(archive, members[MANIFEST], label), label)
        _check_agreement(members, manifest, label)
        _check_views(manifest, label)
        if name is None and not _usable_name(manifest.model_name):
            raise FormatError(
                f"The manifest of {label} names the model {manifest.model_name[:40]!r}, which is "
                "not a usable name; import it with a new name (--name)."
            )
        tmp = ws.tmp_dir()
        try:
            for member, entry in manifest.files.items():
                _extract(archive, members[member], entry.size, entry.sha256, tmp / member, label)
            checked = _read_checked(tmp, manifest, label)
            return _place(ws, tmp, manifest, checked, name, label)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _open_zip(source: str | os.PathLike[str] | bytes, label: str) -> Iterator[zipfile.ZipFile]:
    if isinstance(source, bytes | bytearray | memoryview):
        stream: Any = io.BytesIO(bytes(source))
    else:
        path = Path(source)
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "does not exist"
            raise InputError(f"{label} {what}; give the path of a bundle .zip.")
        stream = path
    try:
        archive = zipfile.ZipFile(stream)
    except (*_BROKEN, OSError) as err:
        raise FormatError(
            f"{label} is not a zip archive that can be read ({_reason(err)}); {BUNDLE_HINT}."
        ) from err
    with archive:
        yield archive


def _reason(err: BaseException) -> str:
    return " ".join(str(err).split())[:120] or type(err).__name__


def _checked_members(archive: zipfile.ZipFile, label: str) -> dict[str, zipfile.ZipInfo]:
    """The members by name, after the archive rules (as for corpora: no path that climbs out,
    no password, no bomb) and the bundle's layout."""
    from embedlab.formats.zipsafe import check_paths, human_size, too_expanded, zip_bomb_error

    check_paths(archive, label)
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        name = info.filename
        if info.is_dir() and name in FOLDERS:
            continue
        if member_kind(name) is None:
            raise FormatError(
                f"{label} holds '{_shown(name)}', which has no place in a bundle ({LAYOUT_HINT}); "
                f"remove it or {AGAIN}."
            )
        if name in members:
            raise FormatError(f"{label} holds '{name}' twice; {AGAIN}.")
        if info.flag_bits & 0x1:
            raise InputError(f"{label} is password-protected; {AGAIN}, without a password.")
        if too_expanded(info.file_size, info.compress_size):
            ratio = info.file_size / max(info.compress_size, 1)
            raise InputError(
                f"{label} looks like a zip bomb ('{name}' expands from "
                f"{human_size(info.compress_size)} to {human_size(info.file_size)}, "
                f"{ratio:,.0f} times; "
                f"at most {limits.MAX_EXPANSION_RATIO.value():,} times is allowed); {AGAIN}."
            )
        total += info.file_size
        members[name] = info
    limit = limits.MAX_EXPANDED_BYTES.value()
    if total > limit:
        raise zip_bomb_error(label, limit)
    if MANIFEST not in members:
        raise FormatError(f"{label} has no manifest.json, so it is not a bundle; {BUNDLE_HINT}.")
    return members


def _shown(name: str) -> str:
    text = "".join(c if c.isprintable() else "?" for c in name)
    return text if len(text) <= 80 else text[:79] + "…"


def _read_manifest(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes:
    if info.file_size > MAX_MANIFEST_BYTES:
        raise FormatError(
            f"The manifest.json of {label} is {info.file_size:,} bytes, more than a manifest "
            f"needs ({MAX_MANIFEST_BYTES:,}); {AGAIN}."
        )
    with _corrupt_guard(label, MANIFEST), archive.open(info) as src:
        return src.read(MAX_MANIFEST_BYTES + 1)


def _check_agreement(
    members: Mapping[str, zipfile.ZipInfo], manifest: Manifest, label: str
) -> None:
    """Every member listed in the manifest and every listed file present, at its size."""
    for name in members:
        if name != MANIFEST and name not in manifest.files:
            raise FormatError(f"{label} holds '{name}', which its manifest does not list; {AGAIN}.")
    for name, entry in manifest.files.items():
        info = members.get(name)
        if info is None:
            raise FormatError(
                f"{label} lacks '{name}', which its manifest lists; the bundle is incomplete, "
                f"{AGAIN}."
            )
        if info.file_size != entry.size:
            raise FormatError(
                f"'{name}' in {label} is {info.file_size:,} bytes but its manifest says "
                f"{entry.size:,}; the bundle was changed or damaged, {AGAIN}."
            )
    listed = set(manifest.files)
    if (
        "model/words.txt" not in listed
        or not {
            "model/vectors.npy",
            "model/vectors.safetensors",
        }
        & listed
    ):
        raise FormatError(f"{label} has no model (model/words.txt and model/vectors.npy); {AGAIN}.")
    corpus = {n for n in listed if member_kind(n) == "corpus"}
    if corpus and corpus != {f"corpus/{n}" for n in CORPUS_FILES}:
        raise FormatError(
            f"{label} holds only part of a corpus (it needs corpus/corpus.txt, vocab.tsv and "
            f"stats.json); {AGAIN}."
        )


def _check_views(manifest: Manifest, label: str) -> None:
    """The views' names, pages and parameters, as `save_view` would take them."""
    for i, view in enumerate(manifest.views):
        if not _usable_name(view.name) or not _PAGE.fullmatch(view.page):
            raise FormatError(
                f"The manifest of {label} has a view (views[{i}]) whose name or page is not "
                f"usable; {AGAIN}."
            )
        try:
            check_params(view.params)
        except InputError as err:
            raise FormatError(
                f"The manifest of {label} has a view (views[{i}]) with a parameter that is not "
                f"a string or a number; {AGAIN}."
            ) from err


@contextlib.contextmanager
def _corrupt_guard(label: str, name: str) -> Iterator[None]:
    try:
        yield
    except EmbedlabError:
        raise
    except _BROKEN as err:
        raise FormatError(
            f"'{name}' in {label} is corrupt or truncated ({_reason(err)}); {AGAIN}."
        ) from err


def _extract(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    size: int,
    sha256: str,
    dest: Path,
    label: str,
) -> None:
    """Copy one member to `dest`, no more than `size` bytes, and check its SHA-256."""
    name = info.filename
    digest, n = hashlib.sha256(), 0
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with _corrupt_guard(label, name), archive.open(info) as src, dest.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                n += len(chunk)
                if n > size:
                    break
                digest.update(chunk)
                dst.write(chunk)
    except OSError as err:
        if is_disk_full(err):
            raise DiskFull(disk_full_message(f"{label} could not be unpacked")) from err
        raise
    if n != size:
        raise FormatError(
            f"'{name}' in {label} is not the {size:,} bytes its manifest says; the bundle was "
            f"changed or damaged, {AGAIN}."
        )
    if digest.hexdigest() != sha256:
        raise FormatError(
            f"'{name}' in {label} does not match the SHA-256 its manifest gives; the bundle was "
            f"changed or damaged, {AGAIN}."
        )


def _read_checked(tmp: Path, manifest: Manifest, label: str) -> _Checked:
    """Read the model (never unpickled), every map and the corpus from the checked files."""
    from embedlab.formats.native import load_native

    try:
        emb = load_native(tmp / "model")
    except FormatError as err:
        raise FormatError(f"The model in {label} cannot be read: {err}") from err
    if (len(emb), emb.dim) != (manifest.vocab, manifest.dim):
        raise FormatError(
            f"The model in {label} has {len(emb):,} words × {emb.dim} dimensions but its "
            f"manifest says {manifest.vocab:,} × {manifest.dim}; {AGAIN}."
        )
    if any(v.coords_file for v in manifest.views):
        vocabulary = set(emb.words)
        for view in manifest.views:
            if view.coords_file:
                data = (tmp / view.coords_file).read_bytes()
                read_map_csv(data, f"'{view.coords_file}' in {label}", vocabulary)
    stats = None
    if (tmp / "corpus").is_dir():
        stats = _check_corpus(tmp / "corpus", manifest, label)
    return _Checked(emb, stats)


def _check_corpus(folder: Path, manifest: Manifest, label: str) -> dict[str, Any]:
    """The corpus's stats, once corpus.txt matches the manifest's hash, its text is UTF-8 and
    vocab.tsv has a word and a count on every line."""
    import json

    from embedlab.ingest.corpus import CorpusStats

    wanted = (manifest.corpus or {}).get("sha256")
    if wanted is not None and wanted != manifest.files["corpus/corpus.txt"].sha256:
        raise FormatError(
            f"The corpus in {label} is not the one its manifest describes (the SHA-256 of "
            f"corpus.txt differs); {AGAIN}."
        )
    _check_utf8(folder / "corpus.txt", label)
    vocab_line = re.compile(r"[^\t\n]+\t[0-9]+\n?")
    with (folder / "vocab.tsv").open("rb") as f:
        number = 0
        while line := f.readline(_MAX_VOCAB_LINE):
            number += 1
            try:
                ok = vocab_line.fullmatch(line.decode("utf-8")) is not None
            except UnicodeDecodeError:
                ok = False
            if not ok:
                raise FormatError(
                    f"'corpus/vocab.tsv' in {label} line {number} is not a word, a tab and a "
                    f"count; {AGAIN}."
                )
    if (folder / "stats.json").stat().st_size > MAX_MANIFEST_BYTES:
        raise FormatError(f"'corpus/stats.json' in {label} is too large to be statistics; {AGAIN}.")
    try:
        stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
        CorpusStats.from_dict(stats)
        listed = (manifest.corpus or {}).get("stats")  # the catalog's copy, when it travelled
        if listed is not None:
            CorpusStats.from_dict(listed)
            stats = listed
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise FormatError(
            f"The corpus statistics in {label} are not a corpus's statistics ({_reason(err)}); "
            f"{AGAIN}."
        ) from err
    return stats


def _check_utf8(path: Path, label: str) -> None:
    """Refuse a file that is not UTF-8, read in 1 MB pieces (a line may be any length)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    done = 0
    with path.open("rb") as f:
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
                done += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            raise FormatError(
                f"'corpus/{path.name}' in {label} is not UTF-8 (at byte {done + err.start:,}); "
                f"{AGAIN}."
            ) from err


def _place(
    ws: Workspace,
    tmp: Path,
    manifest: Manifest,
    checked: _Checked,
    name: str | None,
    label: str,
) -> ImportedBundle:
    """Place the corpus, the model, its scores and its views; on any failure undo them all."""
    corpus: CorpusRecord | None = None
    record: ModelRecord | None = None
    views: list[SavedView] = []
    folder = _views_dir(ws)
    made_folder = not folder.exists()
    try:
        if checked.corpus_stats is not None:
            base = str((manifest.corpus or {}).get("name") or "corpus")
            corpus = ws.place_corpus(
                tmp / "corpus",
                name=None,
                base=base if _usable_name(base) else "corpus",
                source=f"bundle {label}",
                stats=checked.corpus_stats,
            )
        model_name = name or manifest.model_name.strip()
        provenance = {"file": label.strip("'"), "exported": manifest.raw.get("created")}
        emb = checked.emb.with_meta(name=model_name, bundle=provenance)
        record = ws.add_model(emb, name=name, corpus_id=None if corpus is None else corpus.id)
        for bench, result in manifest.metrics.items():
            ws.save_metrics(record.id, bench, result)
        for view in manifest.views:
            payload: dict[str, Any] = {
                "model": record.name,
                "page": view.page,
                "params": check_params(view.params),
            }
            path = None
            if view.coords_file:
                path = _write_view_file(ws, (tmp / view.coords_file).read_bytes())
                payload["map"] = view.settings or {}
                payload["coords_file"] = path.relative_to(ws.root).as_posix()
            try:
                added = _view(ws, ws.add_analysis(VIEW_KIND, view.name, payload))
            except BaseException:
                if path is not None:
                    path.unlink(missing_ok=True)
                raise
            assert added is not None
            views.append(added)
    except BaseException:
        _undo(ws, views, record, corpus, folder if made_folder else None)
        raise
    return ImportedBundle(ws.model(record.id), tuple(views), corpus, manifest)


def _undo(
    ws: Workspace,
    views: list[SavedView],
    record: ModelRecord | None,
    corpus: CorpusRecord | None,
    made_folder: Path | None,
) -> None:
    steps: list[Any] = [functools.partial(delete_view, ws, view.id) for view in views]
    if record is not None:
        steps.append(functools.partial(ws.delete_model, record.id))
    if corpus is not None:
        steps.append(functools.partial(ws.delete_corpus, corpus.id))
    if made_folder is not None:
        steps.append(made_folder.rmdir)  # only when empty
    for step in steps:
        with contextlib.suppress(Exception):
            step()
