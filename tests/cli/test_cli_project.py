"""`embedlab project`: the coordinates file, its faithfulness column, JSON, error lines."""

from __future__ import annotations

import argparse
import csv
import json

import numpy as np
import pytest

from embedlab.cli import project as command
from embedlab.cli.common import Parser
from embedlab.errors import EmbedlabError
from embedlab.formats import write_vectors


def parser() -> argparse.ArgumentParser:
    """A parser with only this command, as embedlab's main parser builds it."""
    p = Parser(prog="embedlab")
    p.add_argument("--home")
    command.register(p.add_subparsers(dest="command", required=True))
    return p


def run(capsys, *argv: str) -> tuple[int, str, str]:
    args = parser().parse_args(list(argv))
    try:
        args.func(args)
        code = 0
    except EmbedlabError as err:
        print(f"embedlab: error: {err}", file=__import__("sys").stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def lee_file(tmp_path_factory, lee_emb):
    folder = tmp_path_factory.mktemp("vectors")
    return str(write_vectors(lee_emb, folder / "lee.txt", "word2vec")[0])


def read(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("dims", [2, 3])
def test_the_coordinates_file_round_trips(capsys, tmp_path, lee_file, lee_emb, dims):
    from embedlab.analysis.faithfulness import of_projection
    from embedlab.analysis.project import project

    out = tmp_path / "coords.csv"
    code, text, err = run(
        capsys, "project", lee_file, "--top", "400", "--dims", str(dims), "--out", str(out),
        "-k", "7", "--json",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(text)
    rows = read(out)
    axes = ["x", "y", "z"][:dims]
    assert list(rows[0]) == ["word", *axes, "faithfulness"]
    assert [r["word"] for r in rows] == list(lee_emb.words[:400])
    proj = project(lee_emb, "pca", 400, dims)  # the file holds exactly this projection
    coords = np.array([[float(r[a]) for a in axes] for r in rows], dtype=np.float32)
    np.testing.assert_array_equal(coords, proj.coords)
    faith = of_projection(lee_emb, proj, 7)
    np.testing.assert_array_equal(
        np.array([float(r["faithfulness"]) for r in rows], dtype=np.float32), faith.scores
    )
    assert summary["words"] == 400 and summary["k"] == 7 and summary["dims"] == dims
    assert summary["mean_faithfulness"] == pytest.approx(faith.mean, abs=1e-4)
    assert 0.5 < summary["trustworthiness"] <= 1 and summary["trustworthiness_sample"] == 400
    assert not list(tmp_path.glob("*.part"))


def test_tsne_and_a_table_by_default(capsys, tmp_path, lee_file):
    out = tmp_path / "t.csv"
    code, text, err = run(
        capsys, "project", lee_file, "--method", "tsne", "--top", "150", "--out", str(out)
    )
    assert code == 0, err
    assert "method" in text and "tsne" in text and "mean_faithfulness" in text
    assert len(read(out)) == 150


def test_errors_are_one_line(capsys, tmp_path, lee_file):
    code, _, err = run(capsys, "project", lee_file, "--top", "0", "--out", str(tmp_path / "c"))
    assert (
        code == 1
        and err.strip() == "embedlab: error: --top must be a whole number of at least 1; got 0."
    )
    code, _, err = run(capsys, "project", "no-such-model", "--out", str(tmp_path / "c.csv"))
    assert code == 1 and "neither a model in the workspace nor a file" in err
    code, _, err = run(capsys, "project", lee_file, "--out", str(tmp_path))
    assert code == 1 and "is a folder" in err
    with pytest.raises(SystemExit):
        parser().parse_args(["project", lee_file, "--method", "lda", "--out", "c.csv"])
