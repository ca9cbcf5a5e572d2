"""Session bundles: export -> import into a fresh workspace shows exactly the same thing, and
every bad bundle is one sentence that leaves the workspace as it was."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.analysis.project import project
from embedlab.errors import EmbedlabError, FormatError, InputError, NotFoundError
from embedlab.formats.bundle import FORMAT_VERSION, library_versions, map_csv
from embedlab.jobs.bundle import (
    delete_view,
    export_bundle,
    import_bundle,
    open_view,
    save_view,
    saved_views,
)
from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.process import create_training_run, run_training
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig

MODEL = "lee-w2v"
PROBES = ["government", "police", "australia", "fire", "minister"]


@pytest.fixture(scope="module")
def template(tmp_path_factory, lee_corpus_file) -> Path:
    """A workspace with a corpus, a model trained on it, a score, and three saved views: a
    neighbours query, a PCA map and a second (t-SNE-named) map."""
    root = tmp_path_factory.mktemp("bundle-template") / "ws"
    ws = Workspace(root)
    add_corpus(ws, lee_corpus_file, name="lee")
    config = TrainConfig(dim=16, epochs=2, min_count=3, workers=1, seed=3)
    run_training(ws, create_training_run(ws, "lee", config, name=MODEL))
    ws.save_metrics(MODEL, "analogy", {"accuracy": 0.125, "questions": 80})
    emb = ws.load_model(MODEL)
    save_view(ws, MODEL, "neighbours", {"q": "police", "k": 7, "metric": "cosine"})
    pca = project(emb, "pca", n=300, dims=2)
    save_view(ws, MODEL, "projection", {"method": "pca", "n": 300}, pca, name="pca map")
    pca3 = project(emb, "pca", n=200, dims=3)
    save_view(ws, MODEL, "projection", {"method": "pca", "dims": 3}, pca3, name="3d map")
    return root


@pytest.fixture
def ws(template, tmp_path) -> Workspace:
    shutil.copytree(template, tmp_path / "home")
    return Workspace(tmp_path / "home")


@pytest.fixture
def away(tmp_path) -> Workspace:
    return Workspace(tmp_path / "away")


@pytest.fixture(scope="module")
def good(template, tmp_path_factory) -> bytes:
    """The template model's bundle, with every map and the corpus."""
    out = tmp_path_factory.mktemp("bundle") / "lee.zip"
    export_bundle(Workspace(template), MODEL, out, maps=None, with_corpus=True)
    return out.read_bytes()


def snapshot(ws: Workspace) -> dict[str, Any]:
    """The catalog's rows and every file under the workspace (with its hash)."""
    db = sqlite3.connect(ws.catalog)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {t: db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}  # noqa: S608
    finally:
        db.close()
    files = {
        p.relative_to(ws.root).as_posix(): (
            hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        )
        for p in sorted(ws.root.rglob("*"))
        if not p.name.startswith("catalog.sqlite")
    }
    return {"models": [m.name for m in ws.models()], "rows": rows, "files": files}


# --- the round trip -----------------------------------------------------------------------------


def test_export_then_import_shows_the_same_neighbours_and_map(ws, away, good):
    done = import_bundle(away, good, filename="lee.zip")
    assert done.record.name == MODEL and done.corpus is not None
    before, after = ws.load_model(MODEL), away.load_model(MODEL)
    assert after.words == before.words
    np.testing.assert_array_equal(after.vectors, before.vectors)
    for word in PROBES:
        assert after.neighbours(word, k=10) == before.neighbours(word, k=10)

    here = {v.name: v for v in saved_views(ws, MODEL)}
    there = {v.name: v for v in saved_views(away, MODEL)}
    assert set(there) == {"neighbours", "pca map", "3d map"}
    query = there["neighbours"]
    assert query.page == "neighbours" and query.params == {
        "q": "police",
        "k": "7",
        "metric": "cosine",
    }
    q, k = query.params["q"], int(query.params["k"])
    assert after.neighbours(q, k=k) == before.neighbours(q, k=k)
    for name in ("pca map", "3d map"):
        mine, theirs = here[name].projection(), there[name].projection()
        assert theirs.words == mine.words
        assert theirs.coords.dtype == np.float32
        np.testing.assert_array_equal(theirs.coords, mine.coords)  # bit for bit
        assert theirs.params == mine.params and theirs.method == "pca"
        assert there[name].coords_path.parent == away.root / "views"
    np.testing.assert_array_equal(
        there["pca map"].projection().coords, project(before, "pca", n=300, dims=2).coords
    )

    assert away.metrics(MODEL) == ws.metrics(MODEL)
    corpus = away.corpus(done.corpus.id)
    assert done.record.corpus_id == corpus.id
    assert corpus.corpus_file.read_bytes() == ws.corpus("lee").corpus_file.read_bytes()
    assert corpus.stats == ws.corpus("lee").stats
    assert done.record.meta["epoch_losses"] == ws.model(MODEL).meta["epoch_losses"]
    assert done.record.meta["bundle"]["file"] == "lee.zip"


