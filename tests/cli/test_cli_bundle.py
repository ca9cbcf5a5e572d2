"""`embedlab bundle export|import|views`, run through a parser built around `register`."""

from __future__ import annotations

import argparse
import json
import sys
import zipfile

import numpy as np
import pytest

from embedlab.analysis.project import Projection
from embedlab.cli.bundle import register
from embedlab.cli.common import Parser
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError
from embedlab.jobs.bundle import save_view, saved_views
from embedlab.jobs.corpora import add_corpus
from embedlab.store.workspace import Workspace


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Parse and run like `embedlab.cli.main`: an embedlab error is one line, status 1."""
    parser = Parser(prog="embedlab")
    parser.add_argument("--home")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
        args.func(args)
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    except EmbedlabError as err:
        print(f"embedlab: error: {err}", file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def toy(home) -> Workspace:
    """A model linked to a corpus, with a query view and two maps (no training needed)."""
    ws = Workspace(home)
    corpus = add_corpus(ws, b"The cat sat on the mat. The dog sat on the log.", name="pets")
    rng = np.random.default_rng(0)
    words = ["cat", "dog", "mat", "log", "sat", "the"]
    emb = Embeddings(words, rng.normal(size=(6, 4)).astype(np.float32), meta={"name": "toy"})
    ws.add_model(emb, name="toy", corpus_id=corpus.id)
    save_view(ws, "toy", "neighbours", {"q": "cat", "k": 3})
    for name, dims in (("flat", 2), ("deep", 3)):
        xy = Projection(tuple(words), rng.normal(size=(6, dims)).astype(np.float32), None, "pca")
        save_view(ws, "toy", "projection", {"method": "pca"}, xy, name=name)
    return ws


def test_export_then_import_into_another_home(capsys, toy, tmp_path):
    out = tmp_path / "toy.zip"
    code, text, err = run(capsys, "bundle", "export", "toy", "--with-map", "flat", str(out))
    assert code == 0, err
    assert text.startswith(f"Wrote {out} (") and "model 'toy' (6 words × 4d)" in text
    assert "2 saved views (1 with a map)" in text
    assert "maps/flat.csv" in zipfile.ZipFile(out).namelist()

    other = tmp_path / "other"
    code, text, err = run(capsys, "--home", str(other), "bundle", "import", str(out), "--json")
    assert code == 0, err
    doc = json.loads(text)
    assert doc == {
        "model": "toy",
        "vocab": 6,
        "dim": 4,
        "views": ["neighbours", "flat"],
        "maps": ["flat"],
        "corpus": None,
    }
    there = {v.name: v for v in saved_views(Workspace(other), "toy")}
    here = {v.name: v for v in saved_views(toy, "toy")}
    np.testing.assert_array_equal(
        there["flat"].projection().coords, here["flat"].projection().coords
    )


def test_export_json_all_maps_and_corpus_then_import_with_a_name(capsys, toy, tmp_path):
    out = tmp_path / "all.zip"
    code, text, err = run(
        capsys, "bundle", "export", "toy", "--all-maps", "--with-corpus", str(out), "--json"
    )
    assert code == 0, err
    doc = json.loads(text)
    assert doc["model"] == "toy" and doc["corpus"] is True and doc["bytes"] == out.stat().st_size
    assert sorted(doc["maps"]) == ["deep", "flat"]
    assert "corpus/corpus.txt" in doc["files"] and "model/vectors.npy" in doc["files"]

    code, text, err = run(capsys, "bundle", "import", str(out), "--name", "toy again")
    assert code == 0, err
    assert text.strip() == (
        "Imported 'toy again': 6 words × 4d, 3 saved views, with its corpus 'pets-2'."
    )


def test_views_lists_the_saved_views(capsys, toy):
    code, text, err = run(capsys, "bundle", "views", "toy")
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0].split() == ["view", "page", "map", "parameters", "saved"]
    assert lines[2].split()[:3] == ["deep", "projection", "yes"]
    assert "q=cat&k=3" in text
    code, text, _ = run(capsys, "bundle", "views", "toy", "--json")
    assert [v["name"] for v in json.loads(text)] == ["deep", "flat", "neighbours"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["export", "toy", "--with-map", "umap", "{out}"], "no saved map named 'umap'"),
        (["export", "nope", "{out}"], "No model named 'nope'"),
        (["import", "{tmp}/missing.zip"], "'missing.zip' does not exist"),
        (["import", "{tmp}/notzip.zip"], "not a zip archive"),
        (["views", "nope"], "No model named 'nope'"),
    ],
)
def test_errors_are_one_line(capsys, toy, tmp_path, argv, words):
    (tmp_path / "notzip.zip").write_text("hello")
    argv = [a.format(out=tmp_path / "x.zip", tmp=tmp_path) for a in argv]
    models = [m.name for m in toy.models()]
    code, text, err = run(capsys, "bundle", *argv)
    assert code == 1 and text == ""
    assert len(err.splitlines()) == 1 and words in err
    assert [m.name for m in toy.models()] == models
    assert not (tmp_path / "x.zip").exists()


def test_import_refuses_a_taken_name(capsys, toy, tmp_path):
    out = tmp_path / "toy.zip"
    assert run(capsys, "bundle", "export", "toy", str(out))[0] == 0
    code, _, err = run(capsys, "bundle", "import", str(out), "--name", "toy")
    assert code == 1 and "A model named 'toy' already exists" in err


def test_bundle_needs_an_action(capsys):
    code, _, err = run(capsys, "bundle")
    assert code == 2 and "embedlab: error:" in err
    code, _, err = run(capsys, "bundle", "export", "toy", "--with-map")
    assert code == 2 and "--with-map" in err


def test_register_adds_one_command():
    sub = argparse.ArgumentParser().add_subparsers()
    register(sub)
    assert list(sub.choices) == ["bundle"]
