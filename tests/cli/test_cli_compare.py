"""`embedlab compare A B`: the summary table, the moved words, --word, --json and errors.

The test builds its own small parser around `register`, so it runs whether or not the
command is wired into `embedlab.cli.build_parser` yet.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pytest

from embedlab.cli.compare import register
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError
from embedlab.store.workspace import Workspace


def run(capsys, home, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="embedlab")
    parser.add_argument("--home")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--home", str(home), *argv])
    code = 0
    try:
        args.func(args)
    except EmbedlabError as err:  # what embedlab.cli.main does
        print(f"embedlab: error: {err}", file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def models(home, lee_emb):
    """Three models in a fresh workspace: the Lee model, a noisy rotated copy, a 20-d cut."""
    rng = np.random.default_rng(0)
    small = lee_emb.top(1000)
    q, _ = np.linalg.qr(rng.normal(size=(small.dim, small.dim)))
    noisy = small.vectors @ q + rng.normal(scale=0.3, size=small.vectors.shape)
    ws = Workspace(home)
    ws.add_model(small, name="lee")
    ws.add_model(Embeddings(small.words, noisy, small.counts), name="lee-noisy")
    ws.add_model(Embeddings(small.words, small.vectors[:, :20]), name="lee-20d")
    return home


def test_the_summary_names_the_numbers_and_the_moved_words(capsys, models):
    code, out, err = run(capsys, models, "compare", "lee", "lee-noisy", "-k", "5")
    assert code == 0, err
    assert "shared words" in out and "1,000" in out and "100.0% of A's words" in out
    assert "mean Jaccard@5" in out and "residual after" in out
    assert "Words that moved most:" in out and "Words whose neighbours agree least:" in out
    moved = out.split("Words that moved most:\n")[1].split("\n\n")[0].splitlines()
    assert moved[0].split()[:2] == ["word", "residual"] and len(moved) == 2 + 10


def test_word_shows_both_lists_side_by_side(capsys, models):
    code, out, _ = run(capsys, models, "compare", "lee", "lee", "--word", "government")
    assert code == 0
    block = out.split("'government': Jaccard@10 1.000")[1]
    assert "cosine to its aligned twin 1.000" in out
    rows = [line.split() for line in block.splitlines()[3:13]]
    assert len(rows) == 10 and all(r[1] == r[4] and r[2] == "*" for r in rows)  # same lists


def test_json_has_the_summary_and_the_word(capsys, models):
    code, out, err = run(
        capsys, models, "compare", "lee", "lee-noisy", "--top", "500", "--fit-top", "200",
        "--word", "police", "--show", "3", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["shared"]["words"] == 500 and doc["shared"]["top"] == 500
    assert 0.0 < doc["agreement"]["mean_jaccard"] < 1.0
    assert doc["alignment"]["fitted_on"] == 200
    assert doc["alignment"]["mean_after"] < doc["alignment"]["mean_before"]
    assert len(doc["alignment"]["moved_most"]) == 3
    assert doc["word"]["word"] == "police" and len(doc["word"]["a"]) == 10
    assert set(doc["word"]["a"][0]) == {"word", "score", "shared"}


def test_different_dimensions_still_compare_neighbours(capsys, models):
    code, out, _ = run(capsys, models, "compare", "lee", "lee-20d")
    assert code == 0
    assert "cannot be rotated onto each other" in out and "Words that moved most" not in out
    assert "mean Jaccard@10" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["-k", "1000"], "k=1000 needs more than 1000 shared words"),
        (["--word", "zzzqx"], "'zzzqx' is not in model A's vocabulary"),
        (["-k", "0"], "k must be a whole number"),
    ],
)
def test_bad_input_is_one_error_line(capsys, models, argv, needle):
    code, out, err = run(capsys, models, "compare", "lee", "lee-noisy", *argv)
    assert code == 1 and not out
    assert needle in err and err.count("\n") == 1


def test_no_shared_words_is_one_error_line(capsys, home):
    ws = Workspace(home)
    ws.add_model(Embeddings(["a", "b", "c"], np.eye(3)), name="abc")
    ws.add_model(Embeddings(["x", "y", "z"], np.eye(3)), name="xyz")
    code, _, err = run(capsys, home, "compare", "abc", "xyz")
    assert code == 1 and "share no words" in err and err.count("\n") == 1