def test_the_manifest_says_what_and_how(ws, good):
    archive = zipfile.ZipFile(io.BytesIO(good))
    doc = json.loads(archive.read("manifest.json"))
    assert doc["format"] == "embedlab-bundle" and doc["format_version"] == FORMAT_VERSION
    assert doc["versions"] == library_versions() and doc["versions"]["numpy"] == np.__version__
    record = ws.model(MODEL)
    assert doc["model"]["name"] == MODEL
    assert (doc["model"]["vocab"], doc["model"]["dim"]) == (record.vocab, record.dim)
    assert doc["model"]["meta"]["config"]["seed"] == 3
    corpus = ws.corpus("lee")
    digest = hashlib.sha256(corpus.corpus_file.read_bytes()).hexdigest()
    assert doc["corpus"]["sha256"] == digest and doc["corpus"]["stats"] == corpus.stats
    training = doc["training"]
    assert training["algo"] == "word2vec" and training["seed"] == 3
    assert training["config"]["dim"] == 16
    assert (
        training["loss_curve"] == record.meta["epoch_losses"] and len(training["loss_curve"]) == 2
    )
    assert training["progress"][-1]["stage"] == "done"
    assert doc["metrics"] == {"analogy": {"accuracy": 0.125, "questions": 80}}
    assert [v["name"] for v in doc["views"]] == ["neighbours", "pca map", "3d map"]
    assert doc["views"][1]["coords_file"] == "maps/pca-map.csv"
    assert doc["views"][1]["map"]["method"] == "pca" and doc["views"][1]["map"]["n"] == 300
    names = set(archive.namelist()) - {"manifest.json"}
    assert names == set(doc["files"])
    assert {
        "model/words.txt",
        "model/vectors.npy",
        "model/counts.npy",
        "corpus/corpus.txt",
    } <= names
    for name, entry in doc["files"].items():
        data = archive.read(name)
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    vectors = np.load(io.BytesIO(archive.read("model/vectors.npy")), allow_pickle=False)
    assert vectors.dtype == np.float32 and vectors.shape == (record.vocab, 16)


def test_maps_and_corpus_travel_only_when_asked(ws, away, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "small.zip"
    doc = export_bundle(ws, MODEL, out, maps=["3d map"])
    assert [v["name"] for v in doc["views"]] == ["neighbours", "3d map"]
    assert doc["corpus"]["included"] is False and "sha256" in doc["corpus"]
    assert not any(n.startswith("corpus/") for n in zipfile.ZipFile(out).namelist())
    done = import_bundle(away, out)
    assert done.corpus is None and done.record.corpus_id is None and away.corpora() == []
    assert [v.name for v in done.views] == ["neighbours", "3d map"]
    assert [p.name for p in out.parent.iterdir()] == ["small.zip"]  # no temp file beside it

    doc = export_bundle(ws, MODEL, tmp_path / "none.zip")  # maps=(): the queries only
    assert [v["name"] for v in doc["views"]] == ["neighbours"]


def test_names_on_import(ws, away, good):
    first = import_bundle(away, good, filename="lee.zip")
    second = import_bundle(away, good, filename="lee.zip")
    assert (first.record.name, second.record.name) == (MODEL, f"{MODEL}-2")
    assert {v.model for v in second.views} == {f"{MODEL}-2"}
    assert len(saved_views(away, f"{MODEL}-2")) == 3
    assert first.corpus.name != second.corpus.name  # a second corpus, named uniquely
    third = import_bundle(away, good, filename="lee.zip", name="for class")
    assert third.record.name == "for class"
    before = snapshot(away)
    with pytest.raises(InputError, match="already exists"):
        import_bundle(away, good, filename="lee.zip", name="for class")
    assert snapshot(away) == before


def test_a_newer_manifest_with_more_fields_opens(away, good):
    def newer(doc: dict, members: dict) -> None:
        doc["format_version"] = FORMAT_VERSION + 1
        doc["signature"] = {"by": "someone", "sig": "abc"}
        doc["model"]["tokenizer"] = {"lowercase": True}
        doc["views"][0]["colour"] = "red"
        doc["views"].append(
            {"name": "later", "page": "timeline", "params": {"t": "3"}, "layers": [1, 2]}
        )
        for entry in doc["files"].values():
            entry["blake3"] = "whatever"

    done = import_bundle(away, rebuild(good, newer), filename="new.zip")
    assert done.record.name == MODEL
    assert [v.name for v in done.views][-1] == "later"
    assert open_view(away, done.views[0].id).params["q"] == "police"


def test_a_failure_while_placing_undoes_everything(away, good, monkeypatch):
    before = snapshot(away)
    calls = []
    real = Workspace.add_analysis

    def fails_on_the_third(self, kind, name, payload):
        calls.append(name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, kind, name, payload)

    monkeypatch.setattr(Workspace, "add_analysis", fails_on_the_third)
    with pytest.raises(OSError):
        import_bundle(away, good, filename="lee.zip")
    assert snapshot(away) == before


# --- bad bundles --------------------------------------------------------------------------------


def rebuild(
    data: bytes,
    change: Callable[[dict, dict[str, bytes]], None],
    *,
    rehash: bool = False,
) -> bytes:
    """The bundle with its manifest and members changed by `change(doc, members)`; with
    `rehash` the manifest's sizes and hashes are made to match the members again."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    doc = json.loads(members.pop("manifest.json"))
    change(doc, members)
    if rehash:
        doc["files"] = {
            n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
            for n, b in members.items()
            if not n.startswith("../") and not n.startswith("/")
        }
    members["manifest.json"] = json.dumps(doc).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(zipfile.ZipInfo(name), body, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


_DELETE = object()


def _split(path: str) -> list[str]:
    """`a.b.0.c` as keys; a dot inside a key (a file name) is written `\\.`."""
    return [p.replace("\0", ".") for p in path.replace("\\.", "\0").split(".")]


def _set(path: str, value: Any) -> Callable[[dict, dict], None]:
    def change(doc: dict, members: dict) -> None:
        *parents, last = _split(path)
        target: Any = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return change


def _tamper(doc: dict, members: dict) -> None:
    words = bytearray(members["model/words.txt"])
    words[0], words[1] = words[1], words[0]  # same size, different bytes
    members["model/words.txt"] = bytes(words)


def _object_npy(doc: dict, members: dict) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}, "x"], dtype=object), allow_pickle=True)
    members["model/vectors.npy"] = buffer.getvalue()


def _bad_map(body: bytes) -> Callable[[dict, dict], None]:
    def change(doc: dict, members: dict) -> None:
        members["maps/pca-map.csv"] = body

    return change


def _corpus_text(body: bytes) -> Callable[[dict, dict], None]:
    def change(doc: dict, members: dict) -> None:
        members["corpus/corpus.txt"] = body
        doc["corpus"]["sha256"] = hashlib.sha256(body).hexdigest()

    return change


def _bomb(doc: dict, members: dict) -> None:
    members["model/words.txt"] = bytes(12 * 1024 * 1024)  # 12 MB of zeros: about 12 KB packed


def _duplicate(data: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("model/words.txt", b"a\nb\n")
    return buffer.getvalue()


def _password(data: bytes) -> bytes:
    out = bytearray(data)
    central = out.find(b"PK\x01\x02")
    out[central + 8] |= 0x1
    return bytes(out)


def _members(change: Callable[[dict[str, bytes]], None]) -> Callable[[dict, dict], None]:
    return lambda doc, members: change(members)


BAD: list[tuple[str, Callable[[bytes], bytes], type[EmbedlabError], tuple[str, ...]]] = [
    ("tampered hash", lambda g: rebuild(g, _tamper), FormatError, ("words.txt", "SHA-256")),
    (
        "missing vectors",
        lambda g: rebuild(g, _members(lambda m: m.pop("model/vectors.npy"))),
        FormatError,
        ("lacks", "model/vectors.npy"),
    ),
    (
        "no vectors at all",
        lambda g: rebuild(g, _members(lambda m: m.pop("model/vectors.npy")), rehash=True),
        FormatError,
        ("no model", "vectors.npy"),
    ),
    (
        "extra file outside the layout",
        lambda g: rebuild(g, _members(lambda m: m.update({"notes/readme.txt": b"hi"}))),
        FormatError,
        ("notes/readme.txt", "no place in a bundle"),
    ),
    (
        "a pickle model file",
        lambda g: rebuild(g, _members(lambda m: m.update({"model/model.pkl": b"x"}))),
        FormatError,
        ("model/model.pkl", "no place"),
    ),
    (
        "an unlisted file inside the layout",
        lambda g: rebuild(g, _members(lambda m: m.update({"maps/extra.csv": b"word,x,y\n"}))),
        FormatError,
        ("maps/extra.csv", "does not list"),
    ),
    (
        "an object .npy (a pickle inside)",
        lambda g: rebuild(g, _object_npy, rehash=True),
        FormatError,
        ("vectors.npy", "Python objects", "never unpickled"),
    ),
    (
        "zip slip: a parent path",
        lambda g: rebuild(g, _members(lambda m: m.update({"../../evil.txt": b"x"}))),
        InputError,
        ("unsafe path", "climbs out"),
    ),
    (
        "zip slip: an absolute path",
        lambda g: rebuild(g, _members(lambda m: m.update({"/etc/cron.d/evil": b"x"}))),
        InputError,
        ("unsafe path",),
    ),
    (
        "a size lie",
        lambda g: rebuild(g, _set("files.model/words\\.txt.size", 5)),
        FormatError,
        ("words.txt", "bytes but its manifest says 5"),
    ),
    ("a zip bomb member", lambda g: rebuild(g, _bomb), InputError, ("zip bomb", "times")),
    (
        "missing model.dim",
        lambda g: rebuild(g, _set("model.dim", _DELETE)),
        FormatError,
        ("'model.dim'",),
    ),
    ("missing files", lambda g: rebuild(g, _set("files", _DELETE)), FormatError, ("'files'",)),
    ("missing format", lambda g: rebuild(g, _set("format", _DELETE)), FormatError, ("'format'",)),
    (
        "a view without its page",
        lambda g: rebuild(g, _set("views.0.page", _DELETE)),
        FormatError,
        ("'views[0].page'",),
    ),
    (
        "a dim of the wrong kind",
        lambda g: rebuild(g, _set("model.dim", "sixteen")),
        FormatError,
        ("'model.dim'", "whole number"),
    ),
    (
        "a dimension lie",
        lambda g: rebuild(g, _set("model.dim", 17)),
        FormatError,
        ("16 dimensions", "manifest says"),
    ),
    (
        "another format",
        lambda g: rebuild(g, _set("format", "something-else")),
        FormatError,
        ("not an embedlab bundle",),
    ),
    (
        "a map word not in the model",
        lambda g: rebuild(g, _bad_map(b"word,x,y\nzzqx,1,2\n"), rehash=True),
        FormatError,
        ("maps/pca-map.csv", "zzqx", "not in the model's vocabulary"),
    ),
    (
        "a map with NaN",
        lambda g: rebuild(g, _bad_map(b"word,x,y\npolice,nan,2\n"), rehash=True),
        FormatError,
        ("maps/pca-map.csv", "line 2", "finite"),
    ),
    (
        "half a corpus",
        lambda g: rebuild(g, _members(lambda m: m.pop("corpus/vocab.tsv")), rehash=True),
        FormatError,
        ("part of a corpus",),
    ),
    (
        "a corpus that is not the one described",
        lambda g: rebuild(g, _set("corpus.sha256", "0" * 64)),
        FormatError,
        ("corpus", "SHA-256"),
    ),
    (
        "a corpus that is not UTF-8",
        lambda g: rebuild(g, _corpus_text(b"un caf\xe9 noir\n"), rehash=True),
        FormatError,
        ("corpus/corpus.txt", "not UTF-8"),
    ),
    (
        "a vocabulary line without a count",
        lambda g: rebuild(
            g, _members(lambda m: m.update({"corpus/vocab.tsv": b"the\n"})), rehash=True
        ),
        FormatError,
        ("corpus/vocab.tsv", "line 1", "a tab and a count"),
    ),
    (
        "a map with a field over csv's limit",
        lambda g: rebuild(g, _bad_map(b"word,x,y\n" + b"a" * 200_000 + b",1,2\n"), rehash=True),
        FormatError,
        ("maps/pca-map.csv", "not a readable CSV"),
    ),
    ("no manifest", lambda g: _without_manifest(g), FormatError, ("no manifest.json",)),
    (
        "a manifest that is not JSON",
        lambda g: _with_manifest(g, b"{not json"),
        FormatError,
        ("manifest.json", "not valid JSON"),
    ),
    ("not a zip", lambda g: b"hello, this is text", FormatError, ("not a zip archive",)),
    ("a member twice", _duplicate, FormatError, ("model/words.txt", "twice")),
    ("a password", _password, InputError, ("password",)),
]


def _without_manifest(data: bytes) -> bytes:
    return _with_manifest(data, None)


def _with_manifest(data: bytes, body: bytes | None) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    if body is not None:
        members["manifest.json"] = body
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    return buffer.getvalue()


@pytest.mark.parametrize(("case", "make", "error", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_bundle_is_one_sentence_and_changes_nothing(
    case, make, error, words, ws, good, tmp_path
):
    data = make(good)
    before = snapshot(ws)
    for source, kwargs in ((data, {"filename": "bad.zip"}), (tmp_path / "bad.zip", {})):
        if isinstance(source, Path):
            source.write_bytes(data)
        with pytest.raises(EmbedlabError) as caught:
            import_bundle(ws, source, **kwargs)
        message = str(caught.value)
        assert type(caught.value) is error, f"{type(caught.value).__name__}: {message}"
        assert "\n" not in message and message.endswith("."), message
        for word in words:
            assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
        assert snapshot(ws) == before
        assert [m.name for m in ws.models()] == [MODEL]


def test_the_total_expansion_limit(ws, good, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_EXPANDED_BYTES", "1000")
    before = snapshot(ws)
    with pytest.raises(InputError, match="zip bomb"):
        import_bundle(ws, good, filename="lee.zip")
    assert snapshot(ws) == before


# --- export refusals and saved views ------------------------------------------------------------


def test_export_refusals(ws, tmp_path):
    with pytest.raises(NotFoundError, match="no saved map named 'umap'.*'3d map', 'pca map'"):
        export_bundle(ws, MODEL, tmp_path / "x.zip", maps=["umap"])
    with pytest.raises(NotFoundError, match="No model named 'nope'"):
        export_bundle(ws, "nope", tmp_path / "x.zip")
    with pytest.raises(InputError, match="is a folder"):
        export_bundle(ws, MODEL, tmp_path)
    loose = ws.add_model(ws.load_model(MODEL), name="loose")  # not trained here: no corpus
    with pytest.raises(InputError, match="leave out --with-corpus"):
        export_bundle(ws, loose.name, tmp_path / "x.zip", with_corpus=True)
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]


def test_save_view_names_params_and_files(ws):
    emb = ws.load_model(MODEL)
    query = save_view(ws, MODEL, "neighbours", {"q": "fire", "k": 3, "restrict": [1, "x"]})
    assert query.name == "neighbours-2" and not query.is_map
    assert query.params == {"q": "fire", "k": "3", "restrict": ["1", "x"]}
    with pytest.raises(InputError, match="already has a view named 'pca map'"):
        save_view(ws, MODEL, "projection", {}, name="pca map")
    with pytest.raises(InputError, match="not a page name"):
        save_view(ws, MODEL, "../evil", {})
    with pytest.raises(InputError, match="'k' is a dict"):
        save_view(ws, MODEL, "neighbours", {"k": {}})
    with pytest.raises(NotFoundError):
        save_view(ws, "nope", "neighbours", {})
    with pytest.raises(InputError, match="not a map"):
        query.projection()

    p = project(emb, "pca", n=50, dims=2)
    view = save_view(ws, MODEL, "projection", {"method": "pca"}, p)
    assert view.name == "map" and view.settings["method"] == "pca" and view.settings["n"] == 50
    assert view.coords_path.read_bytes() == map_csv(p.words, p.coords)
    assert sorted(f.name for f in (ws.root / "views").iterdir() if f.name.startswith(".")) == []
    np.testing.assert_array_equal(open_view(ws, view.id).projection().coords, p.coords)
    assert [v.name for v in saved_views(ws, MODEL)][:2] == ["map", "neighbours-2"]
    assert saved_views(ws, "other") == []

    delete_view(ws, view.id)
    assert not view.coords_path.exists()
    with pytest.raises(NotFoundError):
        open_view(ws, view.id)
